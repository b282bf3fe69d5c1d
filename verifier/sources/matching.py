"""Does a source's text contain a claim's figure? Numbers as they are written, matched robustly.

A number in a source can be written ``45%``, ``45 %``, ``45 percent``, ``0.45``, ``forty-five
per cent``, ``1,014``, ``1014`` or ``1 014``, ``P<.001``, ``0·45`` (Lancet style), ``1.5
million``, ``20 per 100,000`` (0.02%), or as counts (``13 of 23``, ``13 (57%)`` of 23: 56.52%);
a claim can round it (``39.7%`` → ``nearly 40%``), cut it (25,961 → ``25,000 cases``), bound it
(``more than 3,000`` for 3,199) or convert its unit (``two weeks`` for 14 days).
:meth:`SourceText.find` answers whether the value a claim states is among the numbers of a
source, allowing exactly these forms and no others, so that a changed figure (``97%`` written
``79%``) is still missed.

:func:`closest_passage` picks the source sentence most like the claim's, the evidence an
editor reads; :func:`context_mismatch` is the conservative check that a figure found in the
source is about the population and time point the claim says.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from verifier.sources.text import split_sentences

# -- numbers as written -----------------------------------------------------------------------

_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
               "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# Words that stand for a share on their own, as a percentage: inherently approximate.
_SHARE_WORDS = {
    "half": 50.0, "a half": 50.0, "one half": 50.0, "a third": 100 / 3, "one third": 100 / 3,
    "two thirds": 200 / 3, "a quarter": 25.0, "one quarter": 25.0, "a fourth": 25.0, "one fourth": 25.0,
    "three quarters": 75.0, "three fourths": 75.0, "a fifth": 20.0, "one fifth": 20.0, "two fifths": 40.0,
    "three fifths": 60.0, "four fifths": 80.0, "a tenth": 10.0, "one tenth": 10.0,
}
# Words that multiply: "twice as likely" is colloquial for an odds ratio near 2.
_TIMES_WORDS = {"twice": 2.0, "double": 2.0, "doubled": 2.0, "triple": 3.0, "tripled": 3.0,
                "threefold": 3.0, "twofold": 2.0, "fourfold": 4.0, "fivefold": 5.0, "tenfold": 10.0,
                "a dozen": 12.0, "dozen": 12.0}
_SPECIAL_WORDS = {**_SHARE_WORDS, **_TIMES_WORDS}
_WORD_ATOM = "|".join(sorted([*_UNITS_WORDS, *_TENS_WORDS, "hundred", "thousand", "million", "billion"], key=len, reverse=True))
_NUMBER_WORDS = re.compile(
    rf"\b(?:{_WORD_ATOM})(?:(?:[\s-]+|\s+and\s+)(?:{_WORD_ATOM}))*\b", re.I)
_SPECIAL = re.compile(r"\b(?:" + "|".join(sorted((re.escape(w).replace(r"\ ", r"[\s-]+") for w in _SPECIAL_WORDS), key=len, reverse=True)) + r")\b", re.I)
_SMALL = rf"(?:\d{{1,3}}(?:,\d{{3}})+(?!\d)|\d+|{_WORD_ATOM})"
# "1 in 4", "nine out of 10", "one in five adults": a share, written approximately.
_OUT_OF = re.compile(rf"\b(?P<a>{_SMALL})\s+(?:out\s+of|in)\s+(?:every\s+)?(?P<b>{_SMALL})\b(?!\s*(?:%|per\s?cent|percent))", re.I)
_TIMES_AFTER = re.compile(r"[\s-]*(?:times|fold)\b", re.I)

_NUMERAL = re.compile(
    r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:\s?[x×]\s?10\s?(?:\^|\*\*)?\s?[-−–]?\s?\d+)?"
    r"|(?<![\w.\d])\.\d+"
)
_NAME_BEFORE = re.compile(r"[A-Za-z][-‐]?$")
_PERCENT_AFTER = re.compile(r"\s?(?:%|per\s?cent\b|percent(?:age)?\b|pct\b)", re.I)
_SCALE_AFTER = re.compile(r"\s?(thousand|million|billion|bn|m)\b", re.I)
_UNIT_AFTER = re.compile(
    r"[\s-]?(?P<unit>seconds?|secs?|s|minutes?|mins?|min|hours?|hrs?|h|days?|d|weeks?|wks?|wk|months?|mos?|"
    r"years?|yrs?|y)\b", re.I)
_OPERATOR_BEFORE = re.compile(
    r"(?P<op><=|>=|≤|≥|<|>|=|~|≈|&lt;|&gt;|\bless than|\bfewer than|\bmore than|\bgreater than|\bover|\bunder|"
    r"\bup to|\bat least|\bat most|\bnearly|\balmost|\bapproximately|\babout|\baround|\broughly|\bsome|"
    r"\bclose to|\bestimated|\bexceeding|\bbelow|\babove)\s*(?:of\s+)?$", re.I)
_P_BEFORE = re.compile(r"(?:\b[pP]\s*(?:[-‐ ]?values?)?\s*(?:[<>≤≥=]|&lt;|&gt;)\s*$|\b[pP]\s*(?:[-‐ ]?values?)?\s*(?:of|was|were|is)?\s*$)")

_UNIT_NAMES = {
    "s": "second", "sec": "second", "secs": "second", "second": "second", "seconds": "second",
    "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "d": "day", "day": "day", "days": "day",
    "wk": "week", "wks": "week", "week": "week", "weeks": "week",
    "mo": "month", "mos": "month", "month": "month", "months": "month",
    "y": "year", "yr": "year", "yrs": "year", "year": "year", "years": "year",
}
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400,
            "month": 30.4375 * 86400, "year": 365.25 * 86400}
_OPERATORS = {
    "<": "<", "&lt;": "<", "less than": "<", "fewer than": "<", "under": "<", "below": "<", "up to": "<=",
    "at most": "<=", "<=": "<=", "≤": "<=",
    ">": ">", "&gt;": ">", "more than": ">", "greater than": ">", "over": ">", "above": ">", "exceeding": ">",
    "at least": ">=", ">=": ">=", "≥": ">=",
    "=": "=", "~": "~", "≈": "~", "nearly": "~-", "almost": "~-", "approximately": "~", "about": "~",
    "around": "~", "roughly": "~", "some": "~", "close to": "~", "estimated": "~",
}


@dataclass(frozen=True)
class Number:
    """A number as written in a text."""

    value: float
    decimals: int
    start: int
    end: int
    percent: bool = False
    operator: str = "="
    p_value: bool = False
    unit: str | None = None
    words: bool = False
    # Other values the same words stand for: "1.5 million" is also 1500000; "half" is also 50%.
    alternatives: tuple[float, ...] = ()
    ci_level: bool = False   # the 95 of "95% CI": a convention, not a finding
    approx: bool = False     # a share or multiple written in words: "a third", "1 in 4", "twice"
    part: bool = False       # a term of "1 in 4", which stands for the share, not for itself
    # Values the number is exactly, never to be rounded: "20 per 100,000" is 0.02%, and only that.
    exact: tuple[float, ...] = ()

    @property
    def values(self) -> tuple[float, ...]:
        return (self.value, *self.alternatives)


def _normalise(text: str) -> str:
    """Same-length normalisation: Lancet middle-dot decimals, Unicode minus and spaces."""
    text = re.sub(r"(?<=\d)[·•](?=\d)", ".", text)
    return text.replace("\u2212", "-").replace("\u00a0", " ").replace("\u2009", " ").replace("\u202f", " ")


def _decimals(raw: str) -> int:
    if "." not in raw:
        return 0
    return len(re.match(r"\d*", raw.split(".", 1)[1]).group(0))


def _words_value(phrase: str) -> float | None:
    """"forty-five" → 45, "one hundred and twenty" → 120, "three million" → 3000000."""
    total, current = 0, 0
    seen = False
    for token in re.split(r"[\s-]+", phrase.lower()):
        if token == "and" or not token:
            continue
        if token in _UNITS_WORDS:
            current += _UNITS_WORDS[token]
        elif token in _TENS_WORDS:
            current += _TENS_WORDS[token]
        elif token == "hundred":
            current = max(current, 1) * 100
        elif token in _SCALES:
            total += max(current, 1) * _SCALES[token]
            current = 0
        else:
            return None
        seen = True
    return float(total + current) if seen else None


def find_numbers(text: str) -> list[Number]:
    """Every number written in ``text``, in order, with what surrounds it."""
    text = _normalise(text)
    found: list[Number] = []
    taken: list[tuple[int, int]] = []
    for match in _NUMERAL.finditer(text):
        if _NAME_BEFORE.search(text, max(0, match.start() - 12), match.start()):
            continue   # part of a name: SARS-CoV-2, COVID-19, IL-6, H1N1
        raw = match.group(0)
        value = _numeral_value(raw)
        if value is None:
            continue
        found.append(_annotate(text, match.start(), match.end(), value, _decimals(raw.split("x")[0].split("×")[0].replace(",", "")), False))
        taken.append((match.start(), match.end()))
    for match in _SPECIAL.finditer(text):
        key = re.sub(r"[\s-]+", " ", match.group(0).lower())
        if key in _SHARE_WORDS:
            share = _SHARE_WORDS[key]
            number = _annotate(text, match.start(), match.end(), share, 0, True)
            found.append(_with(number, percent=True, approx=True, alternatives=(share / 100,)))
        elif key in _TIMES_WORDS:
            number = _annotate(text, match.start(), match.end(), _TIMES_WORDS[key], 0, True)
            found.append(_with(number, approx=True))
        else:
            continue
        taken.append((match.start(), match.end()))
    for match in _NUMBER_WORDS.finditer(text):
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        phrase = match.group(0).rstrip()
        if all(w.lower() in _SCALES or w.lower() == "and" for w in re.split(r"[\s-]+", phrase)):
            continue  # "1.5 million", "hundreds": the scale belongs to a numeral or to no number
        value = _words_value(phrase)
        if value is None:
            continue
        found.append(_annotate(text, match.start(), match.start() + len(phrase), value, 0, True))
    found = [_with(n, approx=True) if _TIMES_AFTER.match(text, n.end) else n for n in found]
    found = _spread_units(text, sorted(found, key=lambda n: n.start))
    found = _spaced_thousands(text, found)
    found = _rates(text, found)
    for match in _OUT_OF.finditer(text):
        a, b = _small_value(match.group("a")), _small_value(match.group("b"))
        if not a or not b or a >= b:
            continue
        parts = [n for n in found if match.start() <= n.start < match.end()]
        found = [_with(n, part=True) if n in parts else n for n in found]
        share = _annotate(text, match.start(), match.end(), 100 * a / b, 0, any(n.words for n in parts))
        found.append(_with(share, percent=True, approx=True, alternatives=(a / b,)))
    return sorted(found, key=lambda n: n.start)


_RANGE_JOIN = re.compile(r"\s*(?:-|–|—|to|and|or|,)\s*$", re.I)
_UNIT_BEFORE = re.compile(r"\b(day|week|month|year)s?\s*$", re.I)


def _spread_units(text: str, numbers: list[Number]) -> list[Number]:
    """"three to five days", "at 3 and 6 months": the first number takes the unit of the last;
    "day 14", "month 6": a unit written before the number."""
    out = list(numbers)
    for i in range(len(out) - 2, -1, -1):
        here, after = out[i], out[i + 1]
        if here.unit is None and after.unit and not here.percent and _RANGE_JOIN.search(text[here.end:after.start]) \
                and after.start - here.end <= 6:
            out[i] = _with(here, unit=after.unit)
        # "46-62%", "between 10 and 20 percent": the first bound is a percentage too
        elif after.percent and not here.percent and here.unit is None and not here.p_value and not after.ci_level \
                and not here.words and here.value < 1000 and re.fullmatch(r"\s*(?:-|–|—|to)\s*|\s+and\s+", text[here.end:after.start]):
            out[i] = _with(here, percent=True)
    for i, number in enumerate(out):
        if number.unit is None and not number.percent:
            before = _UNIT_BEFORE.search(text, max(0, number.start - 8), number.start)
            if before:
                out[i] = _with(number, unit=_UNIT_NAMES[before.group(1).lower()])
    return out


# "1 014", "25 961", "1 500 000" (SI style; thin and no-break spaces are spaces by now): groups of
# three digits after a first group of one to three. The parts stay, marked, so that a date followed
# by a count ("on March 3 100 residents") still has its own numbers in a source.
_SPACED = re.compile(r"(?<![\w.,/-])\d{1,3}(?: \d{3})+(?:\.\d+)?(?![\d%]|[.,]\d| \d)")


def _spaced_thousands(text: str, numbers: list[Number]) -> list[Number]:
    out = list(numbers)
    for match in _SPACED.finditer(text):
        raw = match.group(0)
        inside = [n for n in out if match.start() <= n.start < match.end()]
        if len(inside) < 2 or any(n.words for n in inside):
            continue
        out = [_with(n, part=True) if n in inside else n for n in out]
        value = float(raw.replace(" ", ""))
        out.append(_annotate(text, match.start(), match.end(), value, _decimals(raw), False))
    return sorted(out, key=lambda n: n.start)


# "20 per 100,000", "3.1 per 1000 population", "5/100 000": a rate over a power of ten, which is a
# percentage exactly (0.02%). Not over person-time ("per 1000 person-years"): that is a rate in time;
# nor "per 100 mL", a concentration.
_RATE_BASE = re.compile(
    r"\s?(?:per|/)\s?(?P<base>100(?:[, ]?000)*|10(?:[, ]?000)+|1(?:[, ]?000)+"
    r"|(?:(?:one|a)\s+)?(?:hundred(?:\s+thousand)?|thousand|million)|100\s?k|10\s?k)(?!\d|[,.]\d)", re.I)
_PERSON_TIME = re.compile(r"[\s-]*(?:(?:person|patient|people|child|subject|population|inhabitant)s?[\s-]*)?"
                          r"(?:years?|yrs?|months?|days?|weeks?|hours?|time|py|pys|pyrs)\b"
                          r"|\s?(?:[mµμud]?[lL]|[mµμk]?g|[mck]?m[23]?|sq)\b")   # nor per volume, mass or area
_BASE_WORDS = {"hundred": 1e2, "thousand": 1e3, "hundred thousand": 1e5, "million": 1e6}


def _rate_base(phrase: str) -> float | None:
    phrase = re.sub(r"^(?:one|a)\s+", "", " ".join(phrase.lower().split()))
    if phrase.endswith("k"):
        return float(phrase[:-1].strip()) * 1000
    if phrase[0].isdigit():
        return float(phrase.replace(",", "").replace(" ", ""))
    return _BASE_WORDS.get(phrase)


def _rates(text: str, numbers: list[Number]) -> list[Number]:
    rates: dict[int, float] = {}
    bases: list[tuple[int, int]] = []
    for i, number in enumerate(numbers):
        if number.percent or number.part or number.p_value or number.unit or number.approx or number.alternatives:
            continue
        match = _RATE_BASE.match(text, number.end)
        if not match or _PERSON_TIME.match(text, match.end()):
            continue
        base = _rate_base(match.group("base"))
        if base and base >= 100 and number.value < base:
            rates[i] = 100 * number.value / base
            bases.append(match.span("base"))
    out = []
    for i, number in enumerate(numbers):
        if i in rates:
            number = _with(number, exact=(rates[i],))
        elif any(s <= number.start < e for s, e in bases):
            number = _with(number, part=True)   # the 100,000 of "per 100,000" is not a figure
        out.append(number)
    return out


def _small_value(token: str) -> float | None:
    digits = token.replace(",", "")
    return float(digits) if digits.isdigit() else _words_value(token)


def _numeral_value(raw: str) -> float | None:
    raw = raw.replace(",", "")
    power = re.search(r"[x×]\s?10\s?(?:\^|\*\*)?\s?([-−–]?)\s?(\d+)$", raw)
    try:
        if power:
            base = float(raw[:power.start()].strip())
            exponent = int(power.group(2)) * (-1 if power.group(1) else 1)
            return base * 10.0 ** exponent
        return float(raw)
    except (ValueError, OverflowError):
        return None


def _with(number: Number, **changes) -> Number:
    fields = {**number.__dict__, **changes}
    return Number(**fields)


def _annotate(text: str, start: int, end: int, value: float, decimals: int, words: bool) -> Number:
    after = text[end:end + 24]
    before = text[max(0, start - 24):start]
    percent = False
    alternatives: list[float] = []
    unit = None
    ci_level = False
    match = _PERCENT_AFTER.match(after)
    if match:
        percent = True
        if re.match(r"\s*(?:CI\b|confidence|credible|CrI\b|UI\b|uncertainty)", after[match.end():], re.I):
            ci_level = True
    else:
        scale = _SCALE_AFTER.match(after)
        if scale:
            factor = {"thousand": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9}[scale.group(1).lower()]
            # "5 m" is five metres as often as five million: only words count, or m after a decimal.
            if scale.group(1).lower() != "m" or decimals:
                alternatives.append(value * factor)
        unit_match = _UNIT_AFTER.match(after)
        if unit_match:
            unit = _UNIT_NAMES.get(unit_match.group("unit").lower())
    operator = "="
    op = _OPERATOR_BEFORE.search(before)
    if op:
        operator = _OPERATORS.get(op.group("op").lower(), "=")
    p_value = bool(_P_BEFORE.search(before))
    return Number(value=value, decimals=decimals, start=start, end=end, percent=percent, operator=operator,
                  p_value=p_value, unit=unit, words=words, alternatives=tuple(alternatives), ci_level=ci_level)


# -- matching ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Wanted:
    """A value a claim states, with how precisely and in which direction."""

    value: float
    decimals: int = 0
    percent: bool = False
    operator: str = "="
    p_value: bool = False
    unit: str | None = None
    raw: str = ""
    # The same value written out: "1.5 million" is also 1,500,000 (to the nearest 100,000).
    alternatives: tuple[tuple[float, int], ...] = ()
    tolerance: float | None = None   # absolute, for values written approximately ("a third")


# The decimals of a claim's value that must be met exactly (a rate read as a percentage): more
# than any source writes, so no source value is ever rounded to it.
_EXACT = 12


def _round_half_up(value: float, decimals: int) -> float:
    factor = 10 ** decimals
    return math.floor(abs(value) * factor + 0.5 + 1e-9) / factor


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _step(value: float, decimals: int) -> float:
    """The rounding unit a written number implies: 3,000 → 1000, 45 → 1, 4.5 → 0.1."""
    if decimals:
        return 10.0 ** -decimals
    integer = int(round(abs(value)))
    if integer == 0:
        return 1.0
    zeros = len(str(integer)) - len(str(integer).rstrip("0"))
    return float(10 ** zeros)


def value_matches(want: Wanted, have: float, have_decimals: int) -> bool:
    """Whether a source value ``have`` is the claim's value, given how the claim wrote it."""
    v, s = abs(want.value), abs(have)
    if _close(v, s):
        return True
    # The claim rounds the source (39.7 written 40, 53.834 written 53.83) or, as news
    # writing often does with percentages, cuts it (40.9% written "40 percent").
    if have_decimals > want.decimals and (
            _close(_round_half_up(s, want.decimals), v)
            or (want.percent and _close(math.floor(s * 10 ** want.decimals + 1e-9) / 10 ** want.decimals, v))):
        return True
    op = want.operator
    step = _step(v, want.decimals)
    # A round count ("3,300 people", "25,000 cases") is itself rounded: 3,330 is 3,300 to the hundred;
    # or cut, as news copy cuts percentages: 25,961 is "25,000 cases" (never 24,000 nor 27,000).
    # Percentages are not: "40%" is as likely exact as rounded from 36%.
    if op == "=" and not want.percent and want.decimals == 0 and step >= 100 and not _close(step, v) \
            and (abs(s - v) <= step / 2 + 1e-9 or v <= s < v + step - 1e-9):
        return True
    if want.tolerance is not None and op in {"=", "~", "~-"}:
        upper = v + (want.tolerance if op != "~-" else want.tolerance / 4)
        return v - want.tolerance - 1e-9 <= s <= upper + 1e-9
    if op.startswith("~"):
        tolerance = max(step / 2, 0.05 * v) if want.decimals == 0 else max(step, 0.03 * v)
        if op == "~-":  # "nearly 40%", "almost half": at or a little below
            return v - tolerance - 1e-9 <= s <= v + step / 2
        return abs(s - v) <= tolerance + 1e-9
    if op in {">", ">="}:
        return v - 1e-9 <= s <= v + max(step, 0.1 * v) + 1e-9
    if op in {"<", "<="}:
        if want.p_value:
            return s <= v + 1e-12
        return v - max(step, 0.1 * v) - 1e-9 <= s <= v + 1e-9
    return False


