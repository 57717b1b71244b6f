"""What a caller hears on a regional hotline: language menu, queue, closed line, callback, voicemail."""
