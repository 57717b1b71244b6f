"""The concern queue (Anliegen): callbacks, voicemail, walk-in and web-form concerns, SLAs."""