def _candidates(want: Wanted, number: Number) -> list[tuple[float, int]]:
    """Values of a source number comparable with the claim's, with their decimals."""
    values = [(number.value, number.decimals)] + [(alt, 6) for alt in number.alternatives]
    values += [(alt, 0) for alt in number.exact]   # compared as they are: never rounded
    if want.percent and not number.percent and number.value <= 1 and number.decimals >= 2 and not number.p_value:
        values.append((number.value * 100, max(0, number.decimals - 2)))   # 0.45 → 45%
    if not want.percent and number.percent and want.value <= 1 and want.decimals >= 1:
        values.append((number.value / 100, number.decimals + 2))           # 45% → 0.45
    if want.unit and number.unit is None:
        return []   # "three to five days" is not the 5 of "SOFA score 5.65"
    if want.unit and number.unit and want.unit != number.unit:
        factor = _SECONDS[number.unit] / _SECONDS[want.unit]
        values = [(v * factor, 6 if factor != int(factor) else d) for v, d in values]
    return values


def number_matches(want: Wanted, number: Number) -> bool:
    if number.ci_level and not (want.percent and want.value in {90, 95, 99}):
        return False
    # "p < 0.01" is met by a smaller p-value, never by a whole number that happens to be smaller.
    if want.p_value and want.operator in {"<", "<="} and not number.p_value and number.decimals == 0:
        return _close(abs(want.value), abs(number.value))
    # A bounded or hedged percentage ("under 30%", "about 40%") spans many values: only a share
    # meets it, never the 22 of "January 11-22" or an age; a bound ("under 30%", "up to 50%") not a
    # bare 0.28 either, an R or a ratio as often as a proportion. A rate ("20 per 100,000") is a
    # percentage only as what it is exactly (0.02%), never as its 20.
    if want.percent and not number.percent and (want.operator != "=" or number.exact):
        shares = [(alt, 0) for alt in number.exact]
        if want.operator in {"=", "~", "~-"} and not number.exact and number.value <= 1 and number.decimals >= 2 \
                and not number.p_value:
            shares.append((number.value * 100, max(0, number.decimals - 2)))
        return any(value_matches(want, value, decimals) for value, decimals in shares)
    return any(value_matches(want, value, decimals) for value, decimals in _candidates(want, number))


