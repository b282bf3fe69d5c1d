"""Consistency: figures that disagree with each other, are reused, or are said not to exist.

All three rules compare passages of one draft with each other, so they share one analysis
of the document (:class:`_Analysis`): sentences without their citations, the sources each
sentence cites, word stems and their rarity, the *statements* that carry figures (the
clause around one or more figures of one kind) and the sentences that say a figure or an
effect is not available. Comparisons are bucketed (by stem, by value) so a long draft is
not compared pair by pair. conflicting-statistics also compares the drafts of a run with
each other (:class:`_Library`), blocked by a key that two mentions of one measure always
share, so a library is not compared pair by pair either.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple

from rapidfuzz.fuzz import ratio, token_set_ratio

from verifier.document import Document
from verifier.model import Claim, Finding, Related, Severity, pickled_by_fields
from verifier.registry import RuleContext, rule
from verifier.rules._text import quote
from verifier.sources.cited import citation_group_targets

# --------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------

# A word is a run of letters: hyphens, apostrophes and digits split it ("long-term": long,
# term). The word lists below hold such words only.
_WORD = re.compile(r"[^\W\d_]+")
_ASCII_WORD = re.compile(r"[a-z]+")   # the same in lower-case ASCII, a cheaper character test
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

_STOP = frozenset("""
a an the of in on at to for with by from and or as that this these those who whom whose which
what when where while than then there their theirs they them it its is are was were be been being
has have had having do does did doing can could may might will would should shall must also both
either each such very more most less least much many some any all other others into onto upon
via per among amongst between about around approximately nearly almost roughly approx up down
out off so such just also s he she his her him we our us you your i me my one although though
whereas however over under due because since
""".split())

# Words that say how a figure was found or hedged, not what it measures.
_FILLER = frozenset(_s for _s in """
study studies trial trials research researchers researcher evidence data analysis analyses result
results finding findings show shows showed shown found find report reports reported reporting
indicate indicates indicated indicating suggest suggests suggested demonstrate demonstrates
demonstrated reveal revealed note noted observe observed according estimated estimate overall recent
recently notably notable significant significantly statistically average mean median percent
percentage percentages proportion individuals individual people persons person participants
participant patients patient subjects subject respondents respondent saw see seen experienced
receive received receiving participating participate participated undergoing underwent those
approximately about around nearly almost roughly likely typically generally often usually
live lives living affect affects affected suffer suffers suffering occur occurs occurred achieve
achieved reach reached highly markedly substantially considerably greatly
""".split())

# Population and subgroup qualifiers: two figures for different groups are different measures.
_POPULATION = frozenset("""
child children kid kids adolescent adolescents teen teens teenager teenagers youth youths young
younger adult adults older old elderly senior seniors aged woman women man men girl girls boy boys
mother mothers father fathers pregnant postpartum infant infants baby babies newborn newborns
student students veteran veterans worker workers nurse nurses caregiver caregivers male female
males females mild moderate severe major chronic acute resistant recurrent inpatient
inpatients outpatient outpatients community hospitalised hospitalized
""".split())
_GENERIC_PEOPLE = frozenset("individual individuals people persons person participants participant "
                            "patients patient subjects respondents adults adult".split())

# Comparison arms and negation: "45% with music therapy" is not "45% without it".
_ARM = frozenset("""
not no without never nor control controls placebo usual standard waitlist alone only
sham untreated
""".split())

# Words of health outcomes: what a figure measures, used to tell two measures apart.
_OUTCOME_WORDS = """
mood depression depressive anxiety anxious stress sleep insomnia pain fatigue social emotional emotion
emotions regulation resilience wellbeing quality esteem cognition cognitive
memory attention craving cravings relapse mortality death deaths survival remission response recovery
adherence weight bmi pressure heart cortisol serotonin dopamine symptoms symptom functioning function
behaviour behavior behavioural behavioral agitation loneliness isolation suicide suicidal
hospitalisation hospitalization readmission employment employability coping engagement satisfaction
connectivity connection connections communication confidence motivation relaxation apathy
psychological physical mental glucose cholesterol hba blood expression
withdrawal abstinence dependence smoking drinking alcohol exercise activity speech language
""".split()

_TIME_WORDS = re.compile(
    r"\b(?:(?P<long>long|longer)[- ]term|(?P<short>short)[- ]term|(?P<medium>medium|mid)[- ]term|"
    r"(?P<sustained>sustained|lasting|long-lasting|durable|maintained)|(?P<baseline>baseline)|"
    r"(?P<follow>follow[- ]?up)|(?P<post>post[- ]?(?:therapy|treatment|intervention|test))|"
    r"(?P<immediate>immediately|immediate))\b",
    re.I,
)
# Every time word holds one of these (see _may_match): most passages name no time.
_TIME_WORD_PARTS = re.compile(r"term|sustained|lasting|durable|maintained|baseline|follow|post|immediate")
_TIME_CLASS = {"long": "long", "sustained": "long", "short": "short", "immediate": "short",
               "medium": "medium", "baseline": "baseline", "follow": "follow-up", "post": "post"}
_TIME_STEMS = frozenset({"long", "longer", "term", "short", "medium", "mid", "sustai", "lastin",
                         "durabl", "mainta", "follow", "immedi"})

_IRREGULAR = {"children": "child", "women": "woman", "men": "man", "people": "person", "analyses": "analysis",
              "data": "data", "feet": "foot", "mice": "mouse", "teeth": "tooth", "better": "good", "best": "good",
              "fell": "fall", "rose": "rise", "risen": "rise", "lower": "low", "lowest": "low",
              "higher": "high", "highest": "high", "greater": "great"}
_SUFFIXES = ("ational", "ations", "ation", "ments", "ment", "ities", "ity", "ness", "ings", "ing",
             "ically", "ies", "ied", "ed", "es", "ly", "s")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A crude stem: the first six letters once a common suffix is gone (improved ~ improvement)."""
    word = word.lower()
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.startswith("wellbe"):
        return "wellbe"
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 3 and word.endswith(suffix):
            if suffix in {"ies", "ied"}:
                word = word[: -len(suffix)] + "y"
            elif suffix == "s" and word.endswith("ss"):
                continue
            else:
                word = word[: -len(suffix)]
            break
    return word[:6]


_FILLER_STEMS = frozenset(_stem(w) for w in _FILLER)
_STOP_STEMS = frozenset(_stem(w) for w in _STOP)
_POPULATION_STEMS = frozenset(_stem(w) for w in _POPULATION) - frozenset(_stem(w) for w in _GENERIC_PEOPLE)
_OUTCOME_STEMS = frozenset(_stem(w) for w in _OUTCOME_WORDS)


# Compounds that are one word however they are written ("well-being", "well being": wellbeing).
_COMPOUNDS = re.compile(r"\b(?:(?P<wellbeing>well[- ]being)|(?P<waitlist>wait[- ]list))\b", re.I)


def _joined(compound: re.Match) -> str:
    return compound.lastgroup


def _words(text: str) -> list[str]:
    """Lower-case words; hyphenated compounds count as their parts ("long-term": long, term),
    but for ``_COMPOUNDS``."""
    if not text.isascii():   # lowering first could split words ("İ" lowers to i and a combining dot)
        return [word.lower() for word in _WORD.findall(_COMPOUNDS.sub(_joined, text))]
    text = text.lower()
    if "well" in text or "wait" in text:   # a cheap test spares most passages the search for compounds
        text = _COMPOUNDS.sub(_joined, text)
    return _ASCII_WORD.findall(text)


def _stems(text: str) -> list[str]:
    """Stems of the words that carry meaning, in order (stop words left out)."""
    return [stem for stem in map(_meaningful_stem, _words(text)) if stem]


@lru_cache(maxsize=65536)
def _meaningful_stem(word: str) -> str:
    """A word's stem, or "" for a stop word or a word whose stem is one."""
    if word in _STOP:
        return ""
    stem = _stem(word)
    return "" if stem in _STOP_STEMS else stem


# Outside ASCII, only these letters match an ASCII letter regardless of case but lower to
# something else: ı and ſ (i and s under case folding) and İ (i and a combining dot).
_ASCII_LETTER_TWINS = re.compile("[\u0131\u017f\u0130]")


def _may_match(parts: re.Pattern, text: str) -> bool:
    """Whether a passage may match a case-insensitive pattern each of whose matches holds one of
    ``parts`` (lower-case words). They are searched for in the passage lowered, without case
    folding or word boundaries, which is several times cheaper than the pattern itself."""
    if not text.isascii() and _ASCII_LETTER_TWINS.search(text):
        return True   # a twin in the passage may be a letter of a part
    return parts.search(text.lower()) is not None


def _time_spec(text: str, durations: Iterable[Claim]) -> frozenset[str]:
    """The time points a passage names: classes of words and the durations, in weeks."""
    spec = set()
    if _may_match(_TIME_WORD_PARTS, text):
        # Each alternative of the pattern is one named group: the last group is the one that matched.
        spec.update(_TIME_CLASS[match.lastgroup] for match in _TIME_WORDS.finditer(text))
    for claim in durations:
        weeks = _weeks(claim)
        if weeks is not None:
            spec.add(f"{claim.operator}{weeks:g}w")
    return frozenset(spec)


