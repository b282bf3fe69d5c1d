"""Hygiene: text left over from an assistant or a scrape, and wording that goes stale."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache
from typing import Iterator

from verifier.document import Document
from verifier.model import Block, Finding, Severity
from verifier.registry import RuleContext, rule
from verifier.rules._text import folded

_TEXT_BLOCKS = {"paragraph", "list_item", "blockquote"}
_APOSTROPHE = r"['’]"

# The long patterns run only on text that holds one of their phrases. Each is built by a
# cached function, compiled the first time a draft needs it: a one-draft check (a pre-commit
# hook) does not pay for compiling the ones its draft never reaches.

# --- generation-artifact -------------------------------------------------------------


@cache
def _non_answer_pattern() -> re.Pattern[str]:
    """An assistant talking about itself, its search results or the user's question."""
    return re.compile(
        rf"""
        \bas\ an\ AI(?:\ (?:language\ model|assistant|model|system|chatbot))?,?\ I\b
      | \bas\ an?\ (?:large\ )?language\ model,?\ I\b
      | \bI(?:{_APOSTROPHE}m|\ am)\ (?:just\ |only\ )?an\ AI\b
      | \bI(?:\ cannot|\ can\ ?not|\ can{_APOSTROPHE}t|\ am\ unable\ to|{_APOSTROPHE}m\ unable\ to|\ am\ not\ able\ to)\s+
            (?:provide|browse|verify|retrieve)\b
      | \bI\ (?:do\ not|don{_APOSTROPHE}t)\ have\ (?:real[- ]time|access\ to\ (?:real[- ]time|the\ internet|current|up[- ]to[- ]date)|the\ ability\ to\ (?:browse|access))
      | \bmy\ (?:knowledge\ cut-?off|training\ (?:data|cut-?off))\b
      | \bas\ of\ my\ (?:last|latest)\ (?:update|knowledge|training)\b
      | \bI\ (?:apologi[sz]e|{_APOSTROPHE}m\ sorry|am\ sorry)\b,?\ but\b
      | \b(?:the|these|my)\ (?:provided\ |available\ |given\ )?search\ results\ (?:do|does|did)(?:\ not|n{_APOSTROPHE}t)\b
      | \b(?:based\ on|according\ to)\ the\ (?:provided\ |available\ |given\ )?search\ results\b
      | \bthe\ (?:provided|given)\ (?:sources|context|documents?|texts?|information|excerpts?)\ (?:do|does|did)(?:\ not|n{_APOSTROPHE}t)\b
      | \b(?:answer|respond)\ (?:to\ )?your\ query\b
      | \bto\ your\ query\b
      | \bthere\ (?:is|are|was|were)\ no\ specific\ (?:percentages?|figures?|statistics?|numbers?)\ (?:available|provided|given|reported|mentioned)\b
      | \b(?:Certainly|Sure)!\ Here(?:{_APOSTROPHE}s|\ is|\ are)\b
        """,
        re.I | re.X,
    )


# Every alternative of the non-answer pattern holds one of these, lower-cased: most blocks hold
# none and skip the pattern, which is slow for trying each alternative at every position.
_NON_ANSWER_WORDS = ("an ai", "language model", "i can", "unable to", "not able to", "i do", "my knowledge cut",
                     "my training", "as of my", "apologi", "sorry", "search results", "the provided", "the given",
                     "your query", "no specific", "! here")


@cache
def _furniture_pattern() -> re.Pattern[str]:
    """Page furniture that never belongs in an article body."""
    return re.compile(
        r"""
        \bskip\ to\ (?:the\ )?(?:main\ )?(?:content|navigation|search)\b
      | \bjump\ to\ (?:the\ )?(?:main\ )?(?:content|navigation)\b
      | \bopens?\ in\ (?:a\ )?(?:separate|new)\ (?:window|tab)\b
      | \bwe\ use\ cookies\b
      | \baccept\ (?:all\ )?cookies\b
      | \b(?:subscribe|sign\ up)\ (?:to|for)\ our\ newsletter\b
      | \bwas\ this\ (?:page|article)\ helpful\b
      | \bthis\ article\ has\ been\ cited\ by\ other\ articles\ in\ PMC\b
      | \bback\ to\ top\b
        """,
        re.I | re.X,
    )