def wanted_from_text(text: str, operator: str = "=", hedge: str | None = None) -> list[Wanted]:
    """The values a claim's text states (its CI level left out), with the claim's operator."""
    numbers = [n for n in find_numbers(text) if not n.ci_level and not n.part]
    wanted = []
    for number in numbers:
        op = number.operator if number.operator != "=" else operator
        if op == "~" and hedge and hedge.lower().strip() in {"nearly", "almost", "just under", "close to"}:
            op = "~-"
        tolerance = None
        if number.approx:
            op = "~" if op == "=" else op
            tolerance = max(3.0, 0.1 * number.value) if number.percent else max(0.5, 0.2 * number.value)
        alternatives = []
        if not number.words and not number.percent:
            for alt in number.alternatives:  # a scale word: "1.5 million"
                scale = round(math.log10(alt / number.value)) if number.value else 0
                alternatives.append((alt, number.decimals - scale))
        if number.approx and number.percent:
            alternatives.extend((alt, 3) for alt in number.alternatives)
        alternatives.extend((alt, _EXACT) for alt in number.exact)
        wanted.append(Wanted(number.value, number.decimals, number.percent, op, number.p_value, number.unit,
                             text[number.start:number.end], tuple(alternatives), tolerance))
    return wanted


# -- shares a source gives as counts ---------------------------------------------------------------
#
# A writer who reads "13 of 23" or "Among 23 residents, ... 13 (57%) were asymptomatic" may write
# "56%": the share the counts give, 56.52%, cut or rounded to a whole percent. These are the
# shares a sentence states through its counts, with the precision of the counts; never a share of
# any two counts that happen to share a sentence.

