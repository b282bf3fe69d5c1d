"""The document model: text, blocks, sentences, citations, claims, and positions.

This is the only module that turns offsets into lines and columns. Everything
downstream works on offsets into ``Document.text`` (the file as Python reads it with
``encoding="utf-8-sig"`` and ``newline=""``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Hashable, Iterable, Sequence, TypeVar

from verifier.citations import find_citations
from verifier.markdown import parse
from verifier.model import Block, Citation, Claim, Reference, Sentence

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")

# Scope within which a citation sources a claim: its sentence, or failing that its block.
ATTACHMENT_SCOPES = ("sentence", "paragraph")

T = TypeVar("T")


class _Positions:
    """Offsets to lines and columns. Reads ``line_starts``."""

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of an offset; columns count Unicode characters."""
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1


class _Placing(_Positions):
    """Offsets to lines, columns and sentences, for a document and for what a run keeps of it
    (:class:`TextMap`). Reads ``text``, ``prose``, ``line_starts``, ``sentences`` and ``claims``."""

    def line_text(self, line: int) -> str:
        """The text of a 1-based line without its line break: one string per line, however
        many findings quote it (a digest's paragraph is one long line holding dozens)."""
        try:
            return self._lines[line]
        except KeyError:
            start = self.line_starts[line - 1]
            end = self.line_starts[line] if line < len(self.line_starts) else len(self.text)
            found = self._lines[line] = self.text[start:end].rstrip("\r\n")
            return found

    @cached_property
    def _lines(self) -> dict[int, str]:
        return {}

    def sentence_text(self, index: int) -> str:
        sentence = self.sentences[index]
        return self.prose[sentence.start:sentence.end]

    def sentence_of(self, offset: int) -> int:
        """Index of the sentence containing ``offset``, or -1."""
        index = bisect.bisect_right(self._sentence_starts, offset) - 1
        if index >= 0 and offset < self.sentences[index].end:
            return index
        return -1

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    @cached_property
    def claim_index(self) -> dict[Claim, int]:
        """Each claim's index in ``claims``: claims are frozen values, so finding one is a
        dict look-up (a list scan made placing findings quadratic on long drafts)."""
        return {claim: index for index, claim in enumerate(self.claims)}


