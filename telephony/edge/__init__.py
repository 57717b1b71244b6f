"""The one webhook edge every /twilio/ route goes through: body, signature, typed fields, safe answers."""