_FRACTION_JOIN = re.compile(r"\s?/\s?$")
_OF_JOIN = re.compile(r"\s+(?:out\s+of|of|in)\s+(?:every\s+|the\s+|these\s+|those\s+|all\s+|a\s+total\s+of\s+)?$", re.I)
# "Of" or "Among" opening the sentence (searched from its start; after a section label: "RESULTS: Of
# 150 patients") or a clause after a colon or semicolon.
_WHOLE_BEFORE = re.compile(r"(?:\A\s*|[:;]\s*|\b[A-Z]{3,}:?\s+)(?:[Oo]f|[Aa]mong|[Oo]ut\s+of)\s+"
                           r"(?:the\s+|all\s+|a\s+total\s+of\s+)?$")
_PERCENT_OF_COUNT = re.compile(r"^\s?[(\[]\s?$")


def _count(number: Number) -> bool:
    return (number.decimals == 0 and not number.percent and not number.p_value and number.unit is None
            and not number.ci_level and not number.approx and not number.alternatives and not number.exact
            and number.value >= 0 and float(number.value).is_integer())


def _share(part: Number, whole: Number) -> Number:
    share = 100 * part.value / whole.value
    exact = _close(share, round(share))
    return replace(part, value=float(round(share)) if exact else share, decimals=0 if exact else 9, percent=True,
                   operator="=", words=False, part=False, alternatives=(), exact=())


