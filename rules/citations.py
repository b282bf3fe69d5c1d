"""Citations: markers, author-year citations and reference lists that do not line up.

The parser (``verifier.citations``) finds every citation and every reference-list entry;
these rules compare the two. One private view, :class:`_References`, indexes a
document's entries once per rule: numbered labels, footnote labels, link reference
definitions, identifiers (DOI, PMID, PMCID, web address) and the words and years each
entry holds, so matching a citation never scans every entry.

Matching is deliberately lenient wherever leniency can only hide a problem, never invent
one: an author-year citation matches an entry that holds the surname anywhere and the
year, because entry formats vary far more than the parser can read.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator

from verifier.document import Document
from verifier.model import Citation, Finding, Related, Severity
from verifier.registry import RuleContext, rule
from verifier.rules._text import normalise, quote

DIRECT_KINDS = frozenset({"link", "url", "doi", "pmid", "pmcid"})
# What a duplicate is reported as sharing, most telling first.
_KEY_PRIORITY = ("doi", "pmid", "pmcid", "url", "text")

# Sections whose entries are reading lists, not works cited: an uncited entry is expected.
_READING_LIST_TITLES = frozenset({
    "further reading", "bibliography", "selected bibliography", "additional reading",
    "suggested reading", "recommended reading", "works consulted", "further resources",
    "additional resources", "resources", "see also", "useful links",
})
# Name particles and connectors: "van der Berg" is also listed as "Berg JV".
_NAME_FILLERS = frozenset(
    "van von der den de del della dei degli di da das dos du le la les ten ter te al el bin ibn "
    "zu y of for the on and".split()
)

# The entry's label, as the parser reads it: "1.", "1)", "[1]", "[^a]:", a list bullet.
_ENTRY_LABEL = re.compile(
    r"[ \t]*(?:[-*+][ \t]+)?(?:\[\^[^\]\s\[]{1,100}\]:|\[\d{1,4}\]:?|\(?\d{1,4}[.)](?=[ \t]|$))?[ \t]*"
)
_LINK_DEFINITION_LABEL = re.compile(r"^[ \t]{0,3}\[(?P<label>[^\]\r\n]+)\]:", re.M)
_WORD = re.compile(r"[a-z0-9]+")
_ENTRY_YEAR = re.compile(r"(?<![\w.])(?P<year>(?:1[6-9]|20)\d\d)(?P<suffix>[a-z])?(?![\w])")
_NO_DATE = re.compile(r"\bn\.\s?d\b|\bin press\b|\bforthcoming\b", re.I)
_ACRONYM = re.compile(r"[A-Z]{2,10}")
_LEADING_NAME = re.compile(r"[^.(,;:]{1,120}")
_LINE_LABEL = re.compile(
    r"^[ \t]*(?:\[(?P<bracket>\d{1,3})\]|(?P<number>\d{1,3})[.)])[ \t]+(?P<rest>[^\r\n]*\S)", re.M
)
_NUMBER_LIST = r"\d{1,3}(?:\s*[,;–—-]\s*\d{1,3})*"
_UNSEEN_MARKER = re.compile(
    r"\((" + _NUMBER_LIST + r")\)|<sup>\s*\[?(" + _NUMBER_LIST + r")\]?\s*</sup>|\^(" + _NUMBER_LIST + r")\^"
    r"|([¹²³⁰⁴⁵⁶⁷⁸⁹]+(?:[,⁻–][¹²³⁰⁴⁵⁶⁷⁸⁹]+)*)",
    re.I,
)
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_BARE_ADDRESS = re.compile(r"<?(?:https?://|www\.|doi:\s*|10\.\d{4,9}/)\S+>?", re.I)


def _fold(text: str) -> str:
    """Lower case without diacritics, as the parser keys author names."""
    text = text.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _name_words(key: str) -> list[str]:
    """The words of an author key that an entry must hold: particles only if nothing else."""
    found = _WORD.findall(_fold(key))
    significant = [w for w in found if w not in _NAME_FILLERS]
    return significant or found


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w and w.lower() not in _NAME_FILLERS).lower()


def url_key(target: str) -> str | None:
    """A web-address target without scheme or ``www.``; None for a site's home page,
    which names a site rather than a source."""
    if not target.startswith("url:"):
        return None
    address = re.sub(r"^[a-z]+://", "", target[4:])
    address = re.sub(r"^www\d?\.", "", address)
    host, slash, rest = address.partition("/")
    if not rest.strip("/") and "?" not in host:
        return None
    return "url:" + address


def _identity_keys(targets: tuple[str, ...]) -> list[str]:
    keys = []
    for target in targets:
        key = url_key(target) if target.startswith("url:") else target
        if key and key not in keys:
            keys.append(key)
    return keys


@dataclass
class _Entry:
    """A reference-list entry as these rules read it (the parser's, possibly extended)."""

    index: int               # index into doc.references
    start: int
    end: int
    label: str | None
    authors: tuple[str, ...]
    targets: tuple[str, ...]
    body: str                # visible text without the label
    body_start: int
    footnote: bool
    section: int             # heading block of its section, or -1
    block: int
    reading_list: bool       # in a "Further reading" or "Bibliography" section
    words: frozenset[str] = frozenset()
    years: frozenset[str] = frozenset()
    undated: bool = False
    owner: int = -1          # for a continuation line: the entry it belongs to

    @property
    def continuation(self) -> bool:
        return self.owner >= 0

    @property
    def is_source(self) -> bool:
        """Whether the entry reads as a source, not a caption inside the list ("Reviews:")."""
        text = self.body.strip().rstrip("*_ ")
        if self.targets:
            return True
        if self.footnote:  # a note may be prose ("As the WHO puts it:")
            return bool(self.authors or self.years)
        if text.endswith(":") and len(text.split()) < 6 and not _COLON_END.search(text):
            return False
        return bool(self.authors or self.years or self.label is not None or len(text.split()) >= 4)


def _bare_address(body: str) -> bool:
    return bool(_BARE_ADDRESS.fullmatch(body.strip()))


@dataclass
class _References:
    """Every reference-list entry of a document, indexed for matching."""

    doc: Document
    entries: list[_Entry] = field(default_factory=list)
    numbered: dict[str, list[int]] = field(default_factory=dict)
    positional: list[int] = field(default_factory=list)
    footnotes: dict[str, int] = field(default_factory=dict)
    link_labels: set[str] = field(default_factory=set)
    by_word: dict[str, set[int]] = field(default_factory=dict)
    by_target: dict[str, set[int]] = field(default_factory=dict)
    initials: dict[str, set[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, doc: Document) -> "_References":
        self = cls(doc)
        for index, ref in enumerate(doc.references):
            visible = doc.visible[ref.start:ref.end]
            label = _ENTRY_LABEL.match(visible)
            skip = label.end() if label else 0
            block = doc.block_at(ref.start)
            section = doc.blocks[block].section if block >= 0 else -1
            title = doc.section_title(block).lower() if block >= 0 else ""
            entry = _Entry(
                index=index, start=ref.start, end=ref.end, label=ref.label, authors=ref.authors,
                targets=ref.targets, body=visible[skip:], body_start=ref.start + skip,
                footnote=bool(ref.label and ref.label.startswith("^")), section=section, block=block,
                reading_list=title in _READING_LIST_TITLES,
            )
            previous = self.entries[-1] if self.entries else None
            if previous is not None and not previous.continuation and self._continues(previous, entry):
                self._extend(previous, entry)
                entry.owner = previous.index
            self.entries.append(entry)
        for entry in self.entries:
            if not entry.continuation:
                self._index(entry)
        self._index_labels()
        return self

    def _continues(self, previous: _Entry, entry: _Entry) -> bool:
        """A bare address on the line after an entry without one, in the same paragraph,
        is that entry's address, wrapped onto its own line (the parser splits such
        paragraphs into one entry per line, as it should for a list of bare addresses)."""
        return (
            entry.label is None and not entry.footnote and entry.block == previous.block >= 0
            and not previous.targets and not _bare_address(previous.body) and _bare_address(entry.body)
            and not self.doc.text[previous.end:entry.start].strip()
        )

    def _extend(self, previous: _Entry, entry: _Entry) -> None:
        gap = self.doc.visible[previous.end:entry.start]
        previous.body = previous.body + gap + entry.body
        previous.end = entry.end
        previous.targets = previous.targets + tuple(t for t in entry.targets if t not in previous.targets)

    def _index(self, entry: _Entry) -> None:
        index = entry.index
        folded = _fold(entry.body)
        entry.words = frozenset(_WORD.findall(folded))
        entry.years = frozenset(m.group("year") + (m.group("suffix") or "") for m in _ENTRY_YEAR.finditer(folded))
        entry.undated = bool(_NO_DATE.search(entry.body))
        for word in entry.words:
            self.by_word.setdefault(word, set()).add(index)
        for key in _identity_keys(entry.targets):
            self.by_target.setdefault(key, set()).add(index)
        leading = _LEADING_NAME.match(entry.body.lstrip(" *_\"“"))
        if leading:
            acronym = _initials(re.findall(r"[A-Za-z]+", leading.group()))
            if len(acronym) >= 2:
                self.initials.setdefault(acronym, set()).add(index)

    @property
    def current(self) -> list[_Entry]:
        """Entries, without the continuation lines merged into the entry above them."""
        return [e for e in self.entries if not e.continuation]

    def owner_of(self, index: int) -> int:
        """The entry a reference index belongs to (itself, or the entry it continues)."""
        if index < 0:
            return index
        entry = self.entries[index]
        return entry.owner if entry.continuation else index

    def _index_labels(self) -> None:
        by_section: dict[int, list[_Entry]] = {}
        for entry in self.current:
            label = entry.label
            if entry.footnote:
                self.footnotes.setdefault(label[1:], entry.index)
            elif label is not None and label.isdigit():
                by_section.setdefault(entry.section, []).append(entry)
            elif label is None and entry.section >= 0 and not entry.reading_list and entry.is_source:
                self.positional.append(entry.index)
        for numbered in by_section.values():
            labels = [e.label for e in numbered]
            # Markdown renumbers "1. / 1. / 1." as 1, 2, 3: so do we.
            lazy = len(labels) > 1 and len(set(labels)) == 1
            for offset, entry in enumerate(numbered):
                label = str(int(labels[0]) + offset) if lazy else entry.label
                self.numbered.setdefault(label, []).append(entry.index)
        doc = self.doc
        for block in doc.blocks:
            if block.kind == "reference_definition":  # may hold several, and footnotes
                for match in _LINK_DEFINITION_LABEL.finditer(doc.visible, block.start, block.end):
                    label = " ".join(match.group("label").casefold().split())
                    if not label.startswith("^"):
                        self.link_labels.add(label)

    # -- what the document has ----------------------------------------------------
    @property
    def listed(self) -> list[_Entry]:
        """Entries of reference-list sections (footnote definitions excluded)."""
        return [e for e in self.current if not e.footnote]

    def has_bibliography(self) -> bool:
        """Whether a reference list holds at least one entry that reads as a source."""
        return any(e.targets or e.authors or e.years for e in self.listed)

    def first_heading(self) -> Related | None:
        for entry in self.listed:
            if entry.section >= 0:
                heading = self.doc.blocks[entry.section]
                return Related(heading.start, heading.end, "reference list")
        return None

    # -- resolving citations ----------------------------------------------------------
    def resolve_marker(self, citation: Citation) -> tuple[bool, list[int]]:
        """Whether a numeric or footnote marker points somewhere, and the entries it names."""
        label = citation.target.split(":", 1)[1]
        if citation.kind == "footnote":
            if label in self.footnotes:
                return True, [self.footnotes[label]]
            return False, []
        if self.numbered:
            if label in self.numbered:
                return True, list(self.numbered[label])
        elif self.positional and int(label) <= len(self.positional):
            return True, [self.positional[int(label) - 1]]
        if label in self.footnotes:  # "[1]" for a note defined as "[^1]:"
            return True, [self.footnotes[label]]
        if label in self.link_labels:  # "[1]" with "[1]: https://..." is a reference-style link
            return True, []
        if label in self.line_labels:
            return True, []
        return False, []

    @cached_property
    def line_labels(self) -> frozenset[str]:
        """Numbers that open a line as a reference entry would, "[1] https://..." or
        "1. Smith J... 2020", wherever they sit: a list under a plain "Citations:" line
        is not a reference section to the parser, but it is one to the reader."""
        found = set()
        for match in _LINE_LABEL.finditer(self.doc.visible):
            rest = match.group("rest")
            if match.group("bracket") or _ENTRY_YEAR.search(rest) or _BARE_ADDRESS.search(rest):
                found.add((match.group("bracket") or match.group("number")).lstrip("0"))
        return frozenset(found)

    def resolve_target(self, target: str) -> set[int]:
        key = url_key(target) if target.startswith("url:") else target
        return set(self.by_target.get(key, ())) if key else set()

    def author_candidates(self, citation: Citation) -> set[int]:
        """Entries that name the cited author (anywhere: entry formats vary too much)."""
        key = citation.target.split(":")[1]
        words = _name_words(key)
        found: set[int] | None = None
        for word in words:
            bucket = self.by_word.get(word, set())
            found = set(bucket) if found is None else found & bucket
            if not found:
                break
        found = set(found or ())
        first = citation.text.split()[0].strip(",") if citation.text.split() else ""
        if _ACRONYM.fullmatch(first):  # (WHO, 2023) for "World Health Organization. ..."
            for acronym, entries in self.initials.items():
                if acronym.startswith(first.lower()):
                    found |= entries
        if len(words) >= 2:  # (World Health Organization, 2023) for "WHO. ..."
            found |= self.by_word.get(_initials(words), set())
        return found

    def year_matches(self, entry: _Entry, year: str) -> bool:
        if not entry.years:
            return True  # a web page listed without a date cannot contradict the year
        if not year[:1].isdigit():  # n.d., in press, forthcoming
            return entry.undated
        if year in entry.years:
            return True
        base, suffix = year[:4], year[4:]
        if suffix:
            return base in entry.years  # "2019a" against an entry that only says 2019
        return any(y[:4] == base for y in entry.years)

    def match_author_year(self, citation: Citation) -> tuple[list[int], list[int]]:
        """Entries matching surname and year, and entries with the surname but another year."""
        year = citation.target.rsplit(":", 1)[1]
        matches, near = [], []
        for index in sorted(self.author_candidates(citation)):
            entry = self.entries[index]
            (matches if self.year_matches(entry, year) else near).append(index)
        return matches, near

    # -- duplicates ------------------------------------------------------------------
    def duplicate_groups(self) -> dict[int, tuple[int, str]]:
        """For each later copy of a listed source: (first copy, what they share).

        Entries are the same source when they share a DOI, PMID, PMCID or web address
        (without scheme, ``www.``, trailing slash or tracking parameters), or their whole
        text. An entry holding both a PMID and a PMCID links the two ids, so a PubMed and
        a PMC address of one paper count as one only when some entry says so. Footnote
        definitions are left out: a note per citation may cite the same source twice.
        """
        first_of: dict[str, int] = {}
        copies: dict[int, tuple[int, str]] = {}
        for entry in self.listed:
            keys = _identity_keys(entry.targets)
            text = normalise(entry.body)
            if len(text.split()) >= 4:
                keys.append("text:" + text)
            earlier = [(first_of[k], _KEY_PRIORITY.index(k.split(":", 1)[0]), k) for k in keys if k in first_of]
            if earlier:
                first, _, shared = min(earlier)
                first = copies.get(first, (first, ""))[0]
                copies[entry.index] = (first, shared)
                root = first
            else:
                root = entry.index
            for key in keys:
                first_of.setdefault(key, root)
        return copies


def _plausible_author(citation: Citation) -> bool:
    """Whether an author-year key names someone: "(Phase III, 2019)" reads as a citation of
    "III" to the parser, and a lone initial or a Roman numeral is nobody's surname."""
    names = re.findall(r"[^\W\d_]+", citation.text.replace("et al", ""))
    return any(len(w) > 1 and not (w.isupper() and _ROMAN.fullmatch(w)) for w in names)


def _in_blockquote(doc: Document, offset: int) -> bool:
    block = doc.block_at(offset)
    return block >= 0 and doc.blocks[block].kind == "blockquote"


def _line(doc: Document, offset: int) -> int:
    return doc.position(offset)[0]


def _describe_shared(key: str) -> str:
    kind, _, value = key.partition(":")
    if kind == "doi":
        return f"same DOI {value}"
    if kind == "pmid":
        return f"same PMID {value}"
    if kind == "pmcid":
        return f"same PMCID {value}"
    if kind == "url":
        return f"same address {quote(value, 70)}"
    return "same text"


# ---------------------------------------------------------------------------
# dangling-citation

def _adjacent_source(doc: Document, citation: Citation, others: list[Citation], starts: list[int]) -> bool:
    """Whether an author-year citation carries its own source: it sits in a link, or a
    link, identifier or working marker follows it with only punctuation between."""
    position = bisect.bisect_left(starts, citation.start - 2000)
    for other in others[position:]:
        if other.start > citation.end + 12:
            break
        if other is citation or other.kind == "author_year":
            continue
        overlaps = other.start < citation.end and citation.start < other.end
        gap = doc.visible[citation.end:other.start] if other.start >= citation.end else None
        near = gap is not None and len(gap) <= 12 and not gap.strip(" \t\r\n,;:.()[]")
        if not (overlaps or near):
            continue
        if other.kind in DIRECT_KINDS:
            return True
        if other.kind in {"numeric", "footnote"}:
            return True  # a marker sources it; if the marker dangles it is reported itself
    return False


@rule(
    code="VS501",
    name="dangling-citation",
    severity=Severity.WARNING,
    summary="A citation points to no entry of the document's reference list.",
    what="""
Finds citations that lead nowhere: a numeric marker `[4]` with no entry 4 in the
reference list (a numbered list, `[4]` entries, Markdown's renumbered `1.` lists, a
plain list read in order, a `[4]: https://...` link definition, or a line opening with
`[4]`), a footnote `[^a]` with no `[^a]:` definition, and an author-year citation
`(Tang et al., 2020)` whose surname and year no entry holds (diacritics, "et al.",
"and"/"&", corporate authors and their acronyms, "2020a"-style suffixes and undated web
entries are tolerated; a wrong year is reported with the year the list gives). Numeric
markers in a document with no list at all are one finding. Author-year citations are
checked only when the document has a reference list: without one there is nothing to
match, and the citation still names its source. Citations inside block quotes belong to
the quoted text and are skipped, and so are author-year citations wrapped in or followed
by a link, identifier or marker. One finding per missing source, with its other uses in
`related`.""",
    why="""
A citation that matches nothing in the reference list cannot be followed: the reader
cannot find the source, and an editor cannot check the claim. In drafts assembled from
search results it usually means the sentence was copied with its citation from a
source whose reference list was left behind.""",
    bad="""Long-term music therapy is less conclusive (Tang et al., 2020).

## References

1. Erkkilä J, Punkanen M, Fachner J, et al. Individual music therapy for depression: randomised controlled trial. Br J Psychiatry. 2011;199(2):132-139.""",
    good="""Individual music therapy improved depression scores (Erkkilä et al., 2011).

## References

1. Erkkilä J, Punkanen M, Fachner J, et al. Individual music therapy for depression: randomised controlled trial. Br J Psychiatry. 2011;199(2):132-139.""",
)
def dangling_citation(doc: Document, context: RuleContext) -> Iterator[Finding]:
    refs = _References.of(doc)
    cited = doc.text_citations
    starts = [c.start for c in cited]
    groups: dict[tuple[str, str], list[Citation]] = {}
    for citation in cited:
        if citation.kind not in {"numeric", "footnote", "author_year"}:
            continue
        if citation.kind != "footnote" and _in_blockquote(doc, citation.start):
            continue
        if citation.kind == "author_year" and not _plausible_author(citation):
            continue
        groups.setdefault((citation.kind, citation.target), []).append(citation)

    listed = refs.listed
    bibliography = refs.has_bibliography()
    heading = refs.first_heading()
    unlisted_markers: list[list[Citation]] = []
    for (kind, target), uses in groups.items():
        if kind in {"numeric", "footnote"}:
            if refs.resolve_marker(uses[0])[0]:
                continue
            if kind == "numeric" and not listed and not refs.footnotes:
                unlisted_markers.append(uses)
                continue
            yield _marker_finding(refs, kind, target, uses, heading)
            continue
        if not bibliography:
            continue
        uses = [c for c in uses if not _adjacent_source(doc, c, cited, starts)]
        if not uses:
            continue
        matches, near = refs.match_author_year(uses[0])
        if matches:
            continue
        yield _author_year_finding(doc, refs, uses, near, heading)

    if unlisted_markers:
        first = unlisted_markers[0][0]
        labels = ", ".join(f"[{uses[0].target.split(':', 1)[1]}]" for uses in unlisted_markers)
        noun = "Marker" if len(unlisted_markers) == 1 else "Markers"
        verb = "points" if len(unlisted_markers) == 1 else "point"
        others = [c for uses in unlisted_markers for c in uses if c is not first]
        yield Finding(
            rule="dangling-citation",
            start=first.start,
            end=first.end,
            message=f"{noun} {labels} {verb} to a reference list, but the document has none",
            related=tuple(Related(c.start, c.end, "marker") for c in others[:20]),
            anchor="markers without a list: " + labels,
        )


def _marker_finding(refs: _References, kind: str, target: str, uses: list[Citation],
                    heading: Related | None) -> Finding:
    first = uses[0]
    label = target.split(":", 1)[1]
    if kind == "footnote":
        message = f"Footnote [^{label}] has no definition"
        marker = f"[^{label}]"
    else:
        marker = f"[{label}]"
        if refs.numbered:
            numbers = sorted(int(n) for n in refs.numbered)
            where = f"entries {numbers[0]}-{numbers[-1]}" if len(numbers) > 1 else f"entry {numbers[0]}"
            message = f"Marker {marker} has no entry {label} in the reference list ({where})"
        elif refs.positional:
            count = len(refs.positional)
            message = f"Marker {marker} has no entry {label}: the reference list has {count} entr{'y' if count == 1 else 'ies'}"
        else:
            message = f"Marker {marker} has no entry {label} in the reference list"
    related = [Related(c.start, c.end, "also cited here") for c in uses[1:20]]
    if heading is not None and kind == "numeric":
        related.append(heading)
    return Finding(rule="dangling-citation", start=first.start, end=first.end, message=message,
                   related=tuple(related), anchor=f"dangling {marker}")


def _author_year_finding(doc: Document, refs: _References, uses: list[Citation], near: list[int],
                         heading: Related | None) -> Finding:
    first = uses[0]
    shown = " ".join(first.text.split())
    related = [Related(c.start, c.end, "also cited here") for c in uses[1:20]]
    if near:
        entry = refs.entries[near[0]]
        years = sorted(entry.years) or ["no year"]
        message = (f'Citation "{shown}" matches no entry of the reference list: the entry at line '
                   f'{_line(doc, entry.start)} with that name has {", ".join(years[:3])}')
        related.append(Related(entry.start, entry.end, "entry with that name"))
    else:
        where = f" (line {_line(doc, heading.start)})" if heading is not None else ""
        message = f'Citation "{shown}" matches no entry of the reference list{where}'
        if heading is not None:
            related.append(heading)
    return Finding(rule="dangling-citation", start=first.start, end=first.end, message=message,
                   related=tuple(related), anchor="dangling " + first.target)


# ---------------------------------------------------------------------------
# unused-reference

def _used_entries(doc: Document, refs: _References) -> set[int]:
    used: set[int] = set()
    for citation in doc.citations:
        inside = refs.owner_of(citation.reference)
        if citation.kind in {"numeric", "footnote"}:
            # A marker counts wherever it sits, except in the entry it names ("See also [3]").
            if inside < 0 and doc.in_reference_list(citation.start):
                continue
            found = refs.resolve_marker(citation)[1]
        elif inside >= 0 or doc.in_reference_list(citation.start):
            continue  # an identifier inside an entry is the entry itself, not a use
        elif citation.kind in DIRECT_KINDS:
            found = list(refs.resolve_target(citation.target))
        elif citation.kind == "author_year":
            # A citation with the right name and another year names its entry: the
            # mismatch is dangling-citation's to report, not a second finding here.
            matches, near = refs.match_author_year(citation)
            found = matches or near
        else:
            found = []
        used.update(i for i in found if i != inside)
    return used


def _unseen_numbers(doc: Document) -> set[str]:
    """Numbers the text may cite by in ways the parser does not read as markers:
    "(1)", "(2, 3)", "<sup>4</sup>", "^5^", "⁶". Counting them as uses can only hide an
    unused entry, never invent one."""
    found: set[str] = set()
    for index, block in enumerate(doc.blocks):
        if not block.is_prose or index in doc.reference_blocks:
            continue
        text = doc.visible[block.start:block.end]
        for match in _UNSEEN_MARKER.finditer(text):
            body = next(g for g in match.groups() if g is not None)
            body = body.translate(_SUPERSCRIPTS)
            for part in re.split(r"\s*[,;]\s*", body):
                bounds = re.split(r"\s*[–—-]\s*", part)
                if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
                    low, high = int(bounds[0]), int(bounds[1])
                    if 0 < low < high <= low + 100:
                        found.update(str(n) for n in range(low, high + 1))
                elif len(bounds) == 1 and bounds[0].isdigit():
                    found.add(str(int(bounds[0])))
    return found


class _Mentions:
    """Where the running text names an author near a year, however it is phrased.

    The parser reads the usual author-year forms; this catches the rest ("Smith's 2020
    trial", "NICE [2022]") before an entry is called unused.
    """

    def __init__(self, doc: Document) -> None:
        parts = []
        for index, block in enumerate(doc.blocks):
            if block.is_prose and block.kind not in {"reference_definition", "image"} and index not in doc.reference_blocks:
                parts.append(_fold(doc.visible[block.start:block.end]))
        self.text = "\n".join(parts)
        self.words = frozenset(_WORD.findall(self.text))

    def names(self, entry: _Entry) -> bool:
        if not entry.authors or not entry.years:
            return False
        words = _WORD.findall(_fold(entry.authors[0]))
        if not words or not all(w in self.words for w in words):
            return False
        years = {y[:4] for y in entry.years}
        if not any(y in self.words for y in years):
            return False
        phrase = re.compile(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b")
        year = re.compile(r"(?<!\d)(?:" + "|".join(sorted(years)) + r")(?!\d)")
        for match in phrase.finditer(self.text):
            if year.search(self.text, max(0, match.start() - 150), match.end() + 150):
                return True
        return False


@rule(
    code="VS502",
    name="unused-reference",
    severity=Severity.INFO,
    summary="A reference-list entry that nothing in the text cites.",
    what="""
Finds entries of a reference list that no citation in the text reaches: no marker names
their number, no link, DOI, PMID or PMC id in the text points at them, and no
author-year citation matches their surname and year; and footnote definitions that no
marker references. A list is checked only when the text cites at least one of its
entries (footnotes: when the text uses footnote markers), so a bibliography cited in a
way the parser cannot see (superscripts) is left alone, and sections titled "Further
reading" or "Bibliography" are reading lists, never checked. A source listed several
times is reported once, at its first copy; the copies are duplicate-reference's.""",
    why="""
An uncited entry makes a piece look better sourced than it is, and often marks the spot
where a claim lost its citation in editing. Drafts assembled from search results list
every page the search touched, cited or not.""",
    bad="""Music therapy improved mood in one trial [1].

## References

1. Erkkilä J, et al. Individual music therapy for depression. Br J Psychiatry. 2011;199(2):132-139.
2. Aalbers S, et al. Music therapy for depression. Cochrane Database Syst Rev. 2017;11:CD004517.""",
    good="""Music therapy improved mood in one trial [1], and a review agreed [2].

## References

1. Erkkilä J, et al. Individual music therapy for depression. Br J Psychiatry. 2011;199(2):132-139.
2. Aalbers S, et al. Music therapy for depression. Cochrane Database Syst Rev. 2017;11:CD004517.""",
)
def unused_reference(doc: Document, context: RuleContext) -> Iterator[Finding]:
    if not doc.text_citations:
        return
    refs = _References.of(doc)
    if not refs.entries:
        return
    used = _used_entries(doc, refs)
    copies = refs.duplicate_groups()
    members: dict[int, list[int]] = {}
    for later, (first, _) in copies.items():
        members.setdefault(first, []).append(later)
    for first, later in members.items():
        if any(i in used for i in later):
            used.add(first)

    unseen = _unseen_numbers(doc) if refs.numbered else set()
    for label, entries in refs.numbered.items():
        if label in unseen:
            used.update(entries)
    cited_sections = {refs.entries[i].section for i in used if not refs.entries[i].footnote}
    footnote_markers = any(c.kind == "footnote" for c in doc.text_citations)
    mentions: _Mentions | None = None
    for entry in refs.current:
        if entry.index in used or entry.index in copies or entry.reading_list:
            continue
        if not entry.footnote and not entry.is_source:
            continue
        if entry.footnote:
            if not footnote_markers:
                continue
            label = entry.label[1:]
            yield Finding(
                rule="unused-reference", start=entry.start, end=entry.end,
                message=f"Footnote [^{label}] is defined but never referenced in the text",
                anchor=f"unused footnote {label}",
            )
            continue
        if entry.section not in cited_sections:
            continue
        mentions = mentions or _Mentions(doc)
        if mentions.names(entry):
            continue
        shown = quote(entry.body, 70)
        label = f" [{entry.label}]" if entry.label else ""
        times = len(members.get(entry.index, ())) + 1
        listed = f" (listed {times} times)" if times > 1 else ""
        related = tuple(Related(refs.entries[i].start, refs.entries[i].end, "same source listed again")
                        for i in members.get(entry.index, ())[:20])
        yield Finding(
            rule="unused-reference", start=entry.start, end=entry.end,
            message=f'Reference{label} "{shown}" is never cited in the text{listed}',
            related=related, anchor="unused " + normalise(entry.body),
        )


# ---------------------------------------------------------------------------
# duplicate-reference

@rule(
    code="VS503",
    name="duplicate-reference",
    severity=Severity.WARNING,
    summary="The same source is listed more than once in the reference list.",
    what="""
Finds reference-list entries that repeat an earlier one: the same DOI (in any case, bare
or in a publisher's or doi.org address), the same PMID or PMC id, the same web address
once scheme, `www.`, trailing slash, fragment and tracking parameters (`utm_*`, `fbclid`...)
are set aside, or the same text. A PubMed and a PMC address of one paper count as one
only when an entry gives both ids. Each later copy is reported, with the first in
`related`. Footnote definitions are not compared: notes may cite a source twice.""",
    why="""
A repeated entry pads the list, splits citations of one source between two numbers, and
is a sure sign the list was pasted together rather than checked.""",
    bad="""Music therapy helped [1] and kept helping [2].

## References

1. https://pubmed.ncbi.nlm.nih.gov/21474494/
2. http://pubmed.ncbi.nlm.nih.gov/21474494?utm_source=newsletter""",
    good="""Music therapy helped [1] and kept helping [2].

## References

1. https://pubmed.ncbi.nlm.nih.gov/21474494/
2. https://pmc.ncbi.nlm.nih.gov/articles/PMC9987133/""",
)
def duplicate_reference(doc: Document, context: RuleContext) -> Iterator[Finding]:
    refs = _References.of(doc)
    for later, (first, shared) in sorted(refs.duplicate_groups().items()):
        entry, original = refs.entries[later], refs.entries[first]
        yield Finding(
            rule="duplicate-reference",
            start=entry.start,
            end=entry.end,
            message=f"Reference repeats the one at line {_line(doc, original.start)} ({_describe_shared(shared)})",
            related=(Related(original.start, original.end, "first listed here"),),
            anchor="duplicate " + normalise(entry.body),
        )


# ---------------------------------------------------------------------------
# truncated-citation

_TRAILING = ".,;:!?'\"*_~’”»"
_DOI_LABEL = re.compile(
    r"(?<![\w/.])doi(?P<colon>[ \t]*:)?(?:[ \t]*(?:\r\n|\r|\n)?[ \t]*)(?P<value>[^\s<>\"]*)", re.I
)
_DOI_ADDRESS = re.compile(r"(?<![\w.])(?:https?://)?(?:dx\.|www\.)?doi\.org/(?P<value>[^\s<>\"]*)", re.I)
_PMID_LABEL = re.compile(
    r"(?<![\w])(?:PMID|PubMed[ \t]*ID)(?![A-Za-z])(?P<colon>[ \t]*:)?(?:[ \t]*(?:\r\n|\r|\n)?[ \t]*)"
    r"(?P<value>[^\s,;)\]]*)", re.I
)
_PUBMED_ADDRESS = re.compile(
    r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)(?P<value>[^\s/?#<>\"()\[\]]*)", re.I
)
_PMCID_LABEL = re.compile(
    r"(?<![\w])PMC[ \t]?ID(?![A-Za-z])(?P<colon>[ \t]*:)?(?:[ \t]*(?:\r\n|\r|\n)?[ \t]*)(?P<value>[^\s,;)\]]*)",
    re.I,
)
_PMC_TOKEN = re.compile(r"(?<![\w/=:])PMC(?P<value>\d[\w]*)")
_PMC_ADDRESS = re.compile(
    r"(?:ncbi\.nlm\.nih\.gov/pmc|pmc\.ncbi\.nlm\.nih\.gov)/articles/(?P<value>[^\s/?#<>\"()\[\]]*)", re.I
)
_LINE_REST = re.compile(r"[^\r\n]*")
_DOI_SHAPE = re.compile(r"10\.(?P<registrant>\d+)(?:\.\d+)*(?P<slash>/?)(?P<suffix>.*)", re.S)

# A journal reference cut off inside its issue number: "Psychiatry, 199(2" or "2011;199(2",
# at the end of a line or before an ellipsis.
_OPEN_ISSUE = re.compile(r"(?<![\w.])\d{1,4}[ \t]*\([ \t]*\d{0,4}(?P<end>[ \t]*(?:\.\.\.|…)|[ \t]*(?=[\r\n]|$))")
_JOURNAL_BEFORE = re.compile(r"[A-Z][\w’'&.\-]*(?:[ \t]+[A-Za-z&][\w’'&.\-]*){0,12}[*_]*,[ \t]*$")
_VANCOUVER_BEFORE = re.compile(r"(?<!\d)(?:1[6-9]|20)\d\d(?:[ \t]+[A-Z][a-z]{2,8}(?:[ \t]+\d{1,2})?)?[ \t]*;[ \t]*$")
# Entry endings.
_ENDS_IN_VOLUME = re.compile(
    r"(?<!\d)(?:1[6-9]|20)\d\d[a-z]?(?:[ \t]+[A-Z][a-z]{2,8}(?:[ \t]+\d{1,2})?)?[ \t]*;"
    r"[ \t]*(?:\d{1,5}(?:[ \t]*\([^()]{1,12}\))?[ \t]*:?)?$"
)
_APA_ENDS_IN_VOLUME = re.compile(r"[A-Za-z][*_]{0,2},[ \t]*\d{1,4}(?:[ \t]*\(\d{1,4}\))?$")
_APA_YEAR = re.compile(r"\((?:1[6-9]|20)\d\d[a-z]?(?:,[^()]{1,20})?\)")
_COLON_END = re.compile(r"\b(?:from|at|in|doi|url|available|retrieved|accessed|pmid|pmcid)[ \t]*:$", re.I)
_DANGLING_END = re.compile(r"(?:[,;:(\[&]|\d[-–]|\b(?:and|et|In|pp?\.))$")


@dataclass(frozen=True)
class _Problem:
    start: int
    end: int
    message: str


def _strip_value(value: str) -> str:
    """Drop trailing punctuation and closing brackets that have no opening partner."""
    while value:
        last = value[-1]
        if last in _TRAILING:
            value = value[:-1]
        elif last in ")]" and value.count(last) > value.count("(" if last == ")" else "["):
            value = value[:-1]
        else:
            break
    return value


def _doi_problem(value: str) -> str | None:
    shape = _DOI_SHAPE.fullmatch(value)
    if not shape:
        return f'DOI "{quote(value, 40)}" is malformed: a DOI starts with "10." and a registrant number'
    if len(shape.group("registrant")) < 4:
        return f'DOI "{quote(value, 40)}" is malformed: its registrant number has fewer than four digits'
    if not shape.group("slash") or not shape.group("suffix"):
        return f'DOI "{quote(value, 40)}" has no suffix after the prefix: it looks cut off'
    suffix = shape.group("suffix")
    if suffix.count("(") > suffix.count(")") or suffix.count("[") > suffix.count("]"):
        return f'DOI "{quote(value, 40)}" is cut off: a bracket in it is never closed'
    return None


def _nothing_follows(text: str, position: int) -> bool:
    """Whether a label ("doi:", "PMID:") ends its line or clause: nothing, not even a link, follows."""
    rest = _LINE_REST.match(text, position).group()
    return not rest.strip(" \t.,;)]*_")


def _identifier_problems(text: str, base: int) -> Iterator[_Problem]:
    """Malformed or cut-off DOIs, PMIDs and PMC ids in one block's visible text."""
    for match in _DOI_LABEL.finditer(text):
        value = _strip_value(match.group("value"))
        lowered = value.lower()
        if lowered.startswith(("http", "www.", "doi.org", "dx.doi")):
            continue  # an address: checked below
        if not value:
            if match.group("colon") and _nothing_follows(text, match.end()):
                yield _Problem(base + match.start(), base + match.end("colon"), "DOI label with no DOI after it")
            continue
        if value.startswith("10."):
            problem = _doi_problem(value)
        elif value[0].isdigit() and ("/" in value or "." in value) and len(value) >= 5 and match.group("colon"):
            problem = f'DOI "{quote(value, 40)}" is malformed: a DOI starts with "10."'
        else:
            continue
        if problem:
            yield _Problem(base + match.start(), base + match.start("value") + len(value), problem)
    for match in _DOI_ADDRESS.finditer(text):
        value = _strip_value(match.group("value"))
        if value[:1].isdigit():
            problem = _doi_problem(value)
            if problem:
                yield _Problem(base + match.start(), base + match.start("value") + len(value), problem)
    for match in _PMID_LABEL.finditer(text):
        value = _strip_value(match.group("value"))
        if not value:
            if match.group("colon") and _nothing_follows(text, match.end()):
                yield _Problem(base + match.start(), base + match.end("colon"), "PMID label with no PubMed id after it")
        elif value[0].isdigit() and not re.fullmatch(r"\d{1,8}", value):
            yield _Problem(base + match.start(), base + match.start("value") + len(value),
                           f'PMID "{quote(value, 30)}" is malformed: a PubMed id is 1 to 8 digits')
        elif value.upper().startswith("PMC"):
            yield _Problem(base + match.start(), base + match.start("value") + len(value),
                           f'PMID "{quote(value, 30)}" is a PMC id, not a PubMed id')
    for match in _PUBMED_ADDRESS.finditer(text):
        value = match.group("value")
        if value[:1].isdigit() and not re.fullmatch(r"\d{1,8}", value):
            yield _Problem(base + match.start(), base + match.end(),
                           f'PubMed address has a malformed id "{quote(value, 30)}": a PubMed id is 1 to 8 digits')
    for match in _PMCID_LABEL.finditer(text):
        value = _strip_value(match.group("value"))
        if not value:
            if match.group("colon") and _nothing_follows(text, match.end()):
                yield _Problem(base + match.start(), base + match.end("colon"), "PMCID label with no PMC id after it")
        elif (value[0].isdigit() or value.upper().startswith("PMC")) and not re.fullmatch(r"(?i:PMC)?\d{1,8}", value):
            yield _Problem(base + match.start(), base + match.start("value") + len(value),
                           f'PMCID "{quote(value, 30)}" is malformed: a PMC id is "PMC" and 1 to 8 digits')
    for match in _PMC_TOKEN.finditer(text):
        value = _strip_value(match.group("value"))
        if not re.fullmatch(r"\d{1,8}", value):
            yield _Problem(base + match.start(), base + match.start("value") + len(value),
                           f'PMC id "PMC{quote(value, 30)}" is malformed: a PMC id is "PMC" and 1 to 8 digits')
    for match in _PMC_ADDRESS.finditer(text):
        value = match.group("value")
        if not re.fullmatch(r"(?i:PMC)\d{1,8}", value) and (not value or value.upper().startswith("PMC")):
            what = "no PMC id" if value.upper() in {"", "PMC"} else f'a malformed PMC id "{quote(value, 30)}"'
            yield _Problem(base + match.start(), base + match.end(), f"PMC address has {what}")


def _fragment_problems(text: str, base: int) -> Iterator[_Problem]:
    """Journal references cut off inside their issue number, in any prose."""
    for match in _OPEN_ISSUE.finditer(text):
        before = text[max(0, match.start() - 160):match.start()]
        if not (_JOURNAL_BEFORE.search(before) or _VANCOUVER_BEFORE.search(before)):
            continue
        after = text[match.end():match.end() + 40]
        if ")" in after.split("(", 1)[0]:
            continue  # the issue closes on the next line: a wrapped line, not a cut
        start = match.start()
        journal = _JOURNAL_BEFORE.search(before) or _VANCOUVER_BEFORE.search(before)
        shown_from = max(0, match.start() - len(before) + journal.start())
        shown = " ".join(text[shown_from:match.start("end")].split())
        shown = "…" + shown[-50:].lstrip() if len(shown) > 50 else shown
        yield _Problem(base + start, base + match.start("end"),
                       f'Reference is cut off at "{shown}": the issue number\'s bracket is never closed')


def _entry_problems(entry: _Entry, spans: list[tuple[int, int]]) -> Iterator[_Problem]:
    """Entries that stop mid-way: unclosed brackets, dangling punctuation, no pages."""
    body = entry.body.rstrip()
    if not body.strip() or not entry.is_source:
        return
    last = entry.body_start + len(body) - 1
    if any(s <= last < e for s, e in spans):
        return  # ends in an address or identifier: checked as such
    chars = list(body)
    for s, e in spans:
        for i in range(max(s - entry.body_start, 0), min(e - entry.body_start, len(chars))):
            chars[i] = " "
    masked = "".join(chars)
    stack: list[int] = []
    for i, ch in enumerate(masked):
        if ch in "([":
            stack.append(i)
        elif ch in ")]" and stack:
            stack.pop()
    end = entry.body_start + len(body)
    if stack:
        opened = stack[-1]
        tail = masked[opened + 1:]
        if len(tail.strip()) <= 30 and "\n" not in tail.strip():
            shown = quote(body[max(0, opened - 40):], 60)
            yield _Problem(entry.body_start + opened, end,
                           f'Reference is cut off at "{shown}": "{masked[opened]}" is never closed')
            return
    ending = masked.rstrip().rstrip("*_").rstrip()
    shown = "…" + ending[-40:].lstrip() if len(ending) > 40 else ending
    if _DANGLING_END.search(ending):
        yield _Problem(entry.body_start, end, f'Reference stops mid-way at "{shown}"')
    elif _ENDS_IN_VOLUME.search(ending) or (_APA_ENDS_IN_VOLUME.search(ending) and _APA_YEAR.search(ending)):
        yield _Problem(entry.body_start, end, f'Reference ends in a volume with no pages or article number: "{shown}"')


@rule(
    code="VS504",
    name="truncated-citation",
    severity=Severity.WARNING,
    summary="A reference is cut off mid-way, or a DOI, PMID or PMC id is malformed.",
    what="""
Finds bibliographic references that stop mid-way: a journal reference whose issue
bracket never closes ("The British Journal of Psychiatry, 199(2") anywhere in the text,
and reference-list entries that end inside an unclosed bracket, on a comma, colon,
semicolon or "&", or at a volume with no pages ("2011;199"). It also finds DOIs with no
suffix ("doi: 10.1016/") or a malformed prefix, PMIDs that are not 1 to 8 digits, and PMC
ids that are not "PMC" and 1 to 8 digits, in text, entries and addresses. A complete
reference fragment ("2025 Apr 1:374:1-10. doi: 10.1016/j.jad.2025.01.011.") is left
alone. One finding per entry; in running text, one per fragment.""",
    why="""
A cut-off reference cannot be looked up, and a malformed identifier resolves to nothing
or to the wrong paper. Both are typical of text pasted from search snippets, which end
wherever the snippet did.""",
    bad="Individual music therapy for depression: randomised controlled trial. The British Journal of Psychiatry, 199(2",
    good="Individual music therapy for depression: randomised controlled trial. The British Journal of Psychiatry, 199(2), 132-139.",
)
def truncated_citation(doc: Document, context: RuleContext) -> Iterator[Finding]:
    problems: list[_Problem] = []
    for block in doc.blocks:
        if not block.is_prose or block.kind == "image" or block.end <= block.start:
            continue
        text = doc.visible[block.start:block.end]
        problems.extend(_identifier_problems(text, block.start))
        problems.extend(_fragment_problems(text, block.start))
    if doc.references:
        refs = _References.of(doc)
        spans = sorted((c.start, c.end) for c in doc.citations if c.kind in DIRECT_KINDS)
        for entry in refs.current:
            inside = []
            for span in spans[max(0, bisect.bisect_left(spans, (entry.start, -1)) - 1):]:
                if span[0] >= entry.end:
                    break
                if span[1] > entry.start:
                    inside.append(span)
            problems.extend(_entry_problems(entry, inside))

    problems.sort(key=lambda p: (p.start, p.end))
    entry_starts = [r.start for r in doc.references]
    reported_entries: set[int] = set()
    last_end = -1
    for problem in problems:
        position = bisect.bisect_right(entry_starts, problem.start) - 1
        entry = position if position >= 0 and problem.start < doc.references[position].end else -1
        if entry >= 0:
            if entry in reported_entries:
                continue
            reported_entries.add(entry)
        elif problem.start < last_end:
            continue  # the same identifier seen by two patterns
        last_end = max(last_end, problem.end)
        yield Finding(
            rule="truncated-citation",
            start=problem.start,
            end=problem.end,
            message=problem.message,
            anchor=doc.visible[problem.start:problem.end],
        )
