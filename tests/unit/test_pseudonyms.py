"""Caller pseudonyms are stable, keyed, and reveal nothing of the number."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contacts.pseudonyms import Pseudonymiser

numbers = st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True)
pseudonymise = Pseudonymiser("k" * 40)


@given(numbers, numbers)
def test_same_number_same_pseudonym_different_numbers_differ(a: str, b: str) -> None:
    assert pseudonymise(a) == pseudonymise(a)
    assert (pseudonymise(a) == pseudonymise(b)) == (a == b)


@given(numbers)
def test_pseudonym_depends_on_the_key_and_hides_the_number(number: str) -> None:
    other = Pseudonymiser("m" * 40)
    assert pseudonymise(number) != other(number)
    assert number[1:] not in pseudonymise(number)
    assert len(pseudonymise(number)) == 64


@pytest.mark.parametrize("text", ["02241 9000100", "4922419000100", "+49 2241", "", "+0123456789"])
def test_only_e164_numbers_are_pseudonymised(text: str) -> None:
    with pytest.raises(ValueError, match=r"E\.164"):
        pseudonymise(text)
