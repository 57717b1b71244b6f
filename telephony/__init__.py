"""The Twilio edge: webhooks, TwiML, spoken prompts, the outbound port and the call simulator."""
