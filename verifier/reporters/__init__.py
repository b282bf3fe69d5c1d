"""Reporters: interchangeable functions of the same findings. Adding a format touches one file.

Each module here has ``render(report: Report) -> str`` (and may have ``chunks(report)``,
the same text in pieces); they print what the engine decided and decide nothing themselves.
"""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from verifier.model import Diagnostic, Severity

if TYPE_CHECKING:
    from verifier.document import Document

FORMATS = ("text", "concise", "grouped", "json", "sarif", "github", "junit", "html")


@dataclass
class Report:
    diagnostics: list[Diagnostic]
    documents: list["Document"] = field(default_factory=list)
    files_checked: int = 0
    color: bool = False
    quiet: bool = False          # findings only: no summary line
    suppressed: int = 0          # silenced by inline suppressions
    baselined: int = 0           # hidden by the baseline
    paths: list[str] = field(default_factory=list)   # every file checked, with findings or not

    def counts(self) -> Counter:
        return Counter(d.severity.value for d in self.diagnostics)

    def summary(self) -> dict:
        counts = self.counts()
        return {
            "files": self.files_checked,
            "findings": len(self.diagnostics),
            "errors": counts.get(Severity.ERROR.value, 0),
            "warnings": counts.get(Severity.WARNING.value, 0),
            "info": counts.get(Severity.INFO.value, 0),
            "by_rule": dict(sorted(Counter(d.rule for d in self.diagnostics).items())),
        }


def render(format_name: str, report: Report) -> str:
    return _module(format_name).render(report)


def stream(format_name: str, report: Report) -> Iterable[str]:
    """The report in pieces to write one after another: a format whose reports grow large
    (JSON) encodes a piece at a time; the others give the whole text as one piece."""
    module = _module(format_name)
    return module.chunks(report) if hasattr(module, "chunks") else [module.render(report)]


def _module(format_name: str):
    if format_name not in FORMATS:
        raise ValueError(f"unknown format {format_name!r}; choose from {', '.join(FORMATS)}")
    return importlib.import_module(f"verifier.reporters.{format_name}_format")
