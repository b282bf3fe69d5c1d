"""Every pointer to a source in a document, and every entry of its reference lists.

:func:`find_citations` reads the ``visible`` mask (code, comments, HTML and front
matter already blanked, offsets kept) inside prose blocks and returns a
:class:`CitationIndex`: citations in document order, reference-list entries in
document order, and the indexes of the blocks that make up reference-list sections.

Span conventions (``Citation.text == text[start:end]`` always):

- links: the whole ``[text](url)`` / ``[text][id]`` / ``[text]``; autolinks include
  ``<`` and ``>``; bare URLs the URL without trailing punctuation. Identifiers derived
  from a URL (DOI, PMID, PMCID) share the URL's span, one citation each.
- DOIs and PubMed ids written as text: the identifier with its prefix (``doi: 10...``,
  ``PMID: 123``).
- numeric markers: every number of ``[1, 3-5]`` gets its own citation, all with the
  span of the whole marker; footnote markers span ``[^1]``. Superscripts (``²``,
  ``^2^``, ``<sup>2</sup>``) after a word or punctuation span the superscript, outside
  reference lists. ``(2)`` is a marker only in a document whose reference list is
  numbered, when every number is an entry's, after a word that is no label
  ("equation (2)") and before the end of a clause ("(1) reduce, (2) improve" is an
  enumeration); it spans the parentheses.
- author-year: parenthetical citations span the author names through the last year of
  the group, without the parentheses, prefixes (``e.g.,``) or locators (``p. 4``), so
  ``(Silverman, 2022; Swanson, 2020)`` gives two spans; narrative citations span
  ``Tang et al. (2020)`` or ``Excellence [NICE] (2022)`` through the closing parenthesis,
  and ``Smith's 2020`` (followed by "survey", "study"...) through the year. Roman
  numerals and single letters are no authors: ``(Phase III, 2019)`` is not a citation.
- reference entries: one block (a list item, a paragraph, a line of the sample's URL
  list) or, when a paragraph stacks one entry per line, one line, with an address
  hard-wrapped onto the next line kept in its entry; trailing blanks are not part of
  the span. Footnote definitions run from ``[^x]:`` to the next definition or the end
  of their block. A reference list starts at a heading, a bold pseudo-heading, or a
  plain ``Citations:`` line with entries after it; ``1. / 1. / 1.`` lists are labelled
  1, 2, 3 as Markdown renders them.

:class:`ReferenceResolver` (:func:`reference_for` for one citation) answers which entry
a citation points at, for every consumer of the index.

Scanning is pattern-based and linear in the size of each block: no pattern here can
backtrack catastrophically, whatever the input.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
import sys
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple, Sequence
from urllib.parse import unquote, urlsplit

from verifier.markdown import DOI_PREFIX, apply_blanks, holds_needle
from verifier.model import Block, Citation, Reference

__all__ = [
    "CitationIndex", "ReferenceResolver", "find_citations", "identity_key", "normalize_doi", "normalize_url",
    "reference_for", "resolver_for", "targets_from_url", "url_key",
]


@dataclass(frozen=True)
class CitationIndex:
    citations: list[Citation]  # in document order
    references: list[Reference]  # entries of reference-list sections, in order
    reference_blocks: frozenset[int]  # blocks of reference-list sections (heading and entries)


# ---------------------------------------------------------------------------
# Character classes

def _upper_class() -> str:
    """A regex class of every upper- and title-case letter (names start with one)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):  # the Basic Multilingual Plane holds every script names use
        ch = chr(code)
        if ch.isupper() or ch.istitle():
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    parts = []
    for lo, hi in ranges:
        parts.append(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}")
    return "[" + "".join(parts) + "]"


_L = r"[^\W\d_]"  # any letter

_PARTICLES = frozenset(
    "van von der den de del della dei degli di da das dos du le la les ten ter te "
    "al el bin ibn st zu y".split()
)
_PARTICLE = r"(?:" + "|".join(sorted(_PARTICLES, key=len, reverse=True)) + r")"
_CONNECTORS = frozenset({"of", "for", "the", "on", "and"})