_WEEKS = {"day": 1 / 7, "days": 1 / 7, "week": 1, "weeks": 1, "month": 4.345, "months": 4.345,
          "year": 52.18, "years": 52.18}


def _weeks(claim: Claim) -> float | None:
    unit = (claim.unit or "").lower()
    if unit not in _WEEKS:
        return None   # "per week", "minutes": a frequency or a session length, not a time point
    value = claim.value if claim.value is not None else claim.high
    return None if value is None else round(value * _WEEKS[unit], 1)


def _time_class(spec: frozenset[str]) -> set[str]:
    """Coarse time classes, so "long-term" and "after one year" can be compared."""
    classes = set()
    for item in spec:
        if item in {"long", "short", "medium"}:
            classes.add(item)
        elif item.endswith("w") and item[0] in "=~<>":
            weeks = float(item.lstrip("=~<>").rstrip("w"))
            classes.add("long" if weeks >= 26 or item.startswith(">") and weeks >= 12
                        else "short" if weeks <= 12 else "medium")
    return classes


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------

def _interval(claim: Claim) -> tuple[float, float] | None:
    """The values a claim allows, widened by its rounding and hedge."""
    if claim.low is not None and claim.high is not None and claim.kind != "ci":
        low, high = claim.low, claim.high
    elif claim.value is not None:
        low = high = claim.value
    else:
        return None
    slack = 0.5 * 10 ** -claim.decimals
    if claim.operator == "~":
        slack = max(slack, 0.1 * abs(high))
    low, high = low - slack, high + slack
    if claim.operator in {"<", "<="}:
        low = -math.inf
    elif claim.operator in {">", ">="}:
        high = math.inf
    return low, high


def _agree(a: Claim, b: Claim) -> bool:
    first, second = _interval(a), _interval(b)
    if first is None or second is None:
        return True
    return first[0] <= second[1] and second[0] <= first[1]


def _unusual(claim: Claim) -> bool:
    """A value unlikely to recur by chance: 53.83 or 36.4, not 50, 10 or 12.5."""
    if claim.value is None or claim.low is not None:
        return False
    if claim.decimals >= 2:
        return True
    return claim.decimals == 1 and not claim.raw.rstrip().endswith(("0", "5"))


def _figure(claim: Claim) -> str:
    return " ".join(claim.text.split())


# --------------------------------------------------------------------------------------
# Document analysis shared by the three rules
# --------------------------------------------------------------------------------------

_PROSE_BLOCKS = {"paragraph", "list_item", "blockquote", "table"}
# Where a sentence splits into clauses that each make their own statement.
_CLAUSE_BREAK = re.compile(
    r";|:\s|\s[–—]\s|,\s+(?=(?:but|while|whereas|although|though|however|which|whereby|yet|so)\b)|"
    r"\)\s*,?\s+(?=(?:and|while|but|whereas)\s)|,\s+(?=(?:the|this|these|it|they|its|their)\s)",
    re.I,
)
_AND_BREAK = re.compile(r",\s+and\s+", re.I)
_COMPARED_KINDS = {"percent", "p_value", "sample_size", "mean", "ratio", "ci", "count"}
_DERIVED = {"duration", "p_value", "ci"}


@pickled_by_fields
@dataclass
class _Statement:
    """One or more figures of one kind in one clause: "45% ... compared to 22% ..."."""

    index: int
    sentence: int
    start: int
    end: int
    line: int                    # of its first figure
    kind: str
    claims: list[Claim]
    masked: str                  # the clause, numbers masked, lower case
    stems: frozenset[str]        # what it is about, without filler and time words
    population: frozenset[str]
    arms: frozenset[str]
    time: frozenset[str]
    numbers: tuple[str, ...]     # every other number of the clause (years, durations, sizes)
    sources: frozenset[str]

    @cached_property
    def library_key(self) -> tuple | None:
        """``_Library.key``, kept: the check of a draft and the library both ask for it."""
        return _Library.key(self)


@dataclass
class _Analysis:
    doc: Document
    texts: list[str] = field(default_factory=list)           # sentences without citations
    sources: list[frozenset[str]] = field(default_factory=list)
    stems: list[frozenset[str]] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)   # prose sentences by stem
    prose_sentences: int = 1
    statements: list[_Statement] = field(default_factory=list)
    sentence_claims: dict[int, list[Claim]] = field(default_factory=dict)
    prose: list[bool] = field(default_factory=list)
    block_sentences: dict[int, list[int]] = field(default_factory=dict)
    # Per-sentence features the availability rule asks for again and again.
    _assertions: dict[int, tuple[str, frozenset[str]]] = field(default_factory=dict)
    _groups: dict[int, tuple[frozenset[str], set[str]]] = field(default_factory=dict)
    _kept: dict[int, tuple[list[int], list[int]]] = field(default_factory=dict)
    _block_stems: dict[int, frozenset[str]] = field(default_factory=dict)
    _block_sources: dict[int, frozenset[str]] = field(default_factory=dict)

    def weight(self, stem: str) -> float:
        """How rare a stem is in the draft's prose: its inverse document frequency, the
        postings naming each prose sentence that holds it once.

        Computed when asked: a draft's rules weigh a few of its stems, not all of them.
        """
        holding = self.postings.get(stem)
        if holding is None:
            return math.log(len(self.texts) + 2) + 1
        return math.log((self.prose_sentences + 1) / (len(holding) + 1)) + 1


def _analysis(doc: Document) -> _Analysis:
    """One analysis per document, shared by the three rules (the engine runs them in turn)."""
    return doc.memo("consistency", _analyse)


def _analyse(doc: Document) -> _Analysis:
    result = _Analysis(doc)
    for index, claim in enumerate(doc.claims):
        if claim.sentence >= 0:
            result.sentence_claims.setdefault(claim.sentence, []).append(claim)
    for index, sentence in enumerate(doc.sentences):
        block = doc.blocks[sentence.block]
        prose = block.kind in _PROSE_BLOCKS and sentence.block not in doc.reference_blocks
        text = _without_citations(doc, sentence.start, sentence.end)
        stems = frozenset(_stems(text))
        result.texts.append(text)
        result.prose.append(prose)
        result.sources.append(_sentence_sources(doc, index))
        result.block_sentences.setdefault(sentence.block, []).append(index)
        result.stems.append(stems)
        if prose:
            for stem in stems:
                result.postings.setdefault(stem, []).append(index)
    result.prose_sentences = max(1, sum(result.prose))
    for sentence, claims in sorted(result.sentence_claims.items()):
        if result.prose[sentence]:
            result.statements.extend(_statements(result, sentence, claims, len(result.statements)))
    return result


def _without_citations(doc: Document, start: int, end: int) -> str:
    """A span of prose with its citations blanked (same length, so offsets still hold)."""
    text = doc.prose[start:end]
    citations = doc.citations_between(start, end)   # each starts inside the span, in order
    if citations:
        # Kept and blanked pieces joined once: a sentence of a thousand citations is not copied per citation.
        pieces, kept_from = [], 0
        for citation in citations:
            blank_from = max(kept_from, citation.start - start)
            blank_to = max(citation.start, min(citation.end, end)) - start
            if blank_to > blank_from:
                pieces += (text[kept_from:blank_from], " " * (blank_to - blank_from))
                kept_from = blank_to
        pieces.append(text[kept_from:])
        text = "".join(pieces)
    if ":" not in text:
        return text   # no identifier label to blank (a cheap test saves the search)
    # The label of a blanked identifier ("doi:", "PMID:") goes too, or it reads as a clause break.
    return _ID_LABEL.sub(lambda m: " " * len(m.group()), text)


_ID_LABEL = re.compile(r"\b(?:doi|pmid|pmcid|pmc|isbn|arxiv)\s*:(?=\s|$)", re.I)


def _sentence_sources(doc: Document, index: int) -> frozenset[str]:
    citations = doc.sentence_citations(index)
    if not citations:
        return frozenset()
    targets = citation_group_targets(doc, citations)
    return frozenset(targets or (c.target for c in citations))


def _block_sources(analysis: _Analysis, sentence: int) -> frozenset[str]:
    return _over_block(analysis, sentence, analysis.sources, analysis._block_sources)


def _over_block(analysis: _Analysis, sentence: int, of_sentence: list[frozenset[str]],
                kept: dict[int, frozenset[str]]) -> frozenset[str]:
    """The union of ``of_sentence`` over the sentences of the sentence's block, found once
    per block and kept in ``kept``."""
    block = analysis.doc.sentences[sentence].block
    found = kept.get(block)
    if found is None:
        in_block = analysis.block_sentences.get(block, ())
        found = kept[block] = frozenset().union(*(of_sentence[index] for index in in_block))
    return found


def _clauses(text: str, pattern: re.Pattern = _CLAUSE_BREAK) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in pattern.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans or [(0, len(text))]