_FURNITURE_WORDS = ("skip to", "jump to", "window", "new tab", "separate tab", "cookies", "newsletter", "was this",
                    "cited by other", "back to top")


@cache
def _cased_furniture_pattern() -> re.Pattern[str]:
    """Title-case furniture: the same words in lower case are ordinary prose."""
    return re.compile(
        r"""
        \b(?:Article|PubMed|CrossRef|CAS)\ Google\ Scholar\b
      | \bGoogle\ Scholar\ (?:CrossRef|PubMed)\b
      | \b(?:Download|View)\ (?:PDF|Citation|Full\ Text|Article)\b
      | \b(?:Free\ )?Full\ Text\ (?:PDF|HTML|Links)\b
      | \bShare\ (?:this\ (?:article|page|post)|on\ (?:Facebook|Twitter|X|LinkedIn|WhatsApp))\b
      | \bRelated\ (?:Articles|Posts|Stories)\b
      | \bYou\ (?:May|may|Might|might)\ [Aa]lso\ [Ll]ike\b
      | \bCookie\ (?:Settings|Preferences)\b
      | (?:^|(?<=[.!?]\ ))(?:Advertisement|ADVERTISEMENT)(?=\s*$|\s+[A-Z])
        """,
        re.X | re.M,
    )


_FURNITURE_CASED_WORDS = ("Google Scholar", "Download ", "View ", "Full Text ", "Share ", "Related ", "You ",
                          "Cookie ", "Advertisement", "ADVERTISEMENT")
# "Title | Site Name" or "| Full Text": pipes are table syntax, never prose.
_PAGE_TITLE_PIPE = re.compile(r"(?<=\S)[ \t]+\|[ \t]+(?=\S)")
# An abstract's keyword list at the end of a pasted passage: "Depression; Music therapy; RCT".
_KEYWORD_ITEM = r"[A-Z][\w'-]*(?:[ \t][\w'-]+){0,3}"
_KEYWORD_LIST = re.compile(rf"(?:(?<=[.!?])|^)[ \t]*(?:(?:\.{{3}}|…)[ \t]*)?(?P<list>(?:{_KEYWORD_ITEM};[ \t]){{2,}}{_KEYWORD_ITEM})[ \t]*$")
# "### Related post" flattened into a paragraph: heading marks in mid-line.
_INLINE_HEADING = re.compile(r"(?<=\S)[ \t]+#{2,6}[ \t]+(?=[A-Z0-9])")


@cache
def _breadcrumb_pattern() -> re.Pattern[str]:
    """Breadcrumbs: "Home > Health > Depression", "Blog » Music therapy » Depression"."""
    return re.compile(
        r"\bHome[ \t]*(?:>|»|›|/)[ \t]*[A-Z][\w'-]*(?:[ \t]+[\w'-]+){0,3}[ \t]*(?:>|»|›|/)[ \t]*[A-Z][\w'-]*"
        r"|[A-Z][\w'-]*(?:[ \t]+[\w'-]+){0,3}[ \t]*[»›][ \t]*[A-Z][\w'-]*(?:[ \t]+[\w'-]+){0,3}[ \t]*[»›][ \t]*[A-Z][\w'-]*"
    )


# A flattened footnote number between sentences: "24 times. 1 The authors", "depression.12 The".
_SENTENCE_STARTERS = (
    "The|This|These|Those|That|There|It|Its|In|On|At|For|From|By|With|A|An|We|They|Our|Their|He|She|"
    "However|Although|While|When|Moreover|Furthermore|Additionally|Overall|Also|Such|As|But|And|"
    "Because|Thus|Therefore|Similarly|Finally|Both|Each|Participants|Patients|Researchers|Studies|Results"
)
_STARTER_WORDS = frozenset(_SENTENCE_STARTERS.split("|")) | {"Through", "Exploring", "Harnessing"}


@cache
def _footnote_digit_pattern() -> re.Pattern[str]:
    """The footnote number, between a sentence's closing mark and the next sentence's first word."""
    return re.compile(
        rf"(?<=[a-z)\]][.!?])(?:[ \t]+(?P<spaced>\d{{1,3}})|(?P<attached>\d{{1,3}}))[ \t]+(?=(?:{_SENTENCE_STARTERS})\b)"
    )


