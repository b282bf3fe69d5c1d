"""Identifiers: what a citation target names, and the DOIs hidden in publisher URLs.

A target is ``doi:10.1186/...``, ``pmid:21474494``, ``pmcid:PMC9987133`` or ``url:https://...``
(see :class:`verifier.model.Citation`). :func:`canonical` turns the URL of a PubMed, PMC,
doi.org or publisher page into the identifier it stands for, so a paper cited once as a
link and once as a DOI is one source.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

_DOI = re.compile(r"10\.\d{4,9}/[^\s\"'<>]+")
_DOI_TAIL = re.compile(r"(?:/(?:full|abstract|pdf|epdf|epub|fulltext|summary|html|meta|references|figures|tables|"
                       r"supplementary|suppl_file|full-text|text)(?:/.*)?|\.pdf|[.,;)\]]+)$", re.I)

# MDPI journals by ISSN: the DOI is 10.3390/{code}{volume}{issue:02}{article:04}.
MDPI_JOURNALS = {
    "1660-4601": "ijerph", "2077-0383": "jcm", "2072-6643": "nu", "2227-9032": "healthcare", "1422-0067": "ijms",
    "2076-3425": "brainsci", "2075-4418": "diagnostics", "1999-4915": "v", "2076-393X": "vaccines",
    "2072-6694": "cancers", "2071-1050": "su", "2076-328X": "bs", "2227-9067": "children", "2079-7737": "biology",
    "1424-8220": "s", "2304-8158": "foods", "2075-1729": "life", "1648-9144": "medicina", "2414-6366": "tropicalmed",
    "2076-2607": "microorganisms", "2227-9059": "biomedicines", "1999-4923": "pharmaceutics", "2673-5318": "psychiatryint",
}
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|referrer|source)$", re.I)


def kind_of(target: str) -> str:
    """``doi``, ``pmid``, ``pmcid``, ``url`` or ``other`` (``ref:3``, ``author:...``)."""
    prefix = target.split(":", 1)[0]
    return prefix if prefix in {"doi", "pmid", "pmcid", "url"} else "other"


def normalise_doi(doi: str) -> str:
    doi = unquote(doi.strip())
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.I)
    return doi.rstrip(".,;").lower()


def normalise_url(url: str) -> str:
    """Scheme and host lower-cased, fragment and tracking parameters dropped, no trailing slash."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:   # "http://[::1": not a URL we can fetch; keep it as written
        return url.strip()
    query = "&".join(p for p in parts.query.split("&") if p and not _TRACKING.match(p.split("=", 1)[0]))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def canonical(target: str) -> str:
    """The identifier a target stands for: a PubMed URL becomes ``pmid:...`` and so on."""
    kind = kind_of(target)
    value = target.split(":", 1)[1] if ":" in target else target
    if kind == "doi":
        return f"doi:{normalise_doi(value)}"
    if kind == "pmid":
        return f"pmid:{value.strip()}"
    if kind == "pmcid":
        value = value.strip().upper()
        return f"pmcid:{value if value.startswith('PMC') else 'PMC' + value}"
    if kind == "url":
        found = identifier_in_url(value)
        return found or f"url:{normalise_url(value)}"
    return target


def identifier_in_url(url: str) -> str | None:
    """``pmid:``, ``pmcid:`` or ``doi:`` target named by a URL, or None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    path = unquote(parts.path)
    if host.endswith("ncbi.nlm.nih.gov") or host.endswith("europepmc.org"):
        match = re.search(r"\b(PMC\d+)\b", path, re.I)
        if match:
            return f"pmcid:{match.group(1).upper()}"
        match = re.search(r"(?:^/|/pubmed/|/MED/|/med/)(\d{4,9})(?:/|$)", path)
        if match and (host.startswith("pubmed.") or "/pubmed/" in path or "/MED/" in path.upper()):
            return f"pmid:{match.group(1)}"
    if host in {"doi.org", "dx.doi.org", "www.doi.org"}:
        doi = path.lstrip("/")
        return f"doi:{normalise_doi(doi)}" if doi.startswith("10.") else None
    if host.endswith("plos.org"):
        ids = parse_qs(parts.query).get("id")
        if ids and ids[0].startswith("10."):
            return f"doi:{normalise_doi(ids[0])}"
    if host.endswith("mdpi.com"):
        match = re.match(r"/(\d{4}-\d{3}[\dXx])/(\d+)/(\d+)/(\d+)", path)
        if match and match.group(1).upper() in MDPI_JOURNALS:
            code = MDPI_JOURNALS[match.group(1).upper()]
            volume, issue, article = (int(g) for g in match.groups()[1:])
            return f"doi:10.3390/{code}{volume}{issue:02d}{article:04d}"
    if host.endswith("thelancet.com") or host.endswith("cell.com"):
        match = re.search(r"/PII(S\d{4}-\d{3}[\dX]\(\d{2}\)\d{5}-[\dX])", path, re.I) or \
            re.search(r"/(S\d{4}-\d{3}[\dX]\(\d{2}\)\d{5}-[\dX])", path, re.I)
        if match:
            return f"doi:10.1016/{match.group(1).lower()}"
    if host.endswith("nature.com"):
        match = re.match(r"/articles/([a-z]+\d*[-.][\w.-]+)$", path.rstrip("/"))
        if match:
            return f"doi:10.1038/{match.group(1).lower()}"
    # BMC, Frontiers, Wiley, Springer, Taylor & Francis, SAGE, NEJM, PNAS and others put the DOI in the path.
    match = _DOI.search(path)
    if match:
        doi = match.group(0)
        while True:
            trimmed = _DOI_TAIL.sub("", doi)
            if trimmed == doi:
                break
            doi = trimmed
        if re.fullmatch(r"10\.\d{4,9}/.+", doi):
            return f"doi:{normalise_doi(doi)}"
    return None


def elsevier_pii(url: str) -> str | None:
    """The PII of a ScienceDirect or linkinghub URL (Crossref finds its DOI as an alternative id)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host.endswith("sciencedirect.com") or host.endswith("linkinghub.elsevier.com"):
        match = re.search(r"/pii/(S?[\dX]{15,17}|S\d{4}-?\d{3}[\dX]\(?\d{2}\)?\d{5}-?[\dX])", parts.path, re.I)
        if match:
            return match.group(1).upper()
    return None


def targets_of(ids: dict[str, str]) -> list[str]:
    """Every target a record answers to."""
    found = []
    if ids.get("doi"):
        found.append(f"doi:{normalise_doi(ids['doi'])}")
    if ids.get("pmid"):
        found.append(f"pmid:{ids['pmid']}")
    if ids.get("pmcid"):
        found.append(canonical(f"pmcid:{ids['pmcid']}"))
    if ids.get("url"):
        found.append(f"url:{normalise_url(ids['url'])}")
    return found
