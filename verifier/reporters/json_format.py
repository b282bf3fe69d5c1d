"""JSON findings: ``{"version": 1, "findings": [...], "summary": {...}}``, a stable contract."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Iterator

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
    return "".join(chunks(report))


def chunks(report: Report) -> Iterator[str]:
    """``json.dumps(payload, indent=2)`` to the byte, in pieces of one finding each, so a
    report is written as it is encoded: encoding a large library's 40 MB report whole held
    several copies of it at once (and a small string per token before that)."""
    encode = json.JSONEncoder(indent=2, ensure_ascii=False).encode
    yield f'{{\n  "version": {VERSION},\n  "findings": ['
    for index, diagnostic in enumerate(report.diagnostics):
        yield ("\n" if index == 0 else ",\n") + _nested(encode(finding_record(diagnostic)), 2)
    yield "\n  ]" if report.diagnostics else "]"
    yield f',\n  "summary": {_nested(encode(report.summary()), 1)[2:]}\n}}\n'


def _nested(encoded: str, depth: int) -> str:
    """An indented JSON value as it reads ``depth`` levels down (JSON strings hold no raw
    line breaks, so every line break is the encoder's)."""
    margin = "  " * depth
    return margin + encoded.replace("\n", "\n" + margin)


class ReportFormatError(ValueError):
    """A file is not a verifier JSON report this version can read."""


def read_report(text: str, name: str) -> tuple[list[Diagnostic], int]:
    """Diagnostics and the file count of a ``check --format json`` report (for merging shards)."""
    from verifier.model import Evidence, Location, Severity

    try:
        payload = json.loads(text)
        if payload.get("version") != VERSION:
            raise ReportFormatError(f"{name}: report version {payload.get('version')!r}; this verifier reads {VERSION}")
        diagnostics = []
        for record in payload["findings"]:
            fields = dict(record)
            fields["severity"] = Severity(fields["severity"])
            fields["related"] = [Location(**r) for r in fields["related"]]
            fields["evidence"] = Evidence(**fields["evidence"]) if fields["evidence"] else None
            diagnostics.append(Diagnostic(**fields))
        return diagnostics, int(payload.get("summary", {}).get("files", 0))
    except ReportFormatError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ReportFormatError(f"{name}: not a verifier JSON report ({error})") from None
