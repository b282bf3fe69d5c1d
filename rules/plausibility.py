"""Plausibility: values that cannot be right whatever the source says."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Iterator

from verifier.document import Document
from verifier.model import Claim, Finding, Related, Severity
from verifier.registry import RuleContext, rule
from verifier.rules._text import PEOPLE_NOUNS, folded

# The long patterns that only some figures reach are built by cached functions, compiled the
# first time a draft needs them: a one-draft check (a pre-commit hook) does not pay for
# compiling the ones its draft never reaches.


@cache
def _share_of_people_pattern() -> re.Pattern[str]:
    """Words after a percent that make it a share of people: "150% of patients" cannot be;
    "150% of the recommended intake" or "a 150% increase" can."""
    return re.compile(
        r"^\s*(?:of|among)\s+(?:(?:the|all|these|those|our|their|eligible|enrolled|surveyed|\w+ly)\s+)*"
        rf"(?:\w+\s+){{0,2}}?(?:{PEOPLE_NOUNS}|the sample|the population|the cohort)\b",
        re.I,
    )


def _is_share_of_people(doc: Document, claim: Claim) -> bool:
    return bool(_share_of_people_pattern().match(doc.prose[claim.end:claim.end + 80]))


def impossible_reason(doc: Document, claim: Claim) -> str | None:
    """Why a claim's value cannot be, or None."""
    if claim.kind == "percent" and claim.unit != "percentage points":
        values = [v for v in (claim.value, claim.low, claim.high) if v is not None]
        if any(v > 100 or v < 0 for v in values) and _is_share_of_people(doc, claim):
            return "a share of people must lie between 0% and 100%"
    if claim.kind == "p_value" and claim.value is not None:
        if claim.value > 1 or claim.value < 0:
            return "a p-value must lie between 0 and 1"
        if claim.value == 0 and claim.operator in {"<", "<="}:
            return "a p-value cannot be below 0"
    if claim.kind == "ci" and claim.low is not None and claim.high is not None and claim.low > claim.high:
        return f"the lower bound {claim.low:g} exceeds the upper bound {claim.high:g}"
    if claim.kind == "sample_size" and claim.value is not None and claim.value <= 0 and claim.operator == "=":
        return "a sample must have at least one member"
    return None


@rule(
    code="VS301",
    name="impossible-value",
    severity=Severity.ERROR,
    summary="A value that cannot be true: a share above 100%, a p-value above 1, an inverted interval.",
    what="""
Finds values that no study can report: a share of people above 100% or below 0, a
p-value outside 0 to 1, a confidence interval whose lower bound exceeds its upper bound,
and a sample of zero or fewer. Percent changes ("a 150% increase") are not shares and
are left alone.""",
    why="""
An impossible value is a typo, a mangled copy or a misread table, and it discredits
every other number in the piece.""",
    bad="The trial enrolled n = 0 patients, and 112% of participants improved (p = 1.3).",
    good="The trial enrolled n = 120 patients, and 56% of participants improved (p = 0.03).",
)
def impossible_value(doc: Document, context: RuleContext) -> Iterator[Finding]:
    for claim in doc.claims:
        reason = impossible_reason(doc, claim)
        if reason:
            yield Finding(
                rule="impossible-value",
                start=claim.start,
                end=claim.end,
                message=f'Impossible value "{claim.text}": {reason}',
                claim=claim,
            )


# ======================================================================================
# Shared helpers for the statistical-consistency rules
# ======================================================================================

# A share "of participants" is a share of the whole sample; "of women" may be a subgroup.
_WHOLE_SAMPLE_NOUNS = {"participants", "patients", "subjects", "respondents", "people", "persons",
                       "individuals", "volunteers", "enrollees"}
# Hedges that say a figure is rounded or approximate (not "an estimated", which names a
# statistical estimate, nor comparison hedges like "more than").
_APPROXIMATE_HEDGES = {"approximately", "approx.", "approx", "about", "around", "roughly", "circa",
                       "ca.", "close to", "nearly", "almost", "some", "~", "≈", "∼"}
_SPACES = re.compile(r"\s+")


def _hedge_of(claim: Claim) -> str:
    """The claim's hedge in lower case with single spaces, or the sign that opens its text."""
    if claim.hedge:
        return _SPACES.sub(" ", claim.hedge.strip().lower())
    if claim.text[:1] in {"~", "≈", "∼"}:
        return claim.text[0]
    return ""


def _is_approximate(claim: Claim) -> bool:
    return _hedge_of(claim) in _APPROXIMATE_HEDGES or claim.text[:1] in {"~", "≈", "∼"}


_PLAIN_NUMBER = re.compile(r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-−]?\.\d+")


def _plain_digits(raw: str) -> bool:
    """Written as a plain decimal number ("53.83", "1,014"): not words, fractions or "1.2 million"."""
    return bool(_PLAIN_NUMBER.fullmatch(raw.strip()))


def _significant_digits(raw: str) -> int:
    digits = re.sub(r"\D", "", raw)
    return len(digits.lstrip("0"))