# What every footnote digit sits in: a closing mark, digits, a capital. re finds it by a fast scan
# for the mark (the look-behind that starts the footnote-digit pattern rules that scan out), so
# most blocks skip the slow pattern.
_FOOTNOTE_CANDIDATE = re.compile(r"[.!?][ \t]*\d{1,3}[ \t]+[A-Z]")
# "Fig.1 The..." is a label, not a footnote.
_ABBREVIATION_BEFORE = re.compile(r"\b(?:fig|figs|no|vol|ref|refs|eq|sect|ch|pt|pp|p|ver|art|tab|table|step|phase)\.$", re.I)

# "quality of life. ... Individual music therapy": search-result snippets joined up.
_SNIPPET_JOIN = re.compile(r"(?:(?<=[.!?])|^)[ \t]*(?:\.{3}|…)[ \t]+(?=\w)")
_QUOTES = re.compile(r"[\"“”]")

# A paragraph ends on one of these when its last sentence is complete.
_TERMINAL = set(".!?:;…\"'”’)]}*_`>")
# "Funding: ...", "Keywords: ...", "Trial registration: NCT0433": labelled lines need no full stop.
_LABEL_LINE = re.compile(r"[A-Z][A-Za-z]*(?:[ \t][A-Za-z]+){0,3}:[ \t]")
_OPEN_ISSUE = re.compile(r"\d+\(\d*$")
_LIST_LIKE = {"list_item", "table", "code", "image"}


def _excerpt(text: str, limit: int = 80) -> str:
    """A quotation cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


@dataclass(frozen=True)
class _Hit:
    kind: str
    start: int
    end: int


@rule(
    code="VS601",
    name="generation-artifact",
    severity=Severity.WARNING,
    summary="Text left over from an AI assistant or a web page: non-answers, page furniture, broken sentences.",
    what="""
Finds text that a writer would never have typed: an assistant's refusals and non-answers
("I cannot provide", "The search results do not provide", "As an AI", "to your query"),
page furniture pasted with a passage (a page title with its site name, "| Full Text",
"Skip to main content", breadcrumbs, "Article Google Scholar", a "### heading" run into a
paragraph, an abstract's keyword list), search-result snippets joined with "...", a
footnote number left between two sentences ("24 times. 1 The authors"), and a paragraph
that breaks off mid-sentence. It reports one finding per kind of leftover in each
paragraph, quoting it. A paragraph counts as broken off when it has more than one
sentence and ends without closing punctuation or a citation, unless it introduces the list
or table that follows or its last line is a label ("Funding: ..."); a reference cut inside
its issue number ("199(2") is left to truncated-citation. Quoted speech is not read as
an assistant's voice.""",
    why="""
Leftovers show that a draft was assembled rather than written, and readers stop trusting
it. A non-answer also hides a gap: the question it was meant to answer is still open. A
cut-off sentence may have lost the very qualifier that made a claim true.""",
    bad="""The search results do not provide a specific percentage of patients who improved. Therefore, I cannot provide a precise answer to your query.""",
    good="""No trial reported the share of patients who improved; the review gives only mean scores (Aalbers et al., 2017).""",
)
def generation_artifact(doc: Document, context: RuleContext) -> Iterator[Finding]:
    for index, block in enumerate(doc.blocks):
        if block.kind not in _TEXT_BLOCKS or index in doc.reference_blocks:
            continue
        text = doc.prose[block.start:block.end]
        visible = doc.visible[block.start:block.end]
        lowered = _folded_prose(doc)[block.start:block.end]
        hits: dict[str, list[_Hit]] = {}
        for kind, found in (
            ("non-answer", _non_answers(doc, block, text, lowered)),
            ("furniture", _furniture(text, visible, lowered)),
            ("snippets", _snippet_joins(doc, block, text)),
            ("footnote", _footnote_digits(text, visible)),
        ):
            for start, end in found:
                hits.setdefault(kind, []).append(_Hit(kind, block.start + start, block.start + end))
        cut = _cut_off(doc, index, block)
        # A pasted page often ends on a title or a keyword list: that is its furniture, not a cut.
        if cut and not any(cut[0] <= h.start < cut[1] for h in hits.get("furniture", ())):
            hits["cut-off"] = [_Hit("cut-off", *cut)]
        for kind, items in hits.items():
            yield _artifact_finding(doc, kind, items)


