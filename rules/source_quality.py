"""Source quality: statistics and passages that rest on low-tier sources.

The tiers are data (``domains.toml`` next to this module, installed as package data of
``verifier.rules``), extended by the configuration's ``trusted_domains`` and
``weak_domains``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Iterator, Mapping, Sequence
from urllib.parse import urlsplit

from verifier.citations import reference_for
from verifier.document import Document
from verifier.model import Citation, Claim, Finding, Related, Severity
from verifier.registry import RuleContext, rule
from verifier.rules._text import quote
from verifier.rules.sourcing import is_statistic

DOMAINS_FILE = Path(__file__).with_name("domains.toml")

# Identifiers that only scholarly records carry.
_SCHOLARLY_KINDS = {"doi", "pmid", "pmcid"}
# Two-label public suffixes, so the registrable name of "www.clinic.co.uk" is "clinic".
_TWO_LABEL_SUFFIXES = frozenset(
    "co.uk org.uk ac.uk gov.uk nhs.uk ltd.uk me.uk com.au org.au net.au edu.au gov.au "
    "co.nz org.nz govt.nz ac.nz co.za org.za gov.za co.in org.in gov.in nic.in com.br gov.br "
    "co.jp or.jp ac.jp go.jp com.sg gov.sg com.mx gob.mx com.cn edu.cn gov.hk".split()
)
_PASSAGE_BLOCKS = {"paragraph", "list_item", "blockquote"}
# A page title left in pasted text: "Title | Site Name" (pipes only: dashes are prose).
_TITLE_PIPE = re.compile(r"[ \t]\|[ \t]")
_SITE_WORD = re.compile(r"[A-Z0-9][\w&'.-]*")
_MIN_SITE_KEY = 4  # "x.com" and "t.co" are too short to recognise in running text


@dataclass(frozen=True)
class Tier:
    name: str
    label: str
    weak: bool
    report_citations: bool = False


@dataclass(frozen=True)
class Verdict:
    """Where a source sits: its tier and the listed domain (or identifier) that placed it."""

    tier: Tier
    domain: str

    @property
    def weak(self) -> bool:
        return self.tier.weak

    def describe(self) -> str:
        return f"{self.domain} ({self.tier.label})"


SCHOLARLY = Tier("scholarly", "peer-reviewed publisher or index", False)
TRUSTED = Tier("trusted", "trusted in the configuration", False)
CONFIGURED_WEAK = Tier("configured", "site listed as weak in the configuration", True, True)


def normalise_domain(value: str) -> str:
    """``https://www.Example.com/x`` -> ``example.com``; plain domains are lower-cased."""
    value = value.strip().lower()
    if "//" in value:
        value = urlsplit(value).hostname or ""
    value = value.split("/", 1)[0].split(":", 1)[0].strip(".")
    return value[4:] if value.startswith("www.") else value


def host_of(url: str) -> str:
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:
        return ""
    return normalise_domain(host)


def registrable_name(host: str) -> str:
    """The name a site is known by: ``sambarecovery`` for ``www.sambarecovery.com``."""
    labels = host.split(".")
    suffix_size = 2 if len(labels) >= 3 and ".".join(labels[-2:]) in _TWO_LABEL_SUFFIXES else 1
    return labels[-suffix_size - 1] if len(labels) > suffix_size else labels[0]


def _public_suffix(host: str) -> str:
    labels = host.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in _TWO_LABEL_SUFFIXES:
        return ".".join(labels[-2:])
    return labels[-1]