def _rounds_to(exact: float, reported: float, decimals: int) -> bool:
    """Whether ``exact`` rounds to ``reported`` at ``decimals`` places, accepting either
    convention at a tie (half up, half to even) and a little floating-point slack."""
    half = 0.5 * 10.0 ** -decimals
    return abs(exact - reported) <= half * (1 + 1e-9) + 1e-12


def _percent_possible(percent: float, decimals: int, n: int) -> bool:
    """GRIM for a share: some whole k in [0, n] gives 100k/n that rounds to the percent."""
    centre = round(percent * n / 100.0)
    return any(_rounds_to(100.0 * k / n, percent, decimals) for k in (centre - 1, centre, centre + 1) if 0 <= k <= n)


def _mean_possible(mean: float, decimals: int, n: int) -> bool:
    """GRIM for a mean of n whole-number responses: some whole total k gives k/n."""
    centre = round(mean * n)
    return any(_rounds_to(k / n, mean, decimals) for k in (centre - 1, centre, centre + 1))


def _sentence_claims(doc: Document) -> dict[int, list[int]]:
    """Claim indexes by sentence, in text order: found once for the four rules that ask, so
    read-only."""
    return doc.memo("plausibility.sentence-claims", _claims_by_sentence)


def _claims_by_sentence(doc: Document) -> dict[int, list[int]]:
    by_sentence: dict[int, list[int]] = {}
    for index, claim in enumerate(doc.claims):
        if claim.sentence >= 0:
            by_sentence.setdefault(claim.sentence, []).append(index)
    return by_sentence


def _whole_number(claim: Claim) -> int | None:
    """A sample size stated exactly ("36 participants", "n = 79"), or None."""
    if claim.kind != "sample_size" or claim.value is None or claim.operator != "=" or claim.hedge:
        return None
    if claim.value != int(claim.value) or claim.value < 1:
        return None
    return int(claim.value)


def _cited_study(doc: Document, index: int) -> frozenset[str] | None:
    """The targets of the one source that a claim cites, or None if it cites none or several
    (a marker and the URL it stands for, "[4]", are one source)."""
    sources = doc.claim_citation_groups(index)
    if len(sources) != 1:
        return None
    return frozenset(c.target for c in sources[0])


# --------------------------------------------------------------------------------------
# Which sample a percentage is a share of
# --------------------------------------------------------------------------------------

_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"
_YEAR = re.compile(r"(?:19|20)\d\d")


@cache
def _of_number_pattern() -> re.Pattern[str]:
    """The sample written after a share: "53.83% of 36", "of the 36 participants", "of all 1,200
    respondents"."""
    return re.compile(
        rf"^\s*(?:of|among)\s+(?:(?:the|all|these|those)\s+)?(?P<n>{_NUMBER})(?![\d.,]*\s*%)"
        rf"(?=\s*(?:[,.;:)\]]|$|(?:[\w-]+\s+){{0,2}}(?:{PEOPLE_NOUNS})\b))",
        re.I,
    )


@cache
def _count_before_pattern() -> re.Pattern[str]:
    """A count written before its share: "19/36 (52.78%)", "19 of 36 participants (52.78%)",
    "(19/36, 52.78%)". The share sits in brackets right after its count (a bare "in 3 of 84
    patients, 36.91%..." is not its count)."""
    return re.compile(
        rf"(?:(?<![\d.,/])(?P<k>{_NUMBER})\s*(?:/|(?:out\s+)?of(?:\s+the)?)\s*(?P<n>{_NUMBER})"
        rf"(?:\s+(?:[\w-]+\s+){{0,2}}?(?:{PEOPLE_NOUNS}))?\s*[(\[]"
        rf"|[(\[]\s*(?P<k2>{_NUMBER})\s*(?:/|(?:out\s+)?of(?:\s+the)?)\s*(?P<n2>{_NUMBER})\s*[,;])\s*$",
        re.I,
    )


# What every count before a share holds: a number, then "/", "of" or "out of". re finds it by a
# fast scan for a digit, so most shares skip the slow pattern.
_COUNT_SIGN = re.compile(r"\d\s*(?:/|out|of)", re.I)
# A count in brackets right after a share: "45% (n = 36)", "45% (36".
_BRACKETED_COUNT = re.compile(r"^\s*[(\[]\s*(?:n\s*=\s*)?\d", re.I)
# "52.78% (19/36)", "52.78% (19 of 36)".
_COUNT_AFTER = re.compile(rf"^\s*[(\[]\s*(?P<k>{_NUMBER})\s*(?:/|(?:out\s+)?of(?:\s+the)?)\s*(?P<n>{_NUMBER})\s*[)\],;]", re.I)


@cache
def _of_group_pattern() -> re.Pattern[str]:
    """A share of a named group, possibly the whole sample: "of participants", "of the patients"."""
    return re.compile(
        rf"^\s*(?:of|among)\s+(?P<det>(?:(?:the|all|these|those|our|their)\s+)*)"
        rf"(?P<mods>(?:[\w-]+\s+){{0,3}}?)(?P<noun>{PEOPLE_NOUNS})\b(?P<after>[^\n]{{0,40}})",
        re.I,
    )


