"""The counsellors' side: availability, ringing them for waiting callers, the staff line, callback calls."""
