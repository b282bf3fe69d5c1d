"""Duplication: passages pasted more than once."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Iterator

from rapidfuzz.fuzz import ratio

from verifier.rules._text import normalise
from verifier.document import Document
from verifier.model import Finding, Related, Severity
from verifier.registry import RuleContext, rule

MIN_WORDS = 8
NEAR_SIMILARITY = 92.0
_SIGNATURE_SIZE = 4
_PASSAGE_KINDS = {"paragraph", "list_item", "blockquote", "table", "image"}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Passage:
    doc: int
    start: int
    end: int
    kind: str          # "image", "paragraph", "list item", "sentence"...
    text: str          # normalised
    numbers: tuple[str, ...]
    block: int


def passages(doc_index: int, doc: Document) -> tuple[list[Passage], list[Passage]]:
    """Blocks and sentences worth comparing: at least eight words, or an image."""
    blocks, sentences = [], []
    for index, block in enumerate(doc.blocks):
        if block.kind not in _PASSAGE_KINDS or index in doc.reference_blocks:
            continue
        source = doc.visible if block.kind == "image" else doc.prose
        text = normalise(source[block.start:block.end])
        if block.kind == "image" or len(text.split()) >= MIN_WORDS:
            blocks.append(Passage(doc_index, block.start, block.end, block.kind.replace("_", " "), text,
                                  tuple(_NUMBER.findall(text)), index))
    for sentence in doc.sentences:
        block = doc.blocks[sentence.block]
        if block.kind not in _PASSAGE_KINDS - {"image"} or sentence.block in doc.reference_blocks:
            continue
        text = normalise(doc.prose[sentence.start:sentence.end])
        if len(text.split()) >= MIN_WORDS:
            sentences.append(Passage(doc_index, sentence.start, sentence.end, "sentence", text,
                                     tuple(_NUMBER.findall(text)), sentence.block))
    return blocks, sentences


def _signature(text: str) -> set[int]:
    """A few min-hashes of word trigrams: near-identical passages share at least one."""
    tokens = text.split()
    shingles = {" ".join(tokens[i:i + 3]) for i in range(max(1, len(tokens) - 2))}
    return set(sorted(zlib.crc32(s.encode()) for s in shingles)[:_SIGNATURE_SIZE])


class _Index:
    """Earlier passages by exact text and by min-hash bucket, so no pair search is needed."""

    def __init__(self) -> None:
        self.exact: dict[str, Passage] = {}
        self.buckets: dict[int, list[Passage]] = {}

    def first_copy(self, passage: Passage) -> tuple[Passage | None, float]:
        if passage.text in self.exact:
            return self.exact[passage.text], 100.0
        best, best_score = None, 0.0
        seen: set[int] = set()
        for key in _signature(passage.text):
            for earlier in self.buckets.get(key, ()):
                if id(earlier) in seen or earlier.numbers != passage.numbers:
                    continue
                seen.add(id(earlier))
                score = ratio(passage.text, earlier.text, score_cutoff=NEAR_SIMILARITY)
                if score > best_score or (score == best_score and best and _before(earlier, best)):
                    best, best_score = earlier, score
        return best, best_score

    def add(self, passage: Passage) -> None:
        self.exact.setdefault(passage.text, passage)
        for key in _signature(passage.text):
            self.buckets.setdefault(key, []).append(passage)


def _before(a: Passage, b: Passage) -> bool:
    return (a.doc, a.start) < (b.doc, b.start)


@rule(
    code="VS201",
    name="duplicate-passage",
    severity=Severity.WARNING,
    summary="A paragraph, sentence, list item or image is repeated.",
    what="""
Finds paragraphs, list items, images and sentences of eight or more words that repeat an
earlier one exactly or nearly (ignoring case, spacing and punctuation; near copies must
be at least 92% similar and carry the same numbers). Each later copy is reported, with
the first one in `related`. Across files, a passage repeated in another draft of the
same run is reported too.""",
    why="""
Pasted twice, a passage makes a draft look padded and its claims look better supported
than they are; it is the most common trace of copy-and-paste assembly from search
results.""",
    bad="""
Combining music therapy with art therapy enhances emotional resilience in individuals with depression.

Combining music therapy with art therapy enhances emotional resilience in individuals with depression.""",
    good="Combining music therapy with art therapy enhances emotional resilience in individuals with depression.",
    scope="corpus",
)
def duplicate_passage(docs: list[Document], context: RuleContext) -> Iterator[tuple[Document, Finding]]:
    block_index, sentence_index = _Index(), _Index()
    for doc_index, doc in enumerate(docs):
        blocks, sentences = passages(doc_index, doc)
        repeated_blocks: set[int] = set()
        for passage in blocks:
            first, score = block_index.first_copy(passage)
            if first is None:
                block_index.add(passage)
                continue
            repeated_blocks.add(passage.block)
            yield doc, _finding(docs, doc, passage, first, score)
        for passage in sentences:
            if passage.block in repeated_blocks:
                continue
            first, score = sentence_index.first_copy(passage)
            if first is None:
                sentence_index.add(passage)
            elif first.block != passage.block or first.doc != passage.doc:
                yield doc, _finding(docs, doc, passage, first, score)


def _finding(docs: list[Document], doc: Document, passage: Passage, first: Passage, score: float) -> Finding:
    first_doc = docs[first.doc]
    line, _ = first_doc.position(first.start)
    where = f"line {line}" if first_doc is doc else f"{first_doc.path}:{line}"
    how = "repeats" if score == 100.0 else f"nearly repeats ({score:.0f}% similar)"
    kind = "Image" if passage.kind == "image" else passage.kind.capitalize()
    return Finding(
        rule="duplicate-passage",
        start=passage.start,
        end=passage.end,
        message=f"{kind} {how} the one at {where}",
        related=(Related(first.start, first.end, "first copy", None if first_doc is doc else first_doc.path),),
        anchor=passage.text,
    )
