"""The outbound port (what the service asks of the telephone network) and its adapters: Twilio REST, the outbox."""
