"""The spaCy pipeline: tokenizer tweaks, sentence boundaries for health prose, claims.

:func:`analyse` takes one string per Markdown block (the prose mask of a paragraph,
list item, heading, table row...) and returns its sentences and numeric claims, with
offsets into that string. No model is downloaded: the pipeline is ``spacy.blank("en")``
with a tokenizer that splits statistics into useful tokens (``n=79`` -> ``n = 79``,
``30-40%`` -> ``30 - 40 %``, ``64.0±5.38`` -> ``64.0 ± 5.38``), a rule-based sentence
component and the claims component of :mod:`verifier.extract`.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, NamedTuple, Sequence

import numpy

from verifier.spacy_import import spacy  # first: spaCy without its command-line interface
from spacy.attrs import ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex
from spacy.vocab import Vocab

from verifier import extract  # noqa: F401  (registers the "verifier_claims" factory)
from verifier.model import Claim

# A block longer than this is cut at whitespace (a paragraph break or a sentence end if
# there is one) and its pieces are analysed one by one; offsets are shifted back.
CHUNK_SIZE = 100_000


@dataclass(frozen=True)
class TextAnalysis:
    sentences: list[tuple[int, int]]  # trimmed (start, end) offsets, in order, non-overlapping
    claims: list[Claim]  # offsets into the same text; claim.sentence indexes ``sentences``


# --------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------

# spaCy splits "1-2" and "5x10-8" alike at the hyphen; ours keeps exponents whole.
_DEFAULT_DIGIT_INFIX = re.compile(r"^\(\?<=\[0-9\]\)\[\+")
_EXTRA_INFIXES = [
    # Ranges and bounds: 1.01-9.02, 30–40 (but not the exponent in 5x10-8).
    r"(?<=[0-9%])(?<![x×]10)[-–—−‐‑](?=[0-9.])",
    # 95%CI, 30%-40%
    r"(?<=[0-9])%(?=\S)",
    # Statistics glued to their label: n=79, P=.03, p<0.001, p<=0.05, 64.0±5.38, 64.0+/-5.38
    r"(?<=[\w.)%\]])(?:<=|>=|=<|=>|\+/[-−]|[=<>≤≥≦≧⩽⩾±≈∼])(?=[\w.(\[−+-])",
    # A sentence glued to the previous one: "(Silverman, 2022).This methodology"
    r"(?<=[a-z0-9)\]%])\.(?=[A-Z][a-z])",
    # A footnote marker glued to the period: "helps.1 The authors", "works.¹ Next", "45%.2"
    r"(?<=[A-Za-z%)\]])\.(?=[0-9¹²³⁴⁵⁶⁷⁸⁹⁰]{1,3}$)",
    # Brackets glued to digits: "2022).", "199(2"
    r"(?<=[0-9])[)\]](?=[.,;:)\]])",
    r"(?<=[0-9])[(\[](?=[0-9])",
]
_EXTRA_PREFIXES = [r"(?:<=|>=|[<>≤≥≦≧⩽⩾~≈∼±=])(?=[0-9.])"]
_EMOTICON = re.compile(r"[:;=()\[\]<>^_¯]|^(?:0\.0|0_0|-_+-|8-?\))$")
# Kept whole: phone numbers and dates (1-800-273-8255, 12/03/2020, 12.03.2020).
_KEEP_WHOLE = re.compile(r"^\d+(?:-\d+){2,}$|^\d{1,4}[/.]\d{1,2}[/.]\d{2,4}$")


def _tokenizer(nlp: Language) -> Tokenizer:
    """spaCy's tokenizer for the language, with the changed settings, built in one go.

    Setting a tokenizer's rules or patterns one by one reloads its ~700 special cases each
    time, and building spaCy's default one first only to replace it loads them and
    compiles its patterns twice: this is the only tokenizer a pipeline builds.
    """
    defaults = nlp.Defaults
    infixes = [p for p in defaults.infixes if not _DEFAULT_DIGIT_INFIX.match(p)] + _EXTRA_INFIXES
    prefixes = list(defaults.prefixes) + _EXTRA_PREFIXES
    previous = defaults.token_match

    def token_match(text: str):
        return _KEEP_WHOLE.match(text) or (previous(text) if previous else None)

    # Emoticon exceptions glue statistics together ("(RR): 1.24" -> "):", "p <3" -> "<3").
    rules = {key: value for key, value in defaults.tokenizer_exceptions.items()
             if not _EMOTICON.search(key) or key in ("<space>",)}
    rules["+/-"] = [{"ORTH": "+/-"}]
    return Tokenizer(
        nlp.vocab,
        rules=rules,
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(defaults.suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=token_match,
        url_match=defaults.url_match,
    )


@spacy.registry.tokenizers("verifier.Tokenizer.v1")
def _create_tokenizer():
    return _tokenizer


def blank() -> Language:
    """``spacy.blank("en")`` with the verifier's tokenizer and no pipes."""
    return spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": "verifier.Tokenizer.v1"}}})


