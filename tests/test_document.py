"""The Document helpers rules share: citations by sentence and by source, and the memo."""

from __future__ import annotations

from dataclasses import fields, replace

from verifier.document import _placed, build_document, citation_groups
from verifier.model import Claim

TEXT = """\
Depression improved in 40% of adults. (doi:10.1000/xyz123).

Anxiety fell in the trial. ([PubMed](https://pubmed.ncbi.nlm.nih.gov/123/)) Sleep was unchanged [1].

No citation here. Nor here.

[1]: https://example.com/sleep
"""


def _targets(citations) -> list[str]:
    return [c.target for c in citations]


def _sentence(doc, prefix: str) -> int:
    return next(i for i in range(len(doc.sentences)) if doc.sentence_text(i).startswith(prefix))


def test_sentence_citations_include_a_citation_after_the_full_stop():
    doc = build_document("x.md", TEXT)
    assert _targets(doc.sentence_citations(_sentence(doc, "Depression"))) == ["doi:10.1000/xyz123"]
    assert _targets(doc.sentence_citations(_sentence(doc, "Anxiety"))) == [
        "url:https://pubmed.ncbi.nlm.nih.gov/123", "pmid:123"]
    assert _targets(doc.sentence_citations(_sentence(doc, "Sleep"))) == ["url:https://example.com/sleep", "ref:1"]
    assert doc.sentence_citations(_sentence(doc, "No citation")) == ()
    assert doc.sentence_citations(_sentence(doc, "Nor")) == ()


def test_sentence_citations_hold_for_sentences_without_claims():
    doc = build_document("x.md", "The trial was small. ([Trial](https://pubmed.ncbi.nlm.nih.gov/123/))\n")
    assert not doc.claims
    assert _targets(doc.sentence_citations(0)) == ["url:https://pubmed.ncbi.nlm.nih.gov/123", "pmid:123"]


def test_sentence_of_citation_is_the_inverse_of_sentence_citations():
    doc = build_document("x.md", TEXT)
    for citation in doc.text_citations:
        index = doc.sentence_of_citation(citation)
        assert index >= 0
        assert citation in doc.sentence_citations(index)
        assert not any(citation in doc.sentence_citations(i) for i in range(index))


def test_sentence_of_citation_after_a_full_stop_is_the_sentence_it_closes():
    doc = build_document("x.md", "First 40% rose. ([A](https://a.example/x)) Then 30% fell. ([B](https://b.example/y))\n")
    owners = {c.target: doc.sentence_text(doc.sentence_of_citation(c)) for c in doc.text_citations}
    assert owners["url:https://a.example/x"].startswith("First")
    assert owners["url:https://b.example/y"].startswith("Then")


def test_attach_sources_a_claim_with_the_citation_after_its_full_stop():
    doc = build_document("x.md", TEXT)
    assert _targets(doc.claim_citations[0]) == ["doi:10.1000/xyz123"]


def test_citations_between_is_by_position_and_keeps_citations_of_one_span_in_order():
    doc = build_document("x.md", TEXT)
    everything = doc.citations_between(0, len(doc.text))
    assert list(everything) == sorted(doc.text_citations, key=lambda c: c.start)
    assert _targets(everything) == ["doi:10.1000/xyz123", "url:https://pubmed.ncbi.nlm.nih.gov/123", "pmid:123",
                                    "url:https://example.com/sleep", "ref:1"]
    first = everything[0]
    assert doc.citations_between(first.start, first.start + 1) == (first,)
    assert doc.citations_between(first.start + 1, first.end) == ()
    assert doc.citations_between(5, 5) == ()


def test_claim_citation_groups_count_a_link_and_its_identifier_as_one_source():
    doc = build_document("x.md", "Anxiety fell by 30% ([PubMed](https://pubmed.ncbi.nlm.nih.gov/123/)) [1].\n\n"
                                 "[1]: https://example.com/anxiety\n")
    groups = doc.claim_citation_groups(0)
    assert [_targets(g) for g in groups] == [["url:https://pubmed.ncbi.nlm.nih.gov/123", "pmid:123"],
                                             ["url:https://example.com/anxiety", "ref:1"]]
    assert citation_groups(reversed(doc.claim_citations[0])) == [tuple(reversed(g)) for g in groups]


def test_memo_computes_once_per_document_and_key():
    first, second = build_document("a.md", "One."), build_document("b.md", "Two.")
    calls = []

    def length(doc):
        calls.append(doc.path)
        return len(doc.text)

    assert first.memo("length", length) == 4
    assert first.memo("length", length) == 4
    assert second.memo("length", length) == 4
    assert first.memo("other", lambda doc: "x") == "x"
    assert calls == ["a.md", "b.md"]


def test_memo_is_not_part_of_equality_or_repr():
    first, second = build_document("a.md", "One."), build_document("a.md", "One.")
    first.memo("length", lambda doc: len(doc.text))
    assert first == second
    assert "_memo" not in repr(first)


def test_a_placed_claim_keeps_every_field_of_the_extracted_one():
    # Every field differs from its default, so a field _placed leaves out fails the test.
    values = {}
    for number, f in enumerate(fields(Claim)):
        values[f.name] = number + 0.5 if "float" in f.type else number if "int" in f.type else f"{f.name}!"
    claim = Claim(**values)
    source = "The trial enrolled n = **79 adults in 2020."
    placed = _placed(claim, 10, source, 3)
    assert placed == replace(claim, start=claim.start + 10, end=claim.end + 10,
                             text=source[claim.start + 10:claim.end + 10], sentence=claim.sentence + 3)
