"""Claims as records: the fact-check inventory (``verifier claims``) and the claim in a finding."""

from __future__ import annotations

from verifier.document import Document


def claim_record(doc: Document, index: int) -> dict:
    claim = doc.claims[index]
    line, column = doc.position(claim.start)
    citations = []
    for citation in doc.claim_citations[index]:
        c_line, c_column = doc.position(citation.start)
        citations.append({"kind": citation.kind, "target": citation.target, "line": c_line, "column": c_column})
    sentence = doc.sentence_text(claim.sentence).strip() if claim.sentence >= 0 else ""
    return {
        "path": doc.path,
        "kind": claim.kind,
        "text": claim.text,
        "start": claim.start,
        "end": claim.end,
        "line": line,
        "column": column,
        "value": claim.value,
        "low": claim.low,
        "high": claim.high,
        "operator": claim.operator,
        "unit": claim.unit,
        "hedge": claim.hedge,
        "raw": claim.raw,
        "sentence": " ".join(sentence.split()),
        "citations": citations,
        "sourced": bool(citations),
    }


def claim_records(doc: Document) -> list[dict]:
    return [claim_record(doc, i) for i in range(len(doc.claims))]
