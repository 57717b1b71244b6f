"""Collecting every problem of a configuration before stopping, each named by its key path."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem: the key path (``regions.siegburg.hours.hotline.tue``) and why it is wrong."""

    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.key}: {self.reason}" if self.key else self.reason


class ConfigError(Exception):
    """A configuration that cannot be used; carries every issue found, not just the first."""

    def __init__(self, source: str, issues: list[ConfigIssue]) -> None:
        self.source = source
        self.issues = tuple(issues)
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{self.source}: {len(self.issues)} error(s)" if self.source else "configuration errors"
        return "\n".join([head, *(f"  {issue}" for issue in self.issues)])


class IssueCollector:
    """Gathers issues while a parser walks a document, so one run reports them all."""

    def __init__(self) -> None:
        self.issues: list[ConfigIssue] = []

    def add(self, key: str, reason: str) -> None:
        self.issues.append(ConfigIssue(key, reason))

    def __bool__(self) -> bool:
        return bool(self.issues)


def join_key(*parts: str) -> str:
    return ".".join(p for p in parts if p)