@cache
def _narrowing_pattern() -> re.Pattern[str]:
    """Words after the group's noun that narrow it to a subgroup ("of patients in the music arm")."""
    return re.compile(
        r"^\s*(?:who|that|which|whose|in|with|without|from|at|on|aged|under|over|among|within|across|"
        r"assigned|allocated|randomi[sz]ed|receiving|given|taking|using|undergoing|treated|enrolled\s+in|"
        r"[a-z]+ing\b|[a-z]+ed\s+(?:to|in|into|with|by|at|on))\b",
        re.I,
    )


# A bare share followed by what its people did: "Of 84 patients, 36.91% responded".
_SHARE_VERB = re.compile(
    r"^\s*(?:had|have|has|were|was|are|is|reported|responded|improved|achieved|experienced|showed|"
    r"developed|completed|remained|met|reached|received|required|needed|discontinued|dropped|withdrew|"
    r"died|relapsed|recovered|agreed|said|felt|preferred|chose|used|became|attained|returned)\b",
    re.I,
)
# Words before a percent that make it a change or a level, not a share of people.
_NOT_A_SHARE_BEFORE = re.compile(r"\b(?:by|to|from|a|an|the|with|than|at)\s*$", re.I)
# Sentences comparing arms or subgroups: a share there may be of one arm, not of the sample.
_ARM_CUES = re.compile(
    r"\b(?:groups?|arms?|versus|vs|compared|comparison|control|controls|placebo|than|whereas|while|"
    r"respectively|subgroups?|those\s+who|those\s+with|intervention)\b",
    re.I,
)
# Every match of _ARM_CUES holds one of these, lower-cased: most sentences hold none.
_ARM_WORDS = ("group", "arm", "versus", "vs", "compar", "control", "placebo", "than", "whereas", "while",
              "respectively", "those", "intervention")


@dataclass(frozen=True)
class _Denominator:
    n: int
    how: str                     # "direct", "sentence" or "study"
    k: int | None = None         # a stated numerator ("19/36")
    source: Claim | None = None  # the sample-size claim, when it is one


def _denominator(doc: Document, index: int, by_sentence: dict[int, list[int]],
                 study_sizes: dict[str, set[int]], study_claims: dict[str, Claim]) -> _Denominator | None:
    """The number of people a reported share is a share of, when the text says so clearly.

    In order: a count written with the share ("of 36", "19/36 (52.78%)"); the only sample
    size in the same sentence, when the share is of the whole sample; the only sample size
    reported elsewhere for the same (single) cited study. Returns None whenever a subgroup
    or an arm may be meant.
    """
    claim = doc.claims[index]
    after = doc.prose[claim.end:claim.end + 160]
    before = doc.prose[max(0, claim.start - 80):claim.start]
    direct = _of_number_pattern().match(after)
    if direct and not _YEAR.fullmatch(direct.group("n")):
        return _Denominator(int(direct.group("n").replace(",", "")), "direct")
    stated = _count_before(before) or _COUNT_AFTER.match(after)
    if stated:
        k, n = (stated.group("k") or stated.group("k2")), (stated.group("n") or stated.group("n2"))
        if _YEAR.fullmatch(n):  # "in 2019/2020 (45%)"
            return None
        return _Denominator(int(n.replace(",", "")), "direct", k=int(k.replace(",", "")))
    # A count in brackets right after a share is usually its numerator: "45% (n = 36)".
    if _BRACKETED_COUNT.match(after):
        return None
    if _compares_groups(doc, claim.sentence):
        return None
    group = _of_group_pattern().match(after)
    noun = None
    if group:
        if group.group("mods").strip() or _narrowing_pattern().match(group.group("after")):
            return None
        noun = group.group("noun").lower()
    elif not _SHARE_VERB.match(after) or _NOT_A_SHARE_BEFORE.search(before):
        return None
    sizes = _sentence_sizes(doc, claim.sentence, by_sentence)
    if sizes:
        values = {n for _, n in sizes}
        if len(values) != 1:
            return None
        source = doc.claims[sizes[0][0]]
        if noun and noun not in _WHOLE_SAMPLE_NOUNS and (source.unit or "").lower() != noun:
            return None
        return _Denominator(values.pop(), "sentence", source=source)
    # Elsewhere in the document, for the same cited study: only "of (the) participants".
    if noun not in _WHOLE_SAMPLE_NOUNS:
        return None
    study = _cited_study(doc, index)
    if study is None:
        return None
    values = set().union(*(study_sizes.get(target, set()) for target in study))
    if len(values) != 1:
        return None
    source = next(study_claims[t] for t in sorted(study) if t in study_claims)
    return _Denominator(next(iter(values)), "study", source=source)


def _count_before(before: str) -> re.Match | None:
    """A count written before a share ("19/36 (", "(19/36, "). It ends on the bracket that opens
    the share or on a comma inside one, and holds a number and "/" or "of": only then is the
    pattern, tried at every position, run."""
    if not before.rstrip().endswith(("(", "[", ",", ";")) or not _COUNT_SIGN.search(before):
        return None
    return _count_before_pattern().search(before)


