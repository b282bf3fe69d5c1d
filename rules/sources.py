"""Sources: check claims against the text of the sources they cite.

These rules read source records from ``context.sources`` (the source store, filled by
``verifier sources pull`` or ``sources add``); they never fetch anything. With no store
in use they are silent; with one, a cited source that has no record is reported once, at
info level, by ``source-not-checked``: never a silent pass.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Iterator

from verifier.document import Document
from verifier.model import Claim, Evidence, Finding, Severity
from verifier.registry import RuleContext, rule
from verifier.sources.cited import claim_sources, document_sources
from verifier.sources.store import SourceRecord

from ._text import quote

if TYPE_CHECKING:
    from verifier.sources.matching import SourceText, Wanted

# Claims whose figure is a date or an identifier rather than a finding are not looked up.
_SKIPPED_KINDS = {"year", "date"}


def _sources(context: RuleContext):
    return context.sources if context is not None else None


def _record(context: RuleContext, target: str) -> SourceRecord | None:
    store = _sources(context)
    try:
        return store.get(target) if store is not None else None
    except Exception:  # a broken store is reported by the CLI, never fatal to a rule
        return None


def _matching():
    """verifier.sources.matching, imported once a draft's sources are checked: an offline
    check with an empty source store never needs it, and it costs every cold start ~40 ms."""
    from verifier.sources import matching

    return matching


@lru_cache(maxsize=64)
def _indexed(text: str) -> SourceText:
    return _matching().SourceText(text)


def _index(record: SourceRecord) -> SourceText:
    return _indexed(record.text)


def wanted_for(claim: Claim) -> list[Wanted]:
    """The values a claim states, as :mod:`verifier.sources.matching` looks for them."""
    operator = claim.operator if claim.operator in {"<", "<=", ">", ">=", "~"} else "="
    wanted = _matching().wanted_from_text(claim.text, operator, claim.hedge)
    if not wanted and claim.value is not None:
        wanted = [_matching().Wanted(claim.value, claim.decimals, claim.kind == "percent", operator,
                         claim.kind == "p_value", None, claim.raw)]
    return wanted


def _checkable(claim: Claim) -> bool:
    if claim.kind in _SKIPPED_KINDS or claim.value is None and claim.low is None:
        return False
    return True


def _evidence(doc: Document, claim: Claim, records: list[SourceRecord], like: Wanted | None = None) -> Evidence | None:
    """The passage of the cited sources closest to what the claim says around its figure."""
    query = _claim_context(doc, claim)
    best = None
    for record in records:
        index = _index(record)
        span = _matching().closest_passage(query, index, like=like)
        if span is None:
            continue
        from rapidfuzz import fuzz

        score = fuzz.token_set_ratio(query, record.text[span[0]:span[1]])
        if best is None or score > best[0]:
            best = (score, record, span)
    if best is None:
        return None
    _, record, (start, end) = best
    return Evidence(source=record.key, quote=" ".join(record.text[start:end].split()),
                    location=_matching().location_of(record.text, [tuple(s) for s in record.sections], start))


def _claim_context(doc: Document, claim: Claim, reach: int = 90) -> str:
    """The claim's sentence, narrowed to the words around its figure when the sentence is long."""
    if claim.sentence < 0:
        return claim.text
    sentence = doc.sentences[claim.sentence]
    start = max(sentence.start, claim.start - reach)
    end = min(sentence.end, claim.end + reach)
    return doc.prose[start:end]


def _names(records: list[SourceRecord]) -> str:
    names = [quote(r.title, 70) if r.title else r.key for r in records]
    return "; ".join(names)


def _cited_records(doc: Document, index: int, context: RuleContext) -> list[SourceRecord] | None:
    """The records of a claim's sources when every one of them has text, else None."""
    targets = claim_sources(doc, index)
    if not targets:
        return None
    records = [_record(context, t) for t in targets]
    if any(r is None or not r.has_text for r in records):
        return None   # the figure may be in the source we could not read: say nothing
    unique = list({id(r): r for r in records}.values())
    return unique


