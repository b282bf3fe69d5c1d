"""SARIF 2.1.0, as GitHub code scanning accepts it.

One run; the driver lists every rule with its summary, description and the same help
text as ``verifier rule NAME``; each result carries its rule, level, message, a region
in an artifact relative to ``%SRCROOT%`` (the working directory) and a stable partial
fingerprint, so code scanning tracks a finding across commits that move it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from verifier import __version__
from verifier.baseline import canonical_path
from verifier.model import Diagnostic, Severity
from verifier.registry import all_rules
from verifier.reporters import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "verifierFingerprint/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_location(path: str) -> dict:
    """A relative URI under %SRCROOT% when the file is under the working directory."""
    shown = canonical_path(path)
    if shown.startswith("/") or shown.startswith("<") or shown == "-" or os.path.isabs(shown):
        if os.path.isabs(shown):
            return {"uri": Path(shown).as_uri()}
        return {"uri": quote(shown)}
    return {"uri": quote(shown), "uriBaseId": "%SRCROOT%"}


def _region(line: int, column: int, end_line: int, end_column: int) -> dict:
    if end_line < line or (end_line == line and end_column <= column):
        end_line, end_column = line, column + 1
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _message(diagnostic: Diagnostic) -> str:
    text = diagnostic.message
    if diagnostic.evidence:
        text += f'\nThe source says ({diagnostic.evidence.location}): "{diagnostic.evidence.quote}"'
    return text


def _result(diagnostic: Diagnostic, index: dict[str, int]) -> dict:
    result = {
        "ruleId": diagnostic.code,
        "ruleIndex": index[diagnostic.code],
        "level": LEVELS[diagnostic.severity],
        "message": {"text": _message(diagnostic)},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_location(diagnostic.path),
                "region": _region(diagnostic.line, diagnostic.column, diagnostic.end_line, diagnostic.end_column),
            }
        }],
        "partialFingerprints": {FINGERPRINT_KEY: diagnostic.fingerprint},
    }
    if diagnostic.related:
        result["relatedLocations"] = [
            {
                "id": number,
                "physicalLocation": {
                    "artifactLocation": artifact_location(related.path),
                    "region": {"startLine": related.line, "startColumn": related.column},
                },
                "message": {"text": related.message or "related location"},
            }
            for number, related in enumerate(diagnostic.related, start=1)
        ]
    return result


def _rule(rule) -> dict:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.what.split())},
        "help": {"text": rule.explanation, "markdown": rule.explanation},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["health-writing", rule.family or "verifier"]},
    }


def sarif_log(report: Report) -> dict:
    rules = all_rules()
    index = {rule.code: n for n, rule in enumerate(rules)}
    root = Path(os.getcwd()).as_uri().rstrip("/") + "/"
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "verifier",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(rule) for rule in rules],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
            "columnKind": "unicodeCodePoints",
            "results": [_result(d, index) for d in report.diagnostics],
        }],
    }


def render(report: Report) -> str:
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"
