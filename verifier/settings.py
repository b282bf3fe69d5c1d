"""Resolved settings for one run: which rules, at what severity, failing at what level."""

from __future__ import annotations

from dataclasses import dataclass, field

from verifier.model import Severity
from verifier.registry import Rule


@dataclass
class Settings:
    select: list[str] = field(default_factory=list)   # empty: every rule
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.WARNING
    attachment: str = "paragraph"
    options: dict = field(default_factory=dict)

    def enabled(self, rule: Rule) -> bool:
        selected = not self.select or matches(rule, self.select) or matches(rule, self.extend_select)
        return selected and not matches(rule, self.ignore)

    def severity_of(self, rule: Rule) -> Severity:
        for key, level in self.severity.items():
            if matches(rule, [key]):
                return level
        return rule.severity


def matches(rule: Rule, selectors: list[str]) -> bool:
    """A selector names a rule by name, code, or code prefix (``VS1`` selects VS101...); ``ALL`` selects all."""
    for selector in selectors:
        key = selector.strip()
        if not key:
            continue
        if key.upper() == "ALL" or key.lower() == rule.name or rule.code.upper().startswith(key.upper()):
            return True
    return False