@rule(
    code="VS701",
    name="source-number-missing",
    severity=Severity.WARNING,
    summary="A claim's figure appears in none of its cited sources' text.",
    what="""
Looks up each figure of a cited claim in the stored text of the sources it cites and
reports figures that none of them contains, quoting the source passage closest to the
claim. Numbers match however they are written: 45% / 45 % / 45 percent / forty-five per
cent / 0.45, P<.001 / p < 0.001, 1,014 / 1014, 1.5 million / 1,500,000, and a claim may
round the source (39.7% written "nearly 40%") or bound it ("more than 3,000" for 3,199).
Claims whose sources are not all in the store are left to source-not-checked.""",
    why="""
A figure the cited paper does not contain is either mis-copied, taken from somewhere else,
or invented. Readers trust a figure more because it carries a citation, so a wrong one
does more harm than an unsourced one.""",
    bad="About 45% of participants improved, against 22% with usual care (PMC9987133).\n"
        "(the paper reports no 45% or 22%)",
    good="In 36 children, serotonin rose with music therapy (p < 0.001) (PMC9987133).",
)
def source_number_missing(doc: Document, context: RuleContext) -> Iterator[Finding]:
    if _sources(context) is None:
        return
    for index, claim in enumerate(doc.claims):
        if not _checkable(claim):
            continue
        records = _cited_records(doc, index, context)
        if not records:
            continue
        wanted = wanted_for(claim)
        if not wanted:
            continue
        missing = [w for w in wanted if not any(_index(r).find(w) for r in records)]
        if not missing:
            continue
        figures = ", ".join(f'"{w.raw}"' for w in missing) if len(wanted) > 1 else f'"{claim.text}"'
        noun = "source" if len(records) == 1 else "sources"
        yield Finding(
            rule="source-number-missing",
            start=claim.start,
            end=claim.end,
            message=f"{figures} is not in the cited {noun} ({_names(records)})",
            claim=claim,
            evidence=_evidence(doc, claim, records, missing[0]),
            anchor=claim.text,
        )


# Figures distinctive enough that finding them in a sentence means that sentence reports them.
def _distinctive(want: Wanted) -> bool:
    return want.percent or want.decimals > 0 or abs(want.value) >= 20


@rule(
    code="VS702",
    name="source-context-mismatch",
    severity=Severity.WARNING,
    summary="The cited source has the figure, but for another population or time point.",
    what="""
For a figure the cited source does contain, compares what the claim says it describes
with every sentence of the source that reports it: a population (children, adults,
older adults, women, men, pregnant women, infants) or a time point or follow-up length
("after one year" against "at 3 months"). It reports only when every sentence holding
the figure names a different one and none, nor its paragraph, names the claim's.""",
    why="""
The commonest way to mis-cite a real study is to keep its number and change what the
number is about: a 3-month result becomes "after one year", a result in adults is
applied to children.""",
    bad="Music therapy helped 45% of children with depression [1].\n"
        "(the source: \"45% of adults responded\")",
    good="Music therapy helped 45% of adults with depression [1].",
)
def source_context_mismatch(doc: Document, context: RuleContext) -> Iterator[Finding]:
    if _sources(context) is None:
        return
    for index, claim in enumerate(doc.claims):
        if not _checkable(claim) or claim.sentence < 0:
            continue
        records = _cited_records(doc, index, context)
        if not records:
            continue
        wanted = [w for w in wanted_for(claim) if _distinctive(w)]
        if not wanted:
            continue
        spans: list[tuple[SourceRecord, tuple[int, int]]] = []
        for want in wanted:
            hits = [(r, _index(r).sentence_at(n.start)) for r in records for n in _index(r).find(want)]
            if not hits:
                spans = []
                break   # a missing figure is source-number-missing's business
            spans.extend(hits)
        if not spans:
            continue
        sentence = doc.sentence_text(claim.sentence)
        for record in {id(r): r for r, _ in spans}.values():
            own = list(dict.fromkeys(span for r, span in spans if r is record))
            reason = _matching().context_mismatch(sentence, claim.text, _index(record), own)
            if reason is None:
                break
        else:
            record, (start, end) = spans[0]
            yield Finding(
                rule="source-context-mismatch",
                start=claim.start,
                end=claim.end,
                message=f'"{claim.text}" is in the cited source, but {reason}',
                claim=claim,
                evidence=Evidence(source=record.key, quote=" ".join(record.text[start:end].split()),
                                  location=_matching().location_of(record.text, [tuple(s) for s in record.sections], start)),
                anchor=claim.text,
            )


def _once_per_source(doc: Document, context: RuleContext):
    """(target, first citation, record) for every source the document cites."""
    for target, citation in document_sources(doc).items():
        yield target, citation, _record(context, target)


