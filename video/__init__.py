"""Telephone and video counselling: slots, booking and join links, reminders."""
