"""JSON findings: ``{"version": 1, "findings": [...], "summary": {...}}``, a stable contract."""

from __future__ import annotations

import json
from json.encoder import encode_basestring
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
        # Both are flat dataclasses of scalars: their fields as they are (asdict deep-copies).
        "related": [dict(vars(r)) for r in diagnostic.related],
        "evidence": dict(vars(diagnostic.evidence)) if diagnostic.evidence else None,
        "fingerprint": diagnostic.fingerprint,
    }


def render(report: Report) -> str:
    return "".join(chunks(report))


def chunks(report: Report) -> Iterator[str]:
    """``json.dumps(payload, indent=2)`` to the byte, in pieces of one finding each, so a
    report is written as it is encoded: encoding a large library's 40 MB report whole held
    several copies of it at once (and a small string per token before that)."""
    yield f'{{\n  "version": {VERSION},\n  "findings": ['
    for index, diagnostic in enumerate(report.diagnostics):
        yield ("\n    " if index == 0 else ",\n    ") + _indented(finding_record(diagnostic), "    ")
    yield "\n  ]" if report.diagnostics else "]"
    yield f',\n  "summary": {_indented(report.summary(), "  ")}\n}}\n'


_number = json.JSONEncoder(ensure_ascii=False).encode   # NaN and Infinity as json writes them
_CONSTANTS = {None: "null", True: "true", False: "false"}


def _indented(value, margin: str) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)`` as it reads after ``margin``, the C
    encoder writing every scalar: the pure-Python encoder that indenting needs took most of
    the time of a run answered from the result cache. Keys are strings here, as JSON's are.

    Types are tested exactly and strings first, most values being strings: a report of a
    large library is written after its last draft is checked, by one process."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is dict or (kind is not list and isinstance(value, dict)):
        if not value:
            return "{}"
        inner = margin + "  "
        items = ",\n".join([
            f"{inner}{encode_basestring(key)}: "
            f"{encode_basestring(item) if type(item) is str else _indented(item, inner)}"
            for key, item in value.items()])
        return f"{{\n{items}\n{margin}}}"
    if kind is list or isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = margin + "  "
        items = ",\n".join([inner + _indented(item, inner) for item in value])
        return f"[\n{items}\n{margin}]"
    if kind is int:
        return int.__repr__(value)
    if value is None or kind is bool:
        return _CONSTANTS[value]
    return _number(value)   # floats, and subclasses of str or int, as json writes them


class ReportFormatError(ValueError):
    """A file is not a verifier JSON report this version can read."""


def read_report(text: str, name: str) -> tuple[list[Diagnostic], int]:
    """Diagnostics and the file count of a ``check --format json`` report (for merging shards)."""
    try:
        payload = json.loads(text)
        if payload.get("version") != VERSION:
            raise ReportFormatError(f"{name}: report version {payload.get('version')!r}; this verifier reads {VERSION}")
        diagnostics = [Diagnostic.from_record(record) for record in payload["findings"]]
        return diagnostics, int(payload.get("summary", {}).get("files", 0))
    except ReportFormatError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ReportFormatError(f"{name}: not a verifier JSON report ({error})") from None