def _statements(analysis: _Analysis, sentence: int, claims: list[Claim], first: int) -> list[_Statement]:
    doc = analysis.doc
    base = doc.sentences[sentence].start
    text = analysis.texts[sentence]
    # Claims are in order of position: those of a span are found by bisection, not by a scan
    # of the sentence's claims per clause (a sentence may hold thousands of both).
    offsets = [c.start - base for c in claims]

    def claims_in(start: int, end: int) -> list[Claim]:
        return claims[bisect_left(offsets, start):bisect_left(offsets, end)]

    spans = []
    for start, end in _clauses(text):
        # "from 3.51 to 4.52, and well-being rose from 3.15 to 3.55": two statements.
        pieces = _clauses(text[start:end], _AND_BREAK)
        if len(pieces) > 1 and all(claims_in(start + s, start + e) for s, e in pieces):
            spans.extend((start + s, start + e) for s, e in pieces)
        else:
            spans.append((start, end))
    sentence_time = _time_spec(text, [c for c in claims if c.kind == "duration"])
    found = []
    for start, end in spans:
        inside = claims_in(start, end)
        kinds = [k for k in dict.fromkeys(c.kind for c in inside) if k in _COMPARED_KINDS]
        if not kinds:
            continue
        clause = text[start:end]
        masked = _mask(clause, inside, base + start)
        time = sentence_time
        if sentence_time:   # a clause names no time point its sentence does not: no time word spans a break
            time = _time_spec(clause, [c for c in inside if c.kind == "duration"]) or sentence_time
        words = set(_words(clause))
        stems = frozenset(_stems(masked)) - _FILLER_STEMS - _TIME_STEMS
        population = frozenset(_stem(w) for w in words if w in _POPULATION) & _POPULATION_STEMS
        arms = frozenset(w for w in words if w in _ARM)
        bare_numbers = list(_bare_numbers(clause, inside, base + start))
        for kind in kinds:
            own = [c for c in inside if c.kind == kind]
            # Other figures of the clause must match too ("in 36 children" is not "in 256"),
            # except p-values and intervals, which follow from the estimate itself.
            others = tuple(sorted([_number_key(c) for c in inside if c.kind != kind and c.kind not in _DERIVED]
                                  + bare_numbers))
            found.append(_Statement(
                index=first + len(found), sentence=sentence, start=base + start, end=base + end,
                line=doc.position(own[0].start)[0], kind=kind, claims=own, masked=masked, stems=stems,
                population=population, arms=arms, time=time, numbers=others, sources=analysis.sources[sentence],
            ))
    return found


def _mask(clause: str, claims: list[Claim], offset: int) -> str:
    """The clause in lower case with every number (digits or words) replaced by ``#``."""
    spans = []
    for claim in claims:
        where = claim.text.find(claim.raw)
        if where >= 0 and claim.raw:
            lo = max(0, claim.start - offset + where)
            hi = min(len(clause), claim.start - offset + where + len(claim.raw))
            if lo < hi:
                spans.append((lo, hi))
    # Each figure's first character becomes "#", the others spaces. Figures in order are
    # masked in one join; figures overlapping or out of order each overwrite the ones before.
    if all(previous[1] <= following[0] for previous, following in zip(spans, spans[1:])):
        pieces, kept_from = [], 0
        for lo, hi in spans:
            pieces += (clause[kept_from:lo], "#", " " * (hi - lo - 1))
            kept_from = hi
        pieces.append(clause[kept_from:])
        clause = "".join(pieces)
    else:
        characters = list(clause)
        for lo, hi in spans:
            characters[lo:hi] = "#" + " " * (hi - lo - 1)
        clause = "".join(characters)
    return " ".join(_NUMBER.sub("#", clause).lower().split())


def _number_key(claim: Claim) -> str:
    return f"{claim.kind}:{claim.value if claim.value is not None else (claim.low, claim.high)}"


def _bare_numbers(clause: str, claims: list[Claim], offset: int) -> tuple[str, ...]:
    """Numbers that are no claim (years, ages, scale names): they must match as well."""
    # A number is a claim's when a claim starting at or before it ends after it: numbers and
    # claims are walked in order together, not each number against every claim.
    covered = sorted((c.start - offset, c.end - offset) for c in claims)
    found, passed, reach = [], 0, -math.inf
    for match in _NUMBER.finditer(clause):
        while passed < len(covered) and covered[passed][0] <= match.start():
            reach = max(reach, covered[passed][1])
            passed += 1
        if match.start() >= reach:
            found.append("n:" + match.group())
    return tuple(found)


# --------------------------------------------------------------------------------------
# Same measure, different measure
# --------------------------------------------------------------------------------------

SAME_MEASURE_SIMILARITY = 80.0
_MIN_SHARED_STEMS = 3


def same_measure(a: _Statement, b: _Statement) -> bool:
    """Whether two statements describe one measure: same group, outcome, arm and time point.

    The clauses, numbers masked, must use the same meaningful words (up to spelling:
    "randomised"/"randomized"), be similar as wholes (rapidfuzz token-set similarity), and
    name the same population, arms, time points and other numbers.
    """
    if a.kind != b.kind or a.population != b.population or a.arms != b.arms:
        return False
    if a.time != b.time or a.numbers != b.numbers:
        return False
    if len(a.stems & b.stems) < _MIN_SHARED_STEMS or not _same_words(a.stems, b.stems):
        return False
    return token_set_ratio(a.masked, b.masked) >= SAME_MEASURE_SIMILARITY


def _same_words(first: frozenset[str], second: frozenset[str]) -> bool:
    """Equal stem sets, allowing spelling variants (same first letters, nearly the same word).

    "increa" and "decrea" are close strings but opposite words: they must not pair up.
    """
    left, right = sorted(first - second), sorted(second - first)
    if len(left) != len(right):
        return False
    for stem in left:
        partner = next((other for other in right
                        if other[:3] == stem[:3] and ratio(stem, other) >= 80), None)
        if partner is None:
            return False
        right.remove(partner)
    return True


def _outcomes_diverge(a: _Statement, b: _Statement) -> bool:
    """Each side measures something the other does not mention (mood vs social outcomes)."""
    only_a = (a.stems & _OUTCOME_STEMS) - b.stems
    only_b = (b.stems & _OUTCOME_STEMS) - a.stems
    return bool(only_a) and bool(only_b)


def _groups_diverge(a: _Statement, b: _Statement) -> bool:
    return bool(a.population) and bool(b.population) and a.population != b.population


def _times_diverge(a: _Statement, b: _Statement) -> bool:
    return _time_class(a.time) != _time_class(b.time)


def _sharing_rare_stems(analysis: _Analysis, stems: frozenset[str]) -> set[int]:
    """Sentences holding at least two of the three rarest of some stems (an inverted index).

    Passages about one measure or topic share most of their stems, the rare ones above all,
    so they share two of these three even when one word differs; no pair of sentences is
    scanned.
    """
    rare = _rarest(analysis, stems)
    counts: Counter[int] = Counter()
    for stem in rare:
        counts.update(analysis.postings.get(stem, ()))
    need = min(2, len(rare))
    return {sentence for sentence, count in counts.items() if count >= need}


def _rarest(analysis: _Analysis, stems: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(stems, key=lambda s: (-analysis.weight(s), s))[:3])


def _holds_rare_stems(analysis: _Analysis, sentence: int, rare: tuple[str, ...]) -> bool:
    """Whether ``_sharing_rare_stems`` finds a prose sentence, asked of that sentence alone."""
    return bool(rare) and sum(stem in analysis.stems[sentence] for stem in rare) >= min(2, len(rare))


# --------------------------------------------------------------------------------------
# conflicting-statistics
# --------------------------------------------------------------------------------------

_SUBSET = re.compile(
    r"\b(?:complet\w*|analy[sz]ed|analysis|remain\w*|retained|dropp\w*|withdr\w*|lost|excluded|"
    r"of whom|of these|of them|subgroups?|subsets?|each|per|arms?|groups?|allocated|assigned|"
    r"randomi[sz]ed to|followed|follow-?up|responded|screened|eligible|invited|approached|"
    r"including|included|out of)\b",
    re.I,
)
_ONE_STUDY = re.compile(r"\b(?:study|trial|rct|experiment|cohort|survey)\b", re.I)
# "The trial of 97 adults" points back at a study already named; "a pilot study of 36" may be another.
_DEFINITE_STUDY = re.compile(r"\b(?:[Tt]he|[Tt]his|[Tt]hat|[A-Z][\w-]*[’']s)\s+(?:[\w-]+\s+){0,3}?"
                             r"(?:study|trial|rct|experiment|cohort|survey)\b")
_OTHER_STUDY = re.compile(r"\b(?:another|other|second|separate|later|earlier|follow-?up|new|one)\s+"
                          r"(?:[\w-]+\s+){0,2}?(?:study|trial|rct|experiment|cohort|survey)\b", re.I)
_MANY_STUDIES = re.compile(
    r"\b(?:studies|trials|reviews?|meta-?analys[ie]s|pooled|in total|total of|across|combined|"
    r"systematic)\b", re.I)