def _artifact_finding(doc: Document, kind: str, hits: list[_Hit]) -> Finding:
    start, end = hits[0].start, max(h.end for h in hits)
    if kind == "non-answer":
        sentence = doc.sentence_text(doc.sentence_of(start)) if doc.sentence_of(start) >= 0 else doc.prose[start:end]
        said = _excerpt(sentence, 90)
        message = f'An assistant\'s non-answer was left in the text: "{said}"'
    elif kind == "furniture":
        pieces = []
        for hit in hits:
            piece = " ".join(doc.prose[hit.start:hit.end].split())
            if piece not in pieces:
                pieces.append(piece)
        shown = ", ".join(f'"{_excerpt(p, 50)}"' for p in pieces[:3])
        message = f"Web page furniture was pasted with the text: {shown}"
    elif kind == "snippets":
        message = 'Search-result snippets are joined with "..." here; rewrite the passage from its source'
    elif kind == "footnote":
        before = doc.prose[max(0, hits[0].start - 200):hits[0].start].split()[-3:]
        after = doc.prose[hits[0].end:].split()[:2]
        around = " ".join(before + [doc.prose[hits[0].start:hits[0].end]] + after)
        message = f'A stray footnote number sits between two sentences: "…{around}…"'
    else:
        words = doc.prose[start:end].split()
        tail = " ".join(words[-8:])
        message = f'The paragraph stops without closing punctuation, as if cut off: "{"…" if len(words) > 8 else ""}{tail}"'
    anchor = " ".join(doc.prose[start:end].split())
    return Finding(rule="generation-artifact", start=start, end=end, message=message, anchor=f"{kind}: {anchor}")


def _folded_prose(doc: Document) -> str:
    """The prose lower-cased once for both rules' cheap tests (offsets are the prose's)."""
    return doc.memo("hygiene.folded-prose", lambda d: folded(d.prose))


def _holds_any(text: str, phrases: tuple[str, ...]) -> bool:
    return any(phrase in text for phrase in phrases)


def _non_answers(doc: Document, block: Block, text: str, lowered: str) -> list[tuple[int, int]]:
    """Whole sentences that hold a non-answer, so the finding quotes what to delete."""
    spans = []
    if not _holds_any(lowered, _NON_ANSWER_WORDS):
        return spans
    for match in _non_answer_pattern().finditer(text):
        if _quoted(text, match.start()):
            continue  # someone quoted in the article ("'I cannot provide that,' she said")
        sentence = doc.sentence_of(block.start + match.start())
        if sentence >= 0:
            s = doc.sentences[sentence]
            spans.append((max(s.start, block.start) - block.start, min(s.end, block.end) - block.start))
        else:
            spans.append((match.start(), match.end()))
    return spans


def _quoted(text: str, pos: int) -> bool:
    """Whether ``pos`` sits inside a quotation that opened earlier in the block."""
    before = text[:pos]
    if before.count("“") > before.count("”"):
        return True
    return before.count('"') % 2 == 1


def _furniture(text: str, visible: str, lowered: str) -> list[tuple[int, int]]:
    # Each pattern runs only where the text holds what every match of it holds.
    spans = []
    if _holds_any(lowered, _FURNITURE_WORDS):
        spans += [m.span() for m in _furniture_pattern().finditer(text)]
    if _holds_any(text, _FURNITURE_CASED_WORDS):
        spans += [m.span() for m in _cased_furniture_pattern().finditer(text)]
    if "Home" in text or "»" in text or "›" in text:
        spans += [m.span() for m in _breadcrumb_pattern().finditer(text)]
    if ";" in text:
        spans += _keyword_lists(text)
    if "|" in text:
        spans += _page_title_pipes(text, visible)
    if "##" in text:
        for match in _INLINE_HEADING.finditer(text):
            words = re.match(r"[ \t]*#{2,6}[ \t]+((?:\S+[ \t]?){1,6})", text[match.start():])
            spans.append((match.start() + 1, match.start() + (words.end(1) if words else len(match.group()))))
    return sorted((s, e) for s, e in spans if e > s)


def _keyword_lists(text: str) -> list[tuple[int, int]]:
    """A keyword list ending the block. Its last item, after the block's last semicolon, has
    at most four words: the pattern, tried at every position, runs only on blocks that end so."""
    text = text.rstrip()
    if len(text[text.rfind(";") + 1:].split()) > 4:
        return []
    return [m.span("list") for m in _KEYWORD_LIST.finditer(text)]