class DomainTiers:
    """Classifies hosts: configured lists first, then listed domains, suffixes, keywords."""

    def __init__(self, data: dict, trusted: Iterable[str] = (), weak: Iterable[str] = ()) -> None:
        self.exact: dict[str, Tier] = {}
        self.suffixes: dict[str, Tier] = {}
        self.keyword_rules: list[tuple[Tier, tuple[str, ...], frozenset[str], frozenset[str]]] = []
        for name, spec in data.get("tiers", {}).items():
            tier = Tier(name, spec.get("label", name), bool(spec.get("weak", False)),
                        bool(spec.get("report_citations", False)))
            for domain in spec.get("domains", ()):
                self.exact[normalise_domain(domain)] = tier
            for suffix in spec.get("suffixes", ()):
                self.suffixes[suffix.lower().strip(".")] = tier
            if spec.get("keywords") or spec.get("host_labels"):
                self.keyword_rules.append((
                    tier,
                    tuple(k.lower() for k in spec.get("keywords", ())),
                    frozenset(s.lower() for s in spec.get("keyword_suffixes", ())),
                    frozenset(h.lower() for h in spec.get("host_labels", ())),
                ))
        self.configured: dict[str, Tier] = {}
        for domain in weak:
            if normalise_domain(domain):
                self.configured[normalise_domain(domain)] = CONFIGURED_WEAK
        for domain in trusted:  # trusted wins when a domain is in both lists
            if normalise_domain(domain):
                self.configured[normalise_domain(domain)] = TRUSTED

    def classify_host(self, host: str) -> Verdict | None:
        host = normalise_domain(host)
        if not host:
            return None
        labels = host.split(".")
        candidates = [".".join(labels[i:]) for i in range(len(labels))]  # most specific first
        for table in (self.configured, self.exact):
            for candidate in candidates:
                if candidate in table:
                    # A configured entry less specific than a listed one does not override it.
                    if table is self.configured:
                        listed = next((c for c in candidates if c in self.exact), None)
                        if listed and len(listed) > len(candidate):
                            return Verdict(self.exact[listed], listed)
                    return Verdict(table[candidate], candidate)
        for candidate in candidates[1:] or candidates:
            if candidate in self.suffixes:
                return Verdict(self.suffixes[candidate], host)
        suffix = _public_suffix(host)
        name = registrable_name(host)
        for tier, keywords, keyword_suffixes, host_labels in self.keyword_rules:
            if suffix in keyword_suffixes and any(k in name for k in keywords):
                return Verdict(tier, f"{name}.{suffix}")
            if len(labels) >= 3 and labels[0] in host_labels:
                return Verdict(tier, host)
        return None

    @cached_property
    def weak_site_keys(self) -> Mapping[str, str]:
        """Compact names of listed weak sites (``reddit``) -> domain, for pasted page titles.
        Computed once per set of tiers, not per document, so read-only."""
        weak: dict[str, str] = {}
        strong: set[str] = set()
        for table in (self.exact, self.configured):
            for domain, tier in table.items():
                key = registrable_name(domain)
                if not tier.weak:
                    strong.add(key)
                elif len(key) >= _MIN_SITE_KEY:
                    weak[key] = domain
        # "yahoo" names the news site as well as answers.yahoo.com: not recognisable.
        return MappingProxyType({key: domain for key, domain in weak.items() if key not in strong})


@lru_cache(maxsize=1)
def _domain_data() -> dict:
    with open(DOMAINS_FILE, "rb") as handle:
        return tomllib.load(handle)


@lru_cache(maxsize=16)
def _tiers(trusted: tuple[str, ...], weak: tuple[str, ...]) -> DomainTiers:
    return DomainTiers(_domain_data(), trusted, weak)


def tiers_for(context: RuleContext) -> DomainTiers:
    options = context.options or {}
    return _tiers(_domain_list(options.get("trusted_domains")), _domain_list(options.get("weak_domains")))


def _domain_list(value) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = [value]
    return tuple(sorted({str(v) for v in value}))


class _Sources:
    """Verdicts for a document's citations, following markers to their reference entries."""

    def __init__(self, doc: Document, tiers: DomainTiers) -> None:
        self.doc = doc
        self.tiers = tiers

    def target_verdict(self, target: str, kind: str = "") -> Verdict | None:
        scheme, _, rest = target.partition(":")
        if kind in _SCHOLARLY_KINDS or scheme in _SCHOLARLY_KINDS:
            return Verdict(SCHOLARLY, target)
        if scheme == "url":
            return self.tiers.classify_host(host_of(rest))
        return None

    def verdict(self, citation: Citation) -> Verdict | None:
        """The citation's tier; markers and author-year citations take their entry's."""
        direct = self.target_verdict(citation.target, citation.kind)
        if direct is not None:
            return direct
        entry = self.entry_of(citation)
        if entry < 0 or not self.doc.references[entry].targets:
            return None
        verdicts = [self.target_verdict(t) for t in self.doc.references[entry].targets]
        if all(v is not None and v.weak for v in verdicts):
            return verdicts[0]
        return next((v for v in verdicts if v is not None and not v.weak), None)

    def entry_of(self, citation: Citation) -> int:
        """The reference-list entry a citation points to, or -1 (the parser's resolver)."""
        return reference_for(citation, self.doc.references)


