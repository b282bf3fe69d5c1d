"""Resolved settings for one run: which rules, at what severity, failing at what level.

:mod:`verifier.config` builds these from configuration files and the command line; the
pipeline only reads them. Globs in ``per_file_ignores`` and ``exclude`` are anchored
already: a pattern containing ``/`` is an absolute pattern (the directory of the file
that declared it joined to the pattern), one without ``/`` matches a file name at any
depth, as in ``.gitignore``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from verifier.model import Severity
from verifier.registry import Rule

ATTACHMENT_SCOPES = ("sentence", "paragraph")


@dataclass
class Settings:
    select: list[str] = field(default_factory=list)   # empty: every rule
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.WARNING
    attachment: str = "paragraph"
    options: dict = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    trusted_domains: list[str] = field(default_factory=list)
    weak_domains: list[str] = field(default_factory=list)
    cache_dir: str | None = None
    contact_email: str | None = None
    online: bool = False

    def enabled(self, rule: Rule) -> bool:
        selected = not self.select or matches(rule, self.select) or matches(rule, self.extend_select)
        return selected and not matches(rule, self.ignore)

    def enabled_for(self, rule: Rule, path: str) -> bool:
        """Enabled, and not switched off for this file by ``per_file_ignores``."""
        return self.enabled(rule) and not matches(rule, self.ignored_in(path))

    def ignored_in(self, path: str) -> list[str]:
        """Selectors that ``per_file_ignores`` applies to ``path``."""
        found: list[str] = []
        for pattern, selectors in self.per_file_ignores.items():
            if glob_match(pattern, path):
                found.extend(selectors)
        return found

    def excluded(self, path: str) -> bool:
        return any(glob_match(pattern, path) for pattern in self.exclude)

    def severity_of(self, rule: Rule) -> Severity:
        """The override that names the rule most precisely: name or code, then the longest prefix."""
        best: tuple[int, Severity] | None = None
        for key, level in self.severity.items():
            if not matches(rule, [key]):
                continue
            key = key.strip()
            exact = key.lower() == rule.name or key.upper() == rule.code.upper()
            weight = 1000 if exact else (0 if key.upper() == "ALL" else len(key))
            if best is None or weight >= best[0]:
                best = (weight, level)
        return best[1] if best else rule.severity

    def rule_options(self) -> dict:
        """What rules read from ``RuleContext.options``: ``options`` plus the source settings."""
        merged = dict(self.options)
        merged.setdefault("trusted_domains", list(self.trusted_domains))
        merged.setdefault("weak_domains", list(self.weak_domains))
        if self.contact_email:
            # verifier.sources.settings.SourcesConfig.from_options reads options["sources"]["email"].
            merged["sources"] = {"email": self.contact_email, **dict(merged.get("sources") or {})}
        return merged


def matches(rule: Rule, selectors: list[str]) -> bool:
    """A selector names a rule by name, code, or code prefix (``VS1`` selects VS101...); ``ALL`` selects all."""
    for selector in selectors:
        key = selector.strip()
        if not key:
            continue
        if key.upper() == "ALL" or key.lower() == rule.name or rule.code.upper().startswith(key.upper()):
            return True
    return False


def glob_match(pattern: str, path: str) -> bool:
    """Match an anchored glob (see the module docstring) against a file path.

    ``*`` and ``?`` stay within one path segment, ``**`` spans any number of them, and
    a pattern naming a directory matches every file under it.
    """
    if not path or path == "-":
        return False
    target = _posix(os.path.abspath(path))
    if "/" not in pattern:
        return bool(_compile(pattern).fullmatch(target.rsplit("/", 1)[-1]))
    regex = _compile(_posix(pattern))
    return bool(regex.fullmatch(target)) or bool(regex.match(target) and _is_dir_prefix(regex, target))


def _is_dir_prefix(regex: re.Pattern, target: str) -> bool:
    """True when the pattern matches a whole leading directory of the target."""
    parts = target.split("/")
    return any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts)))


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern:
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            close = pattern.find("]", i + 1)
            if close == -1:
                out.append(re.escape(ch))
                i += 1
            else:
                body = pattern[i + 1:close]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = close + 1
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out))