def shares_from_counts(text: str, numbers: list[Number], sentences: list[tuple[int, int]]) -> list[Number]:
    """Percentages a source states as counts: "13/23", "13 of 23", "13 out of the 23", a count
    with its rounded percentage ("13 (57%)") over the count in the same sentence it is rounded
    from, and the counts a sentence opening "Of 150 patients," or "Among 23 residents," divides.

    Each share has the decimals of an exact quotient, so a claim may round it, or cut it as it may
    any percentage, to its own precision (13 of 23 is 56.52%: "57%" and "56%", never "55%").
    """
    text = _normalise(text)
    shares: list[Number] = []
    by_sentence: dict[tuple[int, int], list[Number]] = {}
    bounds = iter(sentences)
    span = next(bounds, None)
    for number in numbers:
        while span is not None and number.start >= span[1]:
            span = next(bounds, None)
        if span is not None and span[0] <= number.start:
            by_sentence.setdefault(span, []).append(number)
    for (start, _), inside in by_sentence.items():
        counts = [n for n in inside if _count(n) and not n.part]
        # Numbers as read in order: "2 out of 3" as 2 and 3 (not the share words make of them),
        # "1 014" as 1014 (not 1 and 14).
        read = [n for n in inside if not (n.approx and n.percent)]
        read = [n for n in read if not any(m.start <= n.start and n.end <= m.end and m.end - m.start > n.end - n.start
                                           for m in read)]
        for a, b in zip(read, read[1:]):
            between = text[a.end:b.start]
            # "13/23" (not a date, 3/16/2020), "13 of 23", "2 out of 3", "1 in every 5"
            if _count(a) and _count(b) and 0 < b.value and a.value <= b.value and (
                    (_FRACTION_JOIN.match(between) and not text.startswith("/", b.end)
                     and not text[max(0, a.start - 1):a.start] == "/")
                    or _OF_JOIN.match(between)):
                shares.append(_share(a, b))
            # "13 (57%)": the exact share behind the rounded one, over a count it is rounded from
            if _count(a) and b.percent and not b.ci_level and _PERCENT_OF_COUNT.match(between):
                for whole in counts:
                    if whole.value > a.value and _close(_round_half_up(100 * a.value / whole.value, b.decimals), b.value):
                        shares.append(_share(a, whole))
        # "Of 150 patients, 148 had ...", "Among 61 persons who attended ..., 53 cases were identified"
        for whole in counts:
            if whole.value > 0 and _WHOLE_BEFORE.search(text[start:whole.start]):
                shares.extend(_share(n, whole) for n in counts if n.start > whole.end and n.value <= whole.value)
    return shares


