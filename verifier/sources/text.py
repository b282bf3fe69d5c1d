"""Turning what a source serves (HTML, PDF, JATS and PubMed XML, plain text) into plain text.

Every function here is pure: bytes or strings in, text out. Text keeps one paragraph per
line so that quotes and locations stay readable; ``sections`` records where headed parts
(Abstract, Methods, Results...) start, so evidence can say where a passage sits.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.etree import ElementTree


class TextError(Exception):
    """The content cannot be turned into text (malformed, encrypted, not a document)."""


@dataclass
class Extracted:
    """Plain text and where its headed sections start (offsets into ``text``)."""

    text: str
    sections: list[tuple[int, str]] = field(default_factory=list)
    title: str = ""


class _Builder:
    """Collects paragraphs and section headings into one text."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self.sections: list[tuple[int, str]] = []
        self._length = 0

    def heading(self, title: str) -> None:
        title = clean(title)
        if title:
            self.sections.append((self._length, title))
            self.paragraph(title)

    def paragraph(self, text: str) -> None:
        text = clean(text)
        if not text:
            return
        self.paragraphs.append(text)
        self._length += len(text) + 1

    def build(self, title: str = "") -> Extracted:
        return Extracted("\n".join(self.paragraphs), self.sections, clean(title))


_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2009\u202f\u200b]+")


def clean(text: str) -> str:
    """One line, single spaces, NFC; soft hyphens and zero-width characters removed."""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


# -- HTML -------------------------------------------------------------------------------

_DROPPED = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside",
            "form", "button", "select", "iframe", "canvas", "menu", "dialog", "figure-nav"}
_BLOCKS = {"p", "div", "section", "article", "main", "li", "ul", "ol", "table", "tr", "td", "th",
           "blockquote", "pre", "br", "dd", "dt", "dl", "figcaption", "caption", "hr", "body"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
         "track", "wbr"}
