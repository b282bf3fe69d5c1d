"""Rule declarations: identity, default severity and documentation sit with the check.

A rule module under ``rules/`` declares each rule with :func:`rule`::

    @rule(
        code="VS101",
        name="unsourced-statistic",
        severity=Severity.WARNING,
        summary="A statistic has no citation in its sentence or paragraph.",
        what="...", why="...", bad="...", good="...",
    )
    def unsourced_statistic(doc: Document, context: RuleContext) -> Iterator[Finding]:
        ...

Rules return :class:`verifier.model.Finding` objects and never print; the engine adds
codes, severities and positions.

A rule that compares documents is declared with ``across=``. It runs in two steps, so a
run never holds every document at once and documents can be read in worker processes:
``check(doc, context)`` returns the findings within that document and a *digest*, the
compact, picklable part of the document the comparison needs. Then ``across(context)``
makes one comparer for the run, which is called with each document's digest in input
order and yields the findings in that document (its copies of earlier passages, its
figures that earlier drafts contradict), remembering what it needs of it for the
documents after. ``Related`` locations name earlier documents by path.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from verifier.model import Finding, Severity


@dataclass
class RuleContext:
    """What a rule may read besides the document: settings and resolved sources.

    ``sources`` maps a citation target (``doi:...``, ``pmid:...``, ``url:...``) to a
    source record, and is empty unless a source store is in use. ``options`` holds the
    resolved configuration (for example extra weak and trusted domains).
    """

    options: dict[str, Any] = field(default_factory=dict)
    sources: Any = None


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    what: str
    why: str
    bad: str
    good: str
    check: Callable[..., Any]
    across: Callable[[RuleContext], Callable[[Any], Iterable[Finding]]] | None = None
    family: str = ""

    @property
    def scope(self) -> str:
        """"corpus" for a rule that compares documents, else "document"."""
        return "corpus" if self.across is not None else "document"

    @property
    def explanation(self) -> str:
        """The rule's documentation in one fixed template (as ``ruff rule`` prints it)."""
        return (
            f"# {self.name} ({self.code})\n\n"
            f"Default severity: {self.severity.value}\n\n"
            f"## What it does\n{self.what}\n\n"
            f"## Why is this bad?\n{self.why}\n\n"
            f"## Example\n{_indent(self.bad)}\n\n"
            f"## Use instead\n{_indent(self.good)}\n"
        )


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.strip("\n").splitlines())


_RULES: dict[str, Rule] = {}


def rule(*, code: str, name: str, severity: Severity, summary: str, what: str, why: str,
         bad: str, good: str, across: Callable | None = None) -> Callable:
    """Register the decorated function as a rule (and ``across`` as its comparison of documents)."""

    def register(check: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        for existing in _RULES.values():
            if existing.code == code or existing.name == name:
                raise ValueError(f"rule {code} {name} is declared twice")
        family = check.__module__.rsplit(".", 1)[-1]
        _RULES[name] = Rule(code, name, severity, summary, what.strip(), why.strip(), bad, good,
                            check, across, family)
        return check

    return register


def all_rules() -> list[Rule]:
    """Every rule, loading the rule modules on first use, in code order."""
    _load_rule_modules()
    return sorted(_RULES.values(), key=lambda r: r.code)


def rule_named(name: str) -> Rule:
    """The rule registered as ``name`` exactly (a diagnostic's ``rule``): a dict look-up, for
    the paths that run once per finding."""
    _load_rule_modules()
    return _RULES[name]


def find_rule(name_or_code: str) -> Rule | None:
    key = name_or_code.strip()
    for candidate in all_rules():
        if candidate.name == key.lower() or candidate.code.lower() == key.lower():
            return candidate
    return None


_loaded = False


def _load_rule_modules() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    import verifier.rules as package

    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{module.name}")
