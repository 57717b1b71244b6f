"""One place for how dates, times, numbers, percentages, languages and phone numbers read.

Everything a person reads or hears (pages, receipts, SMS, prompts, the CLI) is formatted here,
from Babel's CLDR data, so that German, English, Turkish, Arabic, Ukrainian and Russian each get
their own conventions and no two places disagree.
"""
