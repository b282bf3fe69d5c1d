"""From a citation target to a source record: the one interface behind which network code lives.

- ``doi:`` Crossref ``/works/{doi}`` for title, year, journal, authors and the ``updated-by`` /
  ``update-to`` relations that mark retractions and corrections (Retraction Watch entries
  included); the text from Europe PMC (full text when the paper is in PMC, else its
  abstract), PubMed, or Crossref's own abstract.
- ``pmid:`` E-utilities ``efetch`` (PubMed XML: abstract, ids, retraction notices), then the
  PMC full text when there is one.
- ``pmcid:`` Europe PMC ``fullTextXML``, falling back to E-utilities ``efetch db=pmc``.
- ``url:`` the DOI, PMID or PMCID a publisher, PubMed or PMC URL carries (ScienceDirect PIIs
  through Crossref's ``alternative-id``), else the page itself: HTML to main text, PDF to text.

:meth:`Resolver.resolve` never raises for a source that cannot be had: it returns a record
with ``status="unavailable"`` and the reason, which ``source-unavailable`` reports.
"""

from __future__ import annotations

import html
import json
import re
from verifier.sources import text as textlib
from verifier.sources.http import FetchError, HttpClient
from verifier.sources.ids import canonical, elsevier_pii, identifier_in_url, kind_of, normalise_doi
from verifier.sources.settings import SourcesConfig
from verifier.sources.store import SourceRecord

_RETRACTION_TYPES = {"retraction": "retracted", "withdrawal": "withdrawn", "removal": "removed",
                     "partial_retraction": "retracted", "expression_of_concern": "concern",
                     "correction": "corrected", "erratum": "corrected", "corrigendum": "corrected"}
_SEVERITY = ["corrected", "concern", "removed", "withdrawn", "retracted"]
_TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/pdf", "application/xml", "text/xml")


