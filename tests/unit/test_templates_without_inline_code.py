"""The Content-Security-Policy runs no script and applies no style written into a page: every
template keeps its script and style in files under /static/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
TEMPLATES = sorted(ROOT.glob("*/templates/**/*.html"))
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\ssrc=)", re.I),
    "style block": re.compile(r"<style", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle=", re.I),
    "event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) > 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_template_has_no_inline_script_or_style(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    found = [what for what, pattern in INLINE.items() if pattern.search(text)]
    assert found == []
