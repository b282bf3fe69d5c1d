"""Markdown (or plain text) to blocks and masks, keeping every offset of the source.

Two masks have the length of the text, so any offset in them is an offset in the file:

- ``visible``: the text a reader sees, with code, HTML comments, HTML blocks and front
  matter blanked. Citations are read from it (links keep their URLs).
- ``prose``: ``visible`` without markup and addresses: link destinations, bare URLs,
  DOIs, PubMed ids, citation markers, list bullets, emphasis and table pipes are blanked.
  Sentences and claims are read from it, so a URL's digits never become a claim. So is
  any run of more than :data:`MAX_WORD` characters without a space (encoded data, hashes,
  rule lines): no sentence holds one, and spaCy's tokenizer takes time in the square of
  a word's length when it strips punctuation from it (minutes for ``"`` * 20,000).

markdown-it reports block positions as line ranges only, so inline structure is found
with patterns over each block's lines.

Any text parses: nesting deeper than :data:`MAX_NESTING` (which markdown-it would drop)
or a failure inside markdown-it makes the file plain text, paragraphs of its lines.
Masks are built from spans with one join of slices, so they cost about a copy of the
text each, and no pattern here backtracks over a long line.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

from verifier.model import Block

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NEWLINE = re.compile(r"\n")
_FRONT_MATTER = re.compile(r"\A(?:---|\+\+\+)[ \t]*(?:\r\n|\r|\n).*?(?:\r\n|\r|\n)(?:---|\+\+\+|\.\.\.)[ \t]*(?=\r\n|\r|\n|\Z)", re.S)
_PSEUDO_HEADING = re.compile(r"^[ \t]*(\*\*|__)(?P<title>[^*_\n]{1,80}?)(\*\*|__)[ \t]*:?[ \t]*$")
_IMAGE_LINE = re.compile(r"^[ \t]*!\[[^\]]*\]\([^)]*\)[ \t]*$")
_URL_LINE = re.compile(r"^[ \t]*<?https?://\S+>?[ \t]*$")
_REFERENCE_DEFINITION = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:")

_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
# Found by _code_spans, which does this pattern's search without its backtracking.
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_BACKTICK_RUN = re.compile(r"`+")

_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]]*(?:\([^\s()]*\)[^\s<>()\[\]]*)*[^\s<>()\[\].,;:!?'\"]", re.I)
_LINK_DESTINATION = re.compile(r"\]\((?:<[^>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\)")
_AUTOLINK = re.compile(r"<(?:https?|mailto|ftp):[^<>\s]*>", re.I)
_DOI = re.compile(r"\b(?:doi\s*:?\s*)?10\.\d{4,9}/[^\s\"<>\]]+", re.I)
_PUBMED_ID = re.compile(r"\b(?:PMID|PMCID|PMC)\s*:?\s*(?:PMC)?\d+\b", re.I)
# Footnote labels as verifier.citations reads them: no "[" inside, at most 100 characters
# (allowing "[" made every "[^" of a long run rescan the rest of it).
_CITATION_MARKER = re.compile(r"\[\^[^\]\s\[]{1,100}\]|\[\d+(?:\s*[-–,]\s*\d+)*\]")
_INLINE_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
# Each branch opens with its character, lookbehinds after it: the regex engine then skips
# to the next "*", "_", "!", "[" or "]" instead of trying the lookbehinds at every position.
_EMPHASIS = re.compile(r"\*\*|__|\*(?:(?<![\w*]\*)(?=\S)|(?<=\S\*)(?![\w*]))")
_LINK_BRACKETS = re.compile(r"!\[|\[|\]")
_LINE_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?(?:\[[ xX]\][ \t]+)?(?:#{1,6}(?=[ \t]|$))?", re.M)
_TABLE_DELIMITER_ROW = re.compile(r"^[ \t|:\-]+$", re.M)
MAX_WORD = 256
_LONG_WORD = re.compile(r"\S{%d,}" % (MAX_WORD + 1))
_NON_SPACES = re.compile(r"\S*")
# A DOI's prefix: the engine jumps from one "10." to the next to find it.
DOI_PREFIX = re.compile(r"10\.\d{4,9}/")
# What every match of a pattern holds, in lower case: one of some texts, or a match of a
# pattern that opens with text. Most of these patterns open with "\b", an alternation or a
# class, so the regex engine tries them at every position: a block without any of it is
# not searched (most are not; the searches took half the time of parsing). For the others
# it saves starting a search, for every block. When case is ignored, "i" also matches "ı"
# (which lower-casing keeps), hence "pmı" beside "pmi".
_NEEDLES = {
    _LINK_DESTINATION: ("](",),
    _AUTOLINK: ("<",),
    _URL: ("://", "www."),
    _DOI: DOI_PREFIX,
    _PUBMED_ID: ("pmc", "pmi", "pmı"),
    _CITATION_MARKER: ("[",),
    _INLINE_HTML: ("<",),
    _EMPHASIS: ("*", "_"),
    _LINK_BRACKETS: ("[", "]"),
}


@dataclass(frozen=True)
class ParsedMarkdown:
    blocks: list[Block]
    visible: str
    prose: str
    line_starts: list[int]


def line_starts_of(text: str) -> list[int]:
    """Offsets where lines begin; a line ends at ``\\r\\n``, ``\\r`` or ``\\n`` as in CommonMark."""
    # Text without "\r" (most): the engine jumps from "\n" to "\n" instead of trying three
    # alternatives at every character, six times faster.
    breaks = _NEWLINE if "\r" not in text else _LINE_BREAK
    return [0] + [m.end() for m in breaks.finditer(text)]


_NOT_LINE_BREAK = re.compile(r"[^\r\n]+")


def _blanked(segment: str) -> str:
    """A span as blanks: every character a space but line breaks, so lines stay where they are."""
    if "\n" not in segment and "\r" not in segment:  # most spans: a link, an address, a bullet
        return " " * len(segment)
    return _NOT_LINE_BREAK.sub(lambda m: " " * (m.end() - m.start()), segment)


def apply_blanks(text: str, spans: list[tuple[int, int]], offset: int = 0) -> str:
    """``text`` with ``spans`` blanked; spans are offsets less ``offset``, in any order, may overlap.

    One join of slices: a mask costs about one copy of the text, not a list of characters.
    """
    if not spans:
        return text
    pieces = []
    kept = 0
    for start, end in sorted(spans):
        start, end = max(start - offset, kept), min(end - offset, len(text))
        if end <= start:
            continue
        pieces.append(text[kept:start])
        pieces.append(_blanked(text[start:end]))
        kept = end
    pieces.append(text[kept:])
    return "".join(pieces)


def _spans(pattern: re.Pattern, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text, start, len(text) if end is None else end)]


def holds_needle(text: str, needles: tuple[str, ...] | re.Pattern) -> bool:
    """Whether ``text`` holds one of ``needles``, or a match of a pattern of them."""
    if isinstance(needles, re.Pattern):
        return needles.search(text) is not None
    for needle in needles:  # not any() over a generator: this runs for every pattern of every block
        if needle in text:
            return True
    return False


def _may_match(pattern: re.Pattern, block: str) -> bool:
    """Whether ``block`` may hold a match of ``pattern`` (``block`` lower-cased where the pattern ignores case)."""
    return pattern not in _NEEDLES or holds_needle(block, _NEEDLES[pattern])


def _long_words(text: str) -> list[tuple[int, int]]:
    """The spans of ``_LONG_WORD``: runs of more than ``MAX_WORD`` characters without a space.

    A search for the pattern tries it at every character, a tenth of parsing. Any such run
    covers one of every ``MAX_WORD + 1`` offsets, so only the runs through those are
    measured, and the pattern searches only text where one is long (almost never).
    """
    for offset in range(MAX_WORD, len(text), MAX_WORD + 1):
        end = _NON_SPACES.match(text, offset).end()
        if end > MAX_WORD and _LONG_WORD.match(text, end - MAX_WORD - 1):
            return _spans(_LONG_WORD, text)
    return []


def _code_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans ``_CODE_SPAN.finditer(text, start, end)`` finds, in linear time.

    The pattern retries every position of a backtick run that nothing closes, each time
    scanning to the end of the block: minutes for a line of backticks. Same search, run
    by run: an opener is the rest of its run from some position (L backticks), closed by
    the next run of exactly L; when none closes it, the opener starts one backtick later.
    """
    if text.find("`", start, end) < 0:  # most blocks: the search costs a pass over the block
        return []
    runs = [m.span() for m in _BACKTICK_RUN.finditer(text, start, end)]
    if len(runs) < 2:
        return []
    by_length: dict[int, list[int]] = {}
    for index, (run_start, run_end) in enumerate(runs):
        by_length.setdefault(run_end - run_start, []).append(index)
    found = []
    index = 0
    while index < len(runs):
        run_start, run_end = runs[index]
        index += 1
        for opener in range(run_start, run_end):
            same_length = by_length.get(run_end - opener, ())
            after = bisect.bisect_left(same_length, index)
            if after < len(same_length):
                closer = same_length[after]
                found.append((opener, runs[closer][1]))
                index = closer + 1
                break
    return found


