"""Terminal output: ``path:line:col: CODE [name] message``, the source line and a caret."""

from __future__ import annotations

from verifier.model import Diagnostic, Severity
from verifier.reporters import Report

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
_MAX_EXCERPT = 100


def _paint(text: str, code: str, on: bool) -> str:
    return f"{code}{text}{_RESET}" if on else text


def excerpt(diagnostic: Diagnostic) -> tuple[str, str]:
    """The source line (cut around the span when long) and a caret line under the span."""
    line = diagnostic.source_line.replace("\t", " ")
    start = diagnostic.column - 1
    end = diagnostic.end_column - 1 if diagnostic.end_line == diagnostic.line else len(line)
    end = max(end, start + 1)
    left = 0
    if len(line) > _MAX_EXCERPT:
        left = max(0, min(start - 20, len(line) - _MAX_EXCERPT))
        right = left + _MAX_EXCERPT
        shown = ("…" if left else "") + line[left:right] + ("…" if right < len(line) else "")
        offset = 1 if left else 0
    else:
        shown, offset = line, 0
    width = max(1, min(end, left + _MAX_EXCERPT) - start)
    caret = " " * (start - left + offset) + "^" * width
    return shown, caret


def format_diagnostic(diagnostic: Diagnostic, color: bool) -> str:
    location = f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}:"
    code = _paint(diagnostic.code, _BOLD + _COLORS[diagnostic.severity], color)
    head = f"{_paint(location, _BOLD, color)} {code} [{diagnostic.rule}] {diagnostic.message}"
    shown, caret = excerpt(diagnostic)
    lines = [head, f"    {shown}", f"    {_paint(caret, _COLORS[diagnostic.severity], color)}"]
    for related in diagnostic.related:
        lines.append(_paint(f"    = {related.path}:{related.line}:{related.column}: {related.message}", _DIM, color))
    if diagnostic.evidence:
        quote = diagnostic.evidence.quote
        if len(quote) > 200:
            quote = quote[:199] + "…"
        lines.append(_paint(f"    = source says ({diagnostic.evidence.location}): \"{quote}\"", _DIM, color))
    return "\n".join(lines)


def summary_line(report: Report) -> str:
    s = report.summary()
    files = f"{s['files']} file{'s' if s['files'] != 1 else ''}"
    if not s["findings"]:
        return f"No problems found in {files}.{_hidden(report)}"
    parts = [f"{s['errors']} error{'s' if s['errors'] != 1 else ''}",
             f"{s['warnings']} warning{'s' if s['warnings'] != 1 else ''}",
             f"{s['info']} info"]
    return (f"Found {s['findings']} problem{'s' if s['findings'] != 1 else ''} ({', '.join(parts)}) in {files}."
            f"{_hidden(report)}")


def _hidden(report: Report) -> str:
    """What the filters hid, so nobody mistakes a baselined run for a clean one."""
    parts = []
    if report.suppressed:
        parts.append(f"{report.suppressed} suppressed inline")
    if report.baselined:
        parts.append(f"{report.baselined} in the baseline")
    return f" Hidden: {', '.join(parts)}." if parts else ""


def statistics(report: Report) -> str:
    """``--statistics``: how many findings each rule produced, most first (as ruff prints it)."""
    counts: dict[tuple[str, str], int] = {}
    for d in report.diagnostics:
        counts[(d.code, d.rule)] = counts.get((d.code, d.rule), 0) + 1
    if not counts:
        return "" if report.quiet else summary_line(report) + "\n"
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    width = max(len(str(n)) for _, n in rows)
    lines = [f"{str(n).rjust(width)}  {code}  {rule}" for (code, rule), n in rows]
    if not report.quiet:
        lines += ["", summary_line(report)]
    return "\n".join(lines) + "\n"


def render(report: Report) -> str:
    blocks = [format_diagnostic(d, report.color) for d in report.diagnostics]
    if not report.quiet:
        blocks.append(summary_line(report))
    return "\n\n".join(blocks) + "\n" if blocks else ""