# Capitalised words that start sentences, name dates or label things: never authors.
_STOPWORDS = frozenset(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday
    spring summer autumn fall winter christmas easter
    the a an in on at as by of for from to with within since until till before after during
    between about around through throughout over under per via vs versus circa ca
    this that these those its it their his her our we they he she i you there here
    and or but nor so yet also still again then thus hence therefore however moreover
    furthermore additionally similarly likewise conversely meanwhile nevertheless
    nonetheless notably importantly interestingly specifically overall previously recently
    subsequently finally first second third together indeed instead otherwise
    see cf compare eg ie e g i example for according reviewed cited quoted adapted source
    sources data table tables figure figures fig figs chart panel appendix supplement
    phase wave stage step trial trials study studies survey report reports review version
    vol volume issue edition ed eds chapter section part page pages no number
    updated accessed retrieved published revised copyright est founded born died
    year years month week day today yesterday tomorrow now
    fy q1 q2 q3 q4 h1 h2 ad bc bce ce
    covid sars mers hiv aids usa us uk eu un rct rcts mdd adhd ptsd ocd gad ci or rr hr sd
    se sem iqr bmi dsm icd gdp mri ct pet eeg ecg ekg nhs ssri ssris cbt act dbt mt iq
    results methods background conclusion conclusions discussion introduction abstract
    objective objectives aims aim note notes total mean median average range baseline
    patients participants children adults women men people group groups control placebo
    yes no n p
    professor prof dr mr mrs ms sir dame
    research evidence approximately some many most all both each one two three several
    other others another such while when where which what why how if although though
    because unless whereas
    """.split()
)

# ---------------------------------------------------------------------------
# Patterns over the visible text

# Inline links and images. Link text may hold one level of nested brackets.
_LINK_TEXT = r"(?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*"
_INLINE_LINK = re.compile(
    r"\[(?P<text>" + _LINK_TEXT + r")\]"
    r"\([ \t]*(?:\r\n|\r|\n)?[ \t]*"
    r"(?:<(?P<angle>[^<>\r\n]*)>|(?P<dest>(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*))"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)",
    re.S,
)
_REF_LINK = re.compile(r"\[(?P<text>" + _LINK_TEXT + r")\](?:\[(?P<label>[^\[\]]{0,999})\])?", re.S)
_LINK_DEFINITION = re.compile(
    r"[ \t]{0,3}\[(?P<label>[^\]\r\n]+)\]:[ \t]*(?:<(?P<angle>[^<>\r\n]*)>|(?P<dest>\S+))"
)
_AUTOLINK = re.compile(r"<(?P<url>(?:https?|ftp)://[^<>\s]+)>", re.I)
_URL = re.compile(
    r"(?<![\w@/.])(?:https?://|ftp://|www\.|(?:pubmed\.|pmc\.)?ncbi\.nlm\.nih\.gov/|europepmc\.org/)[^\s<>()\[\]]*(?:\([^\s()<>]*\)[^\s<>()\[\]]*)*",
    re.I,
)
_URL_TRAILING = ".,;:!?'\"*_~’”»›‘“"

_DOI_CORE = r"10\.\d{4,9}/[^\s\"<>]+"
_DOI_TEXT = re.compile(
    r"(?:(?<![\w.])[Dd][Oo][Ii]\s*:?\s*|(?<![\w/.])(?:https?://)?(?:dx\.)?doi\.org/|(?<![\w/.]))"
    r"(?P<doi>" + _DOI_CORE + r")",
)
_PUBMED_TEXT = re.compile(
    r"(?<![\w])(?:"
    r"PMCID\s*:?\s*(?P<pmcid>(?:PMC)?\d{1,9})"
    r"|(?:PMID|PubMed\s*ID)\s*:?\s*(?P<pmid>\d{1,9})"
    r"|PubMed\s*:\s*(?P<pmid2>\d{1,9})"
    r"|(?P<pmc>PMC\d{4,9})"
    r")(?!\w)",
    re.I,
)
_FOOTNOTE_MARKER = re.compile(r"\[\^(?P<label>[^\]\s\[]{1,100})\]")
_NUMERIC_MARKER = re.compile(
    r"\[[ \t]*(?P<body>\d{1,3}(?:[ \t]*[,;–—-][ \t]*\d{1,3})*)[ \t]*\]"
)
_FOOTNOTE_DEFINITION = re.compile(r"[ \t]{0,3}\[\^(?P<label>[^\]\s\[]{1,100})\]:")

# Superscript markers: "depression²", "depression^2^", "depression<sup>2</sup>". They must
# follow a word of three letters or more, or punctuation, and must not start a formula, so
# "m²", "kg/m^2^", "10<sup>6</sup>", "I² = 45%" and "R² =" are not markers.
_MARKER_AFTER = r"(?:(?<=[^\W\d_]{3})|(?<=[.,;:)\]”\"’]))"
_NOT_FORMULA = r"(?![ \t]*[=<>≤≥±×])"
_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPERSCRIPTS = str.maketrans(_SUPERSCRIPT_DIGITS + "⁻˒", "0123456789-,")
_SUPERSCRIPT_MARKER = re.compile(
    _MARKER_AFTER + rf"(?P<body>[{_SUPERSCRIPT_DIGITS}]{{1,3}}(?:[,˒⁻–\-][{_SUPERSCRIPT_DIGITS}]{{1,3}})*)"
    rf"(?![{_SUPERSCRIPT_DIGITS}\w])" + _NOT_FORMULA
)
_NUMBER_LIST = r"\d{1,3}(?:[ \t]*[,;–—-][ \t]*\d{1,3})*"
_CARET_MARKER = re.compile(_MARKER_AFTER + r"\^(?P<body>" + _NUMBER_LIST + r")\^" + _NOT_FORMULA)
_SUP_MARKER = re.compile(
    _MARKER_AFTER + r"<sup>[ \t]*(?P<body>" + _NUMBER_LIST + r")[ \t]*</sup>" + _NOT_FORMULA, re.I
)
# "(2)" cites entry 2 only in a document whose reference list is numbered, after a word or
# punctuation and before the end of the clause: "(1) reduce stress, (2) improve mood" is
# an enumeration, and so is "equation (2)" or "stage (2)".
_PAREN_MARKER = re.compile(
    r"(?:(?<=[^\W\d_]{2})|(?<=[.,;:\]”\"’%]))[ \t]?(?P<marker>\((?P<body>" + _NUMBER_LIST + r")\))"
    r"(?=[ \t]*(?:[.,;:!?\r\n]|$))"
)
_PAREN_MARKER_ITSELF = re.compile(r"\(" + _NUMBER_LIST + r"\)")  # the "(2)" alone: see _paren_markers
_WORD_BEFORE = re.compile(r"(?P<word>[^\W\d_]+)\.?[ \t]*$")
_ENUMERATION_WORDS = frozenset(
    """
    equation equations eq eqs formula step steps item items figure figures fig figs table tables
    tab phase stage type grade level levels part chapter section appendix arm arms question
    questions criterion criteria wave round visit day days week weeks month months dose doses
    session sessions hypothesis aim aims objective objectives scenario condition conditions option
    options class category number no version line row column panel box model models point points
    """.split()
)

_YEAR_ITEM = r"(?:(?:1[6-9]|20)\d\d[a-z]?|n\.[ \t]?d\.?|in[ \t]+press|forthcoming)"
_YEAR_GROUP = re.compile(
    r"(?<![\w.\-/–])" + _YEAR_ITEM + r"(?:[ \t]*,[ \t]*(?:" + _YEAR_ITEM + r"|[a-z](?![\w.])))*(?!\w)"
)
_YEAR_ITEM_RE = re.compile(_YEAR_ITEM + r"|(?<=,)[ \t]*[a-z]")
_LOCATOR = r"(?:pp?\.?|paras?\.|chap\.|ch\.|sec\.|fig\.|table)[ \t]*[\w–\-]+(?:[ \t]*[–\-,][ \t]*\w+)*"
_NARRATIVE_YEARS = re.compile(
    r"\([ \t]*(?P<years>" + _YEAR_GROUP.pattern + r")(?:[ \t]*,[ \t]*" + _LOCATOR + r")?[ \t]*\)",
    re.I,
)
# A parenthesis that holds a year ("(Smith, 2020)", "(WHO, n.d.)"): only those can hold an
# author-year citation, and the lookahead passes over "(n = 45)" without reading its years.
_PARENTHETICAL = re.compile(r"\((?=[^()]{0,400}?" + _YEAR_ITEM + r")(?P<body>[^()]{1,400})\)")
_NAME_TOKEN = re.compile(r"et\.?\s+al\.?|" + _L + r"+(?:['’\-]" + _L + r"+)*|\S")
_ET_AL = re.compile(r"et\.?\s+al\.?$")
# "The National Institute for Health and Care Excellence [NICE] (2022)": an acronym in
# brackets between the name and its year.
_ACRONYM_BEFORE_YEAR = re.compile(r"[ \t]*[\[(][ \t]*(?P<acronym>[A-Z][A-Za-z&]{1,11})[ \t]*[\])][ \t]*$")
# "Smith's 2020 survey", "Fachner's 2013 EEG study": a possessive name, a year and, within
# three words, what the work is. Without that noun ("Britain's 2020 lockdown") it is no citation.
_WORK_NOUNS = (
    "study|studies|trial|trials|survey|surveys|review|reviews|report|reports|paper|papers|analysis|"
    "meta-analysis|guideline|guidelines|guidance|article|book|audit|cohort|data|dataset|findings|"
    "fact[ \t]+sheet|statement|census|estimates?|experiment|evaluation|assessment|recommendations?"
)
_POSSESSIVE_YEAR = re.compile(
    r"['’]s[ \t]+(?P<year>(?:1[6-9]|20)\d\d[a-d]?)(?![\w\-–/])"
    r"(?=(?:[ \t]+[\w\-]{1,30}){0,3}?[ \t]+(?:" + _WORK_NOUNS + r")(?![\w\-]))",
    re.I,
)
# A Roman numeral ("Phase III", "Stage IIb") or a lone letter is nobody's surname.
_NUMERAL = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})[a-d]?")

# What every match of a pattern holds, in lower case (see verifier.markdown.holds_needle).
# These patterns open with a lookbehind or a class, which the regex engine tries at every
# position of a block: a block without any of it is not searched (most are not; the search
# was half the time of finding citations). When case is ignored, "i" and "s" also match "ı"
# and "ſ" (which lower-casing keeps): no needle holds "s", and "pmı" stands beside "pmi".
_NEEDLES = {
    _URL: ("://", "www.", "nlm.n", "europepmc.org/"),
    _DOI_TEXT: DOI_PREFIX,
    _PUBMED_TEXT: ("pmc", "pmi", "pmı", "pubmed"),
    _SUPERSCRIPT_MARKER: tuple(_SUPERSCRIPT_DIGITS),
    _CARET_MARKER: ("^",),
    _SUP_MARKER: ("up>",),  # "<sup>"
    _POSSESSIVE_YEAR: ("'", "’"),
}


def _finditer(pattern: re.Pattern, text: str, folded: str):
    """``pattern.finditer(text)``, at once empty when ``folded`` holds none of its needles.

    ``folded``: the block lower-cased, before any of it was blanked (blanks add no needle).
    """
    return pattern.finditer(text) if holds_needle(folded, _NEEDLES[pattern]) else iter(())


# Reference-list headings, compared after dropping '#', '*', '_', ':' and spaces.
_REFERENCE_TITLES = frozenset(
    {
        "references", "referencelist", "citations", "sources", "bibliography", "workscited",
        "notes", "footnotes", "literature", "furtherreading",
        "reference", "source", "citation", "literaturecited", "referencescited",
        "sourcescited", "selectedreferences", "keyreferences", "endnotes",
        "referencesandnotes", "notesandreferences", "sourcesandnotes", "notesandsources",
        "sourcesandreferences", "referencesandsources", "citationsandsources",
        "referencesandfurtherreading",
    }
)
_HEADING_STRIP = re.compile(r"[#*_:\s]+")
# A title on a plain line (no '#', no emphasis) is weaker evidence than a heading: the ones
# that also name ordinary paragraphs ("Notes:") do not open a reference list there.
_PLAIN_TITLES = _REFERENCE_TITLES - {"notes", "literature"}
_PLAIN_TITLE = re.compile(r"[ \t]*[A-Za-z][A-Za-z \t]{0,40}:?[ \t]*")
_BARE_ADDRESS = re.compile(r"[ \t]*<?(?:https?://|www\.|doi:[ \t]*|10\.\d{4,9}/)\S+>?[ \t]*", re.I)
_LINE = re.compile(r"[^\r\n]+")
_ENTRY_LABEL = re.compile(
    r"[ \t]*(?:[-*+][ \t]+)?(?:"
    r"\[\^(?P<foot>[^\]\s\[]{1,100})\]:"
    r"|\[(?P<bracket>\d{1,4})\]:?"
    r"|\(?(?P<number>\d{1,4})[.)](?=[ \t]|$)"
    r")?[ \t]*"
)
_ENTRY_START = re.compile(
    r"[ \t]*(?:\[\^?[^\]\s]+\]|\(?\d{1,4}[.)][ \t]|[-*+][ \t]|<?(?:https?://|www\.)|doi:|10\.\d{4,9}/)",
    re.I,
)
_ANY_YEAR = re.compile(r"(?<![\w.\-/])(?:1[6-9]|20)\d\d[a-z]?(?!\w)")
_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "_gl",
        "igshid", "yclid", "twclid", "ttclid", "li_fat_id", "_hsenc", "_hsmi", "mkt_tok",
        "oly_enc_id", "oly_anon_id", "vero_id", "wickedid", "s_cid", "ncid", "srsltid",
    }
)
_SCHEMELESS = re.compile(r"(?:www\.|(?:pubmed\.|pmc\.)?ncbi\.nlm\.nih\.gov/|europepmc\.org/)", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}
_DOI_SUFFIXES = (
    "/full", "/fulltext", "/full-text", "/abstract", "/abs", "/pdf", "/epdf", "/pdfft",
    "/pdfdirect", "/html", "/summary", "/references", "/figures", "/tables", "/metrics",
    "/citedby", "/meta", "/info", "/epub", "/supplemental", "/download",
    ".pdf", ".full", ".abstract", ".short", ".long", ".full-text", ".html", ".htm", ".epub",
)
_DOI_IN_PATH = re.compile(r"(?:^|/)(10\.\d{4,9}/.+)$")
_DOI_FULL = re.compile(r"10\.\d{4,9}/\S+")


# ---------------------------------------------------------------------------
# Normalisation

def _strip_diacritics(value: str) -> str:
    if value.isascii():  # most names: nothing to fold or strip
        return value
    value = value.translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_FOLD = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE",
                       "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D", "ı": "i", "þ": "th", "Þ": "Th",
                       "’": "'"})


def _name_key(words: list[str] | str) -> str:
    text = words if isinstance(words, str) else " ".join(words)
    return " ".join(_strip_diacritics(text).lower().split())


def _unbalanced_tail(value: str, strip: str) -> str:
    """Drop trailing punctuation and closing brackets that have no opening partner."""
    while value:
        last = value[-1]
        if last in strip:
            value = value[:-1]
        elif last in ")]}" and value.count(last) > value.count({")": "(", "]": "[", "}": "{"}[last]):
            value = value[:-1]
        else:
            break
    return value


def normalize_doi(doi: str) -> str | None:
    """``10.1016/J.JAD.2025.01.011.`` -> ``10.1016/j.jad.2025.01.011``; None if not a DOI."""
    doi = _unbalanced_tail(unquote(doi).strip(), ".,;:!?'\"*_~’”»/")
    if not re.fullmatch(r"10\.\d{4,9}/\S+", doi):
        return None
    return doi.lower()


def normalize_url(raw: str) -> str | None:
    """Lower-case scheme and host, drop default ports, fragment, trailing slash and
    tracking parameters; None when ``raw`` is not an absolute web address."""
    url = _with_scheme(html.unescape(raw.strip()).replace(" ", "%20"))
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        try:
            port = parts.port
        except ValueError:
            port = None
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not ("." in host or ":" in host or host == "localhost"):
        return None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = parts.path.rstrip("/")
    kept = [
        pair for pair in parts.query.split("&")
        if pair and not _is_tracking(pair.split("=", 1)[0])
    ]
    query = "?" + "&".join(kept) if kept else ""
    return f"{scheme}://{netloc}{path}{query}"


def _with_scheme(url: str) -> str:
    """``www.x.org/a`` and scheme-less PubMed addresses are web addresses too."""
    if _SCHEMELESS.match(url):
        return "https://" + url
    return url


def _is_tracking(key: str) -> bool:
    key = unquote(key).lower()
    return key.startswith("utm_") or key in _TRACKING_PARAMS


def _doi_from_path(path: str) -> str | None:
    match = _DOI_IN_PATH.search(path)
    if not match:
        return None
    doi = match.group(1)
    changed = True
    while changed:
        changed = False
        doi = doi.rstrip("/")
        lowered = doi.lower()
        for suffix in _DOI_SUFFIXES:
            if lowered.endswith(suffix) and len(doi) > len(suffix) + 8:
                doi = doi[: -len(suffix)]
                changed = True
                break
    if doi.startswith("10.1101/"):  # bioRxiv/medRxiv: the version is not part of the DOI
        doi = re.sub(r"v\d+$", "", doi)
    return normalize_doi(doi)


def targets_from_url(raw: str) -> list[tuple[str, str]]:
    """The (kind, target) pairs a web address stands for: ``url`` first, then any
    DOI, PMID or PMCID it carries."""
    normal = normalize_url(raw)
    if normal is None:
        return []
    found: list[tuple[str, str]] = [("url", "url:" + normal)]
    url = _with_scheme(html.unescape(raw.strip()))
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return found
    path = unquote(parts.path)
    doi = None
    if host in {"doi.org", "dx.doi.org", "www.doi.org"}:
        doi = normalize_doi(path.lstrip("/").rstrip("/"))
    if doi is None:
        doi = _doi_from_path(path)
    if doi is None:
        for pair in parts.query.split("&"):
            value = unquote(pair.split("=", 1)[1]) if "=" in pair else ""
            if _DOI_FULL.fullmatch(value):
                doi = normalize_doi(value)
                if doi:
                    break
    if doi:
        found.append(("doi", "doi:" + doi))
    if host.endswith("ncbi.nlm.nih.gov") or host.endswith("europepmc.org"):
        pmc = re.search(r"/(PMC\d+)(?:/|$)", path, re.I)
        pmid = None
        if host == "pubmed.ncbi.nlm.nih.gov":
            pmid = re.match(r"/(\d{1,9})(?:/|$)", path)
        elif host.endswith("ncbi.nlm.nih.gov"):
            pmid = re.match(r"/pubmed/(\d{1,9})(?:/|$)", path)
        else:
            pmid = re.search(r"/(?:article|abstract)/MED/(\d{1,9})(?:/|$)", path, re.I)
        if pmc:
            found.append(("pmcid", "pmcid:PMC" + pmc.group(1)[3:]))
        elif pmid:
            found.append(("pmid", "pmid:" + pmid.group(1)))
    return found


# ---------------------------------------------------------------------------
# Author names

def _token_kind(token: str) -> str:
    if _ET_AL.match(token):
        return "etal"
    if token == "&":
        return "amp"
    if token == ",":
        return "comma"
    if token == "and":
        return "and"
    if token[0].isupper() and token[0].isalpha():
        return "cap"
    if token in _PARTICLES:
        return "particle"
    if token in _CONNECTORS:
        return "conn"
    return "other"


def _is_stop(word: str) -> bool:
    folded = _strip_diacritics(word).lower()
    return folded in _STOPWORDS or re.sub(r"'s$", "", folded) in _STOPWORDS


def _authors_before(scan: str, lo: int, end: int, narrative: bool) -> tuple[int, str] | None:
    """Read author names backwards from ``end``: the start of the names and the key of
    the first author, or None when what precedes is not a list of names."""
    tokens = [(m.start(), m.group()) for m in _NAME_TOKEN.finditer(scan, max(lo, end - 300), end)]
    if not narrative and tokens and tokens[-1][1] == ",":
        tokens.pop()  # the comma between names and year
    run: list[tuple[int, str, str]] = []
    for start, token in reversed(tokens):
        kind = _token_kind(token)
        if kind == "other":
            break
        run.append((start, token, kind))
    run.reverse()
    if not run:
        return None
    etal = run[-1][2] == "etal"
    if etal:
        run.pop()
    if not run or run[-1][2] != "cap":
        return None
    last_start, last_token, _ = run[-1]
    if narrative and re.search(r"['’]s$", last_token):
        run[-1] = (last_start, last_token[:-2], "cap")
    # Split into names at commas, '&' and 'and'.
    pieces: list[list[tuple[int, str, str]]] = [[]]
    separators: list[str] = []
    for item in run:
        if item[2] in {"comma", "amp", "and"}:
            if not pieces[-1] and separators:  # ", &" and ", and" separate once
                if item[2] != "comma":
                    separators[-1] = item[2]
                continue
            separators.append(item[2])
            pieces.append([])
        else:
            pieces[-1].append(item)
    # Trim leading connectors, particles with no name after them, and stop words.
    while pieces:
        piece = pieces[0]
        while piece and (piece[0][2] == "conn" or (piece[0][2] == "cap" and _is_stop(piece[0][1]))):
            piece.pop(0)
        if piece and any(item[2] == "cap" for item in piece):
            break
        pieces.pop(0)
        if separators:
            separators.pop(0)
    if not pieces:
        return None
    if narrative and "comma" in separators and not ({"amp", "and"} & set(separators)) and not etal:
        pieces = pieces[-1:]
        separators = []
    for piece in pieces:
        if not piece or piece[-1][2] != "cap":
            return None

    def is_person(piece: list[tuple[int, str, str]]) -> bool:
        caps = [item for item in piece if item[2] == "cap"]
        return len(caps) == 1 and all(item[2] in {"particle", "cap"} for item in piece)

    if all(is_person(piece) for piece in pieces):
        # Smith; Smith and Lee; Smith, Lee, & Park; van der Berg et al.
        first = pieces[0]
        if any(_is_stop(item[1]) for piece in pieces for item in piece if item[2] == "cap"):
            return None
        words = [item[1] for item in first]
    elif "comma" not in separators:
        # One corporate author: World Health Organization, Department of Health and Social Care.
        first = pieces[0]
        words = []
        for number, piece in enumerate(pieces):
            words.extend((["and"] if number else []) + [item[1] for item in piece])
        if len(words) > 12 or first[0][2] != "cap" or _is_stop(first[0][1]):
            return None
    elif is_person(pieces[0]) and not _is_stop(pieces[0][-1][1]):
        first = pieces[0]
        words = [item[1] for item in first]
    else:
        return None
    if not any(_is_name(item[1]) for piece in pieces for item in piece if item[2] == "cap"):
        return None  # "(Phase III, 2019)", "(Appendix B, 2020)"
    key = _name_key(words)
    if not key or not any(ch.isalpha() for ch in key):
        return None
    return first[0][0], key


def _is_name(word: str) -> bool:
    return len(word) > 1 and not (word[:1].isupper() and _NUMERAL.fullmatch(word))


def _years(group: str) -> list[str]:
    years: list[str] = []
    for match in _YEAR_ITEM_RE.finditer(group):
        value = match.group().strip()
        if len(value) == 1 and years and re.match(r"\d{4}[a-z]$", years[-1]):
            years.append(years[-1][:4] + value)
        elif len(value) > 1:
            value = re.sub(r"\s+", " ", value.lower())
            if value.startswith("n."):
                value = "n.d."
            years.append(value)
    return years


# ---------------------------------------------------------------------------
# Reference entries: authors and year

class _NamePatterns(NamedTuple):
    vancouver: re.Pattern  # Smith J
    apa: re.Pattern  # Smith, J. A.
    full: re.Pattern  # Smith, John
    corporate: re.Pattern  # World Health Organization (2023)
    corporate_lead: re.Pattern  # World Health Organization. Fact sheet.


@functools.cache
def _name_patterns() -> _NamePatterns:
    """The patterns of authors' names, compiled when the first reference entry is read:
    building and compiling their class of capital letters took half the time of importing
    this module, and a draft without a reference list never needs them."""
    upper = _upper_class()
    cap = rf"{upper}{_L}*(?:['’\-]{_L}+)*"  # Smith, O'Brien, Smith-Jones, McDonald, WHO
    surname = rf"(?P<s>(?:{_PARTICLE}\s+)*{cap}(?:[ \-]{cap})*?)"
    corporate = rf"(?P<name>{cap}(?:\s+(?:{cap}|of|for|the|on|and|&))*?)\s*(?:\([^()]{{1,20}}\))?"
    return _NamePatterns(
        vancouver=re.compile(rf"{surname}\s+(?P<i>{upper}{{1,3}})(?=[,.;:\s]|$)"),
        apa=re.compile(rf"{surname},\s+(?P<i>{upper}\.(?:\s?-?{upper}\.)*)"),
        full=re.compile(rf"{surname},\s+(?P<i>{cap}(?:\s+(?:{cap}|{upper}\.))*)"),
        corporate=re.compile(
            rf"{corporate}(?:\.?\s*\(\s*{_YEAR_ITEM}|\.\s+{_YEAR_ITEM}|,\s*{_YEAR_ITEM})"
        ),
        corporate_lead=re.compile(rf"{corporate}\.(?:\s|$)"),
    )


_NAME_SEPARATOR = re.compile(r"\s*,\s*(?:&\s*|and\s+)?|\s*&\s*|\s+and\s+|\s*;\s*")
_ORGANISATION_WORDS = frozenset(
    """
    organization organisation association institute institutes agency department society council
    centre center centers centres foundation ministry service services office college academy board
    commission federation alliance university committee administration bureau trust network
    collaboration coalition consortium nhs who cdc nih nice fda ema
    """.split()
)
_PAREN_YEAR = re.compile(r"\(\s*(?P<y>" + _YEAR_ITEM + r")(?:\s*,[^()]{0,30})?\)")
_VANCOUVER_YEAR = re.compile(r"(?<![\w.\-/])(?P<y>(?:1[6-9]|20)\d\d[a-z]?)(?:\s+[A-Z][a-z]{2,8}(?:\s+\d{1,2})?)?\s*;")


def _entry_authors(body: str) -> tuple[str, ...]:
    body = body.lstrip(" \t*_\"“")
    patterns = _name_patterns()
    names: list[str] = []
    pos = 0
    while pos < len(body) and len(names) < 100:
        match = None
        for pattern in (patterns.apa, patterns.vancouver, patterns.full):
            match = pattern.match(body, pos)
            if match:
                break
        if not match:
            break
        names.append(_name_key(match.group("s")))
        pos = match.end()
        if re.match(r"[ \t]*,?[ \t]*et\.?\s+al", body[pos:pos + 12]):
            break
        separator = _NAME_SEPARATOR.match(body, pos)
        if not separator or separator.end() == pos:
            break
        pos = separator.end()
    if names:
        return tuple(names)
    corporate = patterns.corporate.match(body)
    if not corporate:
        # "World Health Organization. Fact sheet. 2023." names an organisation, not a title.
        corporate = patterns.corporate_lead.match(body)
        if corporate and not _ORGANISATION_WORDS & set(corporate.group("name").lower().split()):
            corporate = None
    if corporate and not _is_stop(corporate.group("name").split()[0]):
        return (_name_key(corporate.group("name").replace("&", "and")),)
    return ()


def _entry_year(body: str) -> str | None:
    for pattern in (_PAREN_YEAR, _VANCOUVER_YEAR):
        match = pattern.search(body)
        if match:
            years = _years(match.group("y"))
            return years[0] if years else match.group("y")
    match = _ANY_YEAR.search(body)
    return match.group() if match else None


# ---------------------------------------------------------------------------
# Scanning

@dataclass
class _Entry:
    start: int
    end: int
    label: str | None
    label_end: int  # end of the label (the part that is not a citation)
    section: int = -1  # block that opens the entry's reference section; -1 for a loose footnote


def _heading_is_reference_list(text: str, block: Block) -> bool:
    first_line = _LINE.match(text, block.start, block.end)
    title = first_line.group() if first_line else ""
    title = _HEADING_STRIP.sub("", title).rstrip(".").lower()
    return title in _REFERENCE_TITLES


def _is_pseudo_heading(text: str, block: Block) -> bool:
    return block.kind == "heading" and text[block.start:block.start + 2] in {"**", "__"}


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\r\n":
        start += 1
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    return start, end


def _label_of(visible: str, start: int, end: int) -> tuple[str | None, int]:
    match = _ENTRY_LABEL.match(visible, start, end)
    if match.group("foot"):
        return "^" + match.group("foot").lower(), match.end()
    number = match.group("bracket") or match.group("number")
    return (number.lstrip("0") or "0") if number else None, match.end()


def _entry_block_follows(visible: str, blocks: list[Block], index: int) -> bool:
    """Whether the block after ``blocks[index]`` is a reference entry (asked only after a
    plain title line: reading the next block for every paragraph took a tenth of the scan)."""
    return index + 1 < len(blocks) and _plain_entry_block(visible, blocks[index + 1])


def _lines_of(visible: str, block: Block) -> list[tuple[int, int]]:
    """Spans of a block's lines that are not blank; a line ends at ``\\r`` or ``\\n``.

    Split with str.split, not found with a pattern, which tests every character of the
    block (this runs two or three times for every paragraph).
    """
    spans = []
    position = block.start
    for line in visible[block.start:block.end].replace("\r", "\n").split("\n"):
        if line.strip():
            spans.append((position, position + len(line)))
        position += len(line) + 1
    return spans


def _looks_like_entry_line(line: str) -> bool:
    if _ENTRY_START.match(line):
        return True
    stripped = line.lstrip()
    return bool(stripped) and stripped[0].isupper() and bool(
        _ANY_YEAR.search(line) or "http" in line or _DOI_FULL.search(line)
    )


def _holds_address(line: str) -> bool:
    return bool(_URL.search(line) or _DOI_TEXT.search(line) or _PUBMED_TEXT.search(line) or "](" in line)


def _joined_wrapped_addresses(visible: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One entry per line, except that a bare address on the line after an entry with no
    address of its own is that entry's address, hard-wrapped onto its own line."""
    spans: list[tuple[int, int]] = []
    for start, end in lines:
        line = visible[start:end]
        if spans and _BARE_ADDRESS.fullmatch(line):
            previous = visible[spans[-1][0]:spans[-1][1]]
            if not _holds_address(previous):
                spans[-1] = (spans[-1][0], end)
                continue
        spans.append((start, end))
    return spans


def _block_entries(text: str, visible: str, block: Block, in_section: bool) -> list[tuple[int, int]]:
    """Spans of the entries inside a block: the whole block, one per line, or the
    footnote definitions it holds."""
    if not in_section and visible.find("[^", block.start, block.end) < 0:
        return []  # outside a reference list only footnote definitions are entries
    lines = _lines_of(visible, block)
    if not lines:
        return []
    footnote_lines = [bool(_FOOTNOTE_DEFINITION.match(visible, s, e)) for s, e in lines]
    spans: list[tuple[int, int]] = []
    if in_section and len(lines) > 1 and all(_looks_like_entry_line(visible[s:e]) for s, e in lines):
        spans = _joined_wrapped_addresses(visible, lines)
    elif any(footnote_lines):
        current: list[int] | None = None
        if in_section and not footnote_lines[0]:
            current = [lines[0][0], lines[0][1]]
        for (s, e), is_footnote in zip(lines, footnote_lines):
            if is_footnote:
                if current:
                    spans.append((current[0], current[1]))
                current = [s, e]
            elif current is not None:
                current[1] = e
        if current:
            spans.append((current[0], current[1]))
    elif in_section:
        spans = [(lines[0][0], lines[-1][1])]
    return [span for span in (_trimmed(text, s, e) for s, e in spans) if span[1] > span[0]]


def _plain_title(line: str) -> bool:
    """``Citations:`` or ``References`` alone on a line, with no Markdown emphasis."""
    if not _PLAIN_TITLE.fullmatch(line):
        return False
    return re.sub(r"[\s:]+", "", line).lower() in _PLAIN_TITLES


def _plain_entry_line(line: str) -> bool:
    """A line that reads as a reference even without a heading above it: ``[1] ...``;
    ``1. ...`` with a year, an address or an identifier; a bullet with an address; or any
    line that starts with an address or a link, or names authors the way entries do and
    gives a year or an address. "More on this (Lee, 2018)." is prose, not an entry."""
    label = _ENTRY_LABEL.match(line)
    rest = line[label.end():]
    if not rest.strip():
        return False
    if label.group("bracket") or label.group("foot"):
        return True
    dated = bool(_ANY_YEAR.search(rest)) or _holds_address(rest)
    if label.group("number"):
        return dated
    if _BARE_ADDRESS.match(rest) or re.match(r"\[[^\]]+\]\(", rest):
        return True
    bullet = line.lstrip()[:1] in {"-", "*", "+"}
    return (bullet and _holds_address(rest)) or (dated and bool(_entry_authors(rest)))


def _plain_entry_block(visible: str, block: Block) -> bool:
    """Whether a block after a plain title line is a reference entry (or a run of them)."""
    if block.kind not in {"paragraph", "list_item", "reference_definition"}:
        return False
    lines = [visible[start:end] for start, end in _lines_of(visible, block)]
    if not lines:
        return False
    if block.kind == "list_item":
        return _plain_entry_line(lines[0])
    return all(_plain_entry_line(line) or _BARE_ADDRESS.fullmatch(line) for line in lines) and _plain_entry_line(lines[0])


def _reference_structure(text: str, visible: str, blocks: list[Block]) -> tuple[list[_Entry], set[int]]:
    """Reference-list sections and their entries, plus footnote definitions anywhere.

    A section opened by a Markdown heading runs to the next heading of the same or a
    higher level (a pseudo-heading counts as level 6); one opened by a pseudo-heading
    runs to the next heading of any kind. Headings inside a section are sub-headings.

    A plain title line (``Citations:`` with no emphasis, alone on its line) opens a section
    only when entries follow it: the rest of its paragraph, every line an entry, or the
    blocks after it. Such a section holds only the entry blocks that follow without a
    break, so prose after the list is never read as part of it.
    """
    entries: list[_Entry] = []
    section_blocks: set[int] = set()
    in_section = False
    section_level = 0
    section_pseudo = False
    section_start = -1
    plain = False  # the open section was opened by a plain title line
    for index, block in enumerate(blocks):
        entry_block = block
        if block.kind == "heading":
            if in_section and (plain or section_pseudo or block.level <= section_level):
                in_section = plain = False
            if not in_section and _heading_is_reference_list(text, block):
                in_section = True
                section_level = block.level
                section_pseudo = _is_pseudo_heading(text, block)
                section_start = index
        elif in_section and plain and not _plain_entry_block(visible, block):
            in_section = plain = False
        if not in_section and block.kind == "paragraph":
            lines = _lines_of(visible, block)
            if lines and _plain_title(visible[lines[0][0]:lines[0][1]]):
                rest = lines[1:]
                if (rest and all(_plain_entry_line(visible[s:e]) or _BARE_ADDRESS.fullmatch(visible[s:e])
                                 for s, e in rest) and _plain_entry_line(visible[rest[0][0]:rest[0][1]])) \
                        or (not rest and _entry_block_follows(visible, blocks, index)):
                    in_section = plain = True
                    section_start = index
                    if rest:
                        entry_block = Block(block.kind, rest[0][0], block.end, block.section, block.level)
                    else:
                        section_blocks.add(index)
                        continue
            elif len(lines) > 1 and _plain_title(visible[lines[-1][0]:lines[-1][1]]) \
                    and _entry_block_follows(visible, blocks, index):
                # "Prose...\nCitations:" then a list: the section starts after this paragraph.
                in_section = plain = True
                section_start = index + 1
                continue
        if in_section:
            section_blocks.add(index)
        if not block.is_prose or block.kind in {"heading", "image"}:
            continue
        if block.kind == "reference_definition" and not in_section:
            if not _FOOTNOTE_DEFINITION.match(visible, block.start, block.end):
                continue  # a link reference definition is not a reference by itself
        spans = _block_entries(text, visible, entry_block, in_section)
        if spans and not in_section and spans[0][0] <= block.start:
            section_blocks.add(index)  # a block of footnote definitions
        for start, end in spans:
            label, label_end = _label_of(visible, start, end)
            # The second paragraph of a list item (no marker of its own) continues its entry.
            if (
                in_section and block.kind == "list_item" and label is None and entries
                and index - 1 in section_blocks and entries[-1].end <= start
                and not _ENTRY_START.match(visible, start, end)
            ):
                entries[-1].end = end
                continue
            entries.append(_Entry(start, end, label, label_end, section_start if in_section else -1))
    _renumber_lazy_lists(entries)
    return entries, section_blocks


def _renumber_lazy_lists(entries: list[_Entry]) -> None:
    """Markdown renders ``1. / 1. / 1.`` as 1, 2, 3: a section whose numbered entries all
    carry one number is labelled the way it reads."""
    by_section: dict[int, list[_Entry]] = {}
    for entry in entries:
        if entry.section >= 0 and entry.label is not None and entry.label.isdigit():
            by_section.setdefault(entry.section, []).append(entry)
    for numbered in by_section.values():
        if len(numbered) > 1 and len({e.label for e in numbered}) == 1:
            first = int(numbered[0].label)
            for offset, entry in enumerate(numbered):
                entry.label = str(first + offset)


class _Collector:
    def __init__(self) -> None:
        self.items: list[tuple[int, int, str, str]] = []  # start, end, kind, target
        self.seen: set[tuple[int, int, str, str]] = set()

    def add(self, kind: str, target: str, start: int, end: int) -> None:
        key = (start, end, kind, target)
        if key not in self.seen and end > start:
            self.seen.add(key)
            self.items.append(key)


def _unescape_destination(dest: str) -> str:
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", dest))


def _link_definitions(visible: str, blocks: list[Block]) -> dict[str, str]:
    definitions: dict[str, str] = {}
    for block in blocks:
        if block.kind != "reference_definition":
            continue
        match = _LINK_DEFINITION.match(visible, block.start, block.end)
        if not match or match.group("label").startswith("^"):
            continue
        label = _normalize_label(match.group("label"))
        dest = match.group("angle") if match.group("angle") is not None else match.group("dest")
        if label and label not in definitions:
            definitions[label] = _unescape_destination(dest or "")
    return definitions


def _normalize_label(label: str) -> str:
    return " ".join(label.casefold().split())


def _destination_targets(dest: str) -> list[tuple[str, str]]:
    dest = dest.strip()
    lowered = dest.lower()
    if lowered.startswith("doi:"):
        doi = normalize_doi(dest[4:].strip())
        return [("doi", "doi:" + doi)] if doi else []
    if _DOI_FULL.fullmatch(dest):
        doi = normalize_doi(dest)
        return [("doi", "doi:" + doi)] if doi else []
    found = targets_from_url(dest)
    if found and found[0][0] == "url":
        found[0] = ("link", found[0][1])
    return found


def _marker_targets(inner: str) -> list[tuple[str, str]]:
    """``1, 3-5`` -> ref:1, ref:3, ref:4, ref:5; ``^a`` -> footnote:a; else []."""
    inner = inner.strip()
    if inner.startswith("^") and re.fullmatch(r"\^[^\]\s\[]{1,100}", inner):
        return [("footnote", "footnote:" + inner[1:].lower())]
    if not re.fullmatch(r"\d{1,3}(?:[ \t]*[,;–—-][ \t]*\d{1,3})*", inner):
        return []
    numbers: list[int] = []
    for part in re.split(r"[ \t]*[,;][ \t]*", inner):
        bounds = re.split(r"[ \t]*[–—-][ \t]*", part)
        if len(bounds) == 1:
            numbers.append(int(bounds[0]))
        elif len(bounds) == 2:
            low, high = int(bounds[0]), int(bounds[1])
            if low >= high or high - low > 100:
                return []
            numbers.extend(range(low, high + 1))
        else:
            return []
    if any(n == 0 for n in numbers):
        return []
    seen: list[int] = []
    for n in numbers:
        if n not in seen:
            seen.append(n)
    return [("numeric", f"ref:{n}") for n in seen]


def _scan_block(
    visible: str,
    block: Block,
    definitions: dict[str, str],
    out: _Collector,
    entry_spans: list[tuple[int, int, int]],
    in_section: bool = False,
    numbered: frozenset[str] = frozenset(),
) -> str:
    """Find every citation in one block and return the block's scan mask: its visible
    text with link markup, destinations and addresses blanked (used to read entries).

    Superscript and "(2)" markers are read only outside reference lists; "(2)" only when
    ``numbered`` (the labels of the document's numbered entries) holds every number.
    Works on the block's own text; ``base`` turns its offsets into file offsets.
    """
    base = block.start
    local = visible[base:block.end]
    folded = local.lower()
    size = len(local)
    blanks: list[tuple[int, int]] = []  # spans to blank in the scan when it is next built
    entries = [(s - base, e - base, le - base) for s, e, le in entry_spans]
    # Which link (index into link_targets) covers each position, and where no marker may start.
    link_at = [-1] * size
    link_targets: list[set[str]] = []
    no_marker = bytearray(size)
    for s, _, le in entries:  # entry labels ("[1] Smith...", "[^1]: ...") are not markers
        s, le = min(max(s, 0), size), min(max(le, 0), size)
        if le > s:
            no_marker[s:le] = b"\x01" * (le - s)

    def emit(kind: str, target: str, start: int, end: int) -> None:
        out.add(kind, target, base + start, base + end)

    def blank(start: int, end: int) -> None:
        blanks.append((start, end))

    def blanked(scan: str) -> str:
        """``scan`` with the spans blanked since it was built: in most blocks, none."""
        scan = apply_blanks(scan, blanks)
        blanks.clear()
        return scan

    def add_link(start: int, end: int, found: list[tuple[str, str]]) -> None:
        link_targets.append({target for _, target in found})
        link_at[start:end] = [len(link_targets) - 1] * (end - start)

    def in_link(pos: int) -> set[str] | None:
        return link_targets[link_at[pos]] if 0 <= pos < size and link_at[pos] >= 0 else None

    # 1. Inline links and images.
    for match in _INLINE_LINK.finditer(local):
        start, end = match.start(), match.end()
        if start > 0 and local[start - 1] == "\\":
            continue
        if start > 0 and local[start - 1] == "!" and not (start > 1 and local[start - 2] == "\\"):
            blank(start - 1, end)  # an image: not a citation
            continue
        dest = match.group("angle") if match.group("angle") is not None else match.group("dest")
        dest = _unescape_destination(dest or "")
        found = _destination_targets(dest)
        text_start, text_end = match.start("text"), match.end("text")
        if not found and (dest.startswith("#") or "://" not in dest):
            found = _marker_targets(match.group("text"))  # [1](#ref-1), [^a](#fn-a)
        for kind, target in found:
            emit(kind, target, start, end)
        add_link(start, end, found)
        blank(start, text_start)
        blank(text_end, end)
        # Images inside the link text are not citations either.
        for inner in _INLINE_LINK.finditer(local, text_start, text_end):
            if inner.start() > text_start and local[inner.start() - 1] == "!":
                blank(inner.start() - 1, inner.end())
    scan = blanked(local)

    # 2. Reference-style links, resolved through the link reference definitions.
    if definitions:
        for match in _REF_LINK.finditer(scan):
            start, end = match.start(), match.end()
            if start > 0 and scan[start - 1] in "\\!]":
                continue
            link_text = match.group("text")
            label = match.group("label")
            key = _normalize_label(link_text if label is None or not label.strip() else label)
            if key.startswith("^") or key not in definitions:
                continue
            if label is None and end < size and scan[end] in "(:":
                continue
            found = _destination_targets(definitions[key])
            for kind, target in found:
                emit(kind, target, start, end)
            add_link(start, end, found)
            if label is not None:
                no_marker[match.start("label") - 1] = 1  # [text][1]: the id is not a marker
                blank(start, start + 1)
                blank(match.end("text"), end)
        scan = blanked(scan)

    # 3. Autolinks and bare addresses.
    for match in _AUTOLINK.finditer(scan):
        for kind, target in targets_from_url(match.group("url")):
            emit(kind, target, match.start(), match.end())
        blank(match.start(), match.end())
    scan = blanked(scan)
    for match in _finditer(_URL, scan, folded):
        start = match.start()
        url = _unbalanced_tail(match.group(), _URL_TRAILING)
        if url.endswith("_") and start > 0 and scan[start - 1] == "_":
            url = url.rstrip("_")
        end = start + len(url)
        blank(start, end)
        if in_link(start) is not None:
            continue  # an address shown as link text: the destination is what is cited
        for kind, target in targets_from_url(url):
            emit(kind, target, start, end)
    scan = blanked(scan)

    # 4. DOIs and PubMed ids written as text.
    for match in _finditer(_DOI_TEXT, scan, folded):
        doi_raw = _unbalanced_tail(match.group("doi"), ".,;:!?'\"*_~’”»")
        doi = normalize_doi(doi_raw)
        if not doi:
            continue
        start, end = match.start(), match.start("doi") + len(doi_raw)
        blank(start, end)
        link = in_link(start)
        if link and "doi:" + doi in link:
            continue
        emit("doi", "doi:" + doi, start, end)
    scan = blanked(scan)   # a DOI's suffix may hold a PMC id ("10.1234/PMC1234567"): not a citation of its own
    for match in _finditer(_PUBMED_TEXT, scan, folded):
        if match.group("pmcid") or match.group("pmc"):
            digits = re.sub(r"(?i)^pmc", "", match.group("pmcid") or match.group("pmc"))
            kind, target = "pmcid", "pmcid:PMC" + digits
        else:
            kind, target = "pmid", "pmid:" + (match.group("pmid") or match.group("pmid2"))
        blank(match.start(), match.end())
        link = in_link(match.start())
        if link and target in link:
            continue
        emit(kind, target, match.start(), match.end())
    scan = blanked(scan)

    # 5. Footnote and numeric markers.
    def excluded(start: int, end: int) -> bool:
        return bool(no_marker[start])

    def is_definition_label(start: int, end: int) -> bool:
        line_start = max(local.rfind("\n", 0, start), local.rfind("\r", 0, start)) + 1
        return not local[line_start:start].strip(" \t>") and end < size and local[end] == ":"

    for match in _FOOTNOTE_MARKER.finditer(scan):
        start, end = match.start(), match.end()
        if (start > 0 and scan[start - 1] == "\\") or is_definition_label(start, end) or excluded(start, end):
            continue
        emit("footnote", "footnote:" + match.group("label").lower(), start, end)
    for match in _NUMERIC_MARKER.finditer(scan):
        start, end = match.start(), match.end()
        if (start > 0 and scan[start - 1] in "\\!") or is_definition_label(start, end) or excluded(start, end):
            continue
        for kind, target in _marker_targets(match.group("body")):
            emit(kind, target, start, end)
    if not in_section:
        _scan_superscripts(scan, folded, emit, [(s, e) for s, e, _ in entries], numbered)

    # 6. Author-year, outside reference entries (an entry is the reference itself).
    _scan_author_year(scan, folded, emit, [(s, e) for s, e, _ in entries])
    return scan


def _scan_superscripts(scan: str, folded: str, emit, entries: list[tuple[int, int]], numbered: frozenset[str]) -> None:
    """Markers written as superscripts, and "(2)" where the reference list is numbered.
    None is read inside a reference entry, where "2008;(1):CD004517" is an issue number."""
    def inside_entry(position: int) -> bool:
        return any(s <= position < e for s, e in entries)

    for pattern in (_SUPERSCRIPT_MARKER, _CARET_MARKER, _SUP_MARKER):
        for match in _finditer(pattern, scan, folded):
            if inside_entry(match.start()):
                continue
            for kind, target in _marker_targets(match.group("body").translate(_SUPERSCRIPTS)):
                emit(kind, target, match.start(), match.end())
    if not numbered:
        return
    for match in _paren_markers(scan):
        start, end = match.start("marker"), match.end("marker")
        if inside_entry(start):
            continue
        word = _WORD_BEFORE.search(scan, max(0, match.start() - 40), match.start())
        if word and word.group("word").lower() in _ENUMERATION_WORDS:
            continue
        found = _marker_targets(match.group("body"))
        if found and all(target[4:] in numbered for _, target in found):
            for kind, target in found:
                emit(kind, target, start, end)


def _paren_markers(scan: str):
    """The matches of ``_PAREN_MARKER`` in ``scan``, in order.

    The pattern opens with lookbehinds, which the engine tries at every character (120 ms
    a megabyte); it is matched only at each "(2)", which a pattern opening with "(" finds,
    from the blank before it if there is one (the only other place such a match can start).
    """
    for marker in _PAREN_MARKER_ITSELF.finditer(scan):
        start = marker.start()
        if start and scan[start - 1] in " \t":
            start -= 1
        match = _PAREN_MARKER.match(scan, start)
        if match:
            yield match


def _scan_author_year(scan: str, folded: str, emit, entries: list[tuple[int, int]]) -> None:
    in_entry = bytearray(len(scan))
    for s, e in entries:
        s, e = min(max(s, 0), len(scan)), min(max(e, 0), len(scan))
        if e > s:
            in_entry[s:e] = b"\x01" * (e - s)

    for match in _PARENTHETICAL.finditer(scan):
        body_start, body_end = match.start("body"), match.end("body")
        if in_entry[match.start()]:
            continue
        for group in _YEAR_GROUP.finditer(scan, body_start, body_end):
            after = scan[group.end():body_end].lstrip()
            if after and after[0] not in ";,:":
                continue
            found = _authors_before(scan, body_start, group.start(), narrative=False)
            if found:
                start, key = found
                for year in _years(group.group()):
                    emit("author_year", f"author:{key}:{year}", start, group.end())
    for match in _NARRATIVE_YEARS.finditer(scan):
        if in_entry[match.start()]:
            continue
        found = _authors_before(scan, 0, match.start(), narrative=True)
        if not found:
            acronym = _ACRONYM_BEFORE_YEAR.search(scan, max(0, match.start() - 24), match.start())
            if acronym and sum(ch.isupper() for ch in acronym.group("acronym")) >= 2:
                found = _authors_before(scan, 0, acronym.start(), narrative=True)
        if found:
            start, key = found
            for year in _years(match.group("years")):
                emit("author_year", f"author:{key}:{year}", start, match.end())
    for match in _finditer(_POSSESSIVE_YEAR, scan, folded):
        if in_entry[match.start()]:
            continue
        found = _authors_before(scan, 0, match.start() + 2, narrative=True)
        if found:
            start, key = found
            emit("author_year", f"author:{key}:{match.group('year').lower()}", start, match.end("year"))


def find_citations(text: str, visible: str, blocks: list[Block]) -> CitationIndex:
    """Find citations in the prose blocks of ``visible`` (offsets are file offsets)."""
    if len(visible) != len(text):
        raise ValueError("visible must have the length of text")
    entries, section_blocks = _reference_structure(text, visible, blocks)
    entries.sort(key=lambda e: e.start)
    definitions = _link_definitions(visible, blocks)
    out = _Collector()
    masks: dict[int, tuple[int, str]] = {}
    entry_starts = [e.start for e in entries]
    numbered = frozenset(e.label for e in entries if e.label is not None and e.label.isdigit())
    for index, block in enumerate(blocks):
        if not block.is_prose or block.end <= block.start:
            continue
        in_section = index in section_blocks
        if block.kind == "reference_definition" and not in_section:
            if not _FOOTNOTE_DEFINITION.match(visible, block.start, block.end):
                continue
        first = max(0, bisect.bisect_left(entry_starts, block.start) - 1)
        inside = []
        for entry in entries[first:]:
            if entry.start >= block.end:
                break
            if entry.end > block.start:
                inside.append((entry.start, entry.end, entry.label_end))
        masks[index] = (block.start, _scan_block(visible, block, definitions, out, inside, in_section, numbered))

    out.items.sort(key=lambda item: item[0])
    citations: list[Citation] = []
    entry_targets: dict[int, list[str]] = {}
    for start, end, kind, target in out.items:
        position = bisect.bisect_right(entry_starts, start) - 1
        reference = position if position >= 0 and start < entries[position].end else -1
        citations.append(Citation(kind, target, start, end, text[start:end], reference))
        if reference >= 0 and kind in {"link", "url", "doi", "pmid", "pmcid"}:
            bucket = entry_targets.setdefault(reference, [])
            if target not in bucket:
                bucket.append(target)

    references: list[Reference] = []
    block_starts = sorted((start, index) for index, (start, _) in masks.items())
    for number, entry in enumerate(entries):
        body = _entry_body(visible, masks, block_starts, entry)
        references.append(
            Reference(
                start=entry.start,
                end=entry.end,
                text=text[entry.start:entry.end],
                label=entry.label,
                authors=_entry_authors(body),
                year=_entry_year(body),
                targets=tuple(entry_targets.get(number, ())),
                footnote=entry.label is not None and entry.label.startswith("^"),
                body=visible[entry.label_end:entry.end],
            )
        )
    return CitationIndex(citations=citations, references=references, reference_blocks=frozenset(section_blocks))


def _entry_body(visible: str, masks: dict[int, tuple[int, str]], block_starts, entry: _Entry) -> str:
    """The entry as scanned (link markup and addresses blanked), without its label."""
    start, end = entry.label_end, entry.end
    chars = list(visible[start:end])
    position = max(0, bisect.bisect_right(block_starts, (start, sys.maxsize)) - 1)
    while position < len(block_starts) and block_starts[position][0] < end:
        base, mask = masks[block_starts[position][1]]
        low, high = max(start, base), min(end, base + len(mask))
        if low < high:
            chars[low - start:high - start] = mask[low - base:high - base]
        position += 1
    return "".join(chars)


# ---------------------------------------------------------------------------
# From a citation to the reference entry it points at

def url_key(target: str) -> str | None:
    """A web-address target without scheme or ``www.``, for comparing addresses; None for
    a site's home page, which names a site rather than a source, and for other targets."""
    if not target.startswith("url:"):
        return None
    address = re.sub(r"^[a-z]+://", "", target[4:])
    address = re.sub(r"^www\d?\.", "", address)
    host, _, rest = address.partition("/")
    if not rest.strip("/") and "?" not in host:
        return None
    return "url:" + address


def identity_key(target: str) -> str | None:
    """What makes two targets one source: the identifier, or the address as :func:`url_key`."""
    return url_key(target) if target.startswith("url:") else target


_DIRECT_KINDS = frozenset({"link", "url", "doi", "pmid", "pmcid"})
_NAME_WORD = re.compile(r"[a-z0-9]+")
_NAME_FILLERS = _PARTICLES | _CONNECTORS
# Labels that end a host name without naming the site: "who.int", "nhs.uk", "mind.org.uk".
_HOST_SUFFIXES = frozenset("com org net gov edu int co ac uk us ca au nz ie de fr nl eu info io".split())
_UNDATED = re.compile(r"\bn\.[ \t]?d\b|\bin[ \t]+press\b|\bforthcoming\b", re.I)
_WORD_IN_ENTRY = re.compile(r"[^\W_]+")

# How well an author-year citation names an entry, best first.
AUTHOR_FIRST, AUTHOR_OTHER, AUTHOR_ACRONYM, AUTHOR_IN_TEXT = range(4)
# How well its year agrees with the entry's, best first.
YEAR_EXACT, YEAR_WRITTEN, YEAR_UNDATED = range(3)


def _significant_words(name: str) -> tuple[str, ...]:
    """The words that identify a name: ``van der Berg`` and ``Berg`` share ``berg``."""
    words = _NAME_WORD.findall(_strip_diacritics(name).lower())
    kept = tuple(w for w in words if w not in _NAME_FILLERS)
    return kept or tuple(words)


def _site_name(target: str) -> str | None:
    """The name a site goes by: ``mayoclinic`` for www.mayoclinic.org, ``mind`` for
    mind.org.uk; None for addresses deep in a larger site (pmc.ncbi.nlm.nih.gov)."""
    if not target.startswith("url:"):
        return None
    labels = re.sub(r"^www\d?\.", "", (urlsplit(target[4:]).hostname or "").lower()).split(".")
    while len(labels) > 1 and labels[-1] in _HOST_SUFFIXES:
        labels.pop()
    return labels[-1] if 1 <= len(labels) <= 2 and labels[-1] else None


def _initials(words: tuple[str, ...]) -> str:
    return "".join(w[0] for w in words)


def _abbreviates(acronym: str, words: tuple[str, ...]) -> bool:
    """``who`` for World Health Organization, ``nice`` for National Institute for Health
    and Care Excellence: the acronym's letters, in order, among the words' initials."""
    initials = _initials(words)
    if len(acronym) < 2 or len(words) < 2 or acronym[0] != initials[0]:
        return False
    position = 0
    for letter in acronym:
        position = initials.find(letter, position) + 1
        if not position:
            return False
    return True


class ReferenceResolver:
    """Resolve citations to a document's reference entries (indexes into ``references``).

    - ``[n]`` (and a superscript or "(n)" marker): the entries labelled ``n``, the first
      list after the citation preferred; failing those, a footnote ``[^n]``.
    - ``[^x]``: the footnote defined as ``[^x]:``.
    - a link, address or identifier: the entry it sits in, else entries holding the same
      identifier or address (addresses compared without scheme, ``www.`` or home pages).
    - author-year: entries naming the author (first author, any author, an acronym or the
      site's name, or, for entries whose authors could not be read, the name anywhere in
      the entry) whose year agrees (the same, one also written in the entry, or none).
    """

    def __init__(self, references: Sequence[Reference]) -> None:
        self.references = references
        self._labels: dict[str, list[int]] = {}
        self._targets: dict[str, list[int]] = {}
        self._names: dict[tuple[str, ...], list[tuple[int, int]]] = {}
        self._long_names: list[tuple[tuple[str, ...], int]] = []  # corporate names, for acronyms
        self._short_names: dict[str, list[int]] = {}  # names written as acronyms ("WHO.")
        self._hosts: dict[str, list[int]] = {}
        self._words: dict[str, set[int]] = {}  # entries with no readable authors
        self._years: list[frozenset[str]] = []
        for index, ref in enumerate(references):
            if ref.label is not None:
                self._labels.setdefault(ref.label, []).append(index)
            for target in ref.targets:
                key = identity_key(target)
                if key and index not in self._targets.setdefault(key, []):
                    self._targets[key].append(index)
            body = ref.body or ref.text
            years = {m.group() for m in _ANY_YEAR.finditer(body)}
            if ref.year:
                years.add(ref.year)
            self._years.append(frozenset(years))
            for position, author in enumerate(ref.authors):
                words = _significant_words(author)
                self._names.setdefault(words, []).append((index, AUTHOR_FIRST if position == 0 else AUTHOR_OTHER))
                if len(words) >= 2:
                    self._long_names.append((words, index))
                elif len(words) == 1 and re.search(rf"\b{re.escape(words[0].upper())}\b", body):
                    self._short_names.setdefault(words[0], []).append(index)
            if not ref.authors:
                for target in ref.targets:
                    site = _site_name(target)
                    if site and index not in self._hosts.get(site, ()):
                        self._hosts.setdefault(site, []).append(index)
                for word in _WORD_IN_ENTRY.findall(_strip_diacritics(body).lower()):
                    self._words.setdefault(word, set()).add(index)

    # -- markers and identifiers ------------------------------------------------------
    def _marker(self, citation: Citation) -> list[int]:
        label = citation.target.split(":", 1)[1]
        if citation.kind == "footnote":
            return list(self._labels.get("^" + label, ()))[:1]
        found = self._labels.get(label, [])
        if not found:
            return list(self._labels.get("^" + label, ()))[:1]  # "[1]" for a note defined as "[^1]:"
        following = [i for i in found if self.references[i].start > citation.start]
        preferred = following[0] if following else found[-1]
        return [preferred] + [i for i in found if i != preferred]

    def _direct(self, citation: Citation) -> list[int]:
        if citation.reference >= 0:
            return [citation.reference]
        key = identity_key(citation.target)
        return list(self._targets.get(key, ())) if key else []

    # -- author-year ---------------------------------------------------------------------
    def _named(self, citation: Citation) -> dict[int, int]:
        """Entries naming the citation's author, each with how well (``AUTHOR_*``)."""
        name = citation.target.split(":")[1]
        words = _significant_words(name)
        found: dict[int, int] = {}

        def add(index: int, tier: int) -> None:
            if tier < found.get(index, 99):
                found[index] = tier

        for index, tier in self._names.get(words, ()):
            add(index, tier)
        first_word = re.match(r"[^\W\d_]*", citation.text).group()
        if len(words) == 1 and first_word.isupper() and len(first_word) >= 2:
            for long_words, index in self._long_names:  # (WHO, 2023) for "World Health Organization"
                if _abbreviates(words[0], long_words):
                    add(index, AUTHOR_ACRONYM)
        if len(words) >= 2:  # (World Health Organization, 2023) for "WHO."
            for short, indexes in self._short_names.items():
                if _abbreviates(short, words):
                    for index in indexes:
                        add(index, AUTHOR_ACRONYM)
        for index in self._hosts.get("".join(words), ()):  # (Mayo Clinic, 2023) for mayoclinic.org
            add(index, AUTHOR_ACRONYM)
        if words:
            candidates: set[int] | None = None
            for word in words:
                bucket = self._words.get(word, set())
                candidates = set(bucket) if candidates is None else candidates & bucket
                if not candidates:
                    break
            for index in candidates or ():
                add(index, AUTHOR_IN_TEXT)
        return found

    def year_agreement(self, index: int, year: str) -> int | None:
        """How an entry's year agrees with a cited one (``YEAR_*``), or None if it does not."""
        ref = self.references[index]
        written = self._years[index]
        if not year[:1].isdigit():  # n.d., in press, forthcoming
            if ref.year == year or _UNDATED.search(ref.body or ref.text):
                return YEAR_EXACT
            return YEAR_UNDATED if not written else None
        if ref.year == year:
            return YEAR_EXACT
        if not written:
            return YEAR_UNDATED  # a web page listed without a date cannot contradict the year
        if year in written or any(w[:4] == year[:4] for w in written):
            return YEAR_WRITTEN  # "2019a" for an entry that says 2019, or a second year written in it
        return None

    def author_year(self, citation: Citation) -> tuple[list[int], list[int]]:
        """Entries that match an author-year citation, best first, and entries that name
        the author with another year."""
        year = citation.target.rsplit(":", 1)[1]
        ranked, near = [], []
        for index, author_tier in self._named(citation).items():
            agreement = self.year_agreement(index, year)
            if agreement is None:
                near.append(index)
            else:
                ranked.append(((author_tier, agreement, index), index))
        ranked.sort()
        return [index for _, index in ranked], sorted(near)

    # -- the public answers ----------------------------------------------------------------
    def candidates(self, citation: Citation) -> list[int]:
        """Every entry the citation may point at, the likeliest first."""
        if citation.kind in {"numeric", "footnote"}:
            return self._marker(citation)
        if citation.kind in _DIRECT_KINDS:
            return self._direct(citation)
        if citation.kind == "author_year":
            return self.author_year(citation)[0]
        return []

    def resolve(self, citation: Citation) -> int:
        """The one entry the citation points at, or -1 when there is none or the best
        candidates tie (two entries by one author in one year): better no source than the
        wrong one. Entries holding one identifier are one source: the first is returned."""
        found = self.candidates(citation)
        if not found:
            return -1
        if citation.kind == "author_year" and len(found) > 1:
            named = self._named(citation)
            year = citation.target.rsplit(":", 1)[1]
            best = [(named[i], self.year_agreement(i, year)) for i in found[:2]]
            if best[0] == best[1]:
                return -1
        return found[0]


_RESOLVERS: list[tuple[Sequence[Reference], int, ReferenceResolver]] = []


def resolver_for(references: Sequence[Reference]) -> ReferenceResolver:
    """The resolver of one reference list, built once: the last few lists are remembered
    (by identity, holding them so an id cannot be reused while remembered)."""
    for cached, size, resolver in _RESOLVERS:
        if cached is references and size == len(references):
            return resolver
    resolver = ReferenceResolver(references)
    _RESOLVERS.insert(0, (references, len(references), resolver))
    del _RESOLVERS[8:]
    return resolver


def reference_for(citation: Citation, references: Sequence[Reference]) -> int:
    """The index of the reference entry a citation points at, or -1 (see
    :class:`ReferenceResolver`)."""
    return resolver_for(references).resolve(citation)