def _sentence_sizes(doc: Document, sentence: int, by_sentence: dict[int, list[int]]) -> list[tuple[int, int]]:
    """The sample sizes stated in a sentence, (claim index, n) in order: worked out once per
    sentence, not once per share in it (a paragraph of thousands of figures went quadratic)."""
    answers = doc.memo("plausibility.sentence-sizes", lambda d: {})
    if sentence not in answers:
        sizes = ((i, _whole_number(doc.claims[i])) for i in by_sentence.get(sentence, ()))
        answers[sentence] = [(i, n) for i, n in sizes if n is not None]
    return answers[sentence]


def _compares_groups(doc: Document, sentence: int) -> bool:
    """Whether a sentence compares arms or subgroups: asked once per sentence, not once per
    share or mean in it."""
    answers = doc.memo("plausibility.compares-groups", lambda d: {})
    if sentence not in answers:
        text = doc.sentence_text(sentence)
        lowered = folded(text)
        answers[sentence] = any(words in lowered for words in _ARM_WORDS) and bool(_ARM_CUES.search(text))
    return answers[sentence]


def _study_sizes(doc: Document) -> tuple[dict[str, set[int]], dict[str, Claim]]:
    """Sample sizes stated for each study cited alone (by each of its targets)."""
    sizes: dict[str, set[int]] = {}
    first: dict[str, Claim] = {}
    for index, claim in enumerate(doc.claims):
        n = _whole_number(claim)
        study = _cited_study(doc, index) if n is not None else None
        if study is None:
            continue
        for target in study:
            sizes.setdefault(target, set()).add(n)
            first.setdefault(target, claim)
    return sizes, first


def _testable_share(claim: Claim) -> bool:
    """A share reported as one exact figure in digits, between 0 and 100."""
    return (claim.kind == "percent" and claim.unit == "%" and claim.value is not None
            and claim.low is None and claim.operator == "=" and not claim.hedge
            and _plain_digits(claim.raw) and 0 <= claim.value <= 100)


def _related_n(denominator: _Denominator) -> tuple[Related, ...]:
    source = denominator.source
    if source is None or denominator.how == "direct":
        return ()
    return (Related(source.start, source.end, f"sample size {source.text}"),)


def _share_denominators(doc: Document) -> dict[int, _Denominator | None]:
    """The denominator of every testable share in a sentence, by claim index: found once
    for grim-inconsistent and false-precision."""
    return doc.memo("plausibility.share-denominators", _find_denominators)


def _find_denominators(doc: Document) -> dict[int, _Denominator | None]:
    by_sentence = _sentence_claims(doc)
    study_sizes, study_claims = _study_sizes(doc)
    return {index: _denominator(doc, index, by_sentence, study_sizes, study_claims)
            for index, claim in enumerate(doc.claims) if claim.sentence >= 0 and _testable_share(claim)}


def _grim_findings(doc: Document) -> list[tuple[Claim, _Denominator, str]]:
    """Shares and means that cannot come from their sample size: (claim, n, reason),
    found once for grim-inconsistent and false-precision."""
    return doc.memo("plausibility.grim", lambda d: list(_find_grim(d)))


def _find_grim(doc: Document) -> Iterator[tuple[Claim, _Denominator, str]]:
    by_sentence = _sentence_claims(doc)
    denominators = _share_denominators(doc)
    for index, claim in enumerate(doc.claims):
        if claim.sentence < 0:
            continue
        if _testable_share(claim):
            denominator = denominators[index]
            if denominator is None or denominator.n < 1:
                continue
            d = claim.decimals
            if denominator.k is not None and denominator.k <= denominator.n:
                exact = 100.0 * denominator.k / denominator.n
                if not _rounds_to(exact, claim.value, d):
                    yield claim, denominator, (
                        f"{denominator.k}/{denominator.n} is {exact:.{max(d, 1) + 1}f}%, which does not round to {claim.raw}%")
                continue
            if not _percent_possible(claim.value, d, denominator.n):
                yield claim, denominator, (
                    f"no whole number of people out of {denominator.n} gives {claim.raw}%"
                    f" (nearest: {_nearest_shares(claim.value, d, denominator.n)})")
        elif claim.kind == "mean":
            n = _integer_mean_sample(doc, index, by_sentence)
            if n is None:
                continue
            d = claim.decimals
            if 10 ** d > n and not _mean_possible(claim.value, d, n):
                centre = round(claim.value * n)
                near = ", ".join(f"{k / n:.{d}f}" for k in (centre - 1, centre, centre + 1) if k >= 0)
                yield claim, _Denominator(n, "sentence"), (
                    f"a mean of {n} whole-number answers must be a multiple of 1/{n} (nearest: {near})")