# Nesting deeper than this (list items, block quotes) is not Markdown anyone writes: such a
# file is read as plain text. markdown-it silently drops what lies beyond its nesting limit
# and recurses about twice per level, so the limit also keeps it well within the stack.
MAX_NESTING = 100
# Blocks only: inline tokens are never read (inline structure is found by patterns). Its
# first rule, "normalize", is done by _normalized, only to the texts it changes.
_PARSER = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable("table").disable(["inline", "normalize"])
_CONTAINER_OPENS = {"list_item_open", "blockquote_open"}


class _NotMarkdown(Exception):
    """markdown-it cannot read the text (nesting beyond any draft's, or a failure of its own)."""


def parse(text: str, markdown: bool = True) -> ParsedMarkdown:
    """Split ``text`` into blocks and build its masks; plain text gets paragraphs only."""
    starts = line_starts_of(text)
    line_count = len(starts)

    def offset_of_line(line: int) -> int:
        return starts[line] if line < line_count else len(text)

    def line_end(line: int) -> int:
        """End of a line's content, before its line break."""
        stop = offset_of_line(line + 1)
        while stop > starts[line] and text[stop - 1] in "\r\n":
            stop -= 1
        return stop

    raw_blocks: list[tuple[str, int, int, int]] = []  # kind, first line, last line (exclusive), level
    front_matter = _FRONT_MATTER.match(text) if markdown else None
    source_for_parser = text
    if front_matter:
        fm_lines = len(line_starts_of(front_matter.group(0)))
        raw_blocks.append(("front_matter", 0, fm_lines, 0))
        source_for_parser = "\n" * (fm_lines - 1) + text[front_matter.end():]

    if markdown:
        try:
            raw_blocks.extend(_markdown_blocks(source_for_parser))
        except _NotMarkdown:
            markdown = False
            raw_blocks.extend(_plain_blocks(text, starts, first_line=raw_blocks[0][2] if raw_blocks else 0))
    else:
        raw_blocks.extend(_plain_blocks(text, starts))

    if markdown:
        covered = bytearray(line_count)
        for _, first, last, _ in raw_blocks:
            covered[first:last] = b"\x01" * (min(last, line_count) - min(first, line_count))
        for line in range(line_count):
            if not covered[line] and _REFERENCE_DEFINITION.match(text[starts[line]:line_end(line)]):
                raw_blocks.append(("reference_definition", line, line + 1, 0))

    blocks: list[Block] = []
    section = -1  # index of the last heading: the section a block is in
    for kind, first, last, level in sorted(raw_blocks, key=lambda b: (b[1], b[2])):
        for kind, first, last, level in _split_paragraph(kind, first, last, level, text, starts, line_end):
            start = starts[first] if first < line_count else len(text)
            end = line_end(max(first, last - 1))
            while start < end and text[start] in " \t":
                start += 1
            if end <= start and kind != "code":
                continue
            if kind == "paragraph" and last - first == 1 and _IMAGE_LINE.match(_HTML_COMMENT.sub("", text[start:end])):
                kind = "image"
            if kind == "heading":
                section = len(blocks)
            blocks.append(Block(kind, start, end, section, level))

    visible, prose = _masks(text, blocks)
    return ParsedMarkdown(blocks=blocks, visible=visible, prose=prose, line_starts=starts)