@rule(
    code="VS401",
    name="conflicting-statistics",
    severity=Severity.WARNING,
    summary="Two figures given for the same measure disagree.",
    what="""
Finds two statements in different sentences that describe the same measure (the clause
around the figures, numbers masked, uses the same meaningful words, with the same
population, comparison arms, time point and other numbers) but give values that cannot
both be right, beyond rounding, hedges ("about 45%") and bounds ("p < 0.05"). Also finds
one cited study described with different sample sizes: two sentences that cite the same
source and each give the size of a single study ("a trial of 79 adults" and "the trial of
97 adults"), leaving out subgroups, arms and completers. The later statement is reported,
the earlier one is in `related`. Baseline and follow-up values, arms of a trial, ranges,
intervals and a figure repeated with the same value are consistent and left alone.

Across the drafts of one run (`verifier check DIR`), the first mention of a measure in a
draft is compared in the same way with the mentions of that measure in earlier drafts;
when it agrees with none of them it is reported, with the first one (and its file) in
`related`. Drafts are not compared pair by pair: a mention is only compared with those
sharing its kind, group, arms, time point, other numbers and the first letters of its
meaningful words, which every two mentions of one measure share.""",
    why="""
When a draft gives two values for one figure, at least one is wrong, and a reader cannot
tell which. Drafts assembled from several search results often keep both, and drafts of
one library that disagree on a figure leave readers with two answers.""",
    bad="""
About 5% of adults worldwide live with depression [1].

Depression affects 8% of adults worldwide [1].

[1]: https://www.who.int/news-room/fact-sheets/detail/depression""",
    good="""
About 5% of adults worldwide live with depression [1].

Among adults worldwide, about 5% live with depression [1].

[1]: https://www.who.int/news-room/fact-sheets/detail/depression""",
    across=lambda context: _LibraryConflicts(),
)
def conflicting_statistics(doc: Document, context: RuleContext) -> tuple[list[Finding], _Measures]:
    analysis = _analysis(doc)
    firsts: list[_Statement] = []
    findings = list(_conflicts_within(analysis, firsts))
    # Only statements with a library key can meet another draft's.
    return findings, _Measures(doc.path, [s for s in firsts if s.library_key is not None],
                               [s for s in analysis.statements
                                if s.kind not in _NOT_COMPARED and s.library_key is not None])


@dataclass
class _Measures:
    """A draft's digest for the comparison across drafts: the first mention of each measure
    in it, and every statement it adds to the library."""

    path: str
    firsts: list[_Statement]
    statements: list[_Statement]


class _LibraryConflicts:
    """Fed each draft's measures in input order, finds the first mentions in it that agree
    with none of the earlier drafts' mentions of their measure."""

    def __init__(self) -> None:
        self.library = _Library()

    def __call__(self, digest: _Measures) -> Iterator[Finding]:
        for statement in digest.firsts:
            found = self.library.conflict(statement)
            if found is not None:
                yield _conflict_finding(statement, found[1], "for the same measure", found[0])
        self.library.add(digest.path, digest.statements)


def _conflicts_within(analysis: _Analysis, firsts: list[_Statement]) -> Iterator[Finding]:
    """Conflicts inside one draft; ``firsts`` receives each measure's first mention in it."""
    mentions = _Mentions(analysis)
    for statement in analysis.statements:
        if statement.kind in _NOT_COMPARED:
            continue   # sizes are compared per cited study below; an interval with its estimate
        same = [seen for seen in mentions.add(statement) if seen.first is not None]
        # A figure that matches any earlier mention of its measure is consistent with the draft;
        # otherwise it is reported once, against the first mention.
        if not same:
            firsts.append(statement)
        elif not any(seen.agrees(statement.claims) for seen in same):
            first = min((seen.first for seen in same), key=lambda other: other.index)
            yield _conflict_finding(statement, first, "for the same measure")
    yield from _sample_size_conflicts(analysis)


class _Mentions:
    """The statements of a draft so far, grouped so that a statement is compared with each
    group of its measure once, not with each statement: a draft may restate one measure
    thousands of times.

    Statements of one measure share their library key (see ``_Library``). Those that share
    their masked clause too (and so their stems) are alike to ``same_measure`` (it reads
    nothing else): one group, asked once per group of later statements. A statement is
    compared with the statements of earlier sentences; once its bucket (the statements
    sharing its kind, group, arms, time point and other numbers) holds more than
    ``_BUCKET_SCAN``, only with those in sentences ``_sharing_rare_stems`` finds for it.
    """

    def __init__(self, analysis: _Analysis) -> None:
        self.analysis = analysis
        self.bucket_sizes: dict[tuple, int] = {}
        self.groups: dict[tuple, dict[str, _Alike]] = {}   # by library key, then masked clause

    def add(self, statement: _Statement) -> list[_Seen]:
        """Adds a statement; returns what it sees of each group of its measure."""
        bucket = (statement.kind, statement.population, statement.arms, statement.time, statement.numbers)
        earlier = self.bucket_sizes.get(bucket, 0)
        self.bucket_sizes[bucket] = earlier + 1
        if statement.library_key is None:
            return []   # same_measure needs three shared stems: no statement is the same measure as it
        groups = self.groups.setdefault(statement.library_key, {})
        same = [group for group in groups.values() if group.same_measure_as(statement)]
        rare = _rarest(self.analysis, statement.stems) if same and earlier > _BUCKET_SCAN else None
        seen = [group.seen(self.analysis, rare, statement.sentence) for group in same]
        own = groups.get(statement.masked)
        if own is None:
            groups[statement.masked] = _Alike(statement)
        else:
            own.statements.append(statement)
        return seen


class _Alike:
    """Statements that ``same_measure`` cannot tell apart, in order, with its verdicts on
    later statements (by masked clause) and what each filter of rare stems keeps of them."""

    __slots__ = ("statements", "verdicts", "seen_by_filter")

    def __init__(self, first: _Statement) -> None:
        self.statements = [first]
        self.verdicts: dict[str, bool] = {}
        self.seen_by_filter: dict[tuple[str, ...] | None, _Seen] = {}

    def same_measure_as(self, statement: _Statement) -> bool:
        verdict = self.verdicts.get(statement.masked)
        if verdict is None:
            verdict = self.verdicts[statement.masked] = same_measure(self.statements[0], statement)
        return verdict

    def seen(self, analysis: _Analysis, rare: tuple[str, ...] | None, sentence: int) -> _Seen:
        seen = self.seen_by_filter.get(rare)
        if seen is None:
            keep = None if rare is None else lambda other: _holds_rare_stems(analysis, other.sentence, rare)
            seen = self.seen_by_filter[rare] = _Seen(self.statements, keep)
        seen.catch_up(sentence)
        return seen


class _Seen:
    """What a later statement sees of a list of earlier statements: those of sentences before
    its own that ``keep`` accepts (all, when it is None). Read once, as later statements come
    (their sentences only grow): the first of them, and the intervals of their figures."""

    def __init__(self, statements: list[_Statement], keep: Callable[[_Statement], bool] | None = None) -> None:
        self.statements = statements
        self.keep = keep
        self.read = 0
        self.first: _Statement | None = None
        self.values = _Intervals()

    def catch_up(self, sentence: int) -> None:
        while self.read < len(self.statements) and self.statements[self.read].sentence < sentence:
            statement = self.statements[self.read]
            self.read += 1
            if self.keep is None or self.keep(statement):
                if self.first is None:
                    self.first = statement
                for claim in statement.claims:
                    self.values.add(_interval(claim))

    def agrees(self, claims: list[Claim]) -> bool:
        """Whether any of the claims ``_agree`` with any figure seen."""
        return any(self.values.overlaps(_interval(claim)) for claim in claims)


class _Intervals:
    """Intervals of figures, to ask whether any agrees with another (``_agree``) without
    testing each: [lo, hi] agrees with [low, high] when lo <= high and hi >= low.

    Of two intervals, one with a lower or equal ``lo`` and a higher or equal ``hi`` agrees
    with all the other does, so only those that none such covers are kept: in order of
    ``lo``, their ``hi`` rise too, and the last with ``lo <= high`` has the highest ``hi``
    of all such. A figure without an interval agrees with any; NaN bounds with none.
    """

    def __init__(self) -> None:
        self.los: list[float] = []
        self.his: list[float] = []
        self.added = False
        self.unbounded = False

    def add(self, interval: tuple[float, float] | None) -> None:
        self.added = True
        if interval is None:
            self.unbounded = True
            return
        lo, hi = interval
        if math.isnan(lo) or math.isnan(hi):
            return
        after = bisect_right(self.los, lo)
        if after and self.his[after - 1] >= hi:
            return   # covered by one kept
        first = bisect_left(self.los, lo)   # those with the same lo have a lower hi: covered now
        last = after
        while last < len(self.his) and self.his[last] <= hi:
            last += 1
        self.los[first:last] = [lo]
        self.his[first:last] = [hi]

    def overlaps(self, interval: tuple[float, float] | None) -> bool:
        if self.unbounded or interval is None:
            return self.added
        low, high = interval
        if math.isnan(low) or math.isnan(high):
            return False
        before = bisect_right(self.los, high)
        return before > 0 and self.his[before - 1] >= low


_NOT_COMPARED = {"sample_size", "ci"}