def _nearest_shares(percent: float, decimals: int, n: int) -> str:
    below = int(percent * n // 100)
    shown = [k for k in (below, below + 1) if 0 <= k <= n]
    return ", ".join(f"{k}/{n} = {100.0 * k / n:.{decimals}f}%" for k in shown)


# Means of whole numbers: counts ("mean number of sessions") and single-item ratings.
_COUNT_MEAN = re.compile(r"\b(?:mean|average)\s+number\s+of\b", re.I)
_SINGLE_ITEM = re.compile(r"\bsingle[- ]item\b|\bone[- ]item\b|\bsingle\s+(?:question|rating)\b", re.I)


def _integer_mean_sample(doc: Document, index: int, by_sentence: dict[int, list[int]]) -> int | None:
    """The sample size for a mean of whole-number answers in the same sentence, or None.

    Only when the sentence says the answers are whole numbers (a mean number of
    something, a single-item rating), names exactly one sample size and compares no arms.
    """
    claim = doc.claims[index]
    if (claim.label not in {"mean", "average", "M"} or claim.value is None or claim.value < 0
            or claim.operator != "=" or claim.hedge or not _plain_digits(claim.raw) or claim.decimals < 1):
        return None
    sentence = doc.sentence_text(claim.sentence)
    if not (_COUNT_MEAN.search(claim.text) or _COUNT_MEAN.search(sentence) or _SINGLE_ITEM.search(sentence)):
        return None
    if _compares_groups(doc, claim.sentence):
        return None
    means = [i for i in by_sentence.get(claim.sentence, ()) if doc.claims[i].kind == "mean"
             and doc.claims[i].label in {"mean", "average", "M"}]
    if len(means) != 1:
        return None
    sizes = {_whole_number(doc.claims[i]) for i in by_sentence.get(claim.sentence, ())} - {None}
    return sizes.pop() if len(sizes) == 1 else None


@rule(
    code="VS302",
    name="grim-inconsistent",
    severity=Severity.WARNING,
    summary="A percentage or mean that no whole number of people out of the stated sample can give.",
    what="""
Applies the GRIM test. A share of N people can only be k/N for a whole k, so at the
decimals reported some percentages are impossible: 53.83% of 36 is not (19/36 = 52.78%,
20/36 = 55.56%). The sample is the count written with the share ("of 36", "19/36
(52.78%)"), else the only sample size in the same sentence, else the only sample size
given elsewhere for the same single cited study. It is not used when the share may be
of a subgroup or one arm ("of women", "of patients in the music group", sentences that
compare groups), when the figure is hedged ("approximately") or a range, or when a count
in brackets follows the share ("45% (n = 36)", usually its numerator). A stated count is
checked too: 19/36 is 52.78%, not 53.83%. Means are tested only when the answers are
whole numbers (a mean number of sessions, a single-item rating) and the sentence gives
one sample size.""",
    why="""
A figure that cannot arise from the sample was mistyped, recomputed from the wrong
denominator, or taken from another study or subgroup. Either the figure or the sample
size is wrong, and readers cannot tell which.""",
    bad="Of the 36 participants, 53.83% reported better sleep after eight weeks [1].",
    good="Of the 36 participants, 52.78% (19/36) reported better sleep after eight weeks [1].",
)
def grim_inconsistent(doc: Document, context: RuleContext) -> Iterator[Finding]:
    for claim, denominator, reason in _grim_findings(doc):
        yield Finding(
            rule="grim-inconsistent",
            start=claim.start,
            end=claim.end,
            message=f'"{claim.text}" cannot come from a sample of {denominator.n}: {reason}',
            claim=claim,
            related=_related_n(denominator),
            anchor=f"{claim.text} n={denominator.n}",
        )


@rule(
    code="VS303",
    name="false-precision",
    severity=Severity.WARNING,
    summary="A figure given with more decimals than its hedge or its sample can support.",
    what="""
Finds figures whose precision contradicts their context. A hedged figure with two or
more decimals and three or more significant digits ("approximately 53.83%", "about
2.35 times") claims to be both rough and exact. A share of a small sample given to more
decimals than one person is worth ("35.71% of 84 patients": each patient is 1.19
percentage points, so the hundredths carry nothing) is reported when the sample size
is clear (see grim-inconsistent for how it is found) and the figure itself is possible;
two decimals need at least 100 people, three at least 1,000. "An estimated" is a
statistical estimate, not a hedge, and p-values and intervals are left alone.""",
    why="""
Spurious decimals make a figure look measured when it was rounded, copied or generated:
a hedged 53.83% usually means the number was mangled on the way from its source. Readers
give more weight to precise-looking numbers than they deserve.""",
    bad="Approximately 53.83% of participants reported better sleep [1].",
    good="About 54% of participants reported better sleep [1].",
)
def false_precision(doc: Document, context: RuleContext) -> Iterator[Finding]:
    denominators = _share_denominators(doc)
    impossible = {id(claim) for claim, _, _ in _grim_findings(doc)}
    for index, claim in enumerate(doc.claims):
        if claim.sentence < 0 or claim.kind not in {"percent", "ratio", "mean", "other"}:
            continue
        if claim.value is None or claim.low is not None or not _plain_digits(claim.raw):
            continue
        decimals = claim.decimals
        if decimals < 2:
            continue
        shown = _with_hedge(claim)
        if _is_approximate(claim) and _significant_digits(claim.raw) >= 3:
            yield Finding(
                rule="false-precision",
                start=claim.start,
                end=claim.end,
                message=(f'Hedged figure "{shown}" is given to {decimals} decimal places; '
                         f"a rounded figure ({_rounded(claim)}) says what the hedge means"),
                claim=claim,
                anchor=shown,
            )
            continue
        if claim.kind != "percent" or not _testable_share(claim) or id(claim) in impossible:
            continue
        denominator = denominators[index]
        if denominator is None or denominator.n >= 10 ** decimals:
            continue
        step = 100.0 / denominator.n
        yield Finding(
            rule="false-precision",
            start=claim.start,
            end=claim.end,
            message=(f'"{claim.text}" of {denominator.n} people is given to {decimals} decimal places, '
                     f"but one person is {step:.2f} percentage points; report {_rounded(claim)}"),
            claim=claim,
            related=_related_n(denominator),
            anchor=f"{claim.text} n={denominator.n}",
        )


def _with_hedge(claim: Claim) -> str:
    hedge = claim.hedge or ""
    return f"{hedge} {claim.text}" if hedge and hedge.lower() not in claim.text.lower() else claim.text


def _rounded(claim: Claim) -> str:
    """The figure at a precision a hedge or a small sample can carry."""
    value = claim.value or 0.0
    suffix = "%" if claim.kind == "percent" else ""
    if abs(value) >= 10:
        return f"{value:.0f}{suffix}"
    return f"{float(f'{value:.2g}'):g}{suffix}"


# --------------------------------------------------------------------------------------
# Significance wording against p-values and confidence intervals
# --------------------------------------------------------------------------------------

@cache
def _negative_significance_pattern() -> re.Pattern[str]:
    return re.compile(
        r"(?:\bnot|n't|\bnever)\b(?:\s+[\w-]+){0,2}?\s+(?:statistically\s+)?significant(?:ly)?\b"
        r"|\bno\s+(?:statistically\s+)?significant(?:ly)?(?:\s+(?:difference|effect|change|association|improvement|benefit|reduction|increase|decrease|interaction)s?)?\b"
        r"|\bnon-?\s?significant(?:ly)?\b|\bstatistically\s+insignificant\b"
        r"|(?:\bnot|n't|\bfail(?:ed|s)?\s+to)\s+(?:reach|achieve|attain)\s+(?:statistical\s+)?significance\b"
        r"|\bno\s+longer\s+(?:statistically\s+)?significant\b|\blost\s+(?:statistical\s+)?significance\b",
        re.I,
    )


@cache
def _positive_significance_pattern() -> re.Pattern[str]:
    return re.compile(
        r"\b(?:statistically\s+)?significant(?:ly)?\b"
        r"|\b(?:reached|reaches|achieved|attained)\s+(?:statistical\s+)?significance\b",
        re.I,
    )


@cache
def _qualified_pattern() -> re.Pattern[str]:
    """Wording that makes a clause's verdict deliberate or conditional: a trend, a corrected
    threshold, a methods statement, clinical rather than statistical significance."""
    return re.compile(
        r"\b(?:trend\w*|marginal\w*|borderline|approach\w*|nearly|almost|near-significant|bonferroni|"
        r"correct(?:ed|ion|ing)|multiple\s+(?:comparisons|testing)|false\s+discovery|fdr|holm|alpha|"
        r"significance\s+(?:level|threshold)|level\s+of\s+significance|threshold|considered|defined\s+as|"
        r"set\s+at|one-(?:sided|tailed)|clinically|levels?\s+of\s+0?\.\d+)\b|α",
        re.I,
    )


_NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|without|failed|fails|lack\w*|absence|none)\b|n't", re.I)
# Where one clause ends and the next begins (outside brackets).
_CLAUSE_BREAK = re.compile(r";|,\s+(?:and|or)\b|\b(?:but|whereas|while|although|though|however|yet)\b", re.I)
_RATIO_LABELS = {"OR", "aOR", "RR", "aRR", "HR", "aHR", "IRR", "aIRR", "sHR", "PR", "aPR"}
_RATIO_WORDS = re.compile(r"\b(?:odds|hazard|risk|rate|incidence|prevalence)\s+ratios?\b|\brelative\s+risk\b|\ba?(?:OR|RR|HR|IRR)s?\b")
_DIFFERENCE_WORDS = re.compile(r"\bdifference\b|\b(?:S|W)?MD\b", re.I)