def _page_title_pipes(text: str, visible: str) -> list[tuple[int, int]]:
    spans = []
    for match in _PAGE_TITLE_PIPE.finditer(text):
        line_start = visible.rfind("\n", 0, match.start()) + 1
        line_end = visible.find("\n", match.end())
        line = visible[line_start:line_end if line_end >= 0 else len(visible)].strip()
        if line.startswith("|") or line.endswith("|"):
            continue  # a table Markdown did not recognise, not a page title
        pipe = match.start() + match.group().index("|")
        spans.append((pipe, pipe + 1 + _site_name_length(text, pipe + 1)))
    return spans


def _site_name_length(text: str, pos: int) -> int:
    """Length of " Samba Recovery" after a pipe: up to two capitalised words."""
    end = pos
    for count, word in enumerate(re.finditer(r"[ \t]*(\S+)", text[pos:])):
        if count == 2 or not word.group(1)[0].isupper() or word.group(1) in _STARTER_WORDS:
            break
        end = pos + word.end()
    return end - pos


def _snippet_joins(doc: Document, block: Block, text: str) -> list[tuple[int, int]]:
    spans = []
    if "..." not in text and "…" not in text:
        return spans
    for match in _SNIPPET_JOIN.finditer(text):
        sentence = doc.sentence_of(block.start + match.end())
        if sentence >= 0 and _QUOTES.search(doc.sentence_text(sentence)):
            continue  # an elision inside a quotation
        dots = re.search(r"\.{3}|…", match.group())
        spans.append((match.start() + dots.start(), match.start() + dots.end()))
    return spans


def _footnote_digits(text: str, visible: str) -> list[tuple[int, int]]:
    spans = []
    if not _FOOTNOTE_CANDIDATE.search(text):
        return spans
    for match in _footnote_digit_pattern().finditer(text):
        if match.group("attached") and _ABBREVIATION_BEFORE.search(text[max(0, match.start() - 8):match.start()]):
            continue
        group = "spaced" if match.group("spaced") else "attached"
        start, end = match.span(group)
        if visible[start - 1] == ">" or visible[end:end + 1] == "<":
            continue  # a marker written as <sup>1</sup>
        spans.append((start, end))
    return spans


def _cut_off(doc: Document, index: int, block: Block) -> tuple[int, int] | None:
    """The last sentence of a paragraph that stops without closing punctuation."""
    if block.kind not in {"paragraph", "blockquote"}:
        return None
    visible = doc.visible[block.start:block.end].rstrip()
    if not visible or visible[-1] in _TERMINAL:
        return None
    end = block.start + len(visible)
    citation_spans = _citation_spans(doc)
    last_before = bisect.bisect_left(citation_spans, (end, -1)) - 1
    if last_before >= 0 and citation_spans[last_before][1] >= end:
        return None  # ends on a bare URL or identifier
    if _OPEN_ISSUE.search(visible):
        return None  # "Br J Psychiatry, 199(2": a cut reference, truncated-citation's finding
    following = doc.blocks[index + 1] if index + 1 < len(doc.blocks) else None
    if following is not None and following.kind in _LIST_LIKE:
        return None  # introduces the list or table that follows
    sentences = _sentences_by_block(doc).get(index, [])
    if len(sentences) < 2:
        return None
    last = sentences[-1]
    ending = doc.sentence_text(last)
    if len(ending.split()) < 3 or _LABEL_LINE.match(ending.strip()):
        return None
    return doc.sentences[last].start, end


def _citation_spans(doc: Document) -> list[tuple[int, int]]:
    """Where the citations sit, in order: worked out only once a paragraph may be cut off."""
    return doc.memo("hygiene.citation-spans", lambda d: sorted((c.start, c.end) for c in d.citations))


def _sentences_by_block(doc: Document) -> dict[int, list[int]]:
    """Each block's sentence numbers: worked out only once a paragraph may be cut off."""
    return doc.memo("hygiene.sentences-by-block", _number_sentences_by_block)


def _number_sentences_by_block(doc: Document) -> dict[int, list[int]]:
    numbers: dict[int, list[int]] = {}
    for number, sentence in enumerate(doc.sentences):
        numbers.setdefault(sentence.block, []).append(number)
    return numbers