class _Library:
    """The measures of earlier drafts, for comparing drafts without comparing every pair.

    Two statements of one measure (``same_measure``) share their kind, group, arms, time
    point and other numbers, and the same number of meaningful stems with the same first
    three letters (equal stem sets up to spelling). That is the blocking key, so blocking
    loses no pair ``same_measure`` would accept. Within a block, mentions with the same
    masked clause are one measure: it is compared once, whatever the number of drafts
    repeating it, and keeps the distinct values they gave.
    """

    def __init__(self) -> None:
        self.blocks: dict[tuple, dict[str, _Measure]] = {}

    @staticmethod
    def key(statement: _Statement) -> tuple | None:
        if len(statement.stems) < _MIN_SHARED_STEMS:
            return None   # same_measure needs three shared stems
        return (statement.kind, statement.population, statement.arms, statement.time, statement.numbers,
                tuple(sorted(stem[:3] for stem in statement.stems)))

    def conflict(self, statement: _Statement) -> tuple[str, _Statement] | None:
        """The first earlier mention of the statement's measure, if it agrees with none of them."""
        key = statement.library_key
        if key is None:
            return None
        same = [m for m in self.blocks.get(key, {}).values() if same_measure(m.statement, statement)]
        if not same:
            return None
        values = [_span(c) for c in statement.claims]
        if any(_overlap(a, b) for m in same for a in m.values for b in values):
            return None
        return same[0].path, same[0].statement

    def add(self, path: str, statements: list[_Statement]) -> None:
        for statement in statements:
            key = statement.library_key
            if key is None:
                continue
            measure = self.blocks.setdefault(key, {}).get(statement.masked)
            if measure is None:
                measure = self.blocks[key][statement.masked] = _Measure(path, statement)
            measure.values.update(_span(c) for c in statement.claims)


@dataclass
class _Measure:
    """The first mention of one masked clause in the library (and its draft), and every value
    given for it."""

    path: str
    statement: _Statement
    values: set[tuple[float, float] | None] = field(default_factory=set)


def _span(claim: Claim) -> tuple[float, float] | None:
    """``_interval`` in order: a range misread high to low ("9400 [6900-...") still agrees
    with itself when another draft repeats it."""
    found = _interval(claim)
    return None if found is None else (min(found), max(found))


def _overlap(first: tuple[float, float] | None, second: tuple[float, float] | None) -> bool:
    """``_agree`` on intervals: a figure without one agrees with anything."""
    if first is None or second is None:
        return True
    return first[0] <= second[1] and second[0] <= first[1]


_BUCKET_SCAN = 32


def _readable(masked: str) -> str:
    """A masked clause for a message: numbers as "…", no stray brackets or spaces."""
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", masked.replace("#", "…"))
    text = re.sub(r"\s+([.,;:)])", r"\1", " ".join(text.split()))
    return text.rstrip(" .;,([")


def _conflict_finding(statement: _Statement, other: _Statement, why: str, other_path: str | None = None) -> Finding:
    """The finding on ``statement``; ``other`` is in the draft at ``other_path`` when it is another one."""
    where = f"{other_path}:{other.line}" if other_path else f"line {other.line}"
    here = " and ".join(f'"{_figure(c)}"' for c in statement.claims)
    there = " and ".join(f'"{_figure(c)}"' for c in other.claims)
    measure = quote(_readable(other.masked), 70)
    return Finding(
        rule="conflicting-statistics",
        start=statement.claims[0].start,
        end=statement.claims[-1].end,
        message=f"{here} disagrees with {there} at {where}, given {why} ({measure})",
        claim=statement.claims[0],
        related=(Related(other.claims[0].start, other.claims[-1].end, f"{there} given here", other_path),),
        anchor=" ".join(c.text for c in statement.claims) + " | " + " ".join(c.text for c in other.claims),
    )


class _Study(NamedTuple):
    """What a sentence says of the single study whose size it gives."""

    definite: bool            # "the trial of 97 adults": a study named before
    nouns: frozenset[str]     # study, trial, cohort...


def _study(analysis: _Analysis, sentence: int) -> _Study | None:
    """None unless the sentence gives one size, of a single study: not arms or subgroups,
    not several studies, not another study."""
    text = analysis.texts[sentence]
    if len({c.value for c in analysis.sentence_claims.get(sentence, []) if c.kind == "sample_size"}) != 1:
        return None
    if not _ONE_STUDY.search(text) or _MANY_STUDIES.search(text) or _OTHER_STUDY.search(text):
        return None
    return _Study(_DEFINITE_STUDY.search(text) is not None,
                  frozenset("trial" if w.lower() == "rct" else w.lower() for w in _ONE_STUDY.findall(text)))


def _study_size(analysis: _Analysis, statement: _Statement, study: Callable[[int], _Study | None]) -> Claim | None:
    """The sample size of a whole single study, if that is what the statement gives."""
    if len(statement.claims) != 1 or not statement.sources or study(statement.sentence) is None:
        return None
    if _SUBSET.search(analysis.doc.prose[statement.start:statement.end]):
        return None
    return statement.claims[0]


def _sample_size_conflicts(analysis: _Analysis) -> Iterator[Finding]:
    """Sizes of one cited study that disagree. A later size may describe the study of an
    earlier one of the same source when it names it as known ("the trial") with a noun the
    earlier sentence uses: earlier sizes are grouped by source and then by those nouns, and
    a later size is compared with each group once."""
    studies: dict[int, _Study | None] = {}   # per sentence: one may hold many sizes

    def study(sentence: int) -> _Study | None:
        if sentence not in studies:
            studies[sentence] = _study(analysis, sentence)
        return studies[sentence]

    by_source: dict[str, dict[frozenset[str], _Seen]] = {}
    for statement in analysis.statements:
        if statement.kind != "sample_size" or _study_size(analysis, statement, study) is None:
            continue
        mention = study(statement.sentence)
        same = []   # per source, in order: what the size sees of the groups of the same study
        for source in sorted(statement.sources) if mention.definite else ():
            groups = [group for nouns, group in by_source.get(source, {}).items() if nouns & mention.nouns]
            for group in groups:
                group.catch_up(statement.sentence)
            seen = [group for group in groups if group.first is not None]
            if seen:
                same.append(seen)
        if same and not any(group.agrees(statement.claims) for groups in same for group in groups):
            # Reported against the first earlier size of the first source (in order) that gives one.
            first = min((group.first for group in same[0]), key=lambda other: other.index)
            yield _conflict_finding(statement, first, "as the size of the same cited study")
        for source in statement.sources:
            groups = by_source.setdefault(source, {})
            if mention.nouns not in groups:
                groups[mention.nouns] = _Seen([])
            groups[mention.nouns].statements.append(statement)


# --------------------------------------------------------------------------------------
# recycled-statistic
# --------------------------------------------------------------------------------------

_RECYCLED_KINDS = {"percent", "mean", "ratio", "ci"}


def _pairs(statement: _Statement) -> list[tuple]:
    """Keys of the value pairs a statement gives: (45%, 22%), or an interval's two bounds."""
    keys = []
    if statement.kind == "ci":
        for claim in statement.claims:
            if claim.low is not None and claim.high is not None:
                keys.append(("ci", round(claim.low, 6), round(claim.high, 6)))
        return keys
    values = [c for c in statement.claims if c.value is not None and c.low is None]
    for first, second in zip(values, values[1:]):
        if first.value != second.value:
            low, high = sorted((round(first.value, 6), round(second.value, 6)))
            keys.append((statement.kind, low, high))
    return keys


@rule(
    code="VS402",
    name="recycled-statistic",
    severity=Severity.WARNING,
    summary="The same figures are given for different measures.",
    what="""
Finds a pair of values (45% vs 22%, or the same confidence interval) given in two
sentences about different measures: the outcomes differ (each mentions an outcome the
other does not), and the two also cite the same source or name different groups or time
points. A single value counts only when it is unusual (53.83, 36.4; not 50% or 12.5%)
and both sentences cite the same source. The later sentence is reported, the earlier one
is in `related`. The same figures repeated for the same measure (a summary and the body)
are not reported.""",
    why="""
A source rarely reports exactly the same figures for two different outcomes. A draft that
does is usually reusing one result for claims the source never made, a common trace of
text generated from search results.""",
    bad="""
About 45% of adults with depression reported better social functioning after music therapy, compared with 22% of controls [1].

After one year, 45% of patients reported lasting improvements in mood and sleep, compared with 22% of controls [1].

[1]: https://doi.org/10.1192/bjp.bp.110.085431""",
    good="""
About 45% of adults with depression reported better social functioning after music therapy, compared with 22% of controls [1].

Social functioning improved in 45% of adults with depression who had music therapy, against 22% of controls [1].

[1]: https://doi.org/10.1192/bjp.bp.110.085431""",
)
def recycled_statistic(doc: Document, context: RuleContext) -> Iterator[Finding]:
    analysis = _analysis(doc)
    pairs: dict[tuple, _Reuses] = {}
    singles: dict[tuple, _Reuses] = {}
    for statement in analysis.statements:
        if statement.kind not in _RECYCLED_KINDS:
            continue
        finding = None
        for key in _pairs(statement):
            other = _reused(pairs.get(key), statement, key, _recycled_pair)
            _Reuses.note(pairs, key, statement)
            if other is not None and finding is None:
                finding = _recycled_finding(doc, statement, other, key)
        for claim in statement.claims if statement.kind != "ci" else ():
            if not _unusual(claim):
                continue
            key = (statement.kind, round(claim.value, 6))
            other = _reused(singles.get(key), statement, key, _recycled_single)
            _Reuses.note(singles, key, statement)
            if other is not None and finding is None:
                finding = _recycled_finding(doc, statement, other, key, claim)
        if finding:
            yield finding


