"""Phone numbers as staff and customers read them: national notation, links, masks."""

from __future__ import annotations

import phonenumbers

HOME_REGION = "DE"


def national(e164: str) -> str:
    """German numbers nationally ("0171 2223334"), others internationally ("+44 20 7946 0018"); the input
    unchanged where it is no number."""
    try:
        parsed = phonenumbers.parse(e164, HOME_REGION)
    except phonenumbers.NumberParseException:
        return e164
    kind = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(parsed) == HOME_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, kind)


def tel_uri(e164: str) -> str:
    """The `tel:` link of a number (RFC 3966)."""
    try:
        parsed = phonenumbers.parse(e164, HOME_REGION)
    except phonenumbers.NumberParseException:
        return "tel:" + "".join(c for c in e164 if c.isdigit() or c == "+")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.RFC3966)


def masked(e164: str, visible: int = 3) -> str:
    """All digits but the last `visible` hidden, in national notation: "•••• •••334"."""
    text = national(e164)
    total = sum(c.isdigit() for c in text)
    seen = 0
    out = []
    for c in text:
        if c.isdigit():
            seen += 1
            out.append(c if seen > total - visible else "•")
        else:
            out.append(c)
    return "".join(out)