def _share_wanted(want: "Wanted") -> bool:
    """Whether a claim's value can be a share: a percentage, or a proportion like 0.45."""
    return not want.p_value and (want.percent or (0 < want.value <= 1 and want.decimals >= 1))


@dataclass
class SourceText:
    """A source's text with its numbers and sentences indexed once."""

    text: str
    numbers: list[Number] = field(init=False)

    def __post_init__(self) -> None:
        self.numbers = find_numbers(self.text)

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        return split_sentences(self.text)

    def sentence_at(self, offset: int) -> tuple[int, int]:
        for start, end in self.sentences:
            if start <= offset < end:
                return start, end
        return offset, min(len(self.text), offset + 1)

    def find(self, want: Wanted) -> list[Number]:
        """Source numbers that are the claim's value, in order."""
        variants = [want] + [replace(want, value=v, decimals=d, alternatives=(),
                                     tolerance=want.tolerance / 100 if want.tolerance and want.percent else None)
                             for v, d in want.alternatives]
        found = [n for n in self.numbers if any(number_matches(w, n) for w in variants)]
        if not found and _share_wanted(want):
            found = [n for n in self.shares if any(number_matches(w, n) for w in variants)]
        return found

    @cached_property
    def shares(self) -> list[Number]:
        """Percentages the source states as counts (see :func:`shares_from_counts`)."""
        return shares_from_counts(self.text, self.numbers, self.sentences)


