"""JSON findings: ``{"version": 1, "findings": [...], "summary": {...}}``, a stable contract."""

from __future__ import annotations

import json
from dataclasses import asdict

from verifier.model import Diagnostic
from verifier.reporters import Report

VERSION = 1


def finding_record(diagnostic: Diagnostic) -> dict:
    return {
        "code": diagnostic.code,
        "rule": diagnostic.rule,
        "severity": diagnostic.severity.value,
        "path": diagnostic.path,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "end_line": diagnostic.end_line,
        "end_column": diagnostic.end_column,
        "message": diagnostic.message,
        "claim": diagnostic.claim,
        "related": [asdict(r) for r in diagnostic.related],
        "evidence": asdict(diagnostic.evidence) if diagnostic.evidence else None,
        "fingerprint": diagnostic.fingerprint,
    }


def render(report: Report) -> str:
    payload = {
        "version": VERSION,
        "findings": [finding_record(d) for d in report.diagnostics],
        "summary": report.summary(),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