# --------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------

# Abbreviations never followed by a sentence boundary.
_NEVER_FINAL = {
    "dr", "mr", "mrs", "ms", "prof", "vs", "e.g", "i.e", "eg", "ie", "cf", "viz", "approx",
    "ca", "st", "mt", "gen", "sgt", "capt", "col", "lt", "rev", "hon", "fig", "figs", "eq",
    "eqs", "incl", "esp", "dept", "univ", "assoc", "est", "nb", "ibid", "c.f", "w.r.t",
    "appx", "apprx", "ext", "dist", "govt", "inst", "natl", "intl",
}
# Abbreviations that are not sentence ends when a number follows ("No. 5", "p. 12").
_BEFORE_DIGIT = {
    "no", "nos", "tab", "vol", "vols", "p", "pp", "ch", "sec", "art", "n", "v", "ver", "ed",
    "suppl", "ref", "refs", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "ex", "pt", "para", "tbl", "pg",
}
# Abbreviations that end a sentence only when a capitalised word follows.
_MAYBE_FINAL = {
    "etc", "al", "inc", "ltd", "co", "corp", "jr", "sr", "resp", "u.s", "u.k", "a.m", "p.m",
    "min", "mins", "hrs", "hr", "wk", "wks", "yr", "yrs", "mo", "mos", "sec", "ed", "eds",
    "dept", "d.c", "llc", "plc", "u.s.a", "e.u",
}
_COUNTRY_ABBREVIATIONS = {"u.s", "u.k", "u.s.a", "e.u", "d.c"}
_SENTENCE_OPENERS = {
    "the", "this", "these", "those", "that", "there", "it", "its", "in", "on", "at", "for",
    "we", "our", "a", "an", "however", "but", "and", "as", "if", "when", "while", "although",
    "after", "before", "since", "they", "their", "he", "she", "his", "her", "such", "some",
    "most", "many", "all", "one", "to", "by", "with", "from", "overall", "moreover",
    "furthermore", "thus", "therefore", "also", "nevertheless", "yet", "still", "no", "not",
    "what", "how", "why", "who", "where", "here", "each", "both", "only", "more", "less",
}
# Words after which an initial ("J. Smith") is likely, rather than a sentence end.
_BEFORE_INITIAL = {",", "&", "(", "[", "and", "by", "with", "of", "from", "to", "dr.", "prof.", "mr.", "ms.", "mrs.", ";", ":"}
_CLOSERS = {")", "]", "}", '"', "'", "”", "’", "»", "›"}
_MARKUP = set("([{\"'“‘«‹*#-–—•>_~") | {"...", "…"}
_ELLIPSIS = re.compile(r"^(?:\.{2,}|…+)$")
_STRONG = re.compile(r"^[.!?]*[!?][.!?]*$")
_HEADING_MARK = re.compile(r"^#{1,6}$")
_TERMINAL_CHARS = frozenset(".!?…")  # _terminal finds nothing in a token without one
_FOOTNOTE = re.compile(r"^(?:\d{1,3}|[¹²³⁴⁵⁶⁷⁸⁹⁰]{1,3})$")

# The sentence rules read tokens by index: a Doc, or the lighter views of _token_views
# (sentence_starts reads views only).
Tokens = Sequence  # of spacy Token or _TokenView


def _next_nonspace(doc: Tokens, k: int) -> int | None:
    while k < len(doc) and doc[k].is_space:
        k += 1
    return k if k < len(doc) else None


def _prev_nonspace(doc: Tokens, k: int) -> int | None:
    k -= 1
    while k >= 0 and doc[k].is_space:
        k -= 1
    return k if k >= 0 else None


