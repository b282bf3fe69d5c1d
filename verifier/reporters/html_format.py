"""The report an editor opens: one self-contained HTML file, no network, no external assets.

Each draft is shown as rendered text with every claim highlighted by status (sourced,
unsourced, contradicted, not found in the source) and a numbered marker where each
finding starts; the findings sit beside the text with their rule's explanation and, for
source findings, what the source says. Filters by rule, severity and claim status run
in a small inline script, and the current filter is kept in the address's ``#fragment``
so a filtered view can be shared.

Draft text is escaped everywhere and the page carries a Content-Security-Policy that
only lets its own script run (by hash), so a draft can never run script in the report:
not through ``<script>``, not through ``onerror=``, not through a ``javascript:`` link.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import html
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import quote

from verifier import __version__
from verifier.baseline import canonical_path
from verifier.model import Diagnostic, Severity
from verifier.registry import all_rules
from verifier.reporters import Report

# Claim statuses, strongest first: a claim shows the strongest that applies. A claim is
# contradicted when its source or another part of the draft disagrees with it.
STATUSES = ("contradicted", "not-found", "unsourced", "sourced")
STATUS_LABELS = {
    "contradicted": "Contradicted",
    "not-found": "Not found in source",
    "unsourced": "Unsourced",
    "sourced": "Sourced",
}
# What a finding of a rule says about the claims it covers. Source rules are matched by
# the words in their names, so a new rule such as ``figure-contradicts-source`` is shown
# without touching this file.
_STATUS_WORDS = (("contradict", "contradicted"), ("mismatch", "contradicted"), ("conflict", "contradicted"),
                 ("differs", "contradicted"),
                 ("not-found", "not-found"), ("not-in-source", "not-found"), ("unsupported", "not-found"),
                 ("missing-from-source", "not-found"), ("absent", "not-found"),
                 ("unsourced", "unsourced"))

_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_INLINE_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_LINK_DESTINATION = re.compile(r"\]\((?:<[^>\n]*>|(?:[^()\s]|\([^()\s]*\))*)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\)")
_PUNCTUATION = set(".,;:()?")
_COMMENT_ONLY = re.compile(r"\A\s*(?:<!--.*?-->\s*)+\Z", re.S)


_RULE_STATUS = {
    "unsourced-statistic": "unsourced",
    "source-number-missing": "not-found",
    "source-context-mismatch": "contradicted",     # by the source
    "conflicting-statistics": "contradicted",      # by the draft itself
    "contradicted-availability": "contradicted",
}


def status_of_rule(rule_name: str) -> str | None:
    if rule_name in _RULE_STATUS:
        return _RULE_STATUS[rule_name]
    for word, status in _STATUS_WORDS:
        if word in rule_name:
            return status
    return None


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def citation_href(target: str) -> str | None:
    """A web address for a citation target, only ever http(s)."""
    kind, _, value = target.partition(":")
    if kind == "url" and re.match(r"https?://", value, re.I):
        return value
    if kind == "doi" and value:
        return "https://doi.org/" + quote(value, safe="/:;()._-<>")
    if kind == "pmid" and value.isdigit():
        return f"https://pubmed.ncbi.nlm.nih.gov/{value}/"
    if kind == "pmcid" and re.fullmatch(r"PMC\d+", value, re.I):
        return f"https://pmc.ncbi.nlm.nih.gov/articles/{value.upper()}/"
    return None


# -- one draft ----------------------------------------------------------------------


@dataclass
class _Mark:
    start: int
    end: int
    kind: str                 # claim, hit, cite, code, raw, shown
    attrs: dict = field(default_factory=dict)


@dataclass
class _Numbered:
    number: int
    diagnostic: Diagnostic
    start: int
    end: int


class _DraftView:
    def __init__(self, doc_index: int, doc, diagnostics: list[Diagnostic], first_number: int):
        self.i = doc_index
        self.doc = doc
        self.findings = [_Numbered(first_number + n, d, *self._offsets(d)) for n, d in enumerate(diagnostics)]
        self.claim_status = self._claim_statuses()

    def _offsets(self, d: Diagnostic) -> tuple[int, int]:
        starts = self.doc.line_starts
        start = starts[min(d.line, len(starts)) - 1] + d.column - 1
        end = starts[min(d.end_line, len(starts)) - 1] + d.end_column - 1
        return min(start, len(self.doc.text)), min(max(start, end), len(self.doc.text))

    def _claim_statuses(self) -> list[str]:
        doc = self.doc
        statuses = ["sourced" if doc.claim_citations and doc.claim_citations[n] else "unsourced"
                    for n in range(len(doc.claims))]
        for f in self.findings:
            status = status_of_rule(f.diagnostic.rule)
            if status is None:
                continue
            claimed = f.diagnostic.claim or {}
            for n, claim in enumerate(doc.claims):
                covered = claim.start == claimed.get("start") or (f.start <= claim.start < max(f.end, f.start + 1))
                if covered and STATUSES.index(status) < STATUSES.index(statuses[n]):
                    statuses[n] = status
        return statuses

    # -- marks --------------------------------------------------------------------
    def _marks(self, start: int, end: int) -> list[_Mark]:
        doc = self.doc
        marks: list[_Mark] = []
        for n, claim in enumerate(doc.claims):
            if claim.start < end and claim.end > start:
                marks.append(_Mark(claim.start, claim.end, "claim",
                                   {"status": self.claim_status[n], "id": f"d{self.i}-c{n}", "kind": claim.kind}))
        for f in self.findings:
            if f.start < end and f.end > start and f.end > f.start:
                marks.append(_Mark(f.start, f.end, "hit", {"n": f.number, "sev": f.diagnostic.severity.value}))
        for citation in doc.citations:
            if citation.start < end and citation.end > start:
                shown = not doc.prose[citation.start:citation.end].strip()   # [1], a bare URL, a DOI
                marks.append(_Mark(citation.start, citation.end, "cite",
                                   {"href": citation_href(citation.target), "target": citation.target, "shown": shown}))
        for match in _CODE_SPAN.finditer(doc.text, start, end):
            marks.append(_Mark(match.start(2), match.end(2), "code"))
        for match in _INLINE_HTML.finditer(doc.visible, start, end):
            marks.append(_Mark(match.start(), match.end(), "raw"))
        return marks

    def _char(self, offset: int, active: list[_Mark]) -> str:
        """What a reader sees at an offset: the prose without its markup, plus citations,
        code spans and inline HTML as written, and the punctuation around links."""
        doc = self.doc
        if any(m.kind in ("code", "raw") for m in active):
            return doc.text[offset]
        if any(m.kind == "cite" and m.attrs["shown"] for m in active):
            return doc.visible[offset]
        prose = doc.prose[offset]
        if prose not in " \t" or doc.text[offset] in " \t\r\n":
            return prose
        kept = doc.visible[offset]
        if kept in _PUNCTUATION and not self._in_destination(offset) and self._after_line_prefix(offset):
            return kept
        return ""      # markup: emphasis, link syntax, bullets, pipes, comments

    def _in_destination(self, offset: int) -> bool:
        return any(a <= offset < b for a, b in self._destinations)

    @cached_property
    def _destinations(self) -> list[tuple[int, int]]:
        return [m.span() for m in _LINK_DESTINATION.finditer(self.doc.visible)]

    def _after_line_prefix(self, offset: int) -> bool:
        """Past a list bullet or ordered-list number: "1." at a line's start is not text."""
        line_start = self.doc.line_starts[bisect.bisect_right(self.doc.line_starts, offset) - 1]
        return bool(self.doc.prose[line_start:offset].strip())

    def inline(self, start: int, end: int, badges: bool = True) -> str:
        """HTML for the text between two offsets with its claims, findings and citations."""
        marks = self._marks(start, end)
        cuts = {start, end}
        for mark in marks:
            cuts.update(x for x in (mark.start, mark.end) if start < x < end)
        badge_at: dict[int, list[_Numbered]] = {}
        if badges:
            for f in self.findings:
                if start <= f.start < end or (f.start == end == start):
                    badge_at.setdefault(max(start, f.start), []).append(f)
                    cuts.add(max(start, f.start))
        points = sorted(cuts)
        out = []
        for a, b in zip(points, points[1:] + [None]):
            for f in badge_at.pop(a, []):
                out.append(self._badge(f))
            if b is None:
                break
            active = [m for m in marks if m.start <= a and m.end >= b and m.start < m.end]
            text = "".join(self._char(k, active) for k in range(a, b))
            if not text:
                continue
            out.append(self._wrap(_e(text), active))
        for pending in badge_at.values():
            out.extend(self._badge(f) for f in pending)
        return "".join(out)

    def _badge(self, f: _Numbered) -> str:
        d = f.diagnostic
        return (f'<a class="badge sev-{d.severity.value}" id="t{f.number}" href="#f{f.number}" '
                f'data-f="{f.number}" title="{_e(d.code)} {_e(d.rule)}: {_e(d.message)}">{f.number}</a>')

    @staticmethod
    def _wrap(text: str, active: list[_Mark]) -> str:
        for mark in active:
            if mark.kind == "code":
                text = f"<code>{text}</code>"
            elif mark.kind == "raw":
                text = f'<code class="raw" title="HTML in the draft, shown as text">{text}</code>'
        for mark in active:
            if mark.kind == "cite":
                href = mark.attrs["href"]
                title = _e(mark.attrs["target"])
                if href:
                    text = (f'<a class="cite" href="{_e(href)}" title="{title}" target="_blank" '
                            f'rel="noopener noreferrer nofollow">{text}</a>')
                else:
                    text = f'<span class="cite" title="{title}">{text}</span>'
                break
        claims = [m for m in active if m.kind == "claim"]
        if claims:
            m = claims[0]
            status = m.attrs["status"]
            text = (f'<span class="claim st-{status}" data-claim="{m.attrs["id"]}" data-status="{status}" '
                    f'title="{_e(m.attrs["kind"])} claim: {_e(STATUS_LABELS[status])}">{text}</span>')
        hits = [m for m in active if m.kind == "hit"]
        if hits:
            worst = max((Severity(m.attrs["sev"]) for m in hits), key=lambda s: s.rank).value
            numbers = " ".join(str(m.attrs["n"]) for m in hits)
            text = f'<mark class="hit sev-{worst}" data-f="{numbers}">{text}</mark>'
        return text

    # -- blocks -------------------------------------------------------------------
    def body(self) -> str:
        doc = self.doc
        out: list[str] = []
        blocks = doc.blocks
        n = 0
        placed: set[int] = set()
        while n < len(blocks):
            block = blocks[n]
            anchor = f'id="d{self.i}-L{doc.position(block.start)[0]}"'
            if block.kind == "table":
                rows = []
                while n < len(blocks) and blocks[n].kind == "table":
                    rows.append(self._row(blocks[n], header=not rows))
                    n += 1
                out.append(f'<table {anchor}>{"".join(rows)}</table>')
                continue
            out.append(self._block(n, block, anchor, placed))
            n += 1
        unplaced = [f for f in self.findings if f.number not in placed and not self._in_inline_block(f)]
        if unplaced:
            out.append('<p class="muted">Findings outside the text: '
                       + " ".join(self._badge(f) for f in unplaced) + "</p>")
        return "\n".join(piece for piece in out if piece)

    def _in_inline_block(self, f: _Numbered) -> bool:
        index = self.doc.block_at(f.start)
        return index >= 0 and self.doc.blocks[index].kind not in {"code", "html", "front_matter", "reference_definition"}

    def _block(self, index: int, block, anchor: str, placed: set[int]) -> str:
        doc = self.doc
        raw = doc.text[block.start:block.end]
        if block.kind in {"code", "html", "front_matter", "reference_definition"}:
            badges = [f for f in self.findings if doc.block_at(f.start) == index]
            placed.update(f.number for f in badges)
            lead = "".join(self._badge(f) for f in badges)
            if block.kind == "html" and _COMMENT_ONLY.match(raw):
                return lead and f'<p class="muted" {anchor}>{lead}</p>'
            if block.kind == "reference_definition":
                return f'<p class="refdef" {anchor}>{lead}<code>{_e(raw)}</code></p>'
            label = {"code": "Code", "html": "HTML in the draft (shown as text, not rendered)",
                     "front_matter": "Front matter"}[block.kind]
            return (f'<figure class="src {block.kind}" {anchor}>{lead}<figcaption>{label}</figcaption>'
                    f"<pre>{_e(raw)}</pre></figure>")
        body = self.inline(block.start, block.end)
        if not body.strip():
            return ""
        if block.kind == "heading":
            level = min(max(block.level, 1) + 1, 6)
            return f"<h{level} {anchor}>{body}</h{level}>"
        if block.kind == "list_item":
            return f'<p class="li" {anchor}>{body}</p>'
        if block.kind == "blockquote":
            return f"<blockquote {anchor}><p>{body}</p></blockquote>"
        if block.kind == "image":
            return f'<p class="img" {anchor}><span class="img-label">Image</span> {body}</p>'
        classes = ' class="refs"' if index in doc.reference_blocks else ""
        return f"<p{classes} {anchor}>{body}</p>"

    def _row(self, block, header: bool) -> str:
        text = self.doc.text
        cells = []
        edge = block.start
        for k in range(block.start, block.end + 1):
            if k == block.end or (text[k] == "|" and (k == 0 or text[k - 1] != "\\")):
                if text[edge:k].strip() or (edge != block.start and k != block.end):
                    cells.append((edge, k))
                edge = k + 1
        tag = "th" if header else "td"
        return "<tr>" + "".join(f"<{tag}>{self.inline(a, b)}</{tag}>" for a, b in cells) + "</tr>"

    def card(self, f: _Numbered, rule) -> str:
        d = f.diagnostic
        parts = [
            f'<li class="finding sev-{d.severity.value}" id="f{f.number}" data-f="{f.number}" '
            f'data-rule="{_e(d.rule)}" data-sev="{d.severity.value}">',
            f'<div class="card-head"><a class="badge sev-{d.severity.value}" href="#t{f.number}" '
            f'title="Show in the text">{f.number}</a> <span class="sev-label">{d.severity.value}</span> '
            f'<code class="code">{_e(d.code)}</code> <span class="rule">{_e(d.rule)}</span>'
            f'<a class="loc" href="#t{f.number}">line {d.line}, col {d.column}</a></div>',
            f'<p class="msg">{_e(d.message)}</p>',
        ]
        if d.claim and d.claim.get("sentence"):
            parts.append(f'<p class="ctx">{_e(d.claim["sentence"])}</p>')
        if d.evidence:
            parts.append(
                f'<figure class="evidence"><figcaption>The source says'
                f'{" (" + _e(d.evidence.location) + ")" if d.evidence.location else ""}:</figcaption>'
                f"<blockquote>{_e(d.evidence.quote)}</blockquote>"
                f'<p class="src-name">{_e(d.evidence.source)}</p></figure>')
        for related in d.related:
            same = related.path == d.path
            where = f"line {related.line}" if same else f"{_e(canonical_path(related.path))}:{related.line}"
            link = f'href="#d{self.i}-L{related.line}"' if same else ""
            parts.append(f'<p class="related">↳ <a {link}>{where}</a> {_e(related.message)}</p>')
        if rule is not None:
            parts.append(f'<details class="why"><summary>About {_e(rule.name)}</summary>'
                         f"<pre>{_e(rule.explanation)}</pre></details>")
        parts.append("</li>")
        return "".join(parts)