@dataclass
class Document(_Placing):
    path: str
    text: str
    visible: str
    prose: str
    blocks: list[Block]
    sentences: list[Sentence]
    citations: list[Citation]
    references: list[Reference]
    reference_blocks: frozenset[int]
    claims: list[Claim]
    line_starts: list[int]
    attachment: str = "paragraph"
    # Citations that source each claim (same order as ``claims``).
    claim_citations: list[tuple[Citation, ...]] = field(default_factory=list)
    # Analyses computed once and shared by the rules that ask for them (see ``memo``).
    _memo: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def text_map(self) -> TextMap:
        """What the rest of a run needs of this document once its own rules have run."""
        return TextMap(self.path, self.text, self.prose, self.line_starts, self.sentences,
                       self.claims, self.claim_citations)

    # -- structure ---------------------------------------------------------------
    def block_at(self, offset: int) -> int:
        """Index of the block containing ``offset``, or -1."""
        index = bisect.bisect_right(self._block_starts, offset) - 1
        if index >= 0 and offset <= self.blocks[index].end:
            return index
        return -1

    @cached_property
    def _block_starts(self) -> list[int]:
        return [b.start for b in self.blocks]

    def section_title(self, block_index: int) -> str:
        section = self.blocks[block_index].section if block_index >= 0 else -1
        if section < 0:
            return ""
        heading = self.blocks[section]
        return " ".join(self.prose[heading.start:heading.end].split()).rstrip(":").strip()

    def in_reference_list(self, offset: int) -> bool:
        return self.block_at(offset) in self.reference_blocks

    @cached_property
    def text_citations(self) -> list[Citation]:
        """Citations in the running text, not inside reference-list entries."""
        return [c for c in self.citations if c.reference < 0 and not self.in_reference_list(c.start)]

    def citations_between(self, start: int, end: int) -> tuple[Citation, ...]:
        """Running-text citations starting in ``[start, end)``, by position."""
        lo = bisect.bisect_left(self._citation_starts, start)
        hi = bisect.bisect_left(self._citation_starts, end, lo)
        return tuple(self._citations_by_start[lo:hi])

    @cached_property
    def _citations_by_start(self) -> list[Citation]:
        # A stable sort: citations sharing a span (a link and the PMID read from it) keep their order.
        return sorted(self.text_citations, key=lambda c: c.start)

    @cached_property
    def _citation_starts(self) -> list[int]:
        return [c.start for c in self._citations_by_start]

    def sentence_citations(self, index: int) -> tuple[Citation, ...]:
        """Citations that belong to a sentence, whether or not it holds a claim: those in it,
        between it and the next sentence, and right after its full stop ("... improved.
        ([PubMed](...))", "... 40%. (doi:...)")."""
        return self.citations_between(self.sentences[index].start, _sentence_tail(self, index))

    def sentence_of_citation(self, citation: Citation) -> int:
        """Index of the sentence a running-text citation belongs to (the inverse of
        ``sentence_citations``), or -1. A citation after the full stop belongs to the sentence
        it closes, not to the fragment of citations after it."""
        index = bisect.bisect_right(self._sentence_starts, citation.start) - 1
        if index < 0 or self.sentences[index].block != self.block_at(citation.start):
            return -1
        if citation.start >= _sentence_tail(self, index):
            return -1
        if index > 0 and self.sentences[index - 1].block == self.sentences[index].block \
                and _sentence_tail(self, index - 1) > citation.start:
            return index - 1
        return index

    def claim_citation_groups(self, claim_index: int) -> list[tuple[Citation, ...]]:
        """The distinct sources a claim cites: its citations grouped by span, in order.

        A link to a PubMed page is one source read as two citations (``url:`` and ``pmid:``)
        with one span, and so is a marker beside the entry it stands for.
        """
        return citation_groups(self.claim_citations[claim_index])

    def memo(self, key: Hashable, factory: Callable[[Document], T]) -> T:
        """``factory(self)``, computed on the first call with ``key`` and kept with the document,
        so the rules of a family share one analysis however many documents a run holds."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = factory(self)
            return value

    def forget_analyses(self) -> None:
        """Drop what ``memo`` kept. The analyses point back at the document, a cycle only
        the garbage collector frees, late and all at once: a run that is done with a
        document frees it, and its analyses, at once instead."""
        self._memo.clear()

    def sourced(self, claim_index: int) -> bool:
        return bool(self.claim_citations[claim_index])


@dataclass
class TextMap(_Placing):
    """What a worker sends back of a document after its own rules ran: enough to place the
    findings that the rules comparing documents then report in it, and to quote its claims,
    without its blocks, citations, masks beyond the prose, or the analyses its rules made."""

    path: str
    text: str
    prose: str
    line_starts: list[int]
    sentences: list[Sentence]
    claims: list[Claim]
    claim_citations: list[tuple[Citation, ...]]


@dataclass
class LineMap(_Positions):
    """What a run keeps of a document once all its findings are placed: enough to place the
    locations in it that findings in later documents point to."""

    path: str
    line_starts: list[int]


def citation_groups(citations: Iterable[Citation]) -> list[tuple[Citation, ...]]:
    """Citations grouped by span (one source cited one way), ordered by span."""
    spans: dict[tuple[int, int], list[Citation]] = {}
    for citation in citations:
        spans.setdefault((citation.start, citation.end), []).append(citation)
    return [tuple(group) for _, group in sorted(spans.items(), key=lambda item: item[0])]


def build_document(path: str, text: str, attachment: str = "paragraph") -> Document:
    """Parse, segment and extract one file's text."""
    return build_documents([(path, text)], attachment)[0]


def build_documents(files: Sequence[tuple[str, str]], attachment: str = "paragraph") -> list[Document]:
    """Build many documents, sending every block of all of them through spaCy in one stream."""
    from verifier.nlp import analyse

    parsed = []
    for path, text in files:
        markdown = not path.lower().endswith(".txt")
        parsed.append(parse(text, markdown=markdown))

    jobs: list[tuple[int, int]] = []  # (document, block)
    texts: list[str] = []
    for doc_index, result in enumerate(parsed):
        for block_index, block in enumerate(result.blocks):
            if block.is_prose and block.kind != "reference_definition":
                jobs.append((doc_index, block_index))
                texts.append(result.prose[block.start:block.end])
    analyses = iter(analyse(texts))

    sentences: list[list[Sentence]] = [[] for _ in files]
    claims: list[list[Claim]] = [[] for _ in files]
    for doc_index, block_index in jobs:
        analysis = next(analyses)
        block = parsed[doc_index].blocks[block_index]
        first_sentence = len(sentences[doc_index])
        for start, end in analysis.sentences:
            sentences[doc_index].append(Sentence(block.start + start, block.start + end, block_index))
        source = files[doc_index][1]
        for claim in analysis.claims:
            claims[doc_index].append(_placed(claim, block.start, source, first_sentence))

    documents = []
    for doc_index, ((path, text), result) in enumerate(zip(files, parsed)):
        index = find_citations(text, result.visible, result.blocks)
        doc = Document(
            path=path,
            text=text,
            visible=result.visible,
            prose=result.prose,
            blocks=result.blocks,
            sentences=sentences[doc_index],
            citations=index.citations,
            references=index.references,
            reference_blocks=index.reference_blocks,
            claims=_outside_reference_entries(claims[doc_index], result.blocks, index.reference_blocks),
            line_starts=result.line_starts,
            attachment=attachment,
        )
        # A draft without citations in its running text (most abstracts) sources no claim.
        doc.claim_citations = [attach(doc, claim) for claim in doc.claims] if doc.text_citations \
            else [()] * len(doc.claims)
        documents.append(doc)
    return documents