def _next_content(doc: Tokens, k: int) -> int | None:
    """The first token at or after k that is neither whitespace nor markup/quotes."""
    while k < len(doc) and (doc[k].is_space or all(ch in _MARKUP for ch in doc[k].text) or doc[k].text in _MARKUP):
        k += 1
    return k if k < len(doc) else None


def _terminal(doc: Tokens, i: int) -> tuple[str | None, str | None]:
    """("period" | "strong" | "ellipsis" | None, the abbreviation before a period)."""
    text = doc[i].text
    if _ELLIPSIS.match(text):
        return "ellipsis", None
    if _STRONG.match(text):
        return "strong", None
    if text == ".":
        if i > 0 and not doc[i - 1].whitespace_ and not doc[i - 1].is_space and doc[i - 1].text[-1:].isalpha():
            return "period", doc[i - 1].text
        return "period", None
    if len(text) > 1 and text.endswith(".") and any(ch.isalpha() for ch in text[:-1]) and not doc[i].like_url:
        return "period", text[:-1]
    return None, None


def _matching_bracket(doc: Tokens, k: int, limit: int = 80) -> int | None:
    opener = doc[k].text
    closer = ")" if opener == "(" else "]"
    depth = 0
    for m in range(k, min(len(doc), k + limit)):
        if doc[m].text == opener:
            depth += 1
        elif doc[m].text == closer:
            depth -= 1
            if depth == 0:
                return m
    return None


def _list_number(doc: Tokens, i: int) -> int | None:
    """The item number when the period at i is glued to a small integer ("2.")."""
    if i == 0 or doc[i - 1].whitespace_:
        return None
    text = doc[i - 1].text
    if not (text.isascii() and text.isdigit() and len(text) <= 2):
        return None
    if i - 1 > 0 and not (doc[i - 2].whitespace_ or doc[i - 2].is_space):
        return None
    return int(text)


def _is_initial(base: str) -> bool:
    return len(base) == 1 and base.isalpha() and base.isupper()


def _boundary(doc: Tokens, i: int, kind: str, base: str | None, k: int, glued: bool) -> bool | int:
    """Whether a sentence starts at token k after the terminal at i.

    Returns True, False, or the index of a later token that starts the next sentence
    (a parenthetical citation after a period belongs to the sentence before it).
    """
    text = doc[k].text
    first = text[:1]
    if first in ",;:)]}%" or first.islower():
        return False
    if kind == "period" and base is not None:
        lower = base.lower()
        if lower in _NEVER_FINAL:
            return False
        if lower in _BEFORE_DIGIT and first.isdigit():
            return False
        if lower in _COUNTRY_ABBREVIATIONS:
            # "the U.S. Food and Drug Administration": a sentence goes on unless a usual opener follows.
            return doc[k].lower_ in _SENTENCE_OPENERS
        if lower in _MAYBE_FINAL:
            return first.isupper() and first.isalpha()
        if _is_initial(base) and first.isupper():
            before = _prev_nonspace(doc, i - (0 if len(doc[i].text) > 1 else 1))
            if before is None:
                return False
            word = doc[before].text
            if _terminal(doc, before)[0] is not None:
                return False  # an initial opening a sentence: ". J. Smith reported"
            if word.lower() in _BEFORE_INITIAL or _is_initial(word.rstrip(".")) or (word[:1].isupper() and word.isalpha()):
                return False
            return True
    if glued:
        return first.isupper() and first.isalpha()
    if text in ("(", "["):
        close = _matching_bracket(doc, k)
        if close is not None:
            last_inside = _prev_nonspace(doc, close)
            if last_inside is not None and last_inside > k and _terminal(doc, last_inside)[0] is None:
                after = _next_nonspace(doc, close + 1)
                if after is None or _terminal(doc, after)[0] is not None:
                    return False
                if doc[after].text[:1].isupper():
                    return after
        content = _next_content(doc, k + 1)
        return content is not None and (doc[content].text[:1].isupper() or doc[content].text[:1].isdigit())
    if _ELLIPSIS.match(text):
        return True
    if first in _MARKUP:
        content = _next_content(doc, k + 1)
        return content is not None and (doc[content].text[:1].isupper() or doc[content].text[:1].isdigit())
    return True


