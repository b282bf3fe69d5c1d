"""JUnit XML: a test suite per draft, a failing test case per finding, for CI test dashboards."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby

from verifier.baseline import canonical_path
from verifier.reporters import Report
from verifier.reporters.text_format import excerpt

# Characters XML 1.0 cannot carry, even escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def render(report: Report) -> str:
    by_path = {path: list(group) for path, group in groupby(report.diagnostics, key=lambda d: d.path)}
    paths = list(report.paths) or [doc.path for doc in report.documents] or list(by_path)
    for path in by_path:
        if path not in paths:
            paths.append(path)
    root = ET.Element("testsuites", name="verifier", tests="0", failures="0")
    total = failures = 0
    for path in paths:
        found = by_path.get(path, [])
        shown = _clean(canonical_path(path))
        suite = ET.SubElement(root, "testsuite", name=shown, tests=str(max(1, len(found))),
                              failures=str(len(found)), errors="0", skipped="0")
        if not found:
            ET.SubElement(suite, "testcase", classname=shown, name="verifier", file=shown)
            total += 1
            continue
        for d in found:
            case = ET.SubElement(suite, "testcase", classname=shown,
                                 name=_clean(f"{d.code} {d.rule} at {d.line}:{d.column}"),
                                 file=shown, line=str(d.line))
            failure = ET.SubElement(case, "failure", message=_clean(d.message), type=d.rule)
            line, caret = excerpt(d)
            body = [f"{shown}:{d.line}:{d.column}: {d.code} [{d.rule}] {d.message}", f"    {line}", f"    {caret}"]
            if d.evidence:
                body.append(f'    = source says ({d.evidence.location}): "{d.evidence.quote}"')
            failure.text = _clean("\n".join(body))
            total += 1
            failures += 1
    root.set("tests", str(total))
    root.set("failures", str(failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
