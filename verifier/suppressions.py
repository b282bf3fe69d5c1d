"""Inline suppressions: Markdown comments that silence findings, invisible when rendered.

::

    <!-- verifier: disable-next-line unsourced-statistic -->
    <!-- verifier: disable VS101, duplicate-passage -->  ...  <!-- verifier: enable -->
    <!-- verifier: disable-file impossible-value -->

Rules are named by name, code or code prefix; a directive naming no rule applies to
every rule. Text after `` -- `` is a reason for the reader. ``enable`` with rules ends
the suppression of those rules only; a ``disable`` never enabled runs to the end of the
file. Directives inside code blocks and code spans are examples, not directives.

A directive that silences nothing is reported by the pipeline as ``unused-suppression``
(:func:`Suppressions.unused`), judged only for rules that ran on the file: a directive
for a rule the configuration turns off cannot be told apart from a needed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from verifier.model import Diagnostic, Finding
from verifier.registry import Rule, all_rules, rule_named
from verifier.settings import matches

RULE_NAME = "unused-suppression"
ACTIONS = ("disable", "enable", "disable-next-line", "disable-file")

_DIRECTIVE = re.compile(r"<!--\s*verifier\s*:(?P<body>.*?)-->", re.S | re.I)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_SEPARATORS = re.compile(r"[,\s]+")


@dataclass
class Directive:
    action: str
    selectors: tuple[str, ...]      # empty: every rule
    start: int
    end: int
    line: int                        # line of the comment's start
    after: tuple[int, int]           # (line, column) just after the comment
    used: set[str] = field(default_factory=set)   # selectors that silenced something ("" for all)

    def names(self, rule: Rule) -> list[str]:
        """The selectors of this directive that name ``rule`` ("" when it names every rule)."""
        if not self.selectors:
            return [""]
        return [s for s in self.selectors if matches(rule, [s])]


@dataclass
class _Span:
    directive: Directive
    rules: frozenset[str] | None     # None: every rule
    start: tuple[int, int]
    end: tuple[int, int] | None = None


@dataclass
class Suppressions:
    directives: list[Directive]
    spans: list[_Span]
    problems: list[Finding]          # malformed directives
    suppressed: int = 0

    @classmethod
    def parse(cls, doc) -> "Suppressions":
        """Every directive of a document, in order, with the regions ``disable`` opens."""
        directives: list[Directive] = []
        problems: list[Finding] = []
        spans: list[_Span] = []
        open_spans: list[_Span] = []
        every = frozenset(rule.name for rule in all_rules())
        for match in _DIRECTIVE.finditer(doc.text):
            if _in_code(doc, match.start()):
                continue
            body = match.group("body").split(" -- ", 1)[0].strip()
            action, _, rest = body.partition(" ")
            action = action.strip().lower()
            selectors = tuple(s for s in _SEPARATORS.split(rest.strip()) if s)
            if action not in ACTIONS:
                problems.append(Finding(
                    rule=RULE_NAME, start=match.start(), end=match.end(),
                    message=f"Unknown verifier directive {action or body!r}; use {', '.join(ACTIONS)}",
                    anchor=match.group(0)))
                continue
            line, _ = doc.position(match.start())
            directive = Directive(action, selectors, match.start(), match.end(), line, doc.position(match.end()))
            here = directive.after
            if action == "disable":
                span = _Span(directive, _rule_names(selectors, every), here)
                spans.append(span)
                open_spans.append(span)
            elif action == "enable":
                closing = _rule_names(selectors, every)
                still_open = []
                for span in open_spans:
                    span.end = doc.position(match.start())
                    remaining = None if closing is None else (span.rules if span.rules is not None else every) - closing
                    if remaining:
                        reopened = _Span(span.directive, frozenset(remaining), here)
                        spans.append(reopened)
                        still_open.append(reopened)
                open_spans = still_open
            if action != "enable":
                directives.append(directive)
        return cls(directives, spans, problems)

    def _silencing(self, diagnostic: Diagnostic) -> list[Directive]:
        rule = rule_named(diagnostic.rule)
        where = (diagnostic.line, diagnostic.column)
        found = []
        for directive in self.directives:
            if directive.action == "disable-file" and directive.names(rule):
                found.append(directive)
            elif (directive.action == "disable-next-line" and diagnostic.line == directive.after[0] + 1
                  and directive.names(rule)):
                found.append(directive)
        for span in self.spans:
            if (span.rules is None or rule.name in span.rules) and span.start <= where \
                    and (span.end is None or where < span.end):
                found.append(span.directive)
        return found

    def silences(self, diagnostic: Diagnostic) -> bool:
        return bool(self._silencing(diagnostic))

    def filter(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """The diagnostics no directive silences; records which directives were used."""
        if not self.directives:
            return list(diagnostics)
        kept = []
        for diagnostic in diagnostics:
            silencing = self._silencing(diagnostic)
            if not silencing:
                kept.append(diagnostic)
                continue
            self.suppressed += 1
            rule = rule_named(diagnostic.rule)
            for directive in silencing:
                directive.used.update(directive.names(rule))
        return kept

    def unused(self, ran: Callable[[Rule], bool]) -> list[Finding]:
        """Findings for directives that silenced nothing (call after :meth:`filter`).

        ``ran`` says whether a rule ran on this file; a directive is judged only on the
        rules it names that did.
        """
        findings = list(self.problems)
        known = all_rules()
        for directive in self.directives:
            unknown = [s for s in directive.selectors if not any(matches(r, [s]) for r in known)]
            idle = []
            for selector in directive.selectors or ("",):
                if selector in unknown or selector in directive.used:
                    continue
                named = known if not selector else [r for r in known if matches(r, [selector])]
                if any(ran(r) for r in named if r.name != RULE_NAME):
                    idle.append(selector)
            if unknown:
                listed = ", ".join(repr(s) for s in unknown)
                findings.append(self._finding(directive, f"Suppression names {listed}, not a rule name, code or "
                                                         f"code prefix; `verifier rules` lists them"))
            if idle:
                what = " or ".join(idle) + " finding" if idle != [""] else "finding"
                findings.append(self._finding(directive, f"Unused suppression: no {what} {_scope(directive)}"))
        return findings

    @staticmethod
    def _finding(directive: Directive, message: str) -> Finding:
        return Finding(rule=RULE_NAME, start=directive.start, end=directive.end, message=message,
                       anchor=f"{directive.action} {' '.join(directive.selectors)}|{message}")


def _scope(directive: Directive) -> str:
    return {
        "disable-next-line": "on the next line",
        "disable-file": "in this file",
        "disable": "in the disabled region",
    }[directive.action]


def _rule_names(selectors: tuple[str, ...], every: frozenset[str]) -> frozenset[str] | None:
    if not selectors:
        return None
    return frozenset(rule.name for rule in all_rules() if matches(rule, list(selectors))) & every


def _in_code(doc, offset: int) -> bool:
    """Inside a code block, front matter, or an inline code span: an example, not a directive."""
    index = doc.block_at(offset)
    if index < 0:
        return False
    block = doc.blocks[index]
    if block.kind in {"code", "front_matter"}:
        return True
    return any(span.start() <= offset < span.end() for span in _CODE_SPAN.finditer(doc.text, block.start, block.end))