# Class or id words that mark page furniture rather than the article.
_FURNITURE = re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|cookie|banner|footer|header|sidebar|"
                        r"share|social|related|advert|ads?|promo|skip|toolbar|signup|newsletter)(?:$|[\s_-])", re.I)


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = _Builder()
        self.stack: list[tuple[str, bool]] = []   # (tag, dropped)
        self.dropped_depth = 0
        self.buffer: list[str] = []
        self.in_heading = False
        self.title = ""
        self.in_title = False
        self.main_start: int | None = None        # paragraph index where <main>/<article> began
        self.main_end: int | None = None
        self.main_depth = 0

    def _flush(self) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        if self.in_heading:
            self.builder.heading(text)
        else:
            self.builder.paragraph(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "br" and not self.dropped_depth:
                self._flush()
            return
        attributes = dict(attrs)
        marker = " ".join(attributes.get(k) or "" for k in ("class", "id", "role"))
        dropped = (tag in _DROPPED
                   or bool(marker and _FURNITURE.search(marker) and tag not in {"body", "main", "article", "html"})
                   or "navigation" in marker.lower()
                   or attributes.get("aria-hidden") == "true")
        self.stack.append((tag, dropped))
        if dropped:
            self.dropped_depth += 1
            return
        if tag == "title":
            self.in_title = True
        if tag in _BLOCKS or tag in _HEADINGS:
            self._flush()
        if tag in _HEADINGS:
            self.in_heading = True
        if tag in {"main", "article"} or "main-content" in marker or marker.strip() == "main":
            if self.main_depth == 0 and self.main_start is None:
                self._flush()
                self.main_start = len(self.builder.paragraphs)
            self.main_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        # Tolerate unclosed tags: pop to the matching one.
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                for closed, dropped in reversed(self.stack[index:]):
                    self._close(closed, dropped)
                del self.stack[index:]
                return

    def _close(self, tag: str, dropped: bool) -> None:
        if dropped:
            self.dropped_depth -= 1
            return
        if self.dropped_depth:
            return
        if tag == "title":
            self.in_title = False
        if tag in _BLOCKS or tag in _HEADINGS:
            self._flush()
        if tag in _HEADINGS:
            self.in_heading = False
        if tag in {"main", "article"} and self.main_depth:
            self.main_depth -= 1
            if self.main_depth == 0 and self.main_end is None:
                self._flush()
                self.main_end = len(self.builder.paragraphs)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if not self.dropped_depth:
            self.buffer.append(data)


def html_to_text(markup: str) -> Extracted:
    """The main text of an HTML page: scripts, styles, navigation, headers and footers dropped.

    When the page marks its content with ``<main>`` or ``<article>``, only that is kept.
    """
    parser = _HtmlText()
    try:
        parser.feed(markup)
        parser.close()
    except Exception as error:  # html.parser is lenient; anything else is a malformed page
        raise TextError(f"cannot parse HTML ({error})") from None
    parser._flush()
    builder = parser.builder
    if parser.main_start is not None:
        end = parser.main_end if parser.main_end is not None else len(builder.paragraphs)
        kept = builder.paragraphs[parser.main_start:end]
        if sum(len(p) for p in kept) >= 200:
            return _rebuild(kept, builder, parser.title)
    return builder.build(parser.title)


def _rebuild(kept: list[str], builder: _Builder, title: str) -> Extracted:
    headings = {name for _, name in builder.sections}
    fresh = _Builder()
    for paragraph in kept:
        if paragraph in headings:
            fresh.heading(paragraph)
        else:
            fresh.paragraph(paragraph)
    return fresh.build(title)


# -- PDF ----------------------------------------------------------------------------------

def pdf_to_text(data: bytes) -> Extracted:
    """The text of a PDF, page by page (needs ``pypdf``, imported only here)."""
    import io

    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a declared dependency
        raise TextError("PDF support needs the pypdf package") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise TextError("the PDF is encrypted") from None
        builder = _Builder()
        for page in reader.pages:
            page_text = page.extract_text() or ""
            for paragraph in _pdf_paragraphs(page_text):
                builder.paragraph(paragraph)
    except TextError:
        raise
    except (PdfReadError, Exception) as error:  # pypdf raises many kinds on damaged files
        raise TextError(f"cannot read PDF ({type(error).__name__})") from None
    result = builder.build()
    if not result.text.strip():
        raise TextError("the PDF has no extractable text (a scan?)")
    return result


def _pdf_paragraphs(page_text: str) -> list[str]:
    """Join a PDF page's lines into paragraphs, undoing hyphenation at line ends."""
    paragraphs: list[str] = []
    current = ""
    for line in page_text.splitlines():
        line = line.strip()
        if not line:
            if current:
                paragraphs.append(current)
                current = ""
            continue
        if current.endswith("-") and line[:1].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}" if current else line
        if re.search(r"[.!?:]$", line) and len(line) < 60:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


# -- XML: JATS (PMC, Europe PMC) and PubMed ----------------------------------------------