class Resolver:
    """Resolves targets through one :class:`HttpClient`; safe to share between threads."""

    def __init__(self, client: HttpClient, config: SourcesConfig | None = None) -> None:
        self.client = client
        self.config = config or SourcesConfig()

    # -- entry point -----------------------------------------------------------------------
    def resolve(self, target: str) -> SourceRecord:
        """A record for ``target``: resolved, or unavailable with the reason."""
        key = canonical(target)
        kind = kind_of(key)
        record = self._resolve(key, kind)
        if kind_of(target) == "url" and kind != "url":
            url = target.split(":", 1)[1]
            if record.status != "ok":
                # The identifier read from the link failed (an MDPI DOI guessed wrong, say): the page may still do.
                try:
                    page = self._page(url, key)
                    page.ids.update({k: v for k, v in {kind: key.split(":", 1)[1]}.items() if kind != "url"})
                    record = page
                except FetchError:
                    pass
            record.ids.setdefault("url", url)   # the link as cited, for `sources show`
        return record

    def _resolve(self, key: str, kind: str) -> SourceRecord:
        try:
            if kind == "doi":
                return self._doi(key[4:], key)
            if kind == "pmid":
                return self._pmid(key[5:], key)
            if kind == "pmcid":
                return self._pmcid(key[6:], key)
            if kind == "url":
                return self._url(key[4:], key)
            raise FetchError("bad_content", f"{key}: not a DOI, PubMed id, PMC id or URL")
        except FetchError as error:
            return unavailable(key, error, url=key[4:] if kind == "url" else "")

    # -- DOI ---------------------------------------------------------------------------------
    def _doi(self, doi: str, key: str, url: str = "") -> SourceRecord:
        work = self.crossref_work(doi)
        record = SourceRecord(key=key, ids={"doi": doi}, url=url or f"https://doi.org/{doi}")
        _apply_crossref(record, work)
        if url:
            record.ids["url"] = url
        self._text_for_doi(record, doi, work)
        return record

    def crossref_work(self, doi: str) -> dict:
        response = self.client.get(f"{self.config.crossref_url}/works/{_quote_doi(doi)}", params=self._crossref_params())
        data = _json(response, "Crossref")
        message = data.get("message") if isinstance(data, dict) else None
        if not isinstance(message, dict):
            raise FetchError("bad_content", f"Crossref answered without a work for {doi}")
        return message

    def _crossref_params(self) -> dict:
        return {"mailto": self.config.email} if self.config.email else {}

    def _text_for_doi(self, record: SourceRecord, doi: str, work: dict | None) -> None:
        hit = self._europepmc_search(f'DOI:"{doi}"')
        if hit:
            _merge_ids(record, {"pmid": hit.get("pmid"), "pmcid": hit.get("pmcid")})
            record.retraction = _worse(record.retraction, _europepmc_retraction(hit))
        pmcid = record.ids.get("pmcid")
        if pmcid and self._fill_full_text(record, pmcid):
            return
        if hit and isinstance(hit.get("abstractText"), str) and hit["abstractText"].strip():
            _apply_extracted(record, europepmc_abstract(hit["abstractText"]))
            record.text_kind, record.obtained = "abstract", "Europe PMC search (abstract)"
            return
        pmid = record.ids.get("pmid")
        if pmid:
            try:
                fetched = self._pubmed(pmid)
            except FetchError:
                fetched = None
            if fetched and fetched["extracted"].text:
                _apply_extracted(record, fetched["extracted"])
                record.retraction = _worse(record.retraction, fetched.get("retraction"))
                record.text_kind, record.obtained = "abstract", "E-utilities efetch pubmed"
                return
        if work and work.get("abstract"):
            record.text = "Abstract\n" + textlib.crossref_abstract(work["abstract"])
            record.sections = [[0, "Abstract"]]
            record.text_kind, record.obtained = "abstract", "Crossref abstract"
            return
        record.obtained = "Crossref metadata (no text available)"

    # -- PubMed --------------------------------------------------------------------------------
    def _pmid(self, pmid: str, key: str) -> SourceRecord:
        fetched = self._pubmed(pmid)
        if fetched is None:
            raise FetchError("not_found", f"PubMed has no article {pmid}")
        record = SourceRecord(key=key, url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/")
        _merge_ids(record, fetched["ids"])
        record.ids["pmid"] = pmid
        record.title = fetched.get("title", "")
        record.year = fetched.get("year")
        record.container = fetched.get("container", "")
        record.authors = fetched.get("authors", [])
        record.retraction = fetched.get("retraction")
        _apply_extracted(record, fetched["extracted"])
        record.text_kind, record.obtained = ("abstract", "E-utilities efetch pubmed") if record.text else ("", "E-utilities efetch pubmed (no abstract)")
        if record.ids.get("pmcid"):
            self._fill_full_text(record, record.ids["pmcid"])
        self._retraction_from_crossref(record)
        return record

    def _pubmed(self, pmid: str) -> dict | None:
        response = self.client.get(f"{self.config.eutils_url}/efetch.fcgi",
                                   params={"db": "pubmed", "id": pmid, "retmode": "xml", **self._ncbi_params()})
        root = _xml(response, "PubMed")
        return textlib.pubmed_to_record(root)

    def _ncbi_params(self) -> dict:
        params = {"tool": self.config.tool}
        if self.config.email:
            params["email"] = self.config.email
        if self.config.ncbi_api_key:
            params["api_key"] = self.config.ncbi_api_key
        return params

    # -- PMC -------------------------------------------------------------------------------------
    def _pmcid(self, pmcid: str, key: str) -> SourceRecord:
        record = SourceRecord(key=key, ids={"pmcid": pmcid}, url=f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/")
        if not self._fill_full_text(record, pmcid, strict=True):
            raise FetchError("not_found", f"no full text for {pmcid} in Europe PMC or PMC")
        self._retraction_from_crossref(record)
        return record

    def _fill_full_text(self, record: SourceRecord, pmcid: str, strict: bool = False) -> bool:
        """Put a PMC article's full text (and its metadata) into ``record``; False when none."""
        root = None
        errors: list[FetchError] = []
        try:
            response = self.client.get(f"{self.config.europepmc_url}/{pmcid}/fullTextXML")
            root, how = _xml(response, "Europe PMC"), "Europe PMC fullTextXML"
        except FetchError as error:
            errors.append(error)
        if root is None:
            try:
                response = self.client.get(f"{self.config.eutils_url}/efetch.fcgi",
                                           params={"db": "pmc", "id": pmcid.removeprefix("PMC"), "retmode": "xml",
                                                   **self._ncbi_params()})
                root, how = _xml(response, "PMC"), "E-utilities efetch pmc"
            except FetchError as error:
                errors.append(error)
        if root is None or not any(textlib._local(e.tag) == "article" for e in root.iter()):
            if strict and errors and all(e.kind not in {"not_found", "bad_content"} for e in errors):
                raise errors[-1]
            return False
        extracted = textlib.jats_to_text(root)
        if not extracted.text.strip():
            return False
        meta = textlib.jats_metadata(root)
        _merge_ids(record, {k: meta.get(k) for k in ("doi", "pmid", "pmcid")})
        record.title = record.title or extracted.title
        record.year = record.year or meta.get("year")
        record.container = record.container or meta.get("container", "")
        record.authors = record.authors or meta.get("authors", [])
        _apply_extracted(record, extracted)
        record.text_kind, record.obtained = "full text", how
        return True

    def _europepmc_search(self, query: str) -> dict | None:
        try:
            response = self.client.get(f"{self.config.europepmc_url}/search",
                                       params={"query": query, "format": "json", "resultType": "core", "pageSize": "1"})
            data = _json(response, "Europe PMC")
        except FetchError:
            return None
        results = (((data or {}).get("resultList") or {}).get("result")) or []
        return results[0] if results and isinstance(results[0], dict) else None

    def _retraction_from_crossref(self, record: SourceRecord) -> None:
        doi = record.ids.get("doi")
        if not doi:
            return
        try:
            work = self.crossref_work(doi)
        except FetchError:
            return
        record.retraction = _worse(record.retraction, crossref_retraction(work))
        if not record.title:
            _apply_crossref(record, work)

    # -- any URL -----------------------------------------------------------------------------
    def _url(self, url: str, key: str) -> SourceRecord:
        found = identifier_in_url(url)
        if found is None:
            pii = elsevier_pii(url)
            if pii:
                found = self._doi_for_pii(pii)
        if found:
            record = self.resolve(found)
            record.ids.setdefault("url", url)
            if record.status == "ok":
                return record
            # The identifier failed (an unknown DOI in a URL): the page itself may still do.
        return self._page(url, key)

    def _doi_for_pii(self, pii: str) -> str | None:
        try:
            response = self.client.get(f"{self.config.crossref_url}/works",
                                       params={"filter": f"alternative-id:{pii}", "rows": "1", **self._crossref_params()})
            items = ((_json(response, "Crossref").get("message") or {}).get("items")) or []
        except (FetchError, AttributeError):
            return None
        doi = items[0].get("DOI") if items and isinstance(items[0], dict) else None
        return f"doi:{normalise_doi(doi)}" if doi else None

    def _page(self, url: str, key: str) -> SourceRecord:
        response = self.client.get(url, headers={"Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.8"})
        record = SourceRecord(key=key, ids={"url": url}, url=url)
        record.text_kind = "page"
        extracted, meta = page_text(response.content, response.headers.get("Content-Type", ""), url)
        _apply_extracted(record, extracted)
        record.title = extracted.title
        record.obtained = f"fetched {meta.get('format', 'page')}"
        if meta.get("doi"):
            record.ids["doi"] = meta["doi"]
            self._retraction_from_crossref(record)
        return record


# -- helpers --------------------------------------------------------------------------------------

def page_text(content: bytes, content_type: str, name: str) -> tuple[textlib.Extracted, dict]:
    """Text of a fetched or attached document, by content type or, failing that, by sniffing."""
    kind = content_type.split(";", 1)[0].strip().lower()
    head = content[:1024].lstrip().lower()
    meta: dict = {}
    try:
        if kind == "application/pdf" or content[:5] == b"%PDF-":
            meta["format"] = "PDF"
            return textlib.pdf_to_text(content), meta
        if kind in {"text/html", "application/xhtml+xml"} or head.startswith((b"<!doctype html", b"<html")):
            markup = _decode(content, content_type)
            meta["format"] = "HTML"
            doi = re.search(r"<meta[^>]+name=[\"'](?:citation_doi|dc\.identifier|prism\.doi)[\"'][^>]+content=[\"']"
                            r"(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/[^\"']+)", markup, re.I)
            if doi:
                meta["doi"] = normalise_doi(doi.group(1))
            return textlib.html_to_text(markup), meta
        if kind in {"application/xml", "text/xml"} or head.startswith(b"<?xml"):
            root = textlib.parse_xml(content)
            meta["format"] = "XML"
            if textlib.pubmed_to_record(root):
                return textlib.pubmed_to_record(root)["extracted"], meta
            return textlib.jats_to_text(root), meta
        if kind.startswith("text/") or (not kind and _looks_textual(content)):
            meta["format"] = "text"
            extracted = textlib._Builder()
            for paragraph in re.split(r"\n\s*\n|\r\n\s*\r\n", _decode(content, content_type)):
                extracted.paragraph(paragraph)
            return extracted.build(), meta
    except textlib.TextError as error:
        raise FetchError("bad_content", f"{name}: {error}") from None
    raise FetchError("bad_content", f"{name}: not a text document ({kind or 'unknown type'})")


def europepmc_abstract(markup: str) -> textlib.Extracted:
    """Europe PMC's ``abstractText``: HTML with ``<h4>`` section labels."""
    builder = textlib._Builder()
    builder.heading("Abstract")
    for part in re.split(r"(<h4>.*?</h4>)", markup, flags=re.S | re.I):
        heading = re.fullmatch(r"<h4>(.*?)</h4>", part, flags=re.S | re.I)
        if heading:
            builder.heading(html.unescape(re.sub(r"<[^>]+>", " ", heading.group(1))))
        else:
            builder.paragraph(html.unescape(re.sub(r"<[^>]+>", " ", part)))
    return builder.build()


def _looks_textual(content: bytes) -> bool:
    sample = content[:4096]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > len(sample) - 4
    return True


def _decode(content: bytes, content_type: str) -> str:
    match = re.search(r"charset=([\w.-]+)", content_type, re.I)
    for encoding in ([match.group(1)] if match else []) + ["utf-8", "cp1252"]:
        try:
            return content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return content.decode("utf-8", errors="replace")


def _quote_doi(doi: str) -> str:
    from urllib.parse import quote

    return quote(doi, safe="/:;()")


def _json(response, service: str) -> dict:
    try:
        data = json.loads(response.content.decode(response.encoding or "utf-8", errors="strict"))
    except (ValueError, UnicodeDecodeError):
        raise FetchError("bad_content", f"{service} sent malformed JSON ({response.url})") from None
    if not isinstance(data, dict):
        raise FetchError("bad_content", f"{service} sent unexpected JSON ({response.url})")
    return data


def _xml(response, service: str):
    try:
        return textlib.parse_xml(response.content)
    except textlib.TextError as error:
        raise FetchError("bad_content", f"{service} sent {error} ({response.url})") from None


def unavailable(key: str, error: FetchError, url: str = "") -> SourceRecord:
    return SourceRecord(key=key, url=url, status="unavailable",
                        error={"kind": error.kind, "message": str(error), "status": error.status},
                        obtained="fetch failed")


def _merge_ids(record: SourceRecord, ids: dict) -> None:
    for name, value in ids.items():
        if value and not record.ids.get(name):
            value = str(value)
            if name == "doi":
                value = normalise_doi(value)
            if name == "pmcid" and not value.upper().startswith("PMC"):
                value = f"PMC{value}"
            record.ids[name] = value.upper() if name == "pmcid" else value


def _apply_extracted(record: SourceRecord, extracted: textlib.Extracted) -> None:
    record.text = extracted.text
    record.sections = [[offset, name] for offset, name in extracted.sections]
    if extracted.title and not record.title:
        record.title = extracted.title


def _apply_crossref(record: SourceRecord, work: dict) -> None:
    title = work.get("title") or []
    record.title = record.title or (textlib.clean(title[0]) if title and isinstance(title[0], str) else "")
    container = work.get("container-title") or []
    record.container = record.container or (container[0] if container and isinstance(container[0], str) else "")
    for field in ("published-print", "published-online", "published", "issued", "created"):
        parts = ((work.get(field) or {}).get("date-parts") or [[None]])[0]
        if parts and isinstance(parts[0], int):
            record.year = record.year or parts[0]
            break
    authors = [a.get("family") or a.get("name") for a in work.get("author") or [] if isinstance(a, dict)]
    record.authors = record.authors or [a for a in authors if a]
    record.retraction = _worse(record.retraction, crossref_retraction(work))


def crossref_retraction(work: dict) -> dict | None:
    """Retraction, withdrawal, concern or correction from Crossref's update relations.

    ``updated-by`` on a work lists the notices that update it (Crossref members' own and,
    with ``"source": "retraction-watch"``, the Retraction Watch database); ``update-to`` on a
    work means the work *is* such a notice. Titles starting ``RETRACTED:`` count too.
    """
    status = None
    notices = []
    for relation, role in (("updated-by", "updated-by"), ("update-to", "update-to")):
        for update in work.get(relation) or []:
            if not isinstance(update, dict):
                continue
            kind = str(update.get("type", "")).lower().replace("-", "_").replace(" ", "_")
            mapped = _RETRACTION_TYPES.get(kind)
            if not mapped:
                continue
            date = ((update.get("updated") or {}).get("date-parts") or [[]])[0]
            notices.append({
                "type": kind, "relation": role, "doi": update.get("DOI", ""),
                "source": update.get("source", "publisher"), "label": update.get("label", ""),
                "date": "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(date) if isinstance(p, int)),
            })
            if role == "update-to":
                mapped = {"retracted": "retraction-notice"}.get(mapped, None) or "notice"
            if role == "updated-by" and (status is None or _rank(mapped) > _rank(status)):
                status = mapped
            elif role == "update-to" and status is None:
                status = mapped
    titles = work.get("title") or []
    if titles and isinstance(titles[0], str) and re.match(r"\s*(?:RETRACTED|WITHDRAWN)\b", titles[0]):
        status = "retracted" if titles[0].lstrip().upper().startswith("RETRACTED") else "withdrawn"
    if status is None:
        return None
    sources = sorted({n["source"] for n in notices}) or ["crossref"]
    return {"status": status, "source": ", ".join(sources), "notices": notices}


def _europepmc_retraction(hit: dict) -> dict | None:
    types = ((hit.get("pubTypeList") or {}).get("pubType")) or []
    if isinstance(types, str):
        types = [types]
    if "Retracted Publication" in types:
        return {"status": "retracted", "source": "europepmc", "notices": []}
    return None


def _rank(status: str | None) -> int:
    return _SEVERITY.index(status) if status in _SEVERITY else -1


def _worse(a: dict | None, b: dict | None) -> dict | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if _rank(b.get("status")) > _rank(a.get("status")) else a
