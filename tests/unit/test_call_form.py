"""Reading the caller's number from a webhook: for a pseudonym, and for calling back."""

from __future__ import annotations

import pytest

from telephony.edge.fields import WITHHELD, CallForm


def form(caller: object) -> CallForm:
    return CallForm(call_sid="CA" + "0" * 32, to="+4922419000100", digits=None, fields={"From": caller})


@pytest.mark.parametrize("caller", ["+4917612345678", "+4922411234567", "+12025550123"])
def test_a_number_in_e164_is_both_pseudonymised_and_called_back(caller: str) -> None:
    assert form(caller).caller_id == caller
    assert form(caller).caller == caller


@pytest.mark.parametrize("withheld", sorted(WITHHELD))
def test_twilios_stand_ins_for_a_withheld_number_are_nobody(withheld: str) -> None:
    assert form(withheld).caller_id is None
    assert form(withheld).caller is None


@pytest.mark.parametrize("caller", ["anonymous", "client:anna", "", "004917612345678", "+49 176 1234567", None, 42])
def test_anything_not_e164_is_nobody(caller: object) -> None:
    assert form(caller).caller_id is None


def test_a_well_formed_number_that_does_not_exist_gets_a_pseudonym_but_no_callback() -> None:
    made_up = "+4900000000"  # the form of E.164, but no German number starts with 0 after the country code
    assert form(made_up).caller_id == made_up
    assert form(made_up).caller is None