class _Reuses:
    """The statements giving one pair of values (or one value), indexed by what ``_reused``
    asks of them, so that a statement is not compared with each: a pasted paragraph repeats
    its figures thousands of times.

    Each index keeps the first statement of each entry: if it is of the sentence being
    checked, so are the others (statements come in order), and none is compared. The
    statements are indexed when first asked for: most figures are given once.
    """

    def __init__(self, first: _Statement) -> None:
        self.statements = [first]
        self.indexed = 0
        # The statements alike to same_measure (library key, masked clause): see _Mentions.
        self.by_measure: dict[tuple, dict[str, _Statement]] = {}
        # _outcomes_diverge reads the outcome stems of the earlier statement.
        self.by_outcomes: dict[frozenset[str], _Statement] = {}
        # The tests of the figures' reuse (_recycled_pair, _recycled_single) read these.
        self.by_context: dict[tuple, _Statement] = {}

    @staticmethod
    def note(reuses: dict[tuple, _Reuses], key: tuple, statement: _Statement) -> None:
        if key in reuses:
            reuses[key].statements.append(statement)
        else:
            reuses[key] = _Reuses(statement)

    def index(self) -> None:
        for statement in self.statements[self.indexed:]:
            if statement.library_key is not None:
                self.by_measure.setdefault(statement.library_key, {}).setdefault(statement.masked, statement)
            self.by_outcomes.setdefault(statement.stems & _OUTCOME_STEMS, statement)
            self.by_context.setdefault((statement.sources, statement.population, statement.time), statement)
        self.indexed = len(self.statements)


def _reused(earlier: _Reuses | None, statement: _Statement, key: tuple, suspicious) -> _Statement | None:
    """The first earlier statement whose figures this one reuses for another measure, if any.

    A statement that restates any earlier one of the same figures (same measure, or no
    outcome of its own) is consistent with the draft and not reported. Statements of the
    same sentence are not compared.
    """
    def before(other: _Statement) -> bool:
        return other.sentence < statement.sentence

    if earlier is None or not before(earlier.statements[0]):
        return None
    earlier.index()
    same = earlier.by_measure.get(statement.library_key, {}).values()
    if any(before(other) and same_measure(other, statement) for other in same):
        return None
    if any(before(other) and not _outcomes_diverge(other, statement) for other in earlier.by_outcomes.values()):
        return None
    return min((other for other in earlier.by_context.values() if before(other) and suspicious(other, statement, key)),
               key=lambda other: other.index, default=None)


def _recycled_pair(a: _Statement, b: _Statement, key: tuple) -> bool:
    """Whether two statements of different measures giving a pair of values look like reuse."""
    if a.sources & b.sources:
        return True
    # From different sources, a pair of round numbers (50% and 25%) may well recur by chance.
    round_pair = key[0] != "ci" and all(float(v) % 5 == 0 for v in key[1:])
    return not round_pair and (_groups_diverge(a, b) or _times_diverge(a, b))


def _recycled_single(a: _Statement, b: _Statement, key: tuple) -> bool:
    """Whether two statements of different measures giving one unusual value look like reuse."""
    return bool(a.sources & b.sources)


def _differing_words(statement: _Statement, other: _Statement) -> str:
    """The outcome words of a statement that the other does not use, as written."""
    unique = (statement.stems & _OUTCOME_STEMS) - other.stems
    shown = []
    for word in _words(statement.masked):
        if _stem(word) in unique and word not in shown:
            shown.append(word)
    return ", ".join(shown[:4])


def _recycled_finding(doc: Document, statement: _Statement, other: _Statement, key: tuple,
                      single: Claim | None = None) -> Finding:
    line, _ = doc.position(other.start)

    def reused(s: _Statement) -> list[Claim]:
        if single is not None:
            return [c for c in s.claims if c.value is not None and round(c.value, 6) == key[1]][:1]
        if key[0] == "ci":
            return [c for c in s.claims if (c.low is not None and c.high is not None
                                            and (round(c.low, 6), round(c.high, 6)) == key[1:])][:1]
        return [c for c in s.claims if c.low is None and c.value is not None and round(c.value, 6) in key[1:]][:2]

    claims, other_claims = reused(statement), reused(other)
    shown = " and ".join(f'"{_figure(c)}"' for c in claims)
    figures = ("The value " if single is not None else "The interval " if key[0] == "ci" else "The pair ") + shown
    shared = bool(statement.sources & other.sources)
    source = ", under the same citation" if shared else ""
    here, there = _differing_words(statement, other), _differing_words(other, statement)
    detail = f" (here {here}; there {there})" if here and there else ""
    start, end = claims[0].start, claims[-1].end
    return Finding(
        rule="recycled-statistic",
        start=start,
        end=end,
        message=(f"{figures} is given here and at line {line} for different "
                 f"measures{detail}{source}"),
        claim=claims[0],
        related=(Related(other_claims[0].start, other_claims[-1].end, "same figures, other measure"),),
        anchor=" ".join(c.text for c in claims) + " | " + other.masked,
    )


# --------------------------------------------------------------------------------------
# contradicted-availability
# --------------------------------------------------------------------------------------

_FIGURE_ADJ = (r"(?:specific|precise|exact|reliable|published|comparable|comparative|separate|detailed|"
               r"clear|official|national|current|recent|such|further|additional|hard|definitive|"
               r"quantitative|numerical|concrete|direct)")
_FIGURE_WORD = (r"(?:percentages?|percents?|proportions?|shares?|rates?|figures?|statistics?|"
                r"numbers?|data|estimates?|values?|sample\s+sizes?|p[- ]?values?|effect\s+sizes?|"
                r"how\s+many|how\s+much)")
_AVAILABILITY_CUE = re.compile(
    r"\bnot\s+(?:been\s+|be\s+|yet\s+)?(?:(?:clearly|well|fully|specifically|separately|widely|"
    r"consistently)[\s-]+)?(?:available|reported|provided|given|detailed|specified|stated|"
    r"disclosed|documented|mentioned|quantified|published|presented|broken\s+down|measured|recorded|"
    r"established|known|clear|described)\b"
    r"|\b(?:(?:did|does|do|could|can|would)\s+not|(?:did|does|do|could|ca|would)n[’']t|cannot)\s+"
    r"(?:\w+\s+)?(?:provide|report|give|detail|specify|mention|state|offer|identify|quantify|"
    r"break\s+down|document)\b"
    rf"|\bno\s+(?:{_FIGURE_ADJ}\s+){{0,2}}{_FIGURE_WORD}\b"
    r"|\b(?:unavailable|undocumented|unreported|unclear|unknown|poorly\s+documented|"
    r"poorly\s+understood|remains?\s+to\s+be\s+(?:established|determined|quantified))\b"
    r"|\b(?:insufficient|no)\s+(?:clear\s+|strong\s+|reliable\s+|robust\s+|direct\s+)?(?:data|evidence)\b",
    re.I,
)
# Every cue holds one of these (see _may_match): most passages give no cue.
_AVAILABILITY_CUE_PARTS = re.compile(
    r"not|no\s|n[’']t|unavailable|undocumented|unreported|unclear|unknown|poorly|remain|insufficient")
_FIGURE_MENTION = re.compile(
    rf"(?<!heart )(?<!pulse )(?<!respiratory )(?<!breathing )(?<!metabolic )\b{_FIGURE_WORD}\b", re.I)
_FIGURE_KINDS = {
    "percent": {"percent"},
    "rate": {"percent", "count", "ratio"},
    "sample": {"sample_size"},
    "p": {"p_value"},
    "any": {"percent", "p_value", "sample_size", "mean", "ratio", "ci", "count"},
}
# Where an availability clause ends: the rest of the sentence may assert something else.
_AVAILABILITY_BREAK = re.compile(
    r";|:\s|\s[–—]\s|,\s+(?=(?:but|while|whereas|although|though|however|the|this|these|it|they|so|"
    r"yet|which|and\s+the|instead|therefore|thus|hence)\b)|\b(?=(?:but|whereas|although|though)\s)",
    re.I,
)
# Words of the availability statement itself, not of its topic.
_AVAILABILITY_WORDS = frozenset(_stem(w) for w in """
available unavailable provide provided providing give given detail detailed specify specified
specific precise exact state stated disclose disclosed document documented undocumented mention
mentioned quantify quantified publish published present presented break broken measure measured
record recorded establish established known unknown clear unclear describe described well fully
clearly specifically separately widely consistently poorly understood remain remains determine
search answer query information question need needed further obtain may cannot could would
comparative comparable compare comparing compared comparison versus vs reliable official hard
definitive quantitative numerical concrete direct separate additional current such insufficient
figure figures statistic statistics number numbers estimate estimates value values rate rates
percentage percentages percent proportion proportions share shares sample size sizes effect
effects impact impacts influence role benefit benefits efficacy effectiveness many much how
review reviewed yet lack lacking absence regarding whether there exist exists after before during
within no not only alone those who outcome outcomes p
""".split())
_EXACT = re.compile(r"\b(?:exact|precise|definitive|reliable)\b", re.I)
_ESTIMATE = re.compile(r"\b(?:estimat\w*|ranges?|ranging|ranged|projected|model(?:l)?ed)\b", re.I)
_SPECIFIC_STUDY = re.compile(r"\b(?:the|this|that|their|its)\s+(?:study|trial|review|authors?|paper|"
                             r"report|analysis|survey|article)\b", re.I)
