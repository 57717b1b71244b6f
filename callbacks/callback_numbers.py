"""Which numbers the job centre calls back: one rule for the desk, the contact form, the API,
callers and numbers keyed in on the phone. The refusal is worded once, in callbacks.refusals."""

from __future__ import annotations

from typing import Literal

import phonenumbers

from callbacks.limits import MAX_PHONE
from config.deployment import Deployment
from config.loader import normalise_number

Refusal = Literal["foreign", "foreign_landline", "special", "ours"]
NumberRefusal = Literal["phone_invalid", "phone_foreign", "phone_foreign_landline", "phone_special", "phone_ours"]
_REFUSAL_CODES: dict[Refusal, NumberRefusal] = {
    "foreign": "phone_foreign",
    "foreign_landline": "phone_foreign_landline",
    "special": "phone_special",
    "ours": "phone_ours",
}

# Subscriber lines at home. Service numbers (0800, 0180, 0900, 0700) are never a customer's own
# line, and calling premium or shared-cost numbers would cost the job centre; VoIP (032) and
# "fixed line or mobile" are ordinary lines.
HOME_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        phonenumbers.PhoneNumberType.VOIP,
    }
)
# From abroad only mobiles: customers who moved here (many from Ukraine) often keep their home
# SIM, while a foreign landline is no way to reach someone living in the region. Where a
# country's numbering does not tell mobiles from landlines (USA, Canada), the number is taken.
FOREIGN_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


def callback_refusal(e164: str, deployment: Deployment, *, foreign_mobiles: bool) -> Refusal | None:
    """Why `e164` is no number to call a customer back on, or None if it is one.

    `foreign_mobiles`: staff at the desk may take a foreign mobile; an anonymous web form may
    not, since a form that makes the job centre dial anywhere invites toll fraud.
    """
    parsed = phonenumbers.parse(e164)
    kind = phonenumbers.number_type(parsed)
    if phonenumbers.region_code_for_number(parsed) == deployment.holidays.country:
        if kind not in HOME_TYPES:
            return "special"
    elif not foreign_mobiles:
        return "foreign"
    elif kind not in FOREIGN_TYPES:
        return "foreign_landline"
    if deployment.region_for_number(e164) or deployment.region_for_staff_line(e164):
        return "ours"
    return None


class NumberRefused(ValueError):
    """A number as typed that is no number to call back; `code` names the refusal."""

    def __init__(self, code: NumberRefusal) -> None:
        super().__init__(code)
        self.code: NumberRefusal = code


def callback_number(text: str, deployment: Deployment, *, foreign_mobiles: bool) -> str:
    """The E.164 form of a number typed in any notation (national numbers in the deployment's
    country), if the job centre calls it back; `NumberRefused` otherwise."""
    e164 = normalise_number(text, deployment.holidays.country) if 0 < len(text) <= MAX_PHONE else None
    if e164 is None:
        raise NumberRefused("phone_invalid")
    refusal = callback_refusal(e164, deployment, foreign_mobiles=foreign_mobiles)
    if refusal is not None:
        raise NumberRefused(_REFUSAL_CODES[refusal])
    return e164