# -- evidence: the closest passage ----------------------------------------------------------------

_STOP = frozenset("""a an the of in on at to for from by with and or but not no is are was were be been being this that
these those it its as than then there their they we our you your he she his her them which who whom whose what when
where how also into over under after before between among per about more less most least very can could may might
will would should shall has have had do does did so such if while both each other any all some""".split())


def _terms(text: str) -> set[str]:
    return {t[:6] for t in re.findall(r"[a-z][a-z0-9-]+", text.lower()) if t not in _STOP and len(t) > 2}


def closest_passage(query: str, source: SourceText, prefer: list[tuple[int, int]] | None = None,
                    like: "Wanted | None" = None) -> tuple[int, int] | None:
    """The source sentence most like ``query`` (rapidfuzz over the sentences), or None.

    ``prefer`` restricts the choice (for example to sentences holding a figure); short
    headings and sentences that share no content word with the query are never chosen.
    """

    spans = prefer or source.sentences
    query_terms = _terms(query)
    best = _best_passage(query, query_terms, source, spans, strict=not prefer, like=like)
    if best is None and not prefer:   # nothing shares a word: still show the likeliest passage
        best = _best_passage(query, query_terms, source, spans, strict=False, like=like)
    return best


def _reports_like(source: "SourceText", start: int, end: int, like: "Wanted") -> bool:
    """Whether a passage reports a figure of the same kind as the claim's (a percentage, a p-value...)."""
    for number in source.numbers:
        if number.start >= end:
            break
        if number.start < start or number.ci_level or number.part:
            continue
        if like.p_value and number.p_value:
            return True
        if like.percent and number.percent:
            return True
        if not like.p_value and not like.percent and not number.percent and not number.p_value \
                and (like.unit is None or number.unit == like.unit):
            return True
    return False


def _best_passage(query: str, query_terms: set[str], source: "SourceText", spans, strict: bool, like=None):
    from rapidfuzz import fuzz

    best, best_score = None, -1.0
    for start, end in spans:
        sentence = source.text[start:end]
        if strict and len(sentence.split()) < 4:
            continue
        shared = query_terms & _terms(sentence)
        if strict and not shared:
            continue
        # token_set_ratio rewards shared wording; token_sort_ratio keeps a short sentence
        # that happens to be a subset of the claim from winning on that alone.
        score = 0.6 * fuzz.token_set_ratio(query, sentence) + 0.4 * fuzz.token_sort_ratio(query, sentence)
        score += 4.0 * min(len(shared), 5)
        # What the editor wants to see is what the paper reports instead: a figure of the same kind.
        if like is not None and _reports_like(source, start, end, like):
            score += 12.0
        if score > best_score:
            best, best_score = (start, end), score
    return best


def location_of(source_text: str, sections: list[tuple[int, str]], start: int) -> str:
    """Where a passage sits: its section and paragraph, e.g. ``Results, paragraph 2``."""
    section_name, section_start = "", 0
    for offset, name in sections:
        if offset <= start:
            section_name, section_start = name, offset
        else:
            break
    paragraph = source_text.count("\n", section_start, start) + (0 if section_name else 1)
    if section_name:
        return f"{section_name}, paragraph {max(1, paragraph)}"
    return f"paragraph {paragraph}"