@dataclass(frozen=True)
class _Verdict:
    """A p-value or interval in a sentence and what it says about significance at 0.05."""

    claim: Claim
    significant: bool
    reason: str
    group: int      # bracket group, so "(OR 1.4, 95% CI 0.8-2.6, p = 0.21)" counts as one


def _p_verdict(claim: Claim) -> bool | None:
    value, op = claim.value, claim.operator
    if value is None or not 0 <= value <= 1:
        return None
    if op == "=":
        return None if value == 0.05 else value < 0.05
    if op in {"<", "<="}:
        return True if value <= 0.05 else None
    if op in {">", ">="}:
        return False if value >= 0.05 else None
    return None


def _ci_verdict(doc: Document, claim: Claim, previous: Claim | None, sentence_start: int) -> tuple[bool, str] | None:
    """Whether a 95% interval for a ratio excludes 1 (or for a difference excludes 0)."""
    if claim.low is None or claim.high is None or (claim.label or "95%").replace(" ", "") not in {"95%", "CI"}:
        return None
    lead = doc.prose[max(sentence_start, claim.start - 60):claim.start]
    near = previous is not None and 0 <= claim.start - previous.end <= 25
    if (near and previous.kind == "ratio" and previous.label in _RATIO_LABELS) or _RATIO_WORDS.search(lead):
        null, what = 1.0, "ratio"
    elif (near and previous.kind == "mean" and (previous.label in {"MD", "SMD"} or "difference" in previous.text.lower())) \
            or _DIFFERENCE_WORDS.search(lead):
        null, what = 0.0, "difference"
    else:
        return None
    low, high = sorted((claim.low, claim.high))
    if low < null < high:
        return False, f"the 95% CI {claim.raw} for a {what} includes {null:g}"
    if high < null or low > null:
        return True, f"the 95% CI {claim.raw} for a {what} excludes {null:g}"
    return None


