"""Duplication: passages pasted more than once."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Iterator

from rapidfuzz.fuzz import ratio

from verifier.rules._text import normalise
from verifier.document import Document
from verifier.model import Finding, Related, Severity, pickled_by_fields
from verifier.registry import RuleContext, rule

MIN_WORDS = 8
NEAR_SIMILARITY = 92.0
_SIGNATURE_SIZE = 4
_PASSAGE_KINDS = {"paragraph", "list_item", "blockquote", "table", "image"}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_ASCII_NON_DIGITS = str.maketrans({ch: " " for ch in map(chr, range(128)) if not ch.isdigit()})


# Not frozen: a frozen dataclass sets its fields one object.__setattr__ call at a time, five
# times slower, and each passage is made twice, in the worker and unpickled by the main process.
@pickled_by_fields
@dataclass(slots=True)
class Passage:
    start: int
    end: int
    line: int
    kind: str          # "image", "paragraph", "list item", "sentence"...
    text: str          # normalised
    numbers: tuple[str, ...]
    block: int
    signature: tuple[int, ...]   # min-hashes of the text, made where the document is read


@dataclass(frozen=True)
class Passages:
    """A document's digest for the comparison across documents: its passages, in order."""

    path: str
    blocks: list[Passage]
    sentences: list[Passage]


def passages(doc: Document) -> Passages:
    """Blocks and sentences worth comparing: at least eight words, or an image."""
    blocks, sentences = [], []
    for index, block in enumerate(doc.blocks):
        if block.kind not in _PASSAGE_KINDS or index in doc.reference_blocks:
            continue
        source = doc.visible if block.kind == "image" else doc.prose
        text = normalise(source[block.start:block.end])
        if block.kind == "image" or _word_count(text) >= MIN_WORDS:
            blocks.append(_passage(doc, block.start, block.end, block.kind.replace("_", " "), text, index))
    for sentence in doc.sentences:
        block = doc.blocks[sentence.block]
        if block.kind not in _PASSAGE_KINDS - {"image"} or sentence.block in doc.reference_blocks:
            continue
        text = normalise(doc.prose[sentence.start:sentence.end])
        if _word_count(text) >= MIN_WORDS:
            sentences.append(_passage(doc, sentence.start, sentence.end, "sentence", text, sentence.block))
    return Passages(doc.path, blocks, sentences)


def _passage(doc: Document, start: int, end: int, kind: str, text: str, block: int) -> Passage:
    return Passage(start, end, doc.position(start)[0], kind, text, _numbers(text), block,
                   _signature(text))


def _word_count(text: str) -> int:
    """The words of a normalised text, which has one space between words and none around them."""
    return text.count(" ") + 1 if text else 0


def _numbers(text: str) -> tuple[str, ...]:
    """The numbers in a normalised text, where "." and "," are already spaces."""
    if text.isascii():   # blanking all but the digits and splitting is three times faster
        return tuple(text.translate(_ASCII_NON_DIGITS).split())
    return tuple(_NUMBER.findall(text))


def _signature(text: str) -> tuple[int, ...]:
    """A few min-hashes of word trigrams: near-identical passages share at least one."""
    # Split the UTF-8 bytes, not the text, so the shingles are what crc32 takes without an encoding
    # each; a normalised text's only whitespace is single spaces, so the words are the same.
    tokens = text.encode().split()
    shingles = set(map(b" ".join, zip(tokens, tokens[1:], tokens[2:]))) if len(tokens) > 2 else {b" ".join(tokens)}
    return tuple(sorted(map(zlib.crc32, shingles))[:_SIGNATURE_SIZE])


# A passage where the comparison finds it: the index of its document's digest, and itself.
_Placed = tuple[int, Passage]


class _Index:
    """Earlier passages by exact text and by min-hash bucket, so no pair search is needed.

    A bucket holds the passages with one min-hash and one set of numbers: a near copy
    carries the same numbers, and a draft of a thousand templated sentences ("... 45% of
    people in trial 12 [12].") shares its min-hashes between all of them, which made each
    sentence visit every earlier one."""

    def __init__(self) -> None:
        self.exact: dict[str, _Placed] = {}
        self.buckets: dict[tuple[int, tuple[str, ...]], list[_Placed]] = {}

    def first_copy(self, passage: Passage) -> tuple[_Placed | None, float]:
        if passage.text in self.exact:
            return self.exact[passage.text], 100.0
        best, best_score = None, 0.0
        seen: set[int] = set()
        for key in passage.signature:
            for earlier in self.buckets.get((key, passage.numbers), ()):
                if id(earlier) in seen:
                    continue
                seen.add(id(earlier))
                score = ratio(passage.text, earlier[1].text, score_cutoff=NEAR_SIMILARITY)
                if score > best_score or (score == best_score and best and _before(earlier, best)):
                    best, best_score = earlier, score
        return best, best_score

    def add(self, placed: _Placed) -> None:
        self.exact.setdefault(placed[1].text, placed)
        for key in placed[1].signature:
            self.buckets.setdefault((key, placed[1].numbers), []).append(placed)


def _before(a: _Placed, b: _Placed) -> bool:
    return (a[0], a[1].start) < (b[0], b[1].start)


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
    across=lambda context: _FirstCopies(),
)
def duplicate_passage(doc: Document, context: RuleContext) -> tuple[tuple[Finding, ...], Passages]:
    # Every copy is found by one index over the whole run, the document's own copies included.
    return (), passages(doc)


class _FirstCopies:
    """Fed each document's passages in input order, finds the copies in it of passages of
    earlier documents or of itself; keeps only the first copies."""

    def __init__(self) -> None:
        self.blocks, self.sentences = _Index(), _Index()
        self.paths: list[str] = []

    def __call__(self, digest: Passages) -> Iterator[Finding]:
        doc_index = len(self.paths)
        self.paths.append(digest.path)
        repeated_blocks: set[int] = set()
        for passage in digest.blocks:
            first, score = self.blocks.first_copy(passage)
            if first is None:
                self.blocks.add((doc_index, passage))
                continue
            repeated_blocks.add(passage.block)
            yield self._finding(doc_index, passage, first, score)
        for passage in digest.sentences:
            if passage.block in repeated_blocks:
                continue
            first, score = self.sentences.first_copy(passage)
            if first is None:
                self.sentences.add((doc_index, passage))
            elif first[1].block != passage.block or first[0] != doc_index:
                yield self._finding(doc_index, passage, first, score)

    def _finding(self, doc_index: int, passage: Passage, first: _Placed, score: float) -> Finding:
        first_index, original = first
        other = None if first_index == doc_index else self.paths[first_index]
        where = f"{other}:{original.line}" if other else f"line {original.line}"
        how = "repeats" if score == 100.0 else f"nearly repeats ({score:.0f}% similar)"
        kind = "Image" if passage.kind == "image" else passage.kind.capitalize()
        return Finding(
            rule="duplicate-passage",
            start=passage.start,
            end=passage.end,
            message=f"{kind} {how} the one at {where}",
            related=(Related(original.start, original.end, "first copy", other),),
            anchor=passage.text,
        )