# -- the page -------------------------------------------------------------------------


_CSS = """
:root{--err:#c5221f;--err-bg:#fde8e7;--warn:#a15c00;--warn-bg:#fff3d6;--info:#1a5fb4;--info-bg:#e3eefc;
--src:#1e7e34;--src-bg:#e3f4e6;--uns:#9a6700;--uns-bg:#fff1c2;--con:#b3261e;--con-bg:#fcdcda;
--nf:#6b3fa0;--nf-bg:#efe5fb;--ink:#1f2328;--muted:#59636e;--line:#d8dee4;--paper:#fff;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header.top{background:var(--paper);border-bottom:1px solid var(--line);padding:.6rem 1.2rem}
header.top h1{font-size:1.15rem;margin:0 0 .3rem}
.totals{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;font-size:.9rem;color:var(--muted)}
.totals b{color:var(--ink)}
.filters{display:flex;flex-wrap:wrap;gap:.3rem .9rem;margin-top:.45rem;font-size:.85rem;align-items:center}
.filters fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .7rem;align-items:center}
.filters legend{float:left;font-weight:600;margin-right:.3rem;color:var(--muted)}
.filters label{white-space:nowrap;cursor:pointer}
.filters .n{color:var(--muted)}
.showing{margin-left:auto;color:var(--muted)}
nav.toc{padding:.6rem 1.2rem;font-size:.9rem}
nav.toc a{margin-right:1rem}
main{padding:0 1.2rem 3rem}
section.draft{margin:1rem 0 2rem;background:var(--paper);border:1px solid var(--line);border-radius:8px}
section.draft>h2{font-size:1rem;margin:0;padding:.6rem 1rem;border-bottom:1px solid var(--line);font-family:ui-monospace,Menlo,Consolas,monospace}
section.draft>h2 .counts{font:400 .85rem system-ui,sans-serif;color:var(--muted);margin-left:.8rem}
.grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(300px,420px)}
.text{padding:.4rem 1.6rem 1.2rem;font:16px/1.65 Charter,"Iowan Old Style",Georgia,serif;max-width:52rem;overflow-wrap:anywhere}
.text h2,.text h3,.text h4,.text h5,.text h6{font-family:system-ui,sans-serif;line-height:1.3;margin:1.2em 0 .4em}
.text h6{font-size:.95rem}
.text p{margin:.5em 0}
.text p.li{margin:.25em 0 .25em 1.2em;position:relative}
.text p.li::before{content:"•";position:absolute;left:-1em;color:var(--muted)}
.text p.refs,.text p.refdef{font-size:.85rem;color:var(--muted);margin:.15em 0}
.text p.img{font-style:italic;color:var(--muted)}
.img-label{font:600 .7rem system-ui,sans-serif;text-transform:uppercase;border:1px solid var(--line);border-radius:3px;padding:0 .3em;font-style:normal}
.text blockquote{border-left:3px solid var(--line);margin:.5em 0;padding-left:1em;color:var(--muted)}
.text table{border-collapse:collapse;margin:.6em 0;font-size:.92rem}
.text td,.text th{border:1px solid var(--line);padding:.2em .5em}
figure.src{margin:.6em 0;border:1px solid var(--line);border-radius:6px;background:var(--bg)}
figure.src figcaption{font:600 .72rem system-ui,sans-serif;color:var(--muted);padding:.2rem .6rem;border-bottom:1px solid var(--line)}
figure.src pre{margin:0;padding:.5rem .6rem;overflow:auto;font-size:.82rem;white-space:pre-wrap}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em;background:var(--bg);padding:0 .2em;border-radius:3px}
code.raw{color:var(--muted);border:1px dashed var(--line)}
.claim{border-radius:3px;padding:0 .1em;border-bottom:2px solid transparent}
.claims-on .st-sourced{background:var(--src-bg);border-bottom-color:var(--src)}
.claims-on .st-unsourced{background:var(--uns-bg);border-bottom-color:var(--uns)}
.claims-on .st-contradicted{background:var(--con-bg);border-bottom-color:var(--con)}
.claims-on .st-not-found{background:var(--nf-bg);border-bottom-color:var(--nf);border-bottom-style:dashed}
body.hide-sourced .st-sourced,body.hide-unsourced .st-unsourced,body.hide-contradicted .st-contradicted,body.hide-not-found .st-not-found{background:none;border-bottom-color:transparent}
mark.hit{background:none;color:inherit;text-decoration:underline wavy;text-decoration-thickness:1px;text-underline-offset:3px}
mark.hit.sev-error{text-decoration-color:var(--err)}mark.hit.sev-warning{text-decoration-color:var(--warn)}mark.hit.sev-info{text-decoration-color:var(--info)}
mark.hit.off{text-decoration:none}
mark.hit.focus{outline:2px solid #0969da;outline-offset:1px;border-radius:2px}
a.cite{color:#0b57d0;text-decoration:none;border-bottom:1px dotted #0b57d0}
span.cite{border-bottom:1px dotted var(--muted)}
.badge{display:inline-block;min-width:1.35em;height:1.35em;padding:0 .3em;margin:0 .15em;border-radius:.7em;font:700 .7rem/1.35em system-ui,sans-serif;text-align:center;vertical-align:.2em;color:#fff;text-decoration:none}
.badge.sev-error{background:var(--err)}.badge.sev-warning{background:var(--warn)}.badge.sev-info{background:var(--info)}
.badge.off{display:none}
aside.findings{border-left:1px solid var(--line);background:#fbfcfd;border-radius:0 8px 8px 0}
aside.findings ol{list-style:none;margin:0;padding:.5rem;position:sticky;top:0;max-height:100vh;overflow:auto}
li.finding{background:var(--paper);border:1px solid var(--line);border-left:4px solid var(--muted);border-radius:6px;padding:.45rem .6rem;margin:0 0 .5rem;font-size:.88rem}
li.finding.sev-error{border-left-color:var(--err)}li.finding.sev-warning{border-left-color:var(--warn)}li.finding.sev-info{border-left-color:var(--info)}
li.finding.focus{box-shadow:0 0 0 2px #0969da}
li.finding[hidden]{display:none}
.card-head{display:flex;flex-wrap:wrap;align-items:center;gap:.3rem}
.sev-label{font:600 .7rem system-ui,sans-serif;text-transform:uppercase;color:var(--muted)}
.rule{font-weight:600}
.loc{margin-left:auto;font-size:.78rem;color:var(--muted)}
.msg{margin:.3rem 0}
.ctx{margin:.2rem 0;color:var(--muted);font-size:.82rem;border-left:2px solid var(--line);padding-left:.5rem}
figure.evidence{margin:.4rem 0 .2rem;background:var(--bg);border-radius:4px;padding:.35rem .5rem}
figure.evidence figcaption{font-size:.75rem;font-weight:600;color:var(--muted)}
figure.evidence blockquote{margin:.2rem 0;font:15px/1.45 Charter,Georgia,serif}
.src-name{margin:0;font-size:.75rem;color:var(--muted)}
.related{margin:.15rem 0;font-size:.8rem;color:var(--muted)}
details.why{font-size:.8rem;margin-top:.2rem}
details.why summary{cursor:pointer;color:var(--muted)}
details.why pre{white-space:pre-wrap;font:12px/1.45 ui-monospace,Menlo,Consolas,monospace;margin:.3rem 0 0}
.muted{color:var(--muted);font-size:.85rem}
.legend .claim{font-size:.85rem}
.empty{color:var(--muted);padding:1rem}
@media (max-width:900px){.grid{grid-template-columns:1fr}aside.findings{border-left:0;border-top:1px solid var(--line)}aside.findings ol{position:static;max-height:none}}
@media print{aside.findings ol{position:static;max-height:none;overflow:visible}}
"""

