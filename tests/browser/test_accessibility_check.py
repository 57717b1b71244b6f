"""The axe-core check every browser test relies on can fail: it names the rule and the element."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import axe_violations, browser_tab, describe_violations

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html lang="de"><head><title>Probe</title></head>
<body><main><h1>Probe</h1>{content}</main></body></html>"""


def test_the_check_names_each_violated_rule_with_the_elements_it_caught(browser: Any) -> None:
    with browser_tab(browser, "about:blank") as tab:
        tab.set_content(PAGE.format(content='<img src="data:," id="logo"><input id="phone" type="tel">'))
        violations = axe_violations(tab)
        report = describe_violations(violations)
        assert {violation["id"] for violation in violations} >= {"image-alt", "label"}, report
        assert "image-alt (critical)" in report and "    #logo" in report
        assert "    #phone" in report

        tab.set_content(
            PAGE.format(content='<img src="data:," alt="Logo"><label for="p">Telefon</label><input id="p" type="tel">')
        )
        assert axe_violations(tab) == []