# -- context: the figure is there, but about something else ---------------------------------------

_GROUPS = {
    "children": r"\b(?:child(?:ren)?|paediatric|pediatric|kids?|school-?age)\b",
    "adolescents": r"\b(?:adolescents?|teen(?:ager)?s?|youths?)\b",
    "adults": r"\b(?:adults?)\b",
    "older adults": r"\b(?:older (?:adults|people|patients)|elderly|aged (?:65|70|75|80) (?:years )?(?:and|or) (?:older|over))\b",
    "women": r"\b(?:women|females?|mothers?)\b",
    "men": r"\b(?:men|males?|fathers?)\b",
    "pregnant": r"\b(?:pregnant|pregnancy)\b",
    "infants": r"\b(?:infants?|newborns?|neonates?|neonatal)\b",
}
_CLASHES = {
    "children": {"adults", "older adults"}, "adolescents": {"older adults"}, "adults": {"children", "infants"},
    "older adults": {"children", "adolescents", "infants"}, "women": {"men"}, "men": {"women", "pregnant"},
    "infants": {"adults", "older adults", "adolescents"}, "pregnant": {"men"},
}
_DURATION = re.compile(
    r"\b(?P<n>\d+(?:\.\d+)?|" + _WORD_ATOM + r"|a|an|one)[\s-]+(?P<unit>days?|weeks?|months?|years?)\b", re.I)
_TIMEPOINT_CUE = re.compile(r"\b(?:after|at|for|over|follow(?:ed)?[\s-]?up|later|within|post|longer|sustained|"
                            r"long[\s-]term|lasting|period)\b", re.I)


def groups_in(text: str) -> set[str]:
    found = {name for name, pattern in _GROUPS.items() if re.search(pattern, text, re.I)}
    if "older adults" in found:
        found.discard("adults")
    return found


def durations_in(text: str) -> list[float]:
    """Follow-up lengths and time points in days ("after one year", "at 3-month follow-up")."""
    found = []
    for match in _DURATION.finditer(text):
        window = text[max(0, match.start() - 25):match.end() + 25]
        if not _TIMEPOINT_CUE.search(window):
            continue
        n = match.group("n").lower()
        value = 1.0 if n in {"a", "an", "one"} else (_words_value(n) if not n[0].isdigit() else float(n))
        if value is None:
            continue
        unit = _UNIT_NAMES[match.group("unit").lower()]
        found.append(value * _SECONDS[unit] / 86400)
    return found


def context_mismatch(claim_sentence: str, claim_figure: str, source: SourceText,
                     figure_spans: list[tuple[int, int]]) -> str | None:
    """Why the source's uses of a figure are about something else than the claim, or None.

    Conservative by design: every sentence of the source holding the figure must name a
    different population (or time point) and none may name the claim's, nor may the
    paragraph around any of them.
    """
    if not figure_spans:
        return None
    claim_text = claim_sentence.replace(claim_figure, " ")
    sentences = [source.text[s:e] for s, e in figure_spans]
    paragraphs = [_paragraph(source.text, s) for s, _ in figure_spans]

    claim_groups = groups_in(claim_text)
    if claim_groups:
        source_groups = [groups_in(s) for s in sentences]
        if all(groups for groups in source_groups):
            para_groups = set().union(*(groups_in(p) for p in paragraphs))
            if not (claim_groups & para_groups):
                clash = [g for g in claim_groups if any(_CLASHES.get(g, set()) & groups for groups in source_groups)]
                if clash and all(any(_CLASHES.get(g, set()) & groups for g in claim_groups) for groups in source_groups):
                    other = sorted(set().union(*source_groups) - claim_groups)
                    return f"the source gives it for {', '.join(other)}, not {', '.join(sorted(claim_groups))}"

    claim_times = [d for d in durations_in(claim_text)]
    if claim_times:
        source_times = [durations_in(s) for s in sentences]
        if all(times for times in source_times):
            para_times = [d for p in paragraphs for d in durations_in(p)]
            if not any(_same_duration(c, d) for c in claim_times for d in para_times):
                return (f"the source gives it at {_describe(source_times[0][0])}, "
                        f"not {_describe(claim_times[0])}")
    return None


def _paragraph(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start:end if end >= 0 else len(text)]


def _same_duration(a: float, b: float) -> bool:
    return abs(a - b) <= 0.08 * max(a, b) + 0.5


def _describe(days: float) -> str:
    for unit, size in (("year", 365.25), ("month", 30.4375), ("week", 7.0), ("day", 1.0)):
        count = days / size
        if count >= 1 and abs(count - round(count)) < 0.05:
            n = int(round(count))
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{days:g} days"