def sentence_starts(doc: Sequence[_TokenView]) -> list[bool]:
    """Where sentences start, token by token (of a doc's _token_views)."""
    n = len(doc)
    starts = [False] * n
    if n == 0:
        return starts
    starts[0] = True
    current = 0
    expected_item = None  # the next number of an inline numbered list
    i = 0
    while i < n:
        token = doc[i]
        if starts[i]:
            current = i
        if token.plain:
            i += 1  # the common case: no break, heading or sentence end here
            continue
        if token.is_space:
            if token.text.count("\n") >= 2:
                k = _next_nonspace(doc, i + 1)
                if k is not None:
                    starts[k] = True
            i += 1
            continue
        text = token.text
        if text[:1] == "#" and _HEADING_MARK.match(text) and i > current and (doc[i - 1].whitespace_ or doc[i - 1].is_space):
            # "... Mental Wellness ### The Role of Art Therapy": a heading pasted into prose.
            run = i
            while run + 1 < n and _HEADING_MARK.match(doc[run + 1].text) and not doc[run].whitespace_:
                run += 1
            marks = "".join(doc[m].text for m in range(i, run + 1))
            k = _next_nonspace(doc, run + 1)
            if len(marks) <= 6 and doc[run].whitespace_ and k is not None and doc[k].text[:1].isupper():
                starts[i] = True
                current = i
            i = run + 1
            continue
        if _TERMINAL_CHARS.isdisjoint(text):
            i += 1  # decided without _terminal
            continue
        kind, base = _terminal(doc, i)
        if kind is None:
            i += 1
            continue
        if kind == "period" and base is None and _list_number(doc, i) is not None:
            # An inline numbered list, "1. Listening to music 2. Songwriting 3. Playing":
            # the number starts the item, the period after it ends nothing.
            number = _list_number(doc, i)
            before = _prev_nonspace(doc, i - 1)
            if i - 1 == current or before is None or doc[before].text in (":", ";"):
                expected_item = number + 1
                i += 1
                continue
            if number == expected_item:
                k = _next_nonspace(doc, i + 1)
                if k is not None and doc[k].text[:1].isupper():
                    starts[i - 1] = True
                    current = i - 1
                    expected_item = number + 1
                    i += 1
                    continue
        j = i + 1
        while j < n and doc[j].text in _CLOSERS and not doc[j - 1].whitespace_ and not doc[j - 1].is_space:
            j += 1
        if (
            kind == "period" and j == i + 1 and j < n and not doc[i].whitespace_ and doc[j].whitespace_
            and _FOOTNOTE.match(doc[j].text) and (base is None or base.lower() not in _NEVER_FINAL | _BEFORE_DIGIT)
        ):
            j += 1  # the footnote marker stays with the sentence it annotates
        k = _next_nonspace(doc, j)
        if k is None:
            break
        if kind == "ellipsis":
            before = _prev_nonspace(doc, i)
            if before is None or before < current or _terminal(doc, before)[0] is not None:
                i = j
                continue
        glued = k == j and not doc[j - 1].whitespace_
        decision = _boundary(doc, i, kind, base, k, glued)
        if decision is True:
            starts[k] = True
        elif decision is not False:
            starts[decision] = True
        i = j
    return starts


class _TokenView(NamedTuple):
    """What the sentence rules read of a token, shared by all tokens with the same text and
    trailing space: cheaper than spaCy's Token, whose attributes are looked up per access."""

    text: str
    whitespace_: str
    is_space: bool
    like_url: bool
    lower_: str
    plain: bool  # not whitespace, no "#" first, no . ! ? or …: sentence_starts passes it by


_VIEWS: dict[tuple[int, int], _TokenView] = {}  # (orth, trailing space) -> view


def _token_views(doc: Doc) -> list[_TokenView]:
    orths, spaces = doc.to_array([ORTH, SPACY]).T.tolist()
    views = list(map(_VIEWS.get, zip(orths, spaces)))
    if None in views:
        for k, view in enumerate(views):
            if view is None:  # a new token, or one met earlier in this doc
                views[k] = _VIEWS.get((orths[k], spaces[k])) or _new_view(doc.vocab, orths[k], spaces[k])
    return views