@rule(
    code="VS703",
    name="source-unavailable",
    severity=Severity.WARNING,
    summary="A cited source could not be fetched: not found, gone, or its host unreachable.",
    what="""
Reports, once per source at its first citation, a cited source that the last pull could
not fetch: HTTP 404 or 410, a DOI or PubMed id that does not exist, a host that does not
resolve, or a server that timed out on every retry.""",
    why="""
A reader who follows the citation finds nothing, and nobody can check the claim it
supports. A DOI that does not resolve is also a common sign of a made-up reference.""",
    bad="Music therapy helped 45% of patients (doi:10.9999/made-up.2020.1).",
    good="Music therapy helped patients (doi:10.1192/bjp.bp.110.085431).",
)
def source_unavailable(doc: Document, context: RuleContext) -> Iterator[Finding]:
    if _sources(context) is None:
        return
    for target, citation, record in _once_per_source(doc, context):
        if record is None or record.status != "unavailable":
            continue
        error = record.error or {}
        reason = error.get("message") or error.get("kind") or "could not be fetched"
        yield Finding(
            rule="source-unavailable",
            start=citation.start,
            end=citation.end,
            message=f"Cited source {target} is unavailable: {reason}",
            anchor=target,
        )


@rule(
    code="VS704",
    name="retracted-source",
    severity=Severity.ERROR,
    summary="A cited source has been retracted or withdrawn.",
    what="""
Reports, once per source at its first citation, a cited paper that Crossref (including
the Retraction Watch database), PubMed or Europe PMC marks as retracted, withdrawn or
removed, and a citation of a retraction notice itself.""",
    why="""
A retracted paper's findings are withdrawn from the record; a health claim resting on it
has no support, however well it is quoted.""",
    bad="Hydroxychloroquine cut deaths by half (doi:10.1016/s0140-6736(20)31180-6).",
    good="Hydroxychloroquine did not reduce deaths (doi:10.1056/NEJMoa2022926).",
)
def retracted_source(doc: Document, context: RuleContext) -> Iterator[Finding]:
    if _sources(context) is None:
        return
    for target, citation, record in _once_per_source(doc, context):
        if record is None or not record.retraction:
            continue
        status = record.retraction.get("status")
        if status == "retraction-notice":
            what = "is a retraction notice"
        elif record.retracted:
            what = f"has been {status}"
        else:
            continue
        notices = [n for n in record.retraction.get("notices", []) if n.get("doi") or n.get("label")]
        detail = ""
        if notices:
            notice = notices[0]
            detail = f" (notice {notice.get('doi') or notice.get('label')}"
            detail += f", {notice['date']}" if notice.get("date") else ""
            detail += ")"
        where = f"retraction notice {detail.strip(' ()')}" if detail else f"{status} ({record.retraction.get('source', '')})"
        yield Finding(
            rule="retracted-source",
            start=citation.start,
            end=citation.end,
            message=f"Cited source {_names([record])} {what}{detail}",
            evidence=Evidence(source=record.key, quote=record.title or record.key, location=where),
            anchor=target,
        )


@rule(
    code="VS705",
    name="source-not-checked",
    severity=Severity.INFO,
    summary="A source cited for a figure has no text in the source store, so it was not checked.",
    what="""
Reports, once per source at its first citation, a source cited for a figure that the
source store has no text for: never pulled, a paywalled paper with only metadata, or a
record that could not be read. Pull it with `verifier sources pull`, or attach its text
with `verifier sources add`. It speaks only about drafts whose sources are being
checked, that is when the store holds a record for at least one source the draft cites
(after `verifier sources pull`, `sources add` or `check --online`): a writer who has
never pulled sources gets no note per citation on every commit.""",
    why="""
A check that skips a source without saying so reads as a pass. Saying what was not
checked tells the editor where the remaining work is.""",
    bad="Music therapy helped 45% of patients (doi:10.1192/bjp.bp.110.085431).\n"
        "(no record of that DOI in the store)",
    good="The same sentence after `verifier sources pull draft.md`.",
)
def source_not_checked(doc: Document, context: RuleContext) -> Iterator[Finding]:
    if _sources(context) is None:
        return
    if not any(_sources(context).tracks(target) for target in document_sources(doc)):
        return  # nobody has started checking this draft's sources
    reported: set[str] = set()
    for index in range(len(doc.claims)):
        citations = doc.claim_citations[index]
        if not citations:
            continue
        for target in claim_sources(doc, index):
            if target in reported:
                continue
            record = _record(context, target)
            if record is not None and (record.has_text or record.status == "unavailable"):
                continue
            reported.add(target)
            citation = _first_citation(doc, citations, target)
            why = "has no record in the source store" if record is None else "has no text in the source store"
            yield Finding(
                rule="source-not-checked",
                start=citation.start,
                end=citation.end,
                message=f"Source {target} {why}; its figures were not checked "
                        f"(run `verifier sources pull` or attach its text with `verifier sources add`)",
                anchor=target,
            )


def _first_citation(doc: Document, citations, target: str):
    from verifier.sources.cited import citation_group_targets

    for citation in citations:
        if target in citation_group_targets(doc, [citation]):
            return citation
    return citations[0]