def _normalized(source: str) -> str:
    """The text as markdown-it's first rule makes it: line breaks as "\\n", NUL as U+FFFD.

    The rule made two passes over every text; most texts hold neither and stay as they are.
    """
    if "\r" not in source and "\0" not in source:
        return source
    return _LINE_BREAK.sub("\n", source).replace("\0", "\ufffd")


def _markdown_blocks(source: str) -> list[tuple[str, int, int, int]]:
    try:
        tokens = _PARSER.parse(_normalized(source))
    except (RecursionError, MemoryError):
        raise _NotMarkdown from None
    except Exception as error:  # markdown-it's own bug on some input: still read the file
        raise _NotMarkdown from error
    if any(t.type in _CONTAINER_OPENS and t.level + 1 >= MAX_NESTING for t in tokens):
        raise _NotMarkdown  # markdown-it dropped the rest of the container, maybe of the file
    found: list[tuple[str, int, int, int]] = []
    containers: list[str] = []
    in_table_row = False
    for token in tokens:
        if token.type in {"bullet_list_open", "ordered_list_open"}:
            continue
        if token.type == "list_item_open":
            containers.append("list_item")
        elif token.type == "blockquote_open":
            containers.append("blockquote")
        elif token.type in {"list_item_close", "blockquote_close"}:
            containers.pop()
        elif token.type == "tr_open" and token.map:
            found.append(("table", token.map[0], token.map[1], 0))
            in_table_row = True
        elif token.type == "tr_close":
            in_table_row = False
        elif in_table_row:
            continue
        elif token.type == "heading_open" and token.map:
            found.append(("heading", token.map[0], token.map[1], int(token.tag[1])))
        elif token.type == "paragraph_open" and token.map:
            kind = containers[-1] if containers else "paragraph"
            found.append((kind, token.map[0], token.map[1], 0))
        elif token.type in {"fence", "code_block"} and token.map:
            found.append(("code", token.map[0], token.map[1], 0))
        elif token.type == "html_block" and token.map:
            found.append(("html", token.map[0], token.map[1], 0))
    return found


