"""`hotline simulate call`: plays Twilio against a running service and prints what a caller hears."""
