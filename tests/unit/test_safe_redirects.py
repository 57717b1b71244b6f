"""Redirect targets taken from a request lead to a path of this site, whatever the text."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from staff.redirects import safe_next

HERE = "https://hotline.example/x"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Pieces an attacker combines: separators, what browsers strip or rewrite, schemes, encodings.
PIECES = st.sampled_from(
    ["/", "//", "\\", "\t", "\n", "\r", "\x00", "\x1f", " ", "%2f", "%2F", "%5c", "%5C", "%09", "%0a", ".", "..",
     ":", "@", "?", "#", "http:", "https:", "javascript:", "evil.example", "a", "ä", "\u3002", "\ufeff"]
)  # fmt: skip
TEXTS = st.one_of(st.text(), st.lists(PIECES, max_size=12).map("".join))


_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


def as_a_browser_reads_it(target: str) -> str:
    """What a browser's URL parser (WHATWG) does first: trim C0 controls and spaces, drop
    tabs and newlines, and in http(s) URLs read a backslash as a slash."""
    return re.sub(r"[\t\n\r]", "", target.strip(_C0_AND_SPACE)).replace("\\", "/")


@given(TEXTS)
def test_any_text_gives_the_start_page_or_a_path_of_this_site(text: str) -> None:
    result = safe_next(text)
    assert result == "/" or result == text
    assert result.startswith("/") and not _CONTROL.search(result)
    for read in (result, as_a_browser_reads_it(result)):
        assert urlsplit(urljoin(HERE, read)).netloc == "hotline.example"
        assert not read.startswith("//")


@pytest.mark.parametrize(
    "target",
    ["/", "/counsellor", "/planning?view=week", "/concerns/ABCD-EFGH?done=closed", "/kontakt/siegburg?lang=en",
     "/worklist?region=siegburg&status=open#top", "/a%20b", "/x:y", "/.well-known/a"],
)  # fmt: skip
def test_paths_of_this_site_are_kept(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [None, "", "//evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/x", "/\x00/x", "/\x1f/x",
     "\t//evil.example", " /evil", "/\\evil.example", "\\\\evil.example", "https://evil.example", "http:/evil",
     "javascript:alert(1)", "/%2fevil.example", "/%2F%2Fevil.example", "/%5cevil.example", "/%5C", "evil.example",
     "/\u2028", "/ä", "/" + "a" * 3000],
)  # fmt: skip
def test_anything_else_goes_to_the_start_page(target: str | None) -> None:
    assert safe_next(target) == "/"
