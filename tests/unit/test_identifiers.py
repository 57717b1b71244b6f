"""One rule for references and one for form ids: what is generated always passes, and what a
reader could mistake (0/O, 1/I) never does."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callbacks.identifiers import (
    FORM_ID_LENGTH,
    MAX_SOURCE_PREFIX,
    REFERENCE_ALPHABET,
    SOURCE_KEY_LENGTH,
    is_form_id,
    is_reference,
    new_form_id,
    new_reference,
    source_key,
)

CONFUSABLE = "0O1I"
reference_chars = st.sampled_from(REFERENCE_ALPHABET)


@given(st.randoms(use_true_random=False))
def test_every_generated_reference_matches_the_reference_rule(randomness: random.Random) -> None:
    reference = new_reference(randomness.choice)
    assert is_reference(reference)
    assert not set(reference) & set(CONFUSABLE)


def test_references_come_from_the_system_randomness_by_default() -> None:
    references = {new_reference() for _ in range(200)}
    assert len(references) == 200 and all(is_reference(r) for r in references)


@given(
    st.lists(reference_chars, min_size=8, max_size=8),
    st.integers(min_value=0, max_value=7),
    st.sampled_from(CONFUSABLE),
)
def test_the_reference_rule_refuses_0_o_1_and_i_anywhere(chars: list[str], at: int, confusable: str) -> None:
    sound = f"{''.join(chars[:4])}-{''.join(chars[4:])}"
    assert is_reference(sound)
    chars[at] = confusable
    assert not is_reference(f"{''.join(chars[:4])}-{''.join(chars[4:])}")


@pytest.mark.parametrize("text", ["ABCD-EFG", "ABCD-EFGHJ", "ABCDEFGH", "abcd-efgh", "ABCD_EFGH", " ABCD-EFGH", ""])
def test_the_reference_rule_refuses_other_shapes(text: str) -> None:
    assert not is_reference(text)


def test_every_generated_form_id_matches_the_form_id_rule() -> None:
    assert all(is_form_id(new_form_id()) for _ in range(200))


def test_form_ids_are_16_to_64_url_safe_characters() -> None:
    low, high = FORM_ID_LENGTH
    assert (low, high) == (16, 64)
    assert is_form_id("a" * low) and is_form_id("Z_-9" * (high // 4))
    assert not is_form_id("a" * (low - 1)) and not is_form_id("a" * (high + 1))
    assert not is_form_id("a" * 20 + "/") and not is_form_id("a" * 20 + " ")


@given(st.text(alphabet="abc:", min_size=0, max_size=MAX_SOURCE_PREFIX))
def test_every_source_key_fits_its_column(prefix: str) -> None:
    assert len(source_key(prefix, "x" * FORM_ID_LENGTH[1])) <= SOURCE_KEY_LENGTH


def test_a_source_key_is_never_made_of_a_bad_form_id_or_an_overlong_prefix() -> None:
    with pytest.raises(ValueError):
        source_key("web:", "short")
    with pytest.raises(ValueError):
        source_key("p" * (MAX_SOURCE_PREFIX + 1), "x" * 16)