def _with_hedge(claim: Claim) -> str:
    if claim.hedge and claim.hedge.lower() not in claim.text.lower():
        return f"{claim.hedge} {claim.text}"
    return claim.text


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@rule(
    code="VS102",
    name="weak-source",
    severity=Severity.WARNING,
    summary="A statistic or passage rests only on a commercial site, content farm or social media.",
    what="""
Sorts every cited web address into a tier: peer-reviewed publishers and indexes (a DOI,
PubMed or PMC identifier always counts), government and health agencies, professional
bodies, news and consumer-health sites, and the low tiers: commercial sites
(treatment-centre marketing, product sellers), content farms and essay mills, social
media. It reports three things. A statistic whose citations are all low-tier (one
finding per sentence; a claim that also cites a journal or PubMed is not reported). A
passage pasted from a low-tier page, recognised by the page title left in it ("... |
Samba Recovery" when sambarecovery.com is cited, or a listed site such as Reddit). And
each commercial site or content farm cited anywhere else, reference list included, once
per domain at its first citation. A domain matches its subdomains. The tiers live in
`rules/domains.toml`; the configuration adds domains with `trusted-domains` and
`weak-domains` (read by the rule as the options `trusted_domains` and `weak_domains`,
lists of domain names such as "nejm.org"), which override the built-in tiers.""",
    why="""
A treatment centre's blog or a product page is written to sell, and a content farm or a
social post is written to be clicked; none is checked by anyone before it is published.
A health statistic that rests only on such a page cannot be trusted, and text pasted
from it carries its marketing into the draft.""",
    bad="Music therapy can reduce cravings by upwards of 60% ([Rosewood Recovery](https://www.rosewoodrecovery.com/blog/music-in-recovery)).",
    good="In a trial of 79 adults, music therapy reduced depressive symptoms more than usual care ([Erkkilä et al., 2011](https://doi.org/10.1192/bjp.bp.110.085431)).",
)
def weak_source(doc: Document, context: RuleContext) -> Iterator[Finding]:
    tiers = tiers_for(context)
    sources = _Sources(doc, tiers)
    verdicts = {id(c): sources.verdict(c) for c in doc.citations}
    reported_domains: set[str] = set()
    findings: list[Finding] = []

    # 1. Statistics whose every citation is low-tier, one finding per sentence.
    by_sentence: dict[int, list[int]] = {}
    for index, claim in enumerate(doc.claims):
        cited = doc.claim_citations[index] if index < len(doc.claim_citations) else ()
        if claim.sentence < 0 or not cited or not is_statistic(doc, claim):
            continue
        if doc.blocks[doc.sentences[claim.sentence].block].kind in {"heading", "image"}:
            continue
        if all(verdicts.get(id(c)) is not None and verdicts[id(c)].weak for c in cited):
            by_sentence.setdefault(claim.sentence, []).append(index)
    for sentence, indexes in by_sentence.items():
        claims = [doc.claims[i] for i in indexes]
        cited = doc.claim_citations[indexes[0]]
        domains: dict[str, Verdict] = {}
        for citation in cited:
            domains.setdefault(verdicts[id(citation)].domain, verdicts[id(citation)])
        reported_domains.update(domains)
        figures = ", ".join(f'"{_with_hedge(c)}"' for c in claims)
        noun = "Statistic" if len(claims) == 1 else "Statistics"
        verb = "is" if len(claims) == 1 else "are"
        findings.append(Finding(
            rule="weak-source",
            start=claims[0].start,
            end=max(claims[-1].end, claims[0].end),
            message=(f"{noun} {figures} {verb} backed only by "
                     f"{_join([v.describe() for v in domains.values()])}; cite the study or health agency behind it"),
            claim=claims[0],
            related=tuple(Related(start, end, f"cites {domain}")
                          for start, end, domain in sorted({(c.start, c.end, verdicts[id(c)].domain) for c in cited})),
            anchor=" ".join(c.text for c in claims) + " " + " ".join(domains),
        ))

    # 2. Passages pasted from a low-tier page, recognised by the page title left in them.
    cited_keys: dict[str, str] = {}
    first_citation: dict[str, Citation] = {}
    for citation in doc.citations:
        verdict = verdicts[id(citation)]
        if verdict is not None and verdict.weak:
            first_citation.setdefault(verdict.domain, citation)
            if citation.target.startswith("url:"):
                key = registrable_name(host_of(citation.target[4:]))
                if len(key) >= _MIN_SITE_KEY:
                    cited_keys[key] = verdict.domain
    # The listed sites' names are copied only for a document that cites weak sites of its own.
    site_keys = {**tiers.weak_site_keys, **cited_keys} if cited_keys else tiers.weak_site_keys
    if site_keys and "|" in doc.prose:  # every page title holds a pipe
        findings.extend(_pasted_passages(doc, tiers, site_keys, first_citation))

    # 3. Commercial sites and content farms cited elsewhere: once per domain, leaving out
    #    citations that sit beside a stronger source, and list entries only cited that way.
    accompanied, alone = _inline_company(doc, sources, verdicts)
    grouped: dict[str, list[Citation]] = {}
    for citation in doc.citations:
        verdict = verdicts[id(citation)]
        if verdict is None or not verdict.tier.report_citations or verdict.domain in reported_domains:
            continue
        if citation.reference >= 0 or doc.in_reference_list(citation.start):
            keys = {citation.target, ("entry", citation.reference)}
            if keys & accompanied and not keys & alone:
                continue
        elif id(citation) in accompanied:
            continue
        grouped.setdefault(verdict.domain, []).append(citation)
    for domain, citations in grouped.items():
        spans = sorted({(c.start, c.end) for c in citations})
        first, rest = spans[0], spans[1:]
        verdict = verdicts[id(citations[0])]
        in_list = doc.in_reference_list(first[0])
        where = "the reference list" if in_list else "the text"
        times = f", {len(spans)} times" if len(spans) > 1 else ""
        findings.append(Finding(
            rule="weak-source",
            start=first[0],
            end=first[1],
            message=(f"{where.capitalize()} cites {domain}, a {verdict.tier.label}{times}; "
                     f"replace it with the study or health agency it draws on"),
            related=tuple(Related(s, e, f"also cites {domain}") for s, e in rest),
            anchor=domain,
        ))
    findings.sort(key=lambda f: f.start)
    yield from findings