# Reads filters from the page, applies them, keeps them in location.hash
# (#rule=a,b&sev=warning&claims=unsourced) and links markers to cards. Never parses HTML.
_JS = """
(function(){
'use strict';
var boxes=function(name){return Array.prototype.slice.call(document.querySelectorAll('input[data-filter="'+name+'"]'));};
var all=function(sel){return Array.prototype.slice.call(document.querySelectorAll(sel));};
function checked(name){var on={};boxes(name).forEach(function(b){if(b.checked){on[b.value]=true;}});return on;}
function apply(){
  var rules=checked('rule'),sevs=checked('sev'),claims=checked('claims'),shown={},count=0;
  all('input[data-filter]').forEach(function(b){b.toggleAttribute('checked',b.checked);});
  all('li.finding').forEach(function(li){
    var visible=!!rules[li.getAttribute('data-rule')]&&!!sevs[li.getAttribute('data-sev')];
    li.hidden=!visible;if(visible){shown[li.getAttribute('data-f')]=true;count++;}
  });
  all('.text [data-f]').forEach(function(el){
    var any=el.getAttribute('data-f').split(' ').some(function(n){return shown[n];});
    el.classList.toggle('off',!any);
  });
  ['sourced','unsourced','contradicted','not-found'].forEach(function(s){document.body.classList.toggle('hide-'+s,!claims[s]);});
  all('section.draft').forEach(function(sec){
    var left=sec.querySelectorAll('li.finding:not([hidden])').length,out=sec.querySelector('.shown-n');
    if(out){out.textContent=String(left);}
  });
  var total=document.getElementById('showing-n');if(total){total.textContent=String(count);}
  var parts=[];['rule','sev','claims'].forEach(function(name){
    var list=boxes(name);if(list.every(function(b){return b.checked;})){return;}
    parts.push(name+'='+list.filter(function(b){return b.checked;}).map(function(b){return encodeURIComponent(b.value);}).join(','));
  });
  var hash=parts.length?'#'+parts.join('&'):'';
  if(history.replaceState&&location.hash!==hash&&(hash||/=/.test(location.hash))){history.replaceState(null,'',hash||location.pathname+location.search);}
  document.body.setAttribute('data-ready','1');
}
function fromHash(){
  var h=location.hash.replace(/^#/,'');if(!/=/.test(h)){return;}
  h.split('&').forEach(function(part){
    var kv=part.split('='),name=kv[0];if(['rule','sev','claims'].indexOf(name)<0){return;}
    var want={};(kv[1]||'').split(',').forEach(function(v){want[decodeURIComponent(v)]=true;});
    boxes(name).forEach(function(b){b.checked=!!want[b.value];});
  });
}
function focus(n){
  all('.focus').forEach(function(el){el.classList.remove('focus');});
  all('[data-f]').forEach(function(el){if(el.getAttribute('data-f').split(' ').indexOf(n)>=0&&!el.classList.contains('badge')){el.classList.add('focus');}});
}
document.addEventListener('change',function(ev){if(ev.target.matches('input[data-filter]')){apply();}});
document.addEventListener('click',function(ev){
  var t=ev.target.closest?ev.target.closest('[data-f]'):null;if(!t){return;}
  var n=t.getAttribute('data-f').split(' ')[0];focus(n);
  if(t.tagName==='MARK'){var card=document.getElementById('f'+n);if(card){card.scrollIntoView({block:'nearest',behavior:'smooth'});}}
});
document.addEventListener('click',function(ev){
  var b=ev.target.closest?ev.target.closest('button[data-all]'):null;if(!b){return;}
  var name=b.getAttribute('data-all'),on=b.getAttribute('data-on')==='1';
  boxes(name).forEach(function(x){x.checked=on;});apply();
});
fromHash();apply();
})();
"""