# --- stale-timeframe -------------------------------------------------------------------

_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?")
_DATE = (rf"(?:(?:early|mid|late|the\ end\ of|the\ start\ of)[\s-]+)?"
         rf"(?:(?:\d{{1,2}}(?:st|nd|rd|th)?\ (?:of\ )?)?{_MONTH}(?:\ \d{{1,2}}(?:st|nd|rd|th)?)?,?\ )?"
         rf"(?:19|20)\d{{2}}\b")


@cache
def _as_of_date_pattern() -> re.Pattern[str]:
    """The date a statement is tied to: "as of March 18, 2025"."""
    return re.compile(rf"\b(?:as\ of|as\ at)\ (?P<date>{_DATE})", re.I | re.X)


_YEAR = re.compile(r"(?<![\d.,])(?:19[5-9]\d|20\d{2})(?!\d|[.,]\d)")

_RESEARCH_NOUNS = (r"(?:stud(?:y|ies)|research|trials?|reviews?|meta-analys[ie]s|evidence|data|findings|"
                   r"surveys?|reports?|guidelines?|guidance|papers?|publications?|estimates?|figures|"
                   r"statistics|analys[ie]s|work|advances|developments|systematic\ reviews?|"
                   r"randomi[sz]ed\ (?:controlled\ )?trials?|RCTs?|evaluations?|investigations?|literature)")


@cache
def _relative_pattern() -> re.Pattern[str]:
    """Wording whose truth depends on when it was written."""
    return re.compile(
        rf"""
        \b(?:as\ of|as\ at)\ (?:today|now|yet|this\ (?:writing|year|month)|(?:the\ )?time\ of\ writing)\b
      | \bat\ (?:the\ time\ of\ (?:writing|publication|this\ writing)|present)\b
      | \bpresently\b
      | \bnowadays\b
      | (?<!up\ )\bto\ date\b
      | \bthus\ far\b
      | \b(?:up\ )?until\ now\b
      | (?:^|(?<=[.!?]\ ))Today,
      | \b(?:this|earlier\ this|later\ this|so\ far\ this)\ (?:year|month|week|decade)\b
      | (?<!the\ )(?<!its\ )(?<!their\ )(?<!a\ )\b(?:[Ll]ast|[Nn]ext)\ (?:year|month|week)\b(?!\s+of\b)(?!-)
      | \bin\ recent\ (?:years|months|decades|times)\b
      | \b(?:(?:the\ )?most\ |more\ )?recent\ (?:(?:large|small|national|international|clinical|published|systematic|high-quality|longitudinal)\ )?{_RESEARCH_NOUNS}\b
      | \b(?:has|have)\ (?:(?:only|just|been)\ ){{0,2}}recently\b
      | \brecently\ (?:published|approved|licensed|found|shown|showed|reported|demonstrated|updated|released|
                     introduced|launched|discovered|suggested|concluded|revealed|issued|recommended)\b
      | \b(?:the\ )?latest\ {_RESEARCH_NOUNS}\b
      | \b(?:a\ |the\ )?new\ (?:study|studies|research|trial|review|report|survey|analysis|data|evidence|findings)
            \ (?:\w+\ )?(?:shows?|suggests?|finds?|found|indicates?|reveals?|reports?|confirms?)\b
      | \bcurrently\b
        """,
        re.I | re.X,
    )


# "currently" that describes a study's participants, or a past state, is not stale.
_CURRENT_STATUS_BEFORE = re.compile(r"\b(?:who|whom|those)\b[^.;,]{0,24}$|\b(?:were|was|had)\s+(?:\w+\s+)?$", re.I)
_CURRENT_STATUS_AFTER = re.compile(r"^\s+(?!being\b)\w+ing\b", re.I)
# Every wording the relative or the "as of" pattern finds holds one of these, lower-cased, or a
# member of a family below: sentences holding none skip both patterns.
_RELATIVE_WORDS = ("as of ", "as at ", "at present", "presently", "nowadays", "to date", "thus far", "until now",
                   "today,", "this year", "this month", "this week", "this decade", "recent", "latest ", "currently")
