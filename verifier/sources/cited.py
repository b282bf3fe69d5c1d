"""Which sources a document cites: one target per source, whichever way it was cited.

A link to a PMC article yields two citations with one span (``url:...`` and ``pmcid:...``);
a numeric marker ``[2]`` points at a reference entry whose DOI is the source; an author-year
citation points at an entry by surname and year. This module turns all of them into the
canonical targets of :mod:`verifier.sources.ids`, so a source is checked and reported once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verifier.citations import reference_for
from verifier.document import citation_groups
from verifier.sources.ids import canonical, kind_of

if TYPE_CHECKING:
    from verifier.document import Document
    from verifier.model import Citation

RESOLVABLE = {"doi", "pmid", "pmcid", "url"}


def _pick(targets: list[str]) -> list[str]:
    """Targets of one span: identifiers win over the URL they were read from."""
    found = list(dict.fromkeys(canonical(t) for t in targets if kind_of(t) in RESOLVABLE))
    identifiers = [t for t in found if kind_of(t) != "url"]
    return identifiers or found


def reference_targets(doc: "Document", citation: "Citation") -> list[str]:
    """Targets of the reference entry a marker or author-year citation points at: none
    when the entry is unknown or ambiguous (better no source than the wrong one).

    Resolved once per document and citation: every claim of a paragraph cites its markers.
    """
    resolved = doc.memo("cited.reference-targets", lambda _: {})
    if citation not in resolved:
        entry = reference_for(citation, doc.references)
        resolved[citation] = _pick(list(doc.references[entry].targets)) if entry >= 0 else []
    return list(resolved[citation])


def citation_group_targets(doc: "Document", citations) -> list[str]:
    """Canonical targets of citations (grouped by span), following markers to their entries."""
    found: list[str] = []
    for group in citation_groups(citations):
        direct = _pick([c.target for c in group])
        if not direct:
            for citation in group:
                direct.extend(reference_targets(doc, citation))
        for target in direct:
            if target not in found:
                found.append(target)
    return found


def claim_sources(doc: "Document", claim_index: int) -> list[str]:
    """The sources a claim cites, as canonical targets, in order (found once per document:
    several rules ask for every claim's)."""
    found = doc.memo("cited.claim-sources", lambda _: {})
    if claim_index not in found:
        found[claim_index] = citation_group_targets(doc, doc.claim_citations[claim_index])
    return list(found[claim_index])


def document_sources(doc: "Document") -> dict[str, "Citation"]:
    """Every source a document cites (running text and reference lists), with its first citation."""
    first: dict[str, "Citation"] = {}
    for group in citation_groups(doc.citations):
        targets = _pick([c.target for c in group])
        if not targets:
            for citation in group:
                targets.extend(reference_targets(doc, citation))
        for target in targets:
            first.setdefault(target, group[0])
    return first


def source_links(doc: "Document") -> dict[str, str]:
    """For sources cited by a link, the link's ``url:`` target: a fallback when the identifier fails."""
    links: dict[str, str] = {}
    for group in citation_groups(doc.citations):
        urls = [c.target for c in group if kind_of(c.target) == "url"]
        if not urls:
            continue
        for target in _pick([c.target for c in group]):
            if kind_of(target) != "url":
                links.setdefault(target, urls[0])
    return links