def _checkbox(name: str, value: str, label: str, count: int, extra: str = "") -> str:
    return (f'<label{extra}><input type="checkbox" data-filter="{name}" value="{_e(value)}" checked> '
            f'{label} <span class="n">{count}</span></label>')


def render(report: Report) -> str:
    rules = {rule.name: rule for rule in all_rules()}
    by_path: dict[str, list[Diagnostic]] = {}
    for d in report.diagnostics:
        by_path.setdefault(d.path, []).append(d)
    views: list[_DraftView] = []
    number = 1
    for index, doc in enumerate(report.documents):
        found = by_path.pop(doc.path, [])
        views.append(_DraftView(index, doc, found, number))
        number += len(found)
    orphans = [d for group in by_path.values() for d in group]   # findings without a document

    sev_counts = Counter(d.severity.value for d in report.diagnostics)
    rule_counts = Counter(d.rule for d in report.diagnostics)
    status_counts = Counter(s for view in views for s in view.claim_status)
    total_claims = sum(len(view.doc.claims) for view in views)

    script = _JS.strip()
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
           f"base-uri 'none'; form-action 'none'")

    files = report.files_checked or len(report.documents)
    title = "verifier report" + (f": {canonical_path(report.documents[0].path)}" if len(report.documents) == 1 else "")
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        '<body class="claims-on">',
    ]
    hidden = []
    if report.suppressed:
        hidden.append(f"{report.suppressed} suppressed inline")
    if report.baselined:
        hidden.append(f"{report.baselined} in the baseline")
    totals = [
        f"<span><b>{files}</b> file{'s' if files != 1 else ''}</span>",
        f"<span><b>{len(report.diagnostics)}</b> finding{'s' if len(report.diagnostics) != 1 else ''}: "
        + ", ".join(f"{sev_counts.get(s.value, 0)} {s.value}{'s' if s is not Severity.INFO and sev_counts.get(s.value, 0) != 1 else ''}"
                    for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)) + "</span>",
        f"<span><b>{total_claims}</b> claim{'s' if total_claims != 1 else ''}: "
        + ", ".join(f"{status_counts.get(s, 0)} {STATUS_LABELS[s].lower()}" for s in STATUSES) + "</span>",
    ]
    if hidden:
        totals.append(f"<span>Hidden: {', '.join(hidden)}</span>")
    filters = ['<div class="filters">']
    filters.append('<fieldset><legend>Severity</legend>' + "".join(
        _checkbox("sev", s.value, f'<span class="badge sev-{s.value}">&nbsp;</span>{s.value}', sev_counts.get(s.value, 0))
        for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)) + "</fieldset>")
    if rule_counts:
        filters.append('<fieldset><legend>Rules</legend>' + "".join(
            _checkbox("rule", name, f"<code>{_e(rules[name].code) if name in rules else ''}</code> {_e(name)}", count)
            for name, count in sorted(rule_counts.items(), key=lambda item: (rules[item[0]].code if item[0] in rules else item[0])))
            + '<button type="button" data-all="rule" data-on="1">all</button>'
              '<button type="button" data-all="rule" data-on="0">none</button></fieldset>')
    filters.append('<fieldset class="legend"><legend>Claims</legend>' + "".join(
        _checkbox("claims", s, f'<span class="claim st-{s}">{STATUS_LABELS[s]}</span>', status_counts.get(s, 0))
        for s in STATUSES) + "</fieldset>")
    filters.append(f'<span class="showing">Showing <b id="showing-n">{len(report.diagnostics)}</b> of '
                   f"{len(report.diagnostics)} findings</span></div>")
    out = head + ['<header class="top">', f"<h1>{_e(title)}</h1>",
                  f'<div class="totals">{"".join(totals)}</div>', *filters, "</header>"]
    if len(views) > 1:
        out.append('<nav class="toc">' + "".join(
            f'<a href="#d{v.i}">{_e(canonical_path(v.doc.path))}</a> ({len(v.findings)})' for v in views) + "</nav>")
    out.append("<main>")
    if not views and not orphans:
        out.append('<p class="empty">No drafts were checked.</p>')
    for view in views:
        doc_status = Counter(view.claim_status)
        counts = (f'<span class="counts"><span class="shown-n">{len(view.findings)}</span> finding'
                  f'{"s" if len(view.findings) != 1 else ""} · {len(view.doc.claims)} claims'
                  + "".join(f" · {doc_status[s]} {STATUS_LABELS[s].lower()}" for s in STATUSES if doc_status[s])
                  + "</span>")
        cards = "".join(view.card(f, rules.get(f.diagnostic.rule)) for f in view.findings)
        out.append(
            f'<section class="draft" id="d{view.i}"><h2>{_e(canonical_path(view.doc.path))}{counts}</h2>'
            f'<div class="grid"><article class="text">{view.body()}</article>'
            f'<aside class="findings" aria-label="Findings">'
            + (f"<ol>{cards}</ol>" if cards else '<p class="empty">No findings in this draft.</p>')
            + "</aside></div></section>")
    if orphans:
        out.append('<section class="draft"><h2>Other findings</h2><ul>' + "".join(
            f"<li>{_e(canonical_path(d.path))}:{d.line}:{d.column} {_e(d.code)} [{_e(d.rule)}] {_e(d.message)}</li>"
            for d in orphans) + "</ul></section>")
    out.append("</main>")
    out.append(f'<footer class="muted" style="padding:0 1.2rem 1rem">verifier {__version__}</footer>')
    out.append(f"<script>{script}</script>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"

