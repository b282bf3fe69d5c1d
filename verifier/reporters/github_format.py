"""GitHub Actions workflow commands: one ``::warning file=...,line=...::message`` a finding.

GitHub shows them as annotations on the pull request's diff. :func:`step_summary` is the
Markdown the CLI appends to ``$GITHUB_STEP_SUMMARY`` when it is set.
"""

from __future__ import annotations

import html
from collections import Counter

from verifier.baseline import canonical_path
from verifier.model import Diagnostic, Severity
from verifier.reporters import Report

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_SUMMARY_ROWS = 200


def escape_data(text: str) -> str:
    """The message part, as GitHub's toolkit escapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: as data, and ``:`` and ``,`` too, since they delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diagnostic: Diagnostic) -> str:
    properties = [("file", canonical_path(diagnostic.path)), ("line", str(diagnostic.line))]
    if diagnostic.end_line > diagnostic.line:
        properties.append(("endLine", str(diagnostic.end_line)))
    else:
        # GitHub supports columns only on single-line annotations.
        properties.append(("col", str(diagnostic.column)))
        properties.append(("endColumn", str(max(diagnostic.end_column, diagnostic.column + 1))))
    properties.append(("title", f"{diagnostic.code} {diagnostic.rule}"))
    message = diagnostic.message
    if diagnostic.evidence:
        message += f'\nThe source says ({diagnostic.evidence.location}): "{diagnostic.evidence.quote}"'
    head = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[diagnostic.severity]} {head}::{escape_data(message)}"


def render(report: Report) -> str:
    return "".join(annotation(d) + "\n" for d in report.diagnostics)


def _cell(text: str) -> str:
    return html.escape(" ".join(text.split())).replace("|", "\\|")


def step_summary(report: Report) -> str:
    s = report.summary()
    files = f"{s['files']} file{'s' if s['files'] != 1 else ''}"
    if not s["findings"]:
        lines = [f"### verifier: no problems in {files}", ""]
        return "\n".join(lines) + "\n"
    lines = [
        f"### verifier: {s['findings']} problem{'s' if s['findings'] != 1 else ''} in {files}",
        "",
        f"{s['errors']} errors, {s['warnings']} warnings, {s['info']} info"
        + (f"; {report.baselined} hidden by the baseline" if report.baselined else "")
        + (f"; {report.suppressed} suppressed inline" if report.suppressed else ""),
        "",
        "| Rule | Findings |",
        "| --- | ---: |",
    ]
    by_rule = Counter((d.code, d.rule) for d in report.diagnostics)
    for (code, rule), count in sorted(by_rule.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"| `{code}` {rule} | {count} |")
    lines += ["", "<details><summary>Findings</summary>", "", "| Location | Rule | Message |", "| --- | --- | --- |"]
    for d in report.diagnostics[:_SUMMARY_ROWS]:
        lines.append(f"| {_cell(canonical_path(d.path))}:{d.line}:{d.column} | `{d.code}` | {_cell(d.message)} |")
    if len(report.diagnostics) > _SUMMARY_ROWS:
        lines.append(f"| … | | {len(report.diagnostics) - _SUMMARY_ROWS} more |")
    lines += ["", "</details>", ""]
    return "\n".join(lines) + "\n"
