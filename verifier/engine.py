"""Run the rules over documents and place their findings in files."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Iterable

from verifier.document import Document
from verifier.inventory import claim_record
from verifier.model import Diagnostic, Finding, Location
from verifier.registry import Rule, RuleContext, all_rules
from verifier.settings import Settings


def run_rules(documents: list[Document], settings: Settings, context: RuleContext | None = None) -> list[Diagnostic]:
    """Every enabled rule over every document; diagnostics sorted by file and position."""
    context = context or RuleContext(options=settings.options)
    by_path = {doc.path: doc for doc in documents}
    diagnostics: list[Diagnostic] = []
    for rule in all_rules():
        if not settings.enabled(rule):
            continue
        if rule.scope == "corpus":
            findings: Iterable[tuple[Document, Finding]] = rule.check(documents, context)
        else:
            findings = ((doc, f) for doc in documents for f in rule.check(doc, context))
        diagnostics.extend(_place(rule, settings, doc, finding, by_path) for doc, finding in findings)
    _disambiguate_fingerprints(diagnostics)
    return sorted(diagnostics, key=lambda d: d.sort_key)


def _place(rule: Rule, settings: Settings, doc: Document, finding: Finding, by_path: dict[str, Document]) -> Diagnostic:
    line, column = doc.position(finding.start)
    end_line, end_column = doc.position(max(finding.start, finding.end))
    claim = None
    if finding.claim is not None and finding.claim in doc.claims:
        claim = claim_record(doc, doc.claims.index(finding.claim))
    related = []
    for item in finding.related:
        other = by_path.get(item.path, doc) if item.path else doc
        r_line, r_column = other.position(item.start)
        related.append(Location(other.path, r_line, r_column, item.message))
    return Diagnostic(
        code=rule.code,
        rule=rule.name,
        severity=settings.severity_of(rule),
        path=doc.path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        message=finding.message,
        fingerprint=_fingerprint(rule, doc, finding),
        source_line=doc.line_text(line),
        claim=claim,
        related=related,
        evidence=finding.evidence,
    )


_SPACE = re.compile(r"\s+")


def _fingerprint(rule: Rule, doc: Document, finding: Finding) -> str:
    """Rule, path and the text the finding is about, never its line: edits elsewhere keep it."""
    anchor = finding.anchor if finding.anchor is not None else doc.text[finding.start:finding.end]
    sentence = doc.sentence_of(finding.start)
    context = doc.sentence_text(sentence) if sentence >= 0 else ""
    key = "\x1f".join([rule.name, doc.path, _SPACE.sub(" ", anchor).strip(), _SPACE.sub(" ", context).strip()])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def _disambiguate_fingerprints(diagnostics: list[Diagnostic]) -> None:
    """Identical findings (a pasted paragraph) get an occurrence number, in file order."""
    seen: Counter[str] = Counter()
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key):
        count = seen[diagnostic.fingerprint]
        seen[diagnostic.fingerprint] += 1
        if count:
            diagnostic.fingerprint = f"{diagnostic.fingerprint}-{count}"