_EFFECT_TOPIC = re.compile(
    r"\b(?:impacts?|effects?|influences?|benefits?|role|efficacy|effectiveness)\s+"
    r"(?:of\s+(?P<subject>[^,;]+?)\s+)?(?:on|in\s+(?:improving|reducing|increasing|lowering))\s+"
    r"(?P<outcomes>.+?)(?=\s+(?:is|are|was|were|has|have|had|remains?|remained|stays?|seems?|appears?)\b|[,;.]|$)"
    r"|\b(?:whether|evidence\s+that)\s+(?P<subject2>.+?)\s+(?:improves?|reduces?|increases?|lowers?|raises?|prevents?|"
    r"helps?|affects?|benefits?|changes?|alters?)\s+(?P<outcomes2>.+?)(?=\s+(?:is|are|was|were|"
    r"remains?)\b|[,;.]|$)",
    re.I,
)
_POSSESSIVE_SUBJECT = re.compile(r"(?P<subject>[\w\s-]+?)[’']s\s+(?:impacts?|effects?|influences?|role|"
                                 r"benefits?)\s*$", re.I)
_EFFECT_VERB = frozenset(_stem(w) for w in """
improve improves improved improving improvement increase increases increased increasing reduce
reduces reduced reducing reduction decrease decreased decreasing decreases enhance enhances enhanced
enhancing boost boosts boosted boosting lower lowers lowered lowering raise raises raised raising
rise rose fell fall falls declined decline drop dropped regulate regulates regulated promote
promotes promoted change changed alleviate alleviates alleviated relieve relieved effective
benefit benefits benefited helped help helps higher
""".split())
# "Music therapy may reduce anxiety" agrees with "its effect on anxiety is unclear".
_HEDGE = re.compile(r"\b(?:may|might|could|possibly|potentially|perhaps|unclear|uncertain)\b", re.I)
_NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|without|unchanged|n[’']t|failed\s+to|did\s+not)\b", re.I)
# Share of an availability statement's topic (weighted by rarity) that a figure's sentence
# must cover, by what the two cite.
MIN_COVERAGE = 0.8
MIN_COVERAGE_SHARED_SOURCE = 0.75
MIN_COVERAGE_OTHER_SOURCE = 0.9


@dataclass
class _Availability:
    sentence: int
    start: int
    end: int
    clause: str
    kinds: set[str] | None       # the figures it says are missing; None: an effect
    topic: frozenset[str]
    population: frozenset[str]
    time: set[str]
    outcomes: list[frozenset[str]]
    subject: frozenset[str]
    sources: frozenset[str]
    specific_study: bool
    exact: bool                  # "the exact figure is unknown": an estimate does not contradict it


def _says_unavailable(text: str) -> bool:
    """Whether a passage says that a figure or an effect is not available (the cue)."""
    return _may_match(_AVAILABILITY_CUE_PARTS, text) and _AVAILABILITY_CUE.search(text) is not None


def _availability(analysis: _Analysis, sentence: int) -> list[_Availability]:
    doc = analysis.doc
    text = analysis.texts[sentence]
    if not analysis.prose[sentence] or not _says_unavailable(text):
        return []
    base = doc.sentences[sentence].start
    found = []
    for start, end in _clauses(text, _AVAILABILITY_BREAK):
        clause = text[start:end]
        if not _says_unavailable(clause):
            continue
        effect = _EFFECT_TOPIC.search(clause)
        # "the effect on heart rate is unclear" is about an effect, not a missing rate.
        searched = clause[:effect.start()] + " " * (effect.end() - effect.start()) + clause[effect.end():] \
            if effect else clause
        mention = _FIGURE_MENTION.search(searched)
        kinds = _figure_kinds(mention.group(0)) if mention else None
        outcomes: list[frozenset[str]] = []
        subject: frozenset[str] = frozenset()
        if kinds is None:
            outcomes, subject = _effect_topic(clause)
            if not outcomes:
                continue   # "the mechanism is unclear": nothing a figure could contradict
        words = set(_words(clause))
        topic = frozenset(_stems(clause)) - _FILLER_STEMS - _AVAILABILITY_WORDS - _TIME_STEMS
        if kinds is not None and len(topic) < 2:
            continue   # "precise statistics are not provided": too little to say which figure
        sources = analysis.sources[sentence] or _block_sources(analysis, sentence)
        found.append(_Availability(
            sentence=sentence, start=base + start + (len(clause) - len(clause.lstrip())),
            end=base + end, clause=" ".join(clause.split()), kinds=kinds, topic=topic,
            population=frozenset(_stem(w) for w in words if w in _POPULATION) & _POPULATION_STEMS,
            time=_time_class(_time_spec(clause, [])), outcomes=outcomes, subject=subject,
            sources=sources, specific_study=bool(_SPECIFIC_STUDY.search(clause)),
            exact=bool(_EXACT.search(clause)),
        ))
    return found


def _figure_kinds(word: str) -> set[str]:
    word = word.lower()
    if word.startswith(("percent", "proportion", "share")):
        return _FIGURE_KINDS["percent"]
    if word.startswith(("rate", "how")):
        return _FIGURE_KINDS["rate"]
    if word.startswith("sample"):
        return _FIGURE_KINDS["sample"]
    if word.startswith("p"):
        return _FIGURE_KINDS["p"]
    return _FIGURE_KINDS["any"]


def _effect_topic(clause: str) -> tuple[list[frozenset[str]], frozenset[str]]:
    """The outcomes whose effect a clause calls undocumented, each on its own, and the subject."""
    match = _EFFECT_TOPIC.search(clause)
    if not match:
        return [], frozenset()
    listed = match.group("outcomes") or match.group("outcomes2") or ""
    subject_text = match.group("subject") or match.group("subject2") or ""
    if not subject_text:
        before = _POSSESSIVE_SUBJECT.search(clause[:match.start()] + clause[match.start():match.end()].split()[0])
        subject_text = before.group("subject") if before else ""
    outcomes = []
    for part in re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or|as well as)\s+", listed):
        stems = frozenset(_stems(part)) - _FILLER_STEMS - _AVAILABILITY_WORDS - _TIME_STEMS
        if stems:
            outcomes.append(stems)
    subject = frozenset(_stems(subject_text)) - _FILLER_STEMS - _AVAILABILITY_WORDS
    return outcomes, subject


@dataclass
class _Contradiction:
    sentence: int
    score: float
    start: int
    end: int
    figures: list[Claim]
    phrase: str


def _coverage(analysis: _Analysis, topic: frozenset[str], stems: frozenset[str]) -> float:
    total = sum(analysis.weight(s) for s in topic)
    return sum(analysis.weight(s) for s in topic & stems) / total if total else 0.0


def _assertion_stems(analysis: _Analysis, sentence: int) -> tuple[str, frozenset[str]]:
    """A sentence without its own availability clauses: what it does assert."""
    cached = analysis._assertions.get(sentence)
    if cached is None:
        text = analysis.texts[sentence]
        if not _says_unavailable(text):
            cached = text, analysis.stems[sentence]
        else:
            kept = " ".join(text[s:e] for s, e in _clauses(text, _AVAILABILITY_BREAK)
                            if not _says_unavailable(text[s:e]))
            cached = kept, frozenset(_stems(kept))
        analysis._assertions[sentence] = cached
    return cached


def _group_and_time(analysis: _Analysis, sentence: int) -> tuple[frozenset[str], set[str]]:
    cached = analysis._groups.get(sentence)
    if cached is None:
        text, _ = _assertion_stems(analysis, sentence)
        population = frozenset(_stem(w) for w in set(_words(text)) if w in _POPULATION) & _POPULATION_STEMS
        durations = [c for c in analysis.sentence_claims.get(sentence, []) if c.kind == "duration"]
        cached = population, _time_class(_time_spec(text, durations))
        analysis._groups[sentence] = cached
    return cached


def _compatible(analysis: _Analysis, statement: _Availability, sentence: int) -> bool:
    population, time = _group_and_time(analysis, sentence)
    if not statement.population <= population:
        return False
    if statement.time and time and not statement.time & time:
        return False
    sources = analysis.sources[sentence]
    if statement.specific_study and statement.sources and sources and not statement.sources & sources:
        return False   # "the trial did not report X" against another study's figure for X
    return True


def _figure_contradictions(analysis: _Analysis, statement: _Availability) -> list[_Contradiction]:
    """The sentences giving a figure said to be missing (the statement's own among them, if it does)."""
    found = []
    for sentence in sorted(_sharing_rare_stems(analysis, statement.topic) & analysis.sentence_claims.keys()):
        figures = [c for c in analysis.sentence_claims[sentence]
                   if c.kind in statement.kinds and _in_kept(analysis, sentence, c)]
        if not figures or not _compatible(analysis, statement, sentence):
            continue
        text, stems = _assertion_stems(analysis, sentence)
        if statement.exact and (_ESTIMATE.search(text) or all(c.low is not None for c in figures)):
            continue   # "the exact share is unclear" and "estimates range from 10% to 15%" agree
        shared_source = bool(statement.sources & analysis.sources[sentence])
        disjoint = bool(statement.sources) and bool(analysis.sources[sentence]) and not shared_source
        score = _coverage(analysis, statement.topic, stems)
        matched = len(statement.topic & stems)
        if shared_source:
            ok = score >= MIN_COVERAGE_SHARED_SOURCE and matched >= 2
        elif disjoint:   # another source: only a near-complete match of the topic counts
            ok = score >= MIN_COVERAGE_OTHER_SOURCE and matched >= 3
        else:
            ok = score >= MIN_COVERAGE and matched >= 3
        if ok:
            found.append(_Contradiction(sentence, score + 0.1 * shared_source, figures[0].start,
                                        figures[-1].end, figures, ""))
    return found


