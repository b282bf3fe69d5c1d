"""Findings under their file's name, one line each: a draft at a time, for reading top to bottom."""

from __future__ import annotations

from itertools import groupby

from verifier.reporters import Report
from verifier.reporters.text_format import _BOLD, _COLORS, _paint, summary_line


def render(report: Report) -> str:
    blocks = []
    for path, group in groupby(report.diagnostics, key=lambda d: d.path):
        found = list(group)
        width = max(len(f"{d.line}:{d.column}") for d in found)
        lines = [_paint(f"{path}:", _BOLD, report.color)]
        for d in found:
            code = _paint(d.code, _BOLD + _COLORS[d.severity], report.color)
            lines.append(f"  {f'{d.line}:{d.column}'.ljust(width)}  {code} [{d.rule}] {d.message}")
        blocks.append("\n".join(lines))
    if not report.quiet:
        blocks.append(summary_line(report))
    return "\n\n".join(blocks) + "\n" if blocks else ""
