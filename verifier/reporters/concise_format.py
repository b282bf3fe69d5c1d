"""One line a finding: ``path:line:col: CODE [name] message``, for editors' quickfix lists and grep."""

from __future__ import annotations

from verifier.model import Diagnostic
from verifier.reporters import Report
from verifier.reporters.text_format import _BOLD, _COLORS, _paint, summary_line


def format_line(diagnostic: Diagnostic, color: bool) -> str:
    location = _paint(f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}:", _BOLD, color)
    code = _paint(diagnostic.code, _BOLD + _COLORS[diagnostic.severity], color)
    return f"{location} {code} [{diagnostic.rule}] {diagnostic.message}"


def render(report: Report) -> str:
    lines = [format_line(d, report.color) for d in report.diagnostics]
    if not report.quiet:
        lines.append(summary_line(report))
    return "\n".join(lines) + "\n" if lines else ""
