"""Templates build every link into the site from a route's name (`url("concern", reference=…)`),
so a moved route cannot leave a typed path behind on some page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
TEMPLATES = sorted(ROOT.glob("*/templates/**/*.html"))
TYPED_PATH = re.compile(r"""\s(?:href|action|src|formaction)\s*=\s*["']?/""", re.I)


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) > 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_template_types_no_path_into_the_site(template: Path) -> None:
    lines = template.read_text(encoding="utf-8").splitlines()
    typed = [f"{number}: {line.strip()}" for number, line in enumerate(lines, 1) if TYPED_PATH.search(line)]
    assert typed == []
