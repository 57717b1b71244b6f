"""Which numbers the job centre calls back: one rule for the desk, the contact form, the API
and numbers keyed in on the phone, each page wording the refusal for its reader."""

from __future__ import annotations

from typing import Literal

import phonenumbers

from config.deployment import Deployment

Refusal = Literal["foreign", "special", "ours"]

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
    elif not foreign_mobiles or kind not in FOREIGN_TYPES:
        return "foreign"
    if deployment.region_for_number(e164) or deployment.region_for_staff_line(e164):
        return "ours"
    return None