def _bracket_groups(text: str) -> tuple[list[int], list[int]]:
    """For each character: the top-level bracket group it sits in (or -1); and the
    offsets of clause breaks outside brackets."""
    groups, breaks = [-1] * len(text), []
    depth, group = 0, -1
    for i, ch in enumerate(text):
        if ch in "([":
            if depth == 0:
                group += 1
            depth += 1
        if depth:
            groups[i] = group
        if ch in ")]" and depth:
            depth -= 1
    for match in _CLAUSE_BREAK.finditer(text):
        if groups[match.start()] < 0:
            breaks.append(match.start())
    return groups, breaks


def _significance_findings(doc: Document, sentence: int, indexes: list[int]) -> Iterator[Finding]:
    start = doc.sentences[sentence].start
    text = doc.sentence_text(sentence)
    if "significan" not in folded(text):
        return  # every wording compared holds it: "significant(ly)", "insignificant", "significance"
    groups, breaks = _bracket_groups(text)

    def clause(offset: int) -> int:
        return sum(1 for b in breaks if b <= offset)

    verdicts: list[_Verdict] = []
    previous: Claim | None = None
    for index in indexes:
        claim = doc.claims[index]
        local = claim.start - start
        if 0 <= local < len(text):
            if claim.kind == "p_value":
                verdict = _p_verdict(claim)
                if verdict is not None:
                    side = "below" if verdict else "not below"
                    verdicts.append(_Verdict(claim, verdict, f"{claim.text} is {side} 0.05", groups[local]))
            elif claim.kind == "ci":
                found = _ci_verdict(doc, claim, previous, start)
                if found is not None:
                    verdicts.append(_Verdict(claim, found[0], found[1], groups[local]))
        previous = claim
    if not verdicts:
        return

    negatives = [(m.start(), m.end(), False) for m in _negative_significance_pattern().finditer(text)]
    positives = [(m.start(), m.end(), True) for m in _positive_significance_pattern().finditer(text)
                 if not any(s <= m.start() < e for s, e, _ in negatives)]
    phrases = [p for p in negatives + positives if not re.search(r"clinically", text[p[0]:p[1]], re.I)]
    by_clause: dict[int, list[tuple[int, int, bool]]] = {}
    for phrase in phrases:
        by_clause.setdefault(clause(phrase[0]), []).append(phrase)
    clause_bounds = [0] + breaks + [len(text)]

    for verdict in verdicts:
        local = verdict.claim.start - start
        number = clause(local)
        candidates = by_clause.get(number, [])
        if not candidates or len({p[2] for p in candidates}) != 1:
            continue
        clause_text = text[clause_bounds[number]:clause_bounds[number + 1]]
        if _qualified_pattern().search(clause_text):
            continue
        polarity = candidates[0][2]
        if polarity and _NEGATION.search(clause_text):
            continue  # "No group improved significantly": a negation elsewhere in the clause.
        same_group = [v for v in verdicts if v.group >= 0 and v.group == verdict.group]
        if len({v.significant for v in same_group}) > 1:
            continue
        phrase = _nearest_phrase(verdict, verdicts, candidates, local, start)
        if phrase is None or polarity == verdict.significant:
            continue
        words = " ".join(text[phrase[0]:phrase[1]].split())
        yield Finding(
            rule="significance-mismatch",
            start=verdict.claim.start,
            end=verdict.claim.end,
            message=f'Called "{words}", but {verdict.reason}',
            claim=verdict.claim,
            related=(Related(start + phrase[0], start + phrase[1], f'"{words}"'),),
            anchor=f"{words} {verdict.claim.text}",
        )


def _nearest_phrase(verdict: _Verdict, verdicts: list[_Verdict], phrases: list[tuple[int, int, bool]],
                    local: int, start: int) -> tuple[int, int, bool] | None:
    """The closest wording with no other statistic (outside the verdict's brackets) between."""
    best, best_distance = None, None
    for phrase in phrases:
        low, high = sorted((phrase[0], local))
        blocked = any(
            low < other.claim.start - start < high and not (other.group >= 0 and other.group == verdict.group)
            for other in verdicts if other is not verdict
        )
        distance = high - low
        if blocked or distance > 200:
            continue
        if best_distance is None or distance < best_distance:
            best, best_distance = phrase, distance
    return best