def _plain_blocks(text: str, starts: list[int], first_line: int = 0) -> list[tuple[str, int, int, int]]:
    """Plain text: paragraphs are runs of non-blank lines (from ``first_line``)."""
    found = []
    first = None
    for line in range(first_line, len(starts)):
        start = starts[line]
        end = starts[line + 1] if line + 1 < len(starts) else len(text)
        blank = not text[start:end].strip()
        if blank and first is not None:
            found.append(("paragraph", first, line, 0))
            first = None
        elif not blank and first is None:
            first = line
    if first is not None:
        found.append(("paragraph", first, len(starts), 0))
    return found


def _split_paragraph(kind, first, last, level, text, starts, line_end):
    """Digests often put one paragraph on each line, with bold pseudo-headings between.

    CommonMark joins such lines into one paragraph, which would let any citation in
    it source every claim. A multi-line paragraph is split into one block per line
    when its lines are long (median over 150 characters: nobody hard-wraps that wide)
    or are each an image or a bare URL; pseudo-headings (``**Statistics:**`` alone on
    a line) always become headings.
    """
    if kind not in {"paragraph", "list_item", "blockquote"} or last - first < 1:
        yield kind, first, last, level
        return
    lines = [text[starts[n]:line_end(n)] for n in range(first, last)]
    headings = [bool(_PSEUDO_HEADING.match(line)) for line in lines]
    if last - first == 1:
        yield ("heading", first, last, 6) if headings[0] and kind == "paragraph" else (kind, first, last, level)
        return
    body = [line for line, heading in zip(lines, headings) if not heading]
    lengths = sorted(len(line) for line in body)
    one_per_line = bool(body) and (
        lengths[len(lengths) // 2] > 150
        or all(_IMAGE_LINE.match(line) or _URL_LINE.match(line) for line in body)
    )
    run_start = first
    for n, heading in enumerate(headings, start=first):
        if heading or one_per_line:
            if run_start < n:
                yield kind, run_start, n, level
            yield ("heading", n, n + 1, 6) if heading else (kind, n, n + 1, level)
            run_start = n + 1
    if run_start < last:
        yield kind, run_start, last, level


def _masks(text: str, blocks: list[Block]) -> tuple[str, str]:
    # visible: everything outside blocks (blank lines, stray markup) and inside non-prose
    # blocks is blank; so are comments and code spans in prose blocks.
    hidden: list[tuple[int, int]] = []
    covered_end = 0
    for block in blocks:
        hidden.append((covered_end, block.start))
        covered_end = max(covered_end, block.end)
        if not block.is_prose:
            hidden.append((block.start, block.end))
        else:
            hidden.extend(_spans(_HTML_COMMENT, text, block.start, block.end))
            hidden.extend(_code_spans(text, block.start, block.end))
    hidden.append((covered_end, len(text)))
    visible = apply_blanks(text, hidden)
    if visible == text:
        visible = text  # one string, not two equal ones: a document keeps all three

    pieces = []
    kept = 0
    for block in blocks:
        if not block.is_prose or block.end <= block.start:
            continue
        start, end = block.start, block.end
        pieces.append(visible[kept:start])
        pieces.append(_prose_of_block(visible, block))
        kept = end
    pieces.append(visible[kept:])
    prose = "".join(pieces)
    return visible, visible if prose == visible else prose


def _prose_of_block(visible: str, block: Block) -> str:
    """A prose block's text without markup and addresses, each step reading the one before."""
    start, end = block.start, block.end
    if block.kind == "reference_definition":
        return _blanked(visible[start:end])
    # Order matters: destinations before bare URLs, identifiers before brackets.
    addresses: list[tuple[int, int]] = []
    folded = visible[start:end].lower()
    for pattern in (_LINK_DESTINATION, _AUTOLINK, _URL, _DOI, _PUBMED_ID, _CITATION_MARKER, _INLINE_HTML):
        if _may_match(pattern, folded):
            addresses.extend(_spans(pattern, visible, start, end))
    current = apply_blanks(visible[start:end], addresses, offset=start)
    markup = [span for pattern in (_EMPHASIS, _LINK_BRACKETS) if _may_match(pattern, current)
              for span in _spans(pattern, current)]
    if block.kind in {"list_item", "blockquote", "heading"}:
        # Read before the brackets go, or a task box "[x]" would leave its "x" in the prose.
        markup += _spans(_LINE_PREFIX, current)
    current = apply_blanks(current, markup)
    if block.kind == "table":
        if _TABLE_DELIMITER_ROW.fullmatch(current.strip() or "|"):
            current = _blanked(current)
        current = current.replace("|", " ")
    return apply_blanks(current, _long_words(current))