def _new_view(vocab: Vocab, orth: int, space: int) -> _TokenView:
    lexeme = vocab[orth]
    text = lexeme.orth_
    plain = not lexeme.is_space and text[:1] != "#" and _TERMINAL_CHARS.isdisjoint(text)
    view = _VIEWS[orth, space] = _TokenView(text, " " if space else "", lexeme.is_space, lexeme.like_url, lexeme.lower_, plain)
    return view


@Language.component("verifier_sentences")
def set_sentences(doc: Doc) -> Doc:
    """Sentence boundaries for health prose (citations, abbreviations, glued sentences)."""
    if len(doc):
        # One array write: setting Token.is_sent_start one by one rescans the doc each time.
        values = numpy.array([1 if start else -1 for start in sentence_starts(_token_views(doc))], dtype="int64")
        doc.from_array([SENT_START], values.astype("uint64").reshape(-1, 1))
    return doc


# --------------------------------------------------------------------------------------
# Pipeline and analysis
# --------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The pipeline, built once: blank English, tokenizer tweaks, sentences, claims."""
    nlp = blank()
    nlp.add_pipe("verifier_sentences")
    nlp.add_pipe("verifier_claims")
    nlp.max_length = max(nlp.max_length, 4 * CHUNK_SIZE)
    return nlp


_CUT_PREFERENCES = [
    re.compile(r"\n[ \t]*\n"),
    re.compile(r"[.!?][\"')\]]*\s+(?=[A-Z])"),
    re.compile(r"\n"),
    re.compile(r"\s"),
]


def _chunks(text: str, size: int = CHUNK_SIZE) -> Iterator[tuple[int, int]]:
    """(start, end) pieces of text no longer than size, cut at whitespace when possible."""
    start, length = 0, len(text)
    while length - start > size:
        limit = start + size
        cut = limit
        window_start = start + size // 2
        for pattern in _CUT_PREFERENCES:
            last = None
            for last in pattern.finditer(text, window_start, limit):
                pass
            if last is not None:
                cut = last.end()
                break
        yield start, cut
        start = cut
    yield start, length


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    stripped = piece.lstrip()
    start += len(piece) - len(stripped)
    end = start + len(stripped.rstrip())
    return start, end


def _docs(nlp: Language, pieces: Sequence[str]) -> Iterator[Doc]:
    """Tokenized docs that know their text (Doc.text would join every token again)."""
    for piece in pieces:
        doc = nlp.make_doc(piece)
        doc._.verifier_text = piece
        yield doc


def analyse(texts: Sequence[str]) -> list[TextAnalysis]:
    """Sentences and claims of each text (one Markdown block's prose mask per text).

    A text met again (a pasted paragraph, the same block in a draft's next version) is
    analysed once: its analysis depends on nothing else.
    """
    distinct = list(dict.fromkeys(texts))
    found = dict(zip(distinct, _analyse_each(distinct)))
    return [found[text] for text in texts]


def _analyse_each(texts: Sequence[str]) -> list[TextAnalysis]:
    nlp = get_nlp()
    jobs: list[tuple[int, int]] = []  # (text index, offset of the piece)
    pieces: list[str] = []
    for index, text in enumerate(texts):
        if not text or text.isspace():
            continue
        for start, end in _chunks(text):
            jobs.append((index, start))
            pieces.append(text[start:end])
    sentences: list[list[tuple[int, int]]] = [[] for _ in texts]
    claims: list[list[Claim]] = [[] for _ in texts]
    for (index, offset), piece, doc in zip(jobs, pieces, nlp.pipe(_docs(nlp, pieces), batch_size=64)):
        spans = []
        for _, _, start_char, end_char in extract.sentence_spans(doc):
            start, end = _trim(piece, start_char, end_char)
            if start < end:
                spans.append((start, end))
        base = len(sentences[index])
        starts = [s for s, _ in spans]
        for claim in doc._.verifier_claims or ():
            position = bisect.bisect_right(starts, claim.start) - 1
            sentence = base + position if position >= 0 and claim.end <= spans[position][1] else -1
            claims[index].append(dataclasses.replace(
                claim, start=claim.start + offset, end=claim.end + offset, sentence=sentence,
            ))
        sentences[index].extend((s + offset, e + offset) for s, e in spans)
    return [TextAnalysis(sentences=s, claims=c) for s, c in zip(sentences, claims)]