@rule(
    code="VS304",
    name="significance-mismatch",
    severity=Severity.WARNING,
    summary='"Significant" beside p >= 0.05, "not significant" beside p < 0.05, or the same against a 95% CI.',
    what="""
Reads each sentence that reports a p-value or a 95% confidence interval and compares it
with the significance wording in the same clause: "significant(ly)" or "reached
significance" beside p >= 0.05, a ratio's CI that includes 1 or a difference's CI that
includes 0; and "not significant", "no significant difference", "did not reach
significance" beside p < 0.05 or an interval that excludes its null value. Clauses are
split at semicolons and at "but", "whereas", "while", ", and"; each statistic is paired
with the nearest wording with no other statistic between. Left alone: trends and
borderline results ("a trend towards significance, p = 0.06"), corrected thresholds
(Bonferroni, FDR), methods statements ("p < 0.05 was considered significant"),
clinical significance, p = 0.05 exactly, bounds that sit on the null value, and
"significant" with no statistic in its sentence (lay usage).""",
    why="""
Calling a non-significant result significant (or the reverse) reverses what the study
found. It is one of the most common errors when results are paraphrased, and readers
cannot check it without the paper.""",
    bad="Music therapy led to a statistically significant fall in anxiety scores (p = 0.07) [1].",
    good="Music therapy led to a fall in anxiety scores that was not statistically significant (p = 0.07) [1].",
)
def significance_mismatch(doc: Document, context: RuleContext) -> Iterator[Finding]:
    for sentence, indexes in _sentence_claims(doc).items():
        if any(doc.claims[i].kind in {"p_value", "ci"} for i in indexes):
            yield from _significance_findings(doc, sentence, indexes)


# --------------------------------------------------------------------------------------
# Open-ended figures
# --------------------------------------------------------------------------------------

# Hedges that give only a ceiling the figure may reach: the reader hears the ceiling.
_OPEN_HEDGES = {"upwards of", "upward of", "as many as", "as much as", "as high as", "up to"}
_COUNTED_PEOPLE = set(PEOPLE_NOUNS.split("|")) | {"deaths", "infections", "hospitalizations",
                                                    "hospitalisations", "admissions", "suicides", "overdoses"}


@cache
def _population_after_pattern() -> re.Pattern[str]:
    """What a figure is a share of: any "of ..." denominator ("up to 40% of vaccine courses"),
    people ("as many as 1 in 3 adults", "up to 30% in older adults", "in those aged 80 or
    older"), or a named place or group ("up to 25% in the city of Breves")."""
    return re.compile(
        rf"^\s*(?:[(\[][^)\]]{{0,60}}[)\]]\s*)?"
        rf"(?:of\s+\S|(?:(?:among|in|for|across)\s+(?:[\w'-]+\s+){{0,4}}?)?(?:{PEOPLE_NOUNS}|those|them)\b"
        rf"|(?:among|in|for|across)\s+(?:the\s+)?(?:[a-z-]+\s+(?:of\s+)?){{0,2}}[A-Z])",
    )


_VAGUE_SKIPPED_BLOCKS = {"heading", "image", "reference_definition"}


@rule(
    code="VS305",
    name="vague-quantifier",
    severity=Severity.WARNING,
    summary='An open-ended figure ("upwards of 60%", "up to") with no source and no population.',
    what="""
Finds percentages, ratios and counts of people introduced by a hedge that only states a
ceiling ("upwards of", "up to", "as many as", "as much as", "as high as") when nothing
anchors them. A figure is anchored when a citation sources it (in its sentence or, failing
that, its paragraph or list item); when the words right after it say what it is a share
of: any "of ..." denominator ("up to 40% of smokers", "as much as 70% of the time"),
people ("as many as 1 in 3 adults", "up to 30% in older adults", "in those aged 80 or
older") or a named place or group ("up to 25% in the city of Breves"); or when its
sentence states a sample size. Floors such as "more than" and "at least" are not flagged:
they understate rather than inflate. Design limits with other units ("up to 20 sessions")
are not statistics and are left alone.""",
    why="""
An open bound invites readers to take the best case as the typical one: "upwards of 60%"
may describe one subgroup of one study, or nothing at all. Without a source or a
population the figure cannot be checked or put in context.""",
    bad="Music therapy can reduce cravings by upwards of 60%.",
    good="In one trial, cravings fell by up to 60% among the 48 participants who completed therapy [1].",
)
def vague_quantifier(doc: Document, context: RuleContext) -> Iterator[Finding]:
    by_sentence = _sentence_claims(doc)
    for index, claim in enumerate(doc.claims):
        if claim.sentence < 0 or _hedge_of(claim) not in _OPEN_HEDGES or doc.claim_citations[index]:
            continue
        if doc.blocks[doc.sentences[claim.sentence].block].kind in _VAGUE_SKIPPED_BLOCKS:
            continue
        if claim.kind not in {"percent", "ratio"} and not (
                claim.kind == "count" and (claim.unit or "").lower() in _COUNTED_PEOPLE):
            continue
        if _population_after_pattern().match(doc.prose[claim.end:claim.end + 120]):
            continue
        if any(_whole_number(doc.claims[i]) for i in by_sentence.get(claim.sentence, ()) if i != index):
            continue
        shown = _with_hedge(claim)
        yield Finding(
            rule="vague-quantifier",
            start=claim.start,
            end=claim.end,
            message=f'Open-ended figure "{shown}" has no source and names no population it applies to',
            claim=claim,
            anchor=shown,
        )