def _inline_company(doc: Document, sources: _Sources, verdicts: dict) -> tuple[set, set]:
    """Inline citations of weak sources that share their sentence with a stronger one.

    Returns the keys (citation ids, targets, ``("entry", i)``) cited beside a source that is
    not weak, and the keys cited without one.
    """
    accompanied: set = set()
    alone: set = set()
    by_sentence: dict[int, list[Citation]] = {}
    for citation in doc.text_citations:
        by_sentence.setdefault(doc.sentence_of_citation(citation), []).append(citation)
    for sentence, cited in by_sentence.items():
        stronger = sentence >= 0 and any(verdicts.get(id(c)) is None or not verdicts[id(c)].weak for c in cited)
        for citation in cited:
            verdict = verdicts.get(id(citation))
            if verdict is None or not verdict.weak:
                continue
            keys = {id(citation), citation.target, ("entry", sources.entry_of(citation))}
            (accompanied if stronger else alone).update(keys)
    return accompanied, alone


def _pasted_passages(doc: Document, tiers: DomainTiers, site_keys: Mapping[str, str],
                     first_citation: dict[str, Citation]) -> Iterator[Finding]:
    for index, block in enumerate(doc.blocks):
        if block.kind not in _PASSAGE_BLOCKS or index in doc.reference_blocks:
            continue
        text = doc.prose[block.start:block.end]
        for pipe in _TITLE_PIPE.finditer(text):
            found = _site_after(text, pipe.end(), site_keys) or _site_before(text, pipe.start(), site_keys)
            if found is None:
                continue
            domain, site_start, site_end = found
            sentence = doc.sentence_of(block.start + pipe.start())
            start = doc.sentences[sentence].start if sentence >= 0 else block.start
            start = max(start, block.start)
            end = max(block.start + site_end, block.start + pipe.end())
            title = " ".join(doc.prose[start:end].split())
            verdict = tiers.classify_host(domain)
            label = verdict.tier.label if verdict else "low-tier site"
            related = ()
            if domain in first_citation:
                cited = first_citation[domain]
                related = (Related(cited.start, cited.end, f"{domain} is cited here"),)
            yield Finding(
                rule="weak-source",
                start=start,
                end=end,
                message=f'Passage pasted from a page of {domain}, a {label}: its page title "{quote(title, 80)}" is still in the text',
                related=related,
                anchor=title,
            )
            break  # one finding per passage


def _site_after(text: str, pos: int, site_keys: Mapping[str, str]) -> tuple[str, int, int] | None:
    key, end = "", pos
    for _ in range(4):
        match = _SITE_WORD.match(text, pos)
        if not match:
            break
        key += re.sub(r"[^a-z0-9]", "", match.group().lower())
        end = match.end()
        if key in site_keys:
            return site_keys[key], pos, end
        pos = match.end()
        while pos < len(text) and text[pos] in " \t":
            pos += 1
    return None


def _site_before(text: str, pos: int, site_keys: Mapping[str, str]) -> tuple[str, int, int] | None:
    head = text[:pos].rstrip()
    words = list(re.finditer(r"\S+", head[max(0, len(head) - 200):]))[-4:]
    offset = max(0, len(head) - 200)
    key = ""
    for word in reversed(words):
        if not _SITE_WORD.fullmatch(word.group()):
            break
        key = re.sub(r"[^a-z0-9]", "", word.group().lower()) + key
        if key in site_keys:
            return site_keys[key], offset + word.start(), pos
    return None
