"""Citations: markers, author-year citations and reference lists that do not line up.

The parser (``verifier.citations``) finds every citation and every reference-list entry,
and its :class:`~verifier.citations.ReferenceResolver` says which entry a citation points
at; these rules compare the two. :func:`_references` gives the four rules one view of a
document's entries, built once per document: where each entry sits (its section, and
whether that section is a reading list), the numbers and footnote labels the text can
cite, and the copies of one source.

Matching is as lenient as the resolver: a surname the parser could not read as an author
is still found in an entry's text, and an undated entry cannot contradict a year.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator

from verifier.citations import ReferenceResolver, identity_key, resolver_for
from verifier.document import Document
from verifier.model import Citation, Finding, Reference, Related, Severity
from verifier.registry import RuleContext, rule
from verifier.rules._text import folded, normalise, quote

DIRECT_KINDS = frozenset({"link", "url", "doi", "pmid", "pmcid"})
# What a duplicate is reported as sharing, most telling first.
_KEY_PRIORITY = ("doi", "pmid", "pmcid", "url", "text")

# Sections whose entries are reading lists, not works cited: an uncited entry is expected.
_READING_LIST_TITLES = frozenset({
    "further reading", "bibliography", "selected bibliography", "additional reading",
    "suggested reading", "recommended reading", "works consulted", "further resources",
    "additional resources", "resources", "see also", "useful links",
})


def _identity_keys(targets: tuple[str, ...]) -> list[str]:
    keys = []
    for target in targets:
        key = identity_key(target)
        if key and key not in keys:
            keys.append(key)
    return keys


@dataclass(frozen=True)
class _Entry:
    """A reference-list entry (the parser's) and where it sits."""

    index: int               # index into doc.references
    ref: Reference
    section: int             # heading block of its section, or -1
    reading_list: bool       # in a "Further reading" or "Bibliography" section

    @property
    def start(self) -> int:
        return self.ref.start

    @property
    def end(self) -> int:
        return self.ref.end

    @property
    def label(self) -> str | None:
        return self.ref.label

    @property
    def footnote(self) -> bool:
        return self.ref.footnote

    @property
    def body(self) -> str:
        return self.ref.body

    @property
    def body_start(self) -> int:
        return self.ref.end - len(self.ref.body)

    @property
    def is_source(self) -> bool:
        """Whether the entry reads as a source, not a caption inside the list ("Reviews:")."""
        ref = self.ref
        text = ref.body.strip().rstrip("*_ ")
        if ref.targets:
            return True
        if ref.footnote:  # a note may be prose ("As the WHO puts it:")
            return bool(ref.authors or ref.year)
        if text.endswith(":") and len(text.split()) < 6 and not _COLON_END.search(text):
            return False
        return bool(ref.authors or ref.year or ref.label is not None or len(text.split()) >= 4)


@dataclass
class _References:
    """A document's reference-list entries as the four rules read them."""

    entries: list[_Entry]
    resolver: ReferenceResolver
    heading: Related | None = None                       # the first reference list's heading
    numbered: dict[str, list[int]] = field(default_factory=dict)
    positional: list[int] = field(default_factory=list)  # unnumbered lists, read in order
    footnotes: dict[str, int] = field(default_factory=dict)
    link_starts: frozenset[int] = frozenset()            # where links start, "[1]" among them

    @classmethod
    def of(cls, doc: Document) -> "_References":
        entries = []
        for index, ref in enumerate(doc.references):
            block = doc.block_at(ref.start)
            section = doc.blocks[block].section if block >= 0 else -1
            title = doc.section_title(block).lower() if block >= 0 else ""
            entries.append(_Entry(index, ref, section, title in _READING_LIST_TITLES))
        self = cls(entries, resolver_for(doc.references))
        for entry in entries:
            if entry.footnote:
                self.footnotes.setdefault(entry.label[1:], entry.index)
            elif entry.label is not None:
                self.numbered.setdefault(entry.label, []).append(entry.index)
            elif entry.section >= 0 and not entry.reading_list and entry.is_source:
                self.positional.append(entry.index)
        for entry in self.listed:
            if entry.section >= 0:
                heading = doc.blocks[entry.section]
                self.heading = Related(heading.start, heading.end, "reference list")
                break
        self.link_starts = frozenset(c.start for c in doc.citations if c.kind == "link")
        return self

    # -- what the document has ----------------------------------------------------
    @property
    def listed(self) -> list[_Entry]:
        """Entries of reference-list sections (footnote definitions excluded)."""
        return [e for e in self.entries if not e.footnote]

    def has_bibliography(self) -> bool:
        """Whether a reference list holds at least one entry that reads as a source."""
        return any(e.ref.targets or e.ref.authors or e.ref.year for e in self.listed)

    # -- resolving citations ----------------------------------------------------------
    def resolve_marker(self, citation: Citation) -> tuple[bool, list[int]]:
        """Whether a numeric or footnote marker points somewhere, and the entries it names."""
        found = self.resolver.candidates(citation)
        if found:
            return True, found
        if citation.kind == "footnote":
            return False, []
        label = citation.target.split(":", 1)[1]
        if not self.numbered and self.positional and int(label) <= len(self.positional):
            return True, [self.positional[int(label) - 1]]
        # "[1]" with "[1]: https://..." is a reference-style link: the link is its source.
        return citation.start in self.link_starts, []

    # -- duplicates ------------------------------------------------------------------
    @cached_property
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
            keys = _identity_keys(entry.ref.targets)
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


def _references(doc: Document) -> _References:
    """The analysis the four rules share, built once per document and kept with it."""
    return doc.memo("citation-rules", _References.of)


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
Finds citations that lead nowhere: a numeric marker (`[4]`, or a superscript `⁴`, `^4^`
or `<sup>4</sup>`) with no entry 4 in the reference list (a numbered list, `[4]` entries, Markdown's renumbered `1.` lists, a list under a plain
`Citations:` line, a plain list read in order, or a `[4]: https://...` link definition),
a footnote `[^a]` with no `[^a]:` definition, and an author-year citation
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
    refs = _references(doc)
    cited = doc.text_citations
    starts = [c.start for c in cited]
    groups: dict[tuple[str, str], list[Citation]] = {}
    for citation in cited:
        if citation.kind not in {"numeric", "footnote", "author_year"}:
            continue
        if citation.kind != "footnote" and _in_blockquote(doc, citation.start):
            continue
        groups.setdefault((citation.kind, citation.target), []).append(citation)

    listed = refs.listed
    bibliography = refs.has_bibliography()
    heading = refs.heading
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
        matches, near = refs.resolver.author_year(uses[0])
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
        message = (f'Citation "{shown}" matches no entry of the reference list: the entry at line '
                   f'{_line(doc, entry.start)} with that name has {entry.ref.year or "no year"}')
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
        inside = citation.reference
        if citation.kind in {"numeric", "footnote"}:
            # A marker counts wherever it sits, except in the entry it names ("See also [3]").
            if inside < 0 and doc.in_reference_list(citation.start):
                continue
            found = refs.resolve_marker(citation)[1]
        elif inside >= 0 or doc.in_reference_list(citation.start):
            continue  # an identifier inside an entry is the entry itself, not a use
        elif citation.kind == "author_year":
            # A citation with the right name and another year names its entry: the
            # mismatch is dangling-citation's to report, not a second finding here.
            matches, near = refs.resolver.author_year(citation)
            found = matches or near
        else:
            found = refs.resolver.candidates(citation)
        used.update(i for i in found if i != inside)
    return used


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
entries (footnotes: when the text uses footnote markers), so a bibliography the text
never cites at all is left alone, and sections titled "Further reading" or
"Bibliography" are reading lists, never checked. A source listed several
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
    refs = _references(doc)
    if not refs.entries:
        return
    used = _used_entries(doc, refs)
    copies = refs.duplicate_groups
    members: dict[int, list[int]] = {}
    for later, (first, _) in copies.items():
        members.setdefault(first, []).append(later)
    for first, later in members.items():
        if any(i in used for i in later):
            used.add(first)

    cited_sections = {refs.entries[i].section for i in used if not refs.entries[i].footnote}
    footnote_markers = any(c.kind == "footnote" for c in doc.text_citations)
    for entry in refs.entries:
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
    refs = _references(doc)
    for later, (first, shared) in sorted(refs.duplicate_groups.items()):
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
_UNCLOSED_BRACKET = r"\([ \t]*\d{0,4}(?P<end>[ \t]*(?:\.\.\.|…)|[ \t]*(?=[\r\n]|$))"
_OPEN_ISSUE = re.compile(rf"(?<![\w.])\d{{1,4}}[ \t]*{_UNCLOSED_BRACKET}")
# The bracket alone is found fast (it starts with a literal); most blocks have none.
_OPEN_ISSUE_TAIL = re.compile(_UNCLOSED_BRACKET)
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
    # Every match of each pattern holds its identifier's name; most blocks name none.
    lowered = folded(text)
    if "doi" in lowered:
        yield from _doi_problems(text, base)
    if "pmid" in lowered or "pubmed" in lowered:
        yield from _pmid_problems(text, base)
    if "pmc" in lowered:
        yield from _pmc_problems(text, base)


def _doi_problems(text: str, base: int) -> Iterator[_Problem]:
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


def _pmid_problems(text: str, base: int) -> Iterator[_Problem]:
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


def _pmc_problems(text: str, base: int) -> Iterator[_Problem]:
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
    if not _OPEN_ISSUE_TAIL.search(text):
        return
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
        refs = _references(doc)
        spans = sorted((c.start, c.end) for c in doc.citations if c.kind in DIRECT_KINDS)
        for entry in refs.entries:
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