def _placed(claim: Claim, offset: int, source: str, first_sentence: int) -> Claim:
    """A block's claim placed in its file: offsets from the file's start, sentence indexes
    from the document's first, and the file's own text, markup and all ("n = **79"), where
    the extractor read the prose mask.

    A constructor call takes half the time of ``dataclasses.replace``, which walks the
    fields, and a megabyte holds thousands of claims. Every field is named (a test checks
    that none is left out).
    """
    start, end = offset + claim.start, offset + claim.end
    return Claim(
        kind=claim.kind, start=start, end=end, text=source[start:end], value=claim.value, raw=claim.raw,
        low=claim.low, high=claim.high, operator=claim.operator, unit=claim.unit, hedge=claim.hedge,
        label=claim.label, sentence=first_sentence + claim.sentence,
    )


def _outside_reference_entries(claims: list[Claim], blocks: list[Block], entries: Iterable[int]) -> list[Claim]:
    """The claims not in a reference-list entry (its numbers are metadata, not claims).

    Blocks do not overlap, so only the last entry starting at or before a claim can hold
    it: a bisection per claim, where testing every entry took minutes on a long file.
    """
    if not blocks:
        return []
    spans = sorted((blocks[i].start, blocks[i].end) for i in entries)
    starts = [start for start, _ in spans]
    kept = []
    for claim in claims:
        index = bisect.bisect_right(starts, claim.start) - 1
        if index < 0 or claim.start >= spans[index][1]:
            kept.append(claim)
    return kept


def attach(doc: Document, claim: Claim) -> tuple[Citation, ...]:
    """The citations that source a claim: those in its sentence, else in its block.

    A reference list at the end of the document does not source a claim by itself.
    """
    if 0 <= claim.sentence < len(doc.sentences):
        sentence = doc.sentences[claim.sentence]
        # A citation right after the sentence's full stop still belongs to it:
        # "... improved. ([PubMed](...))" is a common way to cite.
        found = doc.sentence_citations(claim.sentence)
        if found or doc.attachment == "sentence":
            return found
        block = doc.blocks[sentence.block]
        return doc.citations_between(block.start, block.end)
    return ()


def _sentence_tail(doc: Document, index: int) -> int:
    """End of the region whose citations belong to a sentence.

    It runs to the next sentence, so link destinations and markers between sentences
    count, and over a next "sentence" that is nothing but citations, as in
    "... improved. ([PubMed](https://...))".
    """
    sentence = doc.sentences[index]
    following = doc.sentences[index + 1] if index + 1 < len(doc.sentences) else None
    if following is None or following.block != sentence.block:
        return doc.blocks[sentence.block].end
    if _only_citations(doc, following.start, following.end):
        return following.end
    return following.start


_CITATION_PUNCTUATION = " ()[].,;:\t"


def _only_citations(doc: Document, start: int, end: int) -> bool:
    """Whether ``[start, end)`` holds citations and nothing else but brackets and punctuation.

    Reads the text between citations, never more: this runs for every claim, and a long
    sentence after a long run of claims made a list of its characters each time.
    """
    cited = doc.citations_between(start, end)
    if not cited:
        return False
    gap_start = start
    for citation in cited:  # in order of their starts
        if citation.start > gap_start and doc.visible[gap_start:citation.start].strip(_CITATION_PUNCTUATION):
            return False
        gap_start = max(gap_start, min(citation.end, end))
    return not doc.visible[gap_start:end].strip(_CITATION_PUNCTUATION)