def parse_xml(data: bytes | str) -> ElementTree.Element:
    """Parse XML without resolving external entities or DTDs (ElementTree never fetches them)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if b"<!ENTITY" in data[:4096]:
        raise TextError("XML declares entities; refused")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise TextError(f"malformed XML ({error})") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _all_text(element: ElementTree.Element, skip: frozenset[str] = frozenset()) -> str:
    parts: list[str] = []

    def walk(node: ElementTree.Element) -> None:
        if _local(node.tag) in skip:
            if node.tail:
                parts.append(node.tail)
            return
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
        if node.tail:
            parts.append(node.tail)

    if element.text:
        parts.append(element.text)
    for child in element:
        walk(child)
    # Dropped cross-references leave "[]" or "(, )" behind.
    return clean(re.sub(r"\s*[\[(](?:\s|[,;–-])*[\])]", "", "".join(parts)))


_JATS_SKIP = frozenset({"xref", "ext-link-ignored", "object-id", "label", "fn-group", "ref-list"})


def jats_to_text(root: ElementTree.Element) -> Extracted:
    """Title, abstract and body of a JATS article (PMC ``efetch`` or Europe PMC ``fullTextXML``)."""
    article = root if _local(root.tag) == "article" else next((e for e in root.iter() if _local(e.tag) == "article"), root)
    builder = _Builder()
    title_el = next((e for e in article.iter() if _local(e.tag) == "article-title"), None)
    title = _all_text(title_el) if title_el is not None else ""
    for abstract in (e for e in article.iter() if _local(e.tag) == "abstract"):
        if abstract.get("abstract-type") in {"graphical", "teaser"}:
            continue
        builder.heading("Abstract")
        _jats_block(abstract, builder)
    body = next((e for e in article if _local(e.tag) == "body"), None)
    if body is not None:
        _jats_block(body, builder)
    for table_wrap in (e for e in article.iter() if _local(e.tag) == "table-wrap"):
        if body is not None and any(table_wrap is e for e in body.iter()):
            continue
        _jats_block(table_wrap, builder)
    return builder.build(title)


def _jats_block(element: ElementTree.Element, builder: _Builder) -> None:
    for child in element:
        name = _local(child.tag)
        if name == "title":
            builder.heading(_all_text(child, _JATS_SKIP))
        elif name in {"p", "caption", "td", "th", "list-item", "disp-quote"}:
            if any(_local(e.tag) in {"p", "list"} for e in child):
                _jats_block(child, builder)
            else:
                builder.paragraph(_all_text(child, _JATS_SKIP))
        elif name == "tr":
            cells = [_all_text(c, _JATS_SKIP) for c in child if _local(c.tag) in {"td", "th"}]
            builder.paragraph(" | ".join(c for c in cells if c))
        elif name in {"sec", "table-wrap", "table", "thead", "tbody", "list", "fig", "boxed-text", "abstract",
                      "statement", "app", "app-group", "table-wrap-foot", "fn", "trans-abstract"}:
            _jats_block(child, builder)


def jats_metadata(root: ElementTree.Element) -> dict:
    """Ids, year and journal from a JATS ``<front>``."""
    meta: dict = {}
    for element in root.iter():
        name = _local(element.tag)
        if name == "article-id":
            kind = element.get("pub-id-type")
            value = (element.text or "").strip()
            if kind == "doi" and value:
                meta.setdefault("doi", value.lower())
            elif kind == "pmid" and value.isdigit():
                meta.setdefault("pmid", value)
            elif kind in {"pmc", "pmcid"} and value:
                meta.setdefault("pmcid", value if value.upper().startswith("PMC") else f"PMC{value}")
        elif name == "journal-title" and "container" not in meta:
            meta["container"] = _all_text(element)
        elif name == "pub-date" and "year" not in meta:
            year = next((e.text for e in element if _local(e.tag) == "year"), None)
            if year and year.strip().isdigit():
                meta["year"] = int(year.strip())
        elif name == "contrib" and element.get("contrib-type") == "author":
            surname = next((e.text for e in element.iter() if _local(e.tag) == "surname"), None)
            if surname:
                meta.setdefault("authors", []).append(clean(surname))
    return meta


def pubmed_to_record(root: ElementTree.Element) -> dict | None:
    """Title, abstract (by labelled section), journal, year, ids and retraction from PubMed ``efetch`` XML."""
    article = next((e for e in root.iter() if _local(e.tag) == "PubmedArticle"), None)
    if article is None:
        return None
    builder = _Builder()
    title_el = next((e for e in article.iter() if _local(e.tag) == "ArticleTitle"), None)
    title = _all_text(title_el) if title_el is not None else ""
    for part in (e for e in article.iter() if _local(e.tag) == "AbstractText"):
        label = part.get("Label")
        if label:
            builder.heading(label.title() if label.isupper() else label)
        builder.paragraph(_all_text(part))
    record: dict = {"title": clean(title), "extracted": builder.build(title)}
    ids: dict[str, str] = {}
    for element in article.iter():
        name = _local(element.tag)
        if name == "ArticleId":
            kind = element.get("IdType")
            value = (element.text or "").strip()
            if kind == "doi" and value:
                ids.setdefault("doi", value.lower())
            elif kind == "pmc" and value:
                ids.setdefault("pmcid", value.upper())
            elif kind == "pubmed" and value.isdigit():
                ids.setdefault("pmid", value)
        elif name == "PMID" and "pmid" not in ids and (element.text or "").strip().isdigit():
            ids["pmid"] = element.text.strip()
        elif name == "ELocationID" and element.get("EIdType") == "doi" and element.text:
            ids.setdefault("doi", element.text.strip().lower())
    record["ids"] = ids
    journal = next((e for e in article.iter() if _local(e.tag) == "Journal"), None)
    if journal is not None:
        jt = next((e for e in journal if _local(e.tag) == "Title"), None)
        if jt is not None:
            record["container"] = _all_text(jt)
        year = next((e.text for e in journal.iter() if _local(e.tag) == "Year"), None)
        if not year:
            medline = next((e.text for e in journal.iter() if _local(e.tag) == "MedlineDate"), None)
            match = re.match(r"\s*(\d{4})", medline or "")
            year = match.group(1) if match else None
        if year and year.strip().isdigit():
            record["year"] = int(year.strip())
    authors = [clean(e.text or "") for e in article.iter() if _local(e.tag) == "LastName"]
    record["authors"] = [a for a in authors if a]
    retraction = None
    for element in article.iter():
        name = _local(element.tag)
        if name == "PublicationType" and (element.text or "").strip() in {"Retracted Publication"}:
            retraction = {"status": "retracted", "source": "pubmed", "notices": []}
        if name == "CommentsCorrections" and element.get("RefType") in {"RetractionIn", "ExpressionOfConcernIn"}:
            kind = "retracted" if element.get("RefType") == "RetractionIn" else "concern"
            ref = next((e for e in element if _local(e.tag) == "RefSource"), None)
            pmid = next((e for e in element if _local(e.tag) == "PMID"), None)
            notice = {"type": "retraction" if kind == "retracted" else "expression_of_concern",
                      "label": clean(ref.text or "") if ref is not None else "",
                      "pmid": (pmid.text or "").strip() if pmid is not None else ""}
            if retraction is None or retraction["status"] != "retracted":
                retraction = {"status": kind, "source": "pubmed", "notices": []}
            retraction["notices"].append(notice)
    record["retraction"] = retraction
    return record


def crossref_abstract(markup: str) -> str:
    """Crossref's ``abstract`` field is JATS fragments; keep its text."""
    text = re.sub(r"<jats:title>[^<]*</jats:title>", " ", markup)
    text = re.sub(r"</?(?:jats:)?(?:p|sec|title|list|list-item|label)\b[^>]*>", " ", text)
    text = re.sub(r"<[^>]+>", "", text)
    return clean(html.unescape(text))


# -- sentences, for evidence ---------------------------------------------------------------

_ABBREVIATIONS = ("et al", "e.g", "i.e", "vs", "Fig", "Figs", "Tab", "approx", "no", "No", "Dr", "Drs", "ca", "cf",
                  "resp", "incl", "Ref", "Refs", "Eq", "St", "Jr", "Inc", "Ltd", "Co", "Mr", "Mrs", "Ms", "Prof")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, paragraph by paragraph; conservative around abbreviations."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n"):
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            before = paragraph[start:match.start()].rstrip()
            if _ends_with_abbreviation(before) or re.search(r"\b[A-Z]\.$", before):
                continue
            spans.append((offset + start, offset + match.start()))
            start = match.end()
        if paragraph[start:].strip():
            spans.append((offset + start, offset + len(paragraph.rstrip())))
        offset += len(paragraph) + 1
    return [(s, e) for s, e in spans if e > s]


def _ends_with_abbreviation(text: str) -> bool:
    return any(text.endswith(" " + a + ".") or text == a + "." for a in _ABBREVIATIONS)