# Families under the words their members share: a document without "new " is not searched for
# each of "new study", "new trial" and the rest.
_RELATIVE_FAMILIES = {
    "at the time of ": ("at the time of writing", "at the time of publication", "at the time of this writing"),
    "last ": ("last year", "last month", "last week"),
    "next ": ("next year", "next month", "next week"),
    "new ": ("new stud", "new research", "new trial", "new review", "new report", "new survey", "new analysis",
             "new data", "new evidence", "new findings"),
}
_STALE_BLOCKS = {"paragraph", "list_item", "blockquote", "table"}


@rule(
    code="VS602",
    name="stale-timeframe",
    severity=Severity.INFO,
    summary="Time-relative wording (\"as of 2025\", \"recent studies\", \"currently\") that goes stale.",
    what="""
Finds wording whose truth depends on when it was written: "As of March 18, 2025",
"recent studies", "in recent years", "the latest guidelines", "this year", "last year",
"currently", "to date", "at present", "a new study shows". The message names the date the
wording depends on: the date written after "as of", or otherwise the (invisible) date the
draft was written. Wording anchored by a year in the same sentence ("the most recent
guideline (NICE, 2022)") is not reported, nor "currently" describing participants
("patients currently taking antidepressants") or a past state, nor "the last year of",
"in the past year" (a measurement window) or "up to date". One finding per sentence.
Reported at info: the wording is true when written and only needs a date or a check
before publishing, so a careful article's one "to date" should not raise a warning.""",
    why="""
Health articles stay online for years. "Recent studies" from a 2025 draft are old by
2028, "currently approved" may no longer be, and "as of March 2025" invites readers to
take an old figure as today's. Naming the year or the study lets readers judge for
themselves.""",
    bad="As of March 18, 2025, recent studies indicate that music therapy improves mood in children with depression.",
    good="A 2023 randomised trial found that music therapy improved mood in children with depression (Zhang et al., 2023).",
)
def stale_timeframe(doc: Document, context: RuleContext) -> Iterator[Finding]:
    lowered = _folded_prose(doc)
    # Sentences need testing only for the wordings their document holds: most hold none.
    wordings = _relative_wordings(lowered)
    if not wordings:
        return
    for sentence in doc.sentences:
        block = doc.blocks[sentence.block]
        if block.kind not in _STALE_BLOCKS or sentence.block in doc.reference_blocks:
            continue
        if not _holds_any(lowered[sentence.start:sentence.end], wordings):
            continue
        text = doc.prose[sentence.start:sentence.end]
        dated = list(_as_of_date_pattern().finditer(text))
        # A year besides the "as of" date (a study's, a citation's) anchors the sentence; an
        # "as of" date alone is the writer's "now".
        if _YEAR.search(_without(text, [m.span() for m in dated])):
            continue
        phrases = [m.span() for m in dated]
        for match in _relative_pattern().finditer(text):
            if any(s <= match.start() < e for s, e in phrases):
                continue
            if re.search(r"(?:current|recent)ly", match.group(), re.I) and _status_sense(text, match):
                continue
            phrases.append(match.span())
        if not phrases:
            continue
        phrases.sort()
        shown = [" ".join(text[s:e].split()) for s, e in phrases]
        quoted = ", ".join(f'"{p}"' for p in shown[:3])
        if dated:
            date = " ".join(dated[0].group("date").split())
            message = (f"{quoted} ties the statement to {date}; readers will take it as current long after, "
                       f"so recheck it before publishing or name the dated source instead")
        else:
            message = (f"{quoted} depends on when the draft was written, which readers cannot see; "
                       f"name the year or the study instead")
        yield Finding(
            rule="stale-timeframe",
            start=sentence.start + phrases[0][0],
            end=sentence.start + phrases[-1][1],
            message=message,
            anchor=" | ".join(shown),
        )


def _relative_wordings(lowered: str) -> tuple[str, ...]:
    """The time-relative wordings a lower-cased document holds."""
    found = [words for words in _RELATIVE_WORDS if words in lowered]
    for shared, family in _RELATIVE_FAMILIES.items():
        if shared in lowered:
            found += [words for words in family if words in lowered]
    return tuple(found)


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _status_sense(text: str, match: re.Match) -> bool:
    """ "who are currently depressed", "were currently smoking", "currently taking SSRIs". """
    return bool(_CURRENT_STATUS_BEFORE.search(text[:match.start()]) or _CURRENT_STATUS_AFTER.match(text[match.end():]))