def _in_kept(analysis: _Analysis, sentence: int, claim: Claim) -> bool:
    """Whether a figure sits outside the sentence's own availability clauses."""
    dropped = analysis._kept.get(sentence)
    if dropped is None:   # the starts and ends of its availability clauses, in order
        text = analysis.texts[sentence]
        clauses = [(s, e) for s, e in _clauses(text, _AVAILABILITY_BREAK) if _says_unavailable(text[s:e])]
        dropped = analysis._kept[sentence] = [s for s, _ in clauses], [e for _, e in clauses]
    offset = claim.start - analysis.doc.sentences[sentence].start
    before = bisect_right(dropped[0], offset)
    return before == 0 or offset >= dropped[1][before - 1]


def _effect_contradictions(analysis: _Analysis, statement: _Availability) -> list[_Contradiction]:
    """The sentences asserting an effect said to be undocumented (the statement's own among them, if it does)."""
    doc = analysis.doc
    found: dict[int, _Contradiction] = {}
    for outcome in statement.outcomes:
        rare = max(outcome, key=analysis.weight)
        for sentence in analysis.postings.get(rare, ()):
            if sentence in found:
                continue
            text, stems = _assertion_stems(analysis, sentence)
            if not outcome <= stems or not stems & _EFFECT_VERB:
                continue
            if not _compatible(analysis, statement, sentence):
                continue
            if statement.subject and not statement.subject <= _block_stems(analysis, sentence):
                continue
            phrase = _asserting_clause(text, outcome)
            if phrase is None:
                continue
            start = _locate(doc, sentence, phrase)
            figures = [c for c in analysis.sentence_claims.get(sentence, [])
                       if c.kind in _EFFECT_FIGURES and start <= c.start < start + len(phrase)]
            found[sentence] = _Contradiction(sentence, 1.0 + 0.1 * bool(figures), start,
                                             start + len(phrase), figures, phrase)
    return list(found.values())


_EFFECT_FIGURES = {"percent", "p_value", "mean", "ratio", "ci"}


def _locate(doc: Document, sentence: int, phrase: str) -> int:
    """Offset of a clause (spacing folded) inside its sentence."""
    start = doc.sentences[sentence].start
    pattern = r"\s+".join(re.escape(part) for part in phrase.split())
    match = re.search(pattern, doc.prose[start:doc.sentences[sentence].end])
    return start + (match.start() if match else 0)


# "an increase in serotonin (p < 0.001) and a decrease in cortisol": two assertions.
_ASSERTION_BREAK = re.compile(_CLAUSE_BREAK.pattern + r"|\s+and\s+(?=an?\s)", re.I)


def _asserting_clause(text: str, outcome: frozenset[str]) -> str | None:
    """The clause of a sentence that asserts an effect on the outcome, unless it is negated."""
    for s, e in _clauses(text, _ASSERTION_BREAK):
        clause = text[s:e]
        stems = set(_stems(clause))
        if outcome <= stems and stems & _EFFECT_VERB and not _says_unavailable(clause) \
                and not _HEDGE.search(clause):
            where = min(i for i, w in enumerate(_words(clause)) if _stem(w) in outcome)
            window = " ".join(_words(clause)[max(0, where - 8):where + 4])
            if not _NEGATION.search(window):
                return " ".join(clause.split())
    return None


def _block_stems(analysis: _Analysis, sentence: int) -> frozenset[str]:
    return _over_block(analysis, sentence, analysis.stems, analysis._block_stems)


_MAX_RELATED = 3


@rule(
    code="VS403",
    name="contradicted-availability",
    severity=Severity.WARNING,
    summary="The draft says a figure is not available, yet gives it elsewhere.",
    what="""
Finds sentences that say a figure is not available, not reported, not detailed, unclear
or not well documented ("no specific percentage is available for X", "the impact on X is
not well documented") while another sentence of the draft gives that figure or asserts
that very effect. The other sentence must cover the statement's topic (its meaningful
words, weighted by how rare they are in the draft), name the same group and no other time
point, and give a figure of the kind said to be missing; for an undocumented effect, it
must assert an effect on one of the outcomes named. The availability statement is
reported, with the sentences that give the figure in `related`.""",
    why="""
A draft that says a number is unknown and then states it has contradicted itself: either
the number is invented or the caveat is stale. Drafts assembled from several search
answers often keep both, and a reader cannot tell which to believe.""",
    bad="""
About 60% of children with anxiety reported calmer sleep after eight weeks of music therapy [1].

The studies reviewed did not provide a specific percentage of children with anxiety reporting calmer sleep.

[1]: https://pubmed.ncbi.nlm.nih.gov/21474494/""",
    good="""
About 60% of children with anxiety reported calmer sleep after eight weeks of music therapy [1].

Whether their sleep stayed calmer after the sessions ended was not reported.

[1]: https://pubmed.ncbi.nlm.nih.gov/21474494/""",
)
def contradicted_availability(doc: Document, context: RuleContext) -> Iterator[Finding]:
    analysis = _analysis(doc)
    search = _ContradictionSearch(analysis)
    reported_in_block: dict[int, dict[tuple, set[int]]] = {}   # the searches reported, with their sentences
    for sentence in range(len(doc.sentences)):
        for statement in _availability(analysis, sentence):
            # The best contradictions in other sentences (the statement's own may rank among them).
            contradictions = [c for c in search.ranked(statement)[:_MAX_RELATED + 1] if c.sentence != sentence]
            if not contradictions:
                continue
            reported = reported_in_block.setdefault(doc.sentences[sentence].block, {})
            if search.reported(reported, contradictions[0].sentence):
                continue   # the same paragraph already said so about the same figure
            reported.setdefault(search.key(statement), set()).add(sentence)
            yield _availability_finding(doc, statement, contradictions[:_MAX_RELATED])
            break


class _ContradictionSearch:
    """The contradictions of availability statements, searched once per statement alike in
    all that the search reads (``key``; all but its sentence), ranked best first and kept:
    a draft may repeat one caveat in every paragraph. The statement's own sentence is left
    out by the caller."""

    def __init__(self, analysis: _Analysis) -> None:
        self.analysis = analysis
        self.found: dict[tuple, list[_Contradiction]] = {}
        self.sentences: dict[tuple, set[int]] = {}

    @staticmethod
    def key(statement: _Availability) -> tuple:
        return (None if statement.kinds is None else frozenset(statement.kinds), statement.topic,
                statement.population, frozenset(statement.time), tuple(statement.outcomes), statement.subject,
                statement.sources, statement.specific_study, statement.exact)

    def ranked(self, statement: _Availability) -> list[_Contradiction]:
        key = self.key(statement)
        found = self.found.get(key)
        if found is None:
            if statement.kinds is None:
                found = _effect_contradictions(self.analysis, statement)
            else:
                found = _figure_contradictions(self.analysis, statement)
            found = self.found[key] = sorted(found, key=lambda c: (-c.score, c.sentence))
        return found

    def reported(self, reported: dict[tuple, set[int]], sentence: int) -> bool:
        """Whether a sentence is a contradiction reported for an earlier statement of the
        paragraph, other than that statement's own sentence (``reported``: the keys of their
        searches, each with the sentences of its statements)."""
        for key, statements in reported.items():
            if key not in self.sentences:
                self.sentences[key] = {c.sentence for c in self.found[key]}
            if sentence in self.sentences[key] and (len(statements) > 1 or sentence not in statements):
                return True
        return False


def _availability_finding(doc: Document, statement: _Availability, found: list[_Contradiction]) -> Finding:
    best = found[0]
    line, _ = doc.position(doc.sentences[best.sentence].start)
    figures = " and ".join(f'"{_figure(c)}"' for c in best.figures[:3])
    if statement.kinds is not None:
        claim, what = "the figure is not available", f"gives {figures} for the same topic"
    elif figures:
        claim, what = "the effect is undocumented", f"reports it ({figures})"
    else:
        claim, what = "the effect is undocumented", f'asserts it ("{quote(best.phrase, 60)}")'
    more = [doc.position(doc.sentences[c.sentence].start)[0] for c in found[1:]]
    others = f" (see also line{'s' if len(more) > 1 else ''} {', '.join(map(str, more))})" if more else ""
    related = tuple(
        Related(c.start, c.end, ("gives " + ", ".join(_figure(f) for f in c.figures[:3])) if c.figures
                else "asserts the effect")
        for c in found
    )
    return Finding(
        rule="contradicted-availability",
        start=statement.start,
        end=statement.end,
        message=f'"{quote(statement.clause, 70)}" says {claim}, yet line {line} {what}{others}',
        related=related,
        anchor=statement.clause,
    )
