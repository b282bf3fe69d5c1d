"""Numeric claims in health prose: which numbers a fact-checker would check, and how.

The ``verifier_claims`` pipeline component (added by :func:`verifier.nlp.get_nlp`) reads
the prose mask of one Markdown block, already split into sentences:

1. a sentence with no digit and no number word is skipped (it cannot hold a claim);
2. numbers are marked on tokens; a number written over several tokens ("Twenty-one",
   "280 million", "two-thirds") is merged into one token first;
3. ``Matcher`` patterns, one family per kind of claim, propose spans, and the family's
   builder parses a span into drafts or rejects it (years, dates, identifiers...). For
   speed (see ``ClaimFinder``) the patterns are compiled to attributes the Matcher reads
   in C, and each family is matched only in the windows where one of its patterns can
   start and find its required words: the same matches as one pass over the sentence;
4. overlapping drafts are resolved by priority, then by length; the survivors get
   their hedge ("approximately", "upwards of", "or longer") and become ``Claim``s.

Precision comes first: a number with no unit or keyword around it is not a claim.

Conventions for ``Claim`` fields:

- ``text``/``start``/``end`` cover the number with its unit or keyword: ``45%``,
  ``36 participants``, ``3 months``, ``twice a week``, ``p < 0.001``, ``OR 2.96``,
  ``95% CI 1.01-9.02``, ``mean difference 4.65``, ``64.0 ± 5.38``, ``n = 79``. Hedge
  words sit outside the span and are kept in ``hedge`` as written ("Approximately",
  "upwards of", "or longer"); a comparison sign right before the number (``≥ 13 weeks``,
  ``~50%``) is inside the span and sets ``operator``.
- ``value`` is the number as a float; percents stay percents (45.0); "half" is 50.0 and
  "1 in 4" 25.0; "280 million" 280e6. Ranges ("30-40%", "1-4 weeks") and intervals have
  ``value`` None (a CI takes the point estimate written just before it, if any) and set
  ``low``/``high``.
- ``raw`` is the number as written ("53.83", ".001", "1,014", "forty-five", "half"; a
  Lancet decimal point "1·4" becomes "1.4" so that ``Claim.decimals`` reads it);
  for a range or interval it is the text from the first to the last number
  ("1.01-9.02", "0.59 to 8.70"), so ``Claim.decimals`` still reads the precision.
- ``unit``: "%" for percents, fractions and "1 in N"; "percentage points"; the noun for
  counts and sample sizes ("participants", "studies"); plural time units for durations
  ("weeks"); "per week" for frequencies ("twice a week"), "minutes per day" for
  "30 minutes a day"; "times" for "24 times"; "points"; the unit after a mean ("years").
- ``label``: "p" for p-values; the CI level as written ("95%"), or "CI"; the ratio
  ("OR", "aOR", "RR", "HR", "IRR", "PR", or "times" for "twice as likely", "3 times",
  "threefold"); for means "mean", "median", "average", "MD", "SMD", "SD", "SE", "M",
  "IQR"; for mean ± SD the dispersion as written, ``±5.38`` (value is the mean);
  "n" or "N" for ``n = 79``; "R0" for reproduction numbers.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy

import verifier.spacy_import  # noqa: F401  (first: spaCy without its command-line interface)
from spacy.attrs import ENT_KB_ID, LEMMA, ORTH, SPACY, TAG
from spacy.errors import MatchPatternError
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.schemas import validate_token_pattern
from spacy.tokens import Doc, Span, Token

from verifier.model import Claim

# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------

_SMALL = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_FRACTION_WORDS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
    "fourth": 4, "fourths": 4, "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6,
    "seventh": 7, "sevenths": 7, "eighth": 8, "eighths": 8, "ninth": 9, "ninths": 9,
    "tenth": 10, "tenths": 10,
}
_FOLD_WORDS = {
    "twofold": 2, "threefold": 3, "fourfold": 4, "fivefold": 5, "sixfold": 6,
    "sevenfold": 7, "eightfold": 8, "ninefold": 9, "tenfold": 10, "hundredfold": 100,
}
_FREQUENCY_WORDS = {"once": 1, "twice": 2, "thrice": 3}

# Text that can hold a claim has a digit or one of these words; anything else is skipped.
_NUMBERISH_WORDS = set(_SMALL) | set(_TENS) | set(_FRACTION_WORDS) | set(_FOLD_WORDS) | set(_FREQUENCY_WORDS)
_NUMBERISH_WORD = "(?:" + "|".join(sorted(_NUMBERISH_WORDS, key=len, reverse=True)) + ")"
_NUMBERISH = re.compile(r"\d|\b" + _NUMBERISH_WORD + r"\b", re.I)
_NUMBERISH_RUN = re.compile(_NUMBERISH_WORD, re.I)
_DIGIT = re.compile(r"\d")
_WORD_RUN = re.compile(r"\w+")


def _numberish(text: str) -> bool:
    """``_NUMBERISH.search(text)``, several times faster: a word between two \\b is a whole
    run of word characters, looked up in a set (by the regex when not ASCII, where
    IGNORECASE folds more than str.lower does: "ſix")."""
    if _DIGIT.search(text):
        return True
    for run in _WORD_RUN.findall(text):
        if run.lower() in _NUMBERISH_WORDS if run.isascii() else _NUMBERISH_RUN.fullmatch(run):
            return True
    return False

_PERCENT_WORDS = {"%", "percent", "pct", "％"}
_SIGNS = {
    "<": "<", ">": ">", "=": "=", "≤": "<=", "≥": ">=", "<=": "<=", ">=": ">=", "=<": "<=",
    "=>": ">=", "≦": "<=", "≧": ">=", "⩽": "<=", "⩾": ">=", "~": "~", "≈": "~", "∼": "~",
}
_DASHES = ["-", "–", "—", "−", "‐", "‑"]
_RANGE_SEPARATORS = _DASHES + ["to"]
_PLUS_MINUS = ["±", "+/-", "+/−", "+-"]

_TIME_UNITS = {
    "second": "seconds", "seconds": "seconds", "sec": "seconds", "secs": "seconds",
    "minute": "minutes", "minutes": "minutes", "min": "minutes", "mins": "minutes",
    "hour": "hours", "hours": "hours", "hr": "hours", "hrs": "hours", "h": "hours",
    "day": "days", "days": "days",
    "week": "weeks", "weeks": "weeks", "wk": "weeks", "wks": "weeks",
    "month": "months", "months": "months", "mo": "months", "mos": "months",
    "year": "years", "years": "years", "yr": "years", "yrs": "years",
    "decade": "decades", "decades": "decades", "fortnight": "fortnights",
}
_TIME_SINGULAR = {"second", "minute", "hour", "day", "night", "week", "fortnight", "month", "year", "session"}
_PERIOD_ADVERBS = {
    "daily": "per day", "nightly": "per day", "weekly": "per week", "monthly": "per month",
    "yearly": "per year", "annually": "per year", "hourly": "per hour",
}

# Nouns whose count is a sample size (in a study) or a head count (in a population).
_PARTICIPANT_NOUNS = {
    "participants", "patients", "subjects", "respondents", "women", "men", "children",
    "adults", "individuals", "people", "persons", "cases", "controls", "volunteers",
    "residents", "infants", "newborns", "neonates", "babies", "toddlers", "adolescents",
    "teenagers", "teens", "youths", "students", "undergraduates", "pupils", "schoolchildren",
    "girls", "boys", "mothers", "fathers", "parents", "families", "households", "couples",
    "twins", "veterans", "soldiers", "nurses", "physicians", "doctors", "clinicians",
    "workers", "employees", "athletes", "smokers", "nonsmokers", "users", "drinkers",
    "survivors", "seniors", "elders", "retirees", "caregivers", "carers", "inpatients",
    "outpatients", "donors", "recipients", "enrollees", "members", "recruits", "americans",
    "mice", "rats", "eyes", "pregnancies", "completers", "responders", "singers",
    "healthcare", "dyads", "pairs",
}
# Always a study sample, whatever the size.
_STUDY_NOUNS = {"participants", "subjects", "respondents", "volunteers", "enrollees", "completers", "responders", "recruits"}
_COUNT_NOUNS = {
    "studies", "trials", "rcts", "articles", "papers", "reviews", "publications", "reports",
    "analyses", "sessions", "visits", "hospitals", "centres", "centers", "sites", "clinics",
    "practices", "schools", "countries", "states", "cities", "communities", "deaths",
    "hospitalizations", "hospitalisations", "admissions", "infections", "births", "episodes",
    "events", "outbreaks", "suicides", "overdoses", "injuries", "prescriptions", "samples",
    "specimens", "tests", "cohorts", "datasets", "databases", "records", "interventions",
    "lessons", "appointments", "treatments", "procedures", "surgeries", "operations",
    "consultations", "drinks", "servings", "portions", "cigarettes", "steps", "falls",
    "relapses", "readmissions", "vaccinations", "surveys", "questionnaires", "meetings",
    "workshops", "fatalities",
}
_POPULATION_NOUNS = _PARTICIPANT_NOUNS | {
    "those", "them", "all", "us", "studies", "trials", "respondents", "sample", "population",
    "cohort", "group", "cases", "deaths", "infections", "americans", "britons", "europeans",
}
_DOSE_UNITS = {
    "mg", "g", "gr", "mcg", "µg", "μg", "ug", "ng", "pg", "ml", "l", "dl", "iu", "units",
    "mmol", "µmol", "μmol", "mol", "meq", "cc", "tablets", "tablet", "pills", "pill",
    "capsules", "capsule", "drops", "puffs", "doses", "dose", "mg/kg", "mg/dl", "mg/l",
    "mmol/l", "µg/ml", "ng/ml", "kb", "mb", "bp", "km", "m", "mm", "nm", "µm", "°c", "°f",
    "gy", "mhz", "hz", "db", "kda",
}
_TIME_OF_DAY = {"am", "pm", "a.m.", "p.m.", "o'clock", "oclock", "h00", "hrs."}
_OTHER_UNITS = {
    "kg": "kg", "kilograms": "kg", "kilogram": "kg", "kgs": "kg", "lb": "lb", "lbs": "lb",
    "pounds": "lb", "mmhg": "mmHg", "bpm": "bpm", "kcal": "kcal", "calories": "kcal",
    "cm": "cm", "points": "points", "point": "points",
}
_MONTHS = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug",
    "Sep", "Sept", "Oct", "Nov", "Dec",
}
# A number right after one of these words names something (Figure 2, type 2 diabetes).
_ID_PREFIXES = {
    "figure", "figures", "fig", "figs", "table", "tables", "tab", "study", "experiment",
    "exp", "phase", "stage", "grade", "type", "class", "level", "step", "section", "sect",
    "chapter", "chap", "appendix", "item", "question", "model", "hypothesis", "version",
    "ver", "wave", "arm", "group", "day", "week", "month", "year", "visit", "round", "page",
    "pages", "pp", "p", "vol", "volume", "issue", "no", "nos", "number", "#", "v", "ref",
    "reference", "eq", "equation", "criterion", "cycle", "session", "lesson", "module",
    "trial", "cohort", "sample", "batch", "patient", "participant", "subject", "case",
    "site", "centre", "center", "room", "ward", "bed", "tier", "category", "domain",
    "factor", "component", "dimension", "scale", "line", "part", "unit", "floor", "box",
    "exhibit", "rule", "article", "art", "clause", "route", "channel", "generation",
    "series", "edition", "ed", "supplement", "suppl", "panel", "grades", "stages", "types",
    "cluster", "region", "zone", "lane", "block", "q", "s", "covid", "sars", "schedule",
}
# Capitalised abbreviations that are not instrument or gene names.
_KNOWN_ACRONYMS = {
    "US", "USA", "UK", "EU", "UAE", "NYC", "OR", "AOR", "RR", "HR", "IRR", "CI", "SD",
    "SE", "SEM", "IQR", "MD", "SMD", "WMD", "NNT", "NNH", "PR", "N",
}
_CURRENCY = {"$", "£", "€", "¥", "us$", "usd", "eur", "gbp", "rs", "inr", "aud", "cad", "a$", "c$"}
_DETERMINERS = {
    "the", "these", "those", "both", "all", "each", "every", "its", "their", "our", "his",
    "her", "my", "your", "first", "last", "other", "another", "any", "which", "whose",
    "this", "that", "or", "and", "nor",
}
_TEMPORAL_PREPOSITIONS = {"in", "since", "by", "until", "till", "during", "before", "after", "from", "between", "of", "to", "through", "circa"}
_AGE_BEFORE = {"aged", "age", "ages", "ageing", "aging"}
_AGE_AFTER = {"old", "older", "younger", "olds"}
_AGE_QUALIFIERS = {"under", "over", "older", "younger", "than", "aged", "above", "below", "of", "age", "ages"}
_COMPARATIVES = {
    "more", "less", "higher", "greater", "lower", "as", "the", "likelier", "larger",
    "smaller", "longer", "faster", "slower", "increased", "elevated", "fewer", "bigger",
    "stronger", "weaker", "worse", "better", "likely", "risk", "odds", "rate", "rates",
    "increase", "decrease", "reduction", "that", "than",
}
_POPULATION_CUES = re.compile(
    r"\b(?:worldwide|globally|global|around the world|in the world|world's|annually|nationwide|"
    r"each year|every year|per year|a year|per annum)\b",
    re.I,
)
_SCORE_CONTEXT = {
    "score", "scores", "level", "levels", "average", "averages", "mean", "means", "median",
    "rating", "ratings", "index", "indices", "scale", "scales", "points",
}

_RATIO_ABBREVIATIONS = {
    "OR": "OR", "ORs": "OR", "AOR": "aOR", "aOR": "aOR", "RR": "RR", "aRR": "aRR",
    "HR": "HR", "HRs": "HR", "aHR": "aHR", "AHR": "aHR", "IRR": "IRR", "aIRR": "aIRR",
    "sHR": "sHR", "SHR": "sHR", "aPR": "aPR", "APR": "aPR",
}
_RATIO_PHRASES = {
    ("odds", "ratio"): "OR", ("adjusted", "odds", "ratio"): "aOR", ("hazard", "ratio"): "HR",
    ("adjusted", "hazard", "ratio"): "aHR", ("risk", "ratio"): "RR", ("relative", "risk"): "RR",
    ("adjusted", "relative", "risk"): "aRR", ("adjusted", "risk", "ratio"): "aRR",
    ("rate", "ratio"): "RR", ("incidence", "rate", "ratio"): "IRR", ("prevalence", "ratio"): "PR",
    ("adjusted", "prevalence", "ratio"): "aPR", ("incidence", "ratio"): "IRR",
}
_MEAN_WORDS = {"mean": "mean", "median": "median", "average": "average", "averaged": "average", "averaging": "average", "avg": "average"}
_MEAN_ABBREVIATIONS = {"M": "M", "Mdn": "median", "SD": "SD", "SE": "SE", "SEM": "SE", "MD": "MD", "SMD": "SMD", "WMD": "MD", "s.d.": "SD"}
# Between a mean word and its number ("mean age of", "mean difference", "average score was").
_MEAN_GAP_BLOCK = {
    "in", "for", "with", "by", "at", "from", "to", "and", "or", "than", "between", "among",
    "after", "before", "over", "during", "per", "while", "that", "which", "who", "whom",
    "whose", "not", "no", "as", "on", "into", "across", "within", "since", "until", "the",
    "a", "an", "it", "they", "we", "this", "these", "those", "increased", "decreased",
    "improved", "rose", "fell", "dropped", "changed", "declined", "reduced",
}
_HEDGE_WORDS_INSIDE = {"approximately", "about", "around", "nearly", "almost", "roughly", "approx", "circa", "ca", "~", "≈"}

_HEDGES = {
    "approximately": "~", "approx.": "~", "approx": "~", "about": "~", "around": "~",
    "nearly": "~", "almost": "~", "roughly": "~", "circa": "~", "ca.": "~", "close to": "~",
    "an estimated": "~", "estimated": "~", "some": "~", "just over": ">", "just under": "<",
    "well over": ">", "more than": ">", "greater than": ">", "higher than": ">", "over": ">",
    "above": ">", "exceeding": ">", "in excess of": ">", "beyond": ">", "upwards of": ">=",
    "upward of": ">=", "at least": ">=", "no less than": ">=", "not less than": ">=",
    "a minimum of": ">=", "no fewer than": ">=", "up to": "<=", "as many as": "<=",
    "as much as": "<=", "as high as": "<=", "at most": "<=", "no more than": "<=",
    "not more than": "<=", "a maximum of": "<=", "within": "<=", "less than": "<",
    "fewer than": "<", "lower than": "<", "under": "<", "below": "<",
    "greater than or equal to": ">=", "more than or equal to": ">=", "less than or equal to": "<=",
    "equal to or greater than": ">=", "equal to or more than": ">=", "equal to or less than": "<=",
}
# A hedge that ends the text before a number, at a word boundary. Searched for forwards,
# the pattern would be tried at every position of the text; matched on the text reversed,
# it is tried at the start alone, ten times faster. Longest alternatives first: the longest
# hedge that ends the text is the one a forward search finds leftmost.
_HEDGE_BEFORE_REVERSED = re.compile(
    r"\s*(?P<hedge>" + "|".join(re.escape(h[::-1]).replace(r"\ ", r"\s+") for h in sorted(_HEDGES, key=len, reverse=True)) + r")(?:\Z|(?=[\s(\[,;:]))",
    re.I,
)
_HEDGE_AFTER = re.compile(
    r"^\s*(?P<hedge>(?:or|and)\s+(?:(?P<more>more|longer|greater|higher|above|over)|less|fewer|shorter|lower|below|under))\b",
    re.I,
)
_SIGN_BEFORE = re.compile(r"(?P<sign><=|>=|=<|=>|[<>≤≥≦≧⩽⩾~≈∼])\s*$")

# --------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------

# "·" is the decimal point of The Lancet ("1·4%").
_DIGITS = re.compile(r"^[-−]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:[.·]\d+)?|[.·]\d+)$")
_SCIENTIFIC = re.compile(r"^(?:(?P<m>\d+(?:\.\d+)?)(?:[x×*]10\^?(?P<e>[-−–]?\d+)|[eE](?P<e2>[-−+]?\d+))|10\^(?P<e3>[-−–]?\d+))$")
_DIGIT_FRACTION = re.compile(r"^(?P<n>\d)/(?P<d>\d{1,2})$")
_YEAR = re.compile(r"^(?:1[89]\d\d|20\d\d)$")


def parse_number(text: str) -> float | None:
    """A number written in digits ("1,014", ".001", "-0.5", "5x10-8", "1.2e-5"), or None."""
    text = text.strip()
    if _DIGITS.match(text):
        try:
            value = float(text.replace(",", "").replace("−", "-").replace("·", "."))
        except ValueError:
            return None
        return value if math.isfinite(value) else None
    match = _SCIENTIFIC.match(text)
    if match:
        exponent = (match.group("e") or match.group("e2") or match.group("e3") or "0").replace("−", "-").replace("–", "-")
        try:
            value = float(match.group("m") or 1) * 10.0 ** int(exponent)
        except (OverflowError, ValueError):
            return None
        return value if math.isfinite(value) else None
    return None


def parse_number_words(words: list[str]) -> float | None:
    """English number words ("twenty", "-", "one"; "two", "hundred", "and", "five"), or None."""
    total, current, last = 0.0, 0.0, None
    for word in (w.lower() for w in words):
        if word in ("-", "and"):
            continue
        if word in _SMALL:
            if last in ("small", "teen") or (last == "tens" and _SMALL[word] >= 10):
                return None
            current += _SMALL[word]
            last = "teen" if _SMALL[word] >= 10 else "small"
        elif word in _TENS:
            if last in ("small", "teen", "tens"):
                return None
            current += _TENS[word]
            last = "tens"
        elif word == "hundred" and last in ("small", "teen"):
            current *= 100
            last = "hundred"
        elif word in _SCALES and last in ("small", "teen", "tens", "hundred"):
            total += current * _SCALES[word]
            current = 0.0
            last = "scale"
        else:
            return None
    return total + current if last else None


def _is_year(token: Token) -> bool:
    return bool(_YEAR.match(token.text))


# --------------------------------------------------------------------------------------
# Token extensions
# --------------------------------------------------------------------------------------

_NUM = "verifier_num"  # float value of a number token
_IS_NUM = "verifier_is_num"
_FRAC = "verifier_frac"  # a fraction as a percent ("two-thirds" -> 66.67)
_IS_FRAC = "verifier_is_frac"
_WORDY = "verifier_wordy"  # the number is written in words
_MULTIPLIED = "verifier_multiplied"  # "280 million"


# mark_numbers keeps each doc's numbers in doc.user_data[_MARKS], by token index: spaCy's
# extension attributes cost an object and several lookups on every access.
_MARKS = "verifier_marks"
_NO_MARKS: dict = {}


def _mark_of(token: Token) -> _Mark | None:
    return token.doc.user_data.get(_MARKS, _NO_MARKS).get(token.i)


def _num(token: Token) -> float | None:
    """The value of a number token ("280 million" -> 280e6), or None."""
    mark = _mark_of(token)
    return mark.value if mark is not None and not mark.fraction else None


def _is_num(token: Token) -> bool:
    mark = _mark_of(token)
    return mark is not None and not mark.fraction


def _frac(token: Token) -> float | None:
    """A fraction as a percent ("two-thirds" -> 66.67), or None."""
    mark = _mark_of(token)
    return mark.value if mark is not None and mark.fraction else None


def _is_frac(token: Token) -> bool:
    mark = _mark_of(token)
    return mark is not None and mark.fraction


def _wordy(token: Token) -> bool:
    """The number is written in words."""
    mark = _mark_of(token)
    return mark is not None and mark.wordy


def _multiplied(token: Token) -> bool:
    """The number has a scale word ("280 million")."""
    mark = _mark_of(token)
    return mark is not None and mark.multiplied


def _gap_ok(token: Token) -> bool:
    """A word allowed between a count and its noun ("36 healthy adult participants")."""
    if token.is_space:
        return True
    lower = token.lower_
    if lower in ("more", "fewer", "less"):
        return True  # "1,000 more patients"
    if token.text in _DASHES and token.i > 0 and not token.doc[token.i - 1].whitespace_ and not token.whitespace_:
        return True  # "1,255 population-derived controls"
    return not (
        token.is_punct or token.is_stop or token.like_num or _is_num(token)
        or lower in _GAP_BLOCK or not any(ch.isalpha() for ch in lower)
    )


def _mean_gap_ok(token: Token) -> bool:
    if token.is_space:
        return True
    if token.text in ("-", "‐") and token.i > 0 and not token.doc[token.i - 1].whitespace_ and not token.whitespace_:
        return True  # "median follow-up was 12 months"
    return token.is_alpha and token.lower_ not in _MEAN_GAP_BLOCK and not _is_num(token)


_GAP_BLOCK = (
    set(_TIME_UNITS) | _DOSE_UNITS | _COUNT_NOUNS | _PARTICIPANT_NOUNS | _PERCENT_WORDS
    | _TIME_OF_DAY | {"times", "per", "out", "old", "aged", "percent", "cent", "points", "point", "fold"}
)

for _name, _getter in ((_NUM, _num), (_IS_NUM, _is_num), (_FRAC, _frac), (_IS_FRAC, _is_frac), (_WORDY, _wordy), (_MULTIPLIED, _multiplied)):
    Token.set_extension(_name, getter=_getter, force=True)
if not Token.has_extension("verifier_gap"):
    Token.set_extension("verifier_gap", getter=_gap_ok)
if not Token.has_extension("verifier_mean_gap"):
    Token.set_extension("verifier_mean_gap", getter=_mean_gap_ok)
if not Doc.has_extension("verifier_claims"):
    Doc.set_extension("verifier_claims", default=None)
# The text a doc was made from, when the caller has it: Doc.text joins every token anew.
if not Doc.has_extension("verifier_text"):
    Doc.set_extension("verifier_text", default=None)


@dataclass
class _Mark:
    start: int  # token indexes, end exclusive
    end: int
    value: float
    fraction: bool = False
    wordy: bool = False
    multiplied: bool = False


def _glued(doc: Doc, i: int) -> bool:
    """No whitespace between token i and token i + 1."""
    return not doc[i].whitespace_


def _mark_at(doc: Doc, i: int, stop: int) -> _Mark | None:
    token = doc[i]
    lower = token.lower_
    # Fractions: "half", "one-third", "two thirds", "three-quarters", "1/3".
    digit_fraction = _DIGIT_FRACTION.match(token.text)
    if digit_fraction:
        numerator, denominator = int(digit_fraction.group("n")), int(digit_fraction.group("d"))
        if 0 < numerator < denominator <= 10:
            return _Mark(i, i + 1, 100.0 * numerator / denominator, fraction=True)
        return None
    if lower in _SMALL and _SMALL[lower] <= 10:
        j = i + 1
        if j + 1 < stop and doc[j].text in _DASHES and _glued(doc, i) and _glued(doc, j):
            j += 1
        elif j < stop and doc[j].is_space:
            j = stop  # not a fraction
        if j < stop and doc[j].lower_ in _FRACTION_WORDS:
            denominator = _FRACTION_WORDS[doc[j].lower_]
            numerator = _SMALL[lower]
            if numerator < denominator:
                return _Mark(i, j + 1, 100.0 * numerator / denominator, fraction=True, wordy=True)
    if lower in _FRACTION_WORDS and not lower.endswith("s"):
        return _Mark(i, i + 1, 100.0 / _FRACTION_WORDS[lower], fraction=True, wordy=True)
    # Number words: "Twenty-one", "forty five", "two hundred and fifty", "six million".
    if lower in _SMALL or lower in _TENS:
        words, j, end = [], i, None
        while j < stop:
            word = doc[j].lower_
            if word in _SMALL or word in _TENS or word == "hundred" or word in _SCALES:
                words.append(word)
                if parse_number_words(words) is None:
                    words.pop()
                    break
                end = j + 1
            elif word in _DASHES and words and words[-1] in _TENS and _glued(doc, j - 1) and _glued(doc, j):
                words.append("-")
            elif word == "and" and words and words[-1] == "hundred":
                words.append("and")
            elif doc[j].is_space:
                break
            else:
                break
            j += 1
        if end is not None:
            value = parse_number_words([doc[k].lower_ for k in range(i, end)])
            if value is not None:
                return _Mark(i, end, value, wordy=True, multiplied=any(doc[k].lower_ in _SCALES for k in range(i, end)))
        return None
    value = parse_number(token.text)
    if value is None:
        return None
    # "280 million", "1.5 billion"
    if i + 1 < stop and token.whitespace_ and doc[i + 1].lower_ in _SCALES:
        scaled = value * _SCALES[doc[i + 1].lower_]
        if math.isfinite(scaled):
            return _Mark(i, i + 2, scaled, multiplied=True)
    return _Mark(i, i + 1, value)


_HAS_DIGIT = re.compile(r"\d")
_NUMBER_WORDS = set(_SMALL) | set(_TENS) | set(_FRACTION_WORDS)
_WORDS_ONLY = object()  # _number_start: _mark_at must read the words around
_NO_NUMBER = object()  # _number_start: the token starts no number
_NUMBER_STARTS: dict[int, object] = {}  # orth -> _number_start(its text)


def _number_start(text: str) -> object:
    """What _mark_at makes of a token with this text, as far as the text alone tells:
    _NO_NUMBER, it starts no number (no digit, no number word, or digits that are no
    number); a float, it is that number in digits, unless a scale word follows ("280
    million"); else _WORDS_ONLY."""
    lower = text.lower()
    if lower in _NUMBER_WORDS or _DIGIT_FRACTION.match(text):
        return _WORDS_ONLY
    if not _HAS_DIGIT.search(text):
        return _NO_NUMBER
    value = parse_number(text)
    return _NO_NUMBER if value is None else value


def mark_numbers(doc: Doc, ranges: list[tuple[int, int]], orths: list[int], spaces: list[int]) -> list[tuple[int, _Mark]]:
    """Mark number tokens in the token ranges, merging numbers written over several tokens.
    ``orths`` and ``spaces`` are the doc's ORTH and SPACY arrays, as lists.

    Returns (token index after the merges, mark) for each number, in order."""
    marks: list[_Mark] = []
    # Only a token with a digit or a number word can start a number: try those alone, and
    # read a plain number in digits without _mark_at.
    starts = list(map(_NUMBER_STARTS.get, orths))  # None: a word not met before
    if None in starts:
        strings = doc.vocab.strings
        for n, orth in enumerate(orths):
            if starts[n] is None:
                starts[n] = _NUMBER_STARTS[orth] = _number_start(strings[orth])
    candidates = [n for n, start in enumerate(starts) if start is not _NO_NUMBER]
    k = 0
    for start, stop in ranges:
        i = start
        while True:
            while k < len(candidates) and candidates[k] < i:
                k += 1
            if k == len(candidates) or candidates[k] >= stop:
                break
            i = candidates[k]
            value = starts[i]
            if value is not _WORDS_ONLY and not (i + 1 < stop and spaces[i] and doc.vocab.strings[orths[i + 1]].lower() in _SCALES):
                marks.append(_Mark(i, i + 1, value))
                i += 1
                continue
            mark = _mark_at(doc, i, stop)
            if mark is None:
                i += 1
                continue
            if any(doc[j].is_sent_start for j in range(mark.start + 1, mark.end)):
                mark = _mark_at(doc, i, i + 1)  # never merge across a sentence boundary
                if mark is None:
                    i += 1
                    continue
            marks.append(mark)
            i = mark.end
    merges = [m for m in marks if m.end - m.start > 1]
    if merges:
        with doc.retokenize() as retokenizer:
            for mark in merges:
                retokenizer.merge(doc[mark.start:mark.end])
    # Token indexes shift left by the tokens each merge before them swallowed.
    shift = 0
    marked: list[tuple[int, _Mark]] = []
    for mark in marks:
        marked.append((mark.start - shift, mark))
        shift += mark.end - mark.start - 1
    doc.user_data[_MARKS] = dict(marked)
    return marked


# --------------------------------------------------------------------------------------
# Patterns
# --------------------------------------------------------------------------------------

_SPACE = {"IS_SPACE": True, "OP": "*"}
_NUMBER = {"_": {_IS_NUM: True}}
_FRACTION = {"_": {_IS_FRAC: True}}
_PERCENT = {"LOWER": {"IN": sorted(_PERCENT_WORDS)}}
_SIGN = {"ORTH": {"IN": sorted(_SIGNS)}}
_RANGE = {"LOWER": {"IN": _RANGE_SEPARATORS}}
_DASH = {"ORTH": {"IN": _DASHES}}
_OPEN = {"ORTH": {"IN": ["(", "["]}}
_CLOSE = {"ORTH": {"IN": [")", "]"]}}


def _opt(token: dict) -> dict:
    return {**token, "OP": "?"}


def _lower(*words: str) -> dict:
    return {"LOWER": {"IN": list(words)}} if len(words) > 1 else {"LOWER": words[0]}


def _seq(*tokens: dict) -> list[dict]:
    """A pattern that lets runs of whitespace (blanked markup) sit between its tokens."""
    pattern: list[dict] = []
    for token in tokens:
        if pattern:
            pattern.append(_SPACE)
        pattern.append(token)
    return pattern


@dataclass
class _Draft:
    kind: str
    start: int  # tokens
    end: int
    value: float | None
    raw: str
    low: float | None = None
    high: float | None = None
    operator: str = "="
    unit: str | None = None
    label: str | None = None
    hedge: str | None = None
    # Offsets of the claim's text when they differ from the tokens' (set by _finish).
    char_start: int | None = None
    char_end: int | None = None
    hedged_inside: bool = False


@dataclass
class _Group:
    """Drafts from one match: accepted or rejected together."""

    priority: int
    start: int
    end: int
    drafts: list[_Draft] = field(default_factory=list)
    match: tuple[int, int, int] = (0, 0, 0)  # (match_id, start, end) of the match it came from


def _words(span: Span) -> list[Token]:
    return [t for t in span if not t.is_space]


def _numbers(span: Span) -> list[Token]:
    doc = span.doc
    marks = doc.user_data.get(_MARKS, _NO_MARKS)
    return [doc[i] for i in range(span.start, span.end) if i in marks and not marks[i].fraction]


def _prev(doc: Doc, i: int, floor: int) -> Token | None:
    """The non-space token before index i, not before floor."""
    i -= 1
    while i >= floor and doc[i].is_space:
        i -= 1
    return doc[i] if i >= floor else None


def _next(doc: Doc, i: int, ceiling: int) -> Token | None:
    """The non-space token at or after index i, before ceiling."""
    while i < ceiling and doc[i].is_space:
        i += 1
    return doc[i] if i < ceiling else None


def _operator(sign: str | None) -> str:
    return _SIGNS.get(sign or "=", "=")


def _is_acronym(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return (
        len(letters) >= 2 and all(ch.isupper() for ch in letters)
        and text not in _KNOWN_ACRONYMS and text.rstrip(".") not in _KNOWN_ACRONYMS
    )


class _Context:
    """What a builder needs to know about the sentence it works in."""

    def __init__(self, doc: Doc, text: str, sent_start: int, sent_end: int):
        self.doc = doc
        self.text = text  # doc.text, built once: Doc.text joins every token on each call
        self.sent_start = sent_start
        self.sent_end = sent_end
        self._lower_text: str | None = None

    @property
    def lower_text(self) -> str:
        if self._lower_text is None:
            last = self.doc[self.sent_end - 1]
            self._lower_text = self.text[self.doc[self.sent_start].idx: last.idx + len(last)].lower()
        return self._lower_text

    def prev(self, i: int) -> Token | None:
        return _prev(self.doc, i, self.sent_start)

    def next(self, i: int) -> Token | None:
        return _next(self.doc, i, self.sent_end)

    def number_ok(self, number: Token, span_start: int, kind: str) -> bool:
        """Reject numbers that name, date or cite rather than measure."""
        doc = self.doc
        before = self.prev(span_start)
        if before is not None and before.text == "." and before.i > self.sent_start and not doc[before.i - 1].whitespace_:
            before = doc[before.i - 1]  # "No. 5", "Fig. 2"
        after = self.next(number.i + 1)
        wordy = _wordy(number)
        if _is_year(number) and kind not in ("percent", "sample_size", "count"):
            return False
        if _is_year(number) and before is not None and (before.lower_ in _TEMPORAL_PREPOSITIONS - {"of"} or before.text in _MONTHS):
            return False
        if before is not None and before.text in _DASHES and before.i > self.sent_start and _is_num(doc[before.i - 1]):
            return False  # the tail of a range ("2019-2021 studies") is judged with its head
        if before is not None:
            if before.text.rstrip(".") in _MONTHS or (after is not None and after.text.rstrip(".") in _MONTHS and not _is_year(number)):
                if kind != "percent":
                    return False
            if before.lower_ in _CURRENCY or before.text in _CURRENCY:
                return False
            if kind != "percent" and not wordy:
                if before.lower_.rstrip(".") in _ID_PREFIXES and not before.is_punct:
                    return False
                if _is_acronym(before.text):
                    return False
        elif not wordy and kind != "percent" and number.i == span_start:
            # A lone digit starting a sentence and followed by a capitalised word is a
            # footnote or affiliation marker ("... 24 times. 1 The authors ...").
            if after is not None and number.text.isdigit() and len(number.text) <= 3 and after.text[:1].isupper() and after.is_alpha:
                return False
        if number.text.startswith(("-", "−")) and kind in ("sample_size", "count", "duration"):
            return False
        if wordy and kind in ("sample_size", "count", "other"):
            if _num(number) == 1:
                return False
            if before is not None and before.lower_ in _DETERMINERS:
                return False
        if after is not None and after.lower_ in _TIME_OF_DAY:
            return False
        return True


# --------------------------------------------------------------------------------------
# Builders: one per pattern family. Each returns drafts, or [] to reject the match.
# --------------------------------------------------------------------------------------

def _unit_after(ctx: _Context, i: int) -> str | None:
    token = ctx.next(i)
    if token is None:
        return None
    lower = token.lower_
    if lower in _PERCENT_WORDS:
        return "%"
    if lower in _TIME_UNITS:
        return _TIME_UNITS[lower]
    if lower in _OTHER_UNITS:
        return _OTHER_UNITS[lower]
    return None


def _build_percent(ctx: _Context, span: Span) -> list[_Draft]:
    number = _numbers(span)[0]
    words = _words(span)
    after = ctx.next(span.end)
    if after is not None and after.lower_ in {"ci", "cis", "cri", "confidence", "credible", "power", "prediction", "pi", "significance", "uncertainty"}:
        return []
    if not ctx.number_ok(number, span.start, "percent"):
        return []
    unit = "%"
    if words[-1].lower_ in ("point", "points"):
        unit = "percentage points"
    return [_Draft("percent", span.start, span.end, _num(number), number.text, unit=unit)]


def _build_percent_range(ctx: _Context, span: Span) -> list[_Draft]:
    numbers = _numbers(span)
    low, high = numbers[0], numbers[-1]
    words = _words(span)
    if any(not ctx.number_ok(n, span.start, "percent") for n in (low, high)):
        return []
    after = ctx.next(span.end)
    if after is not None and after.lower_ in {"ci", "confidence", "credible"}:
        return []
    before = ctx.prev(span.start)
    start = span.start
    if words[0].lower_ == "between":
        start = low.i
    elif before is not None and before.lower_ == "from":
        # "increased from 20 to 30%": two figures, not a range, unless it "ranged from".
        further = ctx.prev(before.i)
        if further is None or further.lower_ not in {"ranged", "ranging", "range", "ranges", "varied", "varying", "vary", "varies"}:
            low_end = low.i + 1
            if low_end < span.end and ctx.doc[low_end].lower_ in _PERCENT_WORDS:
                low_end += 1
            return [
                _Draft("percent", low.i, low_end, _num(low), low.text, unit="%"),
                _Draft("percent", high.i, span.end, _num(high), high.text, unit="%"),
            ]
    raw = ctx.text[low.idx: high.idx + len(high.text)]
    return [_Draft("percent", start, span.end, None, raw, low=_num(low), high=_num(high), unit="%")]


def _build_one_in(ctx: _Context, span: Span) -> list[_Draft]:
    first, second = _numbers(span)[:2]
    a, b = _num(first), _num(second)
    if a is None or b is None or a != int(a) or b != int(b) or a <= 0 or b > 1e7 or _is_year(second) or _is_year(first):
        return []
    if not ctx.number_ok(first, span.start, "percent"):
        return []
    after = ctx.next(span.end)
    if after is not None and (after.lower_ in _TIME_UNITS or after.lower_ in _PERCENT_WORDS):
        return []
    words = [t.lower_ for t in _words(span)]
    small = b <= 10 or math.log10(b) == int(math.log10(b))
    if "out" in words and "every" not in words and not _wordy(first) and a != 1 and not small:
        # "45 out of 84 patients": a count and its denominator.
        noun = after.lower_ if after is not None and (after.lower_ in _PARTICIPANT_NOUNS or after.lower_ in _COUNT_NOUNS) else None
        if noun is None:
            return []
        drafts = [_Draft("count", first.i, first.i + 1, a, first.text, unit=noun)]
        if a < b:
            kind = "sample_size" if noun in _PARTICIPANT_NOUNS else "count"
            drafts.append(_Draft(kind, second.i, after.i + 1, b, second.text, unit=noun))
        return drafts if a < b else []
    if a >= b:
        return []
    raw = ctx.text[first.idx: second.idx + len(second.text)]
    return [_Draft("percent", span.start, span.end, 100.0 * a / b, raw, unit="%")]


def _build_fraction(ctx: _Context, span: Span) -> list[_Draft]:
    words = _words(span)
    fraction = next(t for t in words if _is_frac(t))
    start = fraction.i
    lower = fraction.lower_
    has_article = words[0].lower_ in ("a", "one") and words[0] is not fraction
    if lower in _FRACTION_WORDS and lower != "half" and not has_article:
        return []  # "third of" needs "a" or "one": "the third of the patients" is an ordinal
    if has_article:
        start = words[0].i
    between = [t.lower_ for t in words[words.index(fraction) + 1:-1]]
    if "of" not in between and not (between[:1] and between[0] in ("the", "all", "those", "these")):
        return []
    before = ctx.prev(start)
    if before is not None and before.lower_ in {"first", "second", "last", "latter", "former", "other", "the", "this", "that", "each", "every"}:
        return []
    raw = ctx.text[ctx.doc[start].idx: fraction.idx + len(fraction.text)]
    return [_Draft("percent", start, fraction.i + 1, _frac(fraction), raw, unit="%")]


def _build_fraction_by(ctx: _Context, span: Span) -> list[_Draft]:
    """ "fell by a third", "cut by half", "reduced by approximately two-thirds" """
    words = _words(span)
    fraction = words[-1]
    after = ctx.next(span.end)
    if after is not None and after.lower_ in ("of", "an", "a", "the") or fraction.lower_.endswith("s") and fraction.lower_ in _FRACTION_WORDS:
        return []
    article = next((w for w in words[1:-1] if w.lower_ in ("a", "one")), None)
    if fraction.lower_ in _FRACTION_WORDS and fraction.lower_ != "half" and article is None:
        return []
    start = article.i if article is not None else fraction.i
    # A hedge ("by approximately a third") sits before the span, where _finish reads it.
    raw = ctx.text[ctx.doc[start].idx: fraction.idx + len(fraction.text)]
    return [_Draft("percent", start, fraction.i + 1, _frac(fraction), raw, unit="%")]


def _build_p_value(ctx: _Context, span: Span) -> list[_Draft]:
    number = _numbers(span)[-1]
    value = _num(number)
    # Above 1 a p-value is impossible, and worth reporting as such; but only a decimal
    # below 10 ("p = 1.3"), so a parameter count ("p = 12 predictors") is not read as one.
    if value is None or value < 0 or (value > 1 and not (value < 10 and "." in number.text)):
        return []
    signs = [t.text for t in span if t.text in _SIGNS]
    operator = _operator(signs[-1]) if signs else "="
    return [_Draft("p_value", span.start, span.end, value, number.text, operator=operator, label="p")]


def _build_ci(ctx: _Context, span: Span) -> list[_Draft]:
    doc = ctx.doc
    numbers = _numbers(span)
    # "95% CI 1.2-3.4", "CI 95%: 1.2-3.4": the level is a first number in percent, before two bounds.
    level = None
    if len(numbers) >= 3 and numbers[0].i + 1 < span.end and doc[numbers[0].i + 1].lower_ in _PERCENT_WORDS:
        level = numbers[0]
        level_value = _num(level)
        if level_value is None or not 50 <= level_value < 100:
            return []
    bounds = [n for n in numbers if n is not level]
    if len(bounds) != 2:
        return []
    low, high = bounds
    unit = "%" if any(n.i + 1 < len(doc) and doc[n.i + 1].lower_ in _PERCENT_WORDS for n in bounds) else None
    if unit is None:
        unit = _unit_after(ctx, high.i + 1)
        if unit == "%":
            unit = None
    label = f"{level.text}%" if level is not None else "CI"
    end, high_value = span.end, _num(high)
    grouped = _space_grouped_thousands(ctx, high, _num(low))
    if grouped is not None:
        high, high_value = grouped
        end = high.i + 1
    raw = ctx.text[low.idx: high.idx + len(high.text)]
    return [_Draft("ci", span.start, end, None, raw, low=_num(low), high=high_value, unit=unit, label=label)]


def _space_grouped_thousands(ctx: _Context, bound: Token, low: float | None) -> tuple[Token, float] | None:
    """An upper bound written with a space between thousands, "6900-13 800": the bound and its value.

    Only when the bound as read falls below the lower bound and the next token is a group
    of exactly three digits after one space: then the space can only be a separator.
    """
    value = _num(bound)
    following = bound.i + 1
    if (value is None or low is None or value >= low or not bound.text.isdigit() or len(bound.text) > 3
            or following >= len(ctx.doc) or bound.whitespace_ != " "):
        return None
    group = ctx.doc[following]
    if not (group.text.isascii() and group.text.isdigit() and len(group.text) == 3):
        return None
    grouped = value * 1000 + int(group.text)
    return (group, grouped) if grouped >= low else None


def _build_ratio(ctx: _Context, span: Span) -> list[_Draft]:
    words = _words(span)
    number = _numbers(span)[-1]
    value = _num(number)
    if value is None or value < 0 or _is_year(number):
        return []
    label = None
    lowers = tuple(w.lower_ for w in words)
    for phrase, name in sorted(_RATIO_PHRASES.items(), key=lambda item: -len(item[0])):
        if lowers[: len(phrase)] == phrase:
            label = name
            break
    if label is None:
        label = _RATIO_ABBREVIATIONS.get(words[0].text, words[0].text)
    signs = [t.text for t in span if t.text in _SIGNS]
    if not ctx.number_ok(number, span.start, "ratio"):
        return []
    return [_Draft("ratio", span.start, span.end, value, number.text, operator=_operator(signs[-1]) if signs else "=", label=label)]


def _build_times(ctx: _Context, span: Span) -> list[_Draft]:
    words = _words(span)
    first = words[0]
    lower = first.lower_
    if lower in _FOLD_WORDS:
        return [_Draft("ratio", first.i, first.i + 1, float(_FOLD_WORDS[lower]), first.text, label="times")]
    if lower == "twice":
        return [_Draft("ratio", first.i, first.i + 1, 2.0, first.text, label="times")]
    if lower == "half":
        return [_Draft("ratio", first.i, first.i + 1, 0.5, first.text, label="times")]
    number = _numbers(span)[0] if _numbers(span) else None
    if number is None or not ctx.number_ok(number, span.start, "ratio"):
        return []
    # The span stops at "times" / "fold", before the comparative.
    keyword = next(t for t in words if t.lower_ in ("times", "fold"))
    return [_Draft("ratio", span.start, keyword.i + 1, _num(number), number.text, label="times")]


def _build_mean_pm(ctx: _Context, span: Span) -> list[_Draft]:
    words = _words(span)
    numbers = _numbers(span)
    if len(numbers) < 2:
        return []
    mean, spread = numbers[-2], numbers[-1]
    if not ctx.number_ok(mean, span.start, "mean"):
        return []
    sign = next((t for t in words if t.text in _PLUS_MINUS), None)
    label = "±" + spread.text
    unit = _unit_after(ctx, spread.i + 1)
    if sign is not None and sign.text != "±":
        label = sign.text + spread.text
    return [_Draft("mean", span.start, span.end, _num(mean), mean.text, unit=unit, label=label)]


def _build_mean_label(ctx: _Context, span: Span) -> list[_Draft]:
    words = _words(span)
    numbers = _numbers(span)
    number = numbers[-1]
    first = words[0]
    declared = next((w.text for w in words[1:4] if w.text in ("SD", "SE", "SEM", "s.d.", "IQR")), None)
    if declared is not None:
        # "Mean (SD) age was 45.3 (12.1) years": the spread follows in brackets.
        if len(numbers) == 2:
            number, spread = numbers
            if words[-1].text not in (")", "]"):
                return []
            label = ("±" if declared != "IQR" else "IQR ") + spread.text
        elif len(numbers) != 1:
            return []
        else:
            label = _MEAN_WORDS.get(first.lower_, "mean")
        if not ctx.number_ok(number, number.i, "mean"):
            return []
        unit = _unit_after(ctx, span.end)
        end = span.end if unit is None else ctx.next(span.end).i + 1
        return [_Draft("mean", span.start, end, _num(number), number.text, unit=unit, label=label)]
    if not ctx.number_ok(number, span.start, "mean"):
        return []
    label = _MEAN_WORDS.get(first.lower_) or _MEAN_ABBREVIATIONS.get(first.text) or first.text
    lowers = [w.lower_ for w in words]
    if label == "mean" and "difference" in lowers:
        label = "MD"
    before = ctx.prev(span.start)
    if label == "MD" and before is not None and before.lower_ in ("standardized", "standardised"):
        label = "SMD"
    if first.text == "M" and not any(w.text in ("=", ":") for w in words):
        return []
    signs = [t.text for t in span if t.text in _SIGNS and t.text not in ("~", "≈", "∼")]
    draft = _Draft("mean", span.start, span.end, _num(number), number.text,
                   operator=_operator(signs[-1]) if signs else "=", unit=_unit_after(ctx, number.i + 1), label=label)
    inside = [w for w in words if w.lower_.rstrip(".") in _HEDGE_WORDS_INSIDE]
    if inside:
        draft.hedge = inside[0].text
        draft.operator = "~"
        draft.hedged_inside = True
    if draft.unit is not None:
        draft.end = ctx.next(number.i + 1).i + 1
    return [draft]


def _build_iqr(ctx: _Context, span: Span) -> list[_Draft]:
    numbers = _numbers(span)
    words = _words(span)
    end = span.end
    if words[-1].text in (")", "]") and not any(t.text in ("(", "[") for t in words):
        end = words[-1].i
    if len(numbers) >= 2:
        low, high = numbers[-2], numbers[-1]
        raw = ctx.text[low.idx: high.idx + len(high.text)]
        return [_Draft("mean", span.start, end, None, raw, low=_num(low), high=_num(high), label="IQR", unit=_unit_after(ctx, high.i + 1))]
    number = numbers[0]
    return [_Draft("mean", span.start, end, _num(number), number.text, label="IQR", unit=_unit_after(ctx, number.i + 1))]


def _build_change(ctx: _Context, span: Span) -> list[_Draft]:
    """ "from 3.51 to 4.52": two figures; means when scores or averages are described."""
    doc = ctx.doc
    numbers = _numbers(span)
    first, second = numbers[-2], numbers[-1]
    after = ctx.next(span.end)
    unit = None
    if after is not None:
        lower = after.lower_
        if lower in _OTHER_UNITS:
            unit = _OTHER_UNITS[lower]
        elif (lower in _PERCENT_WORDS or lower in _TIME_UNITS or lower in _PARTICIPANT_NOUNS
              or lower in _COUNT_NOUNS or lower in _DOSE_UNITS or lower in ("times", "per", "-", "–")):
            return []
    if _is_year(first) or _is_year(second):
        return []
    if any(not ctx.number_ok(n, n.i, "other") for n in (first, second)):
        return []
    a, b = _num(first), _num(second)
    lookback = [t.lower_ for t in doc[max(ctx.sent_start, span.start - 8): span.start]]
    words = [t.lower_ for t in _words(span)]
    if "scale" in lookback or (a in (0, 1) and b in (4, 5, 7, 10, 100) and first.text.isdigit() and second.text.isdigit()):
        return []
    context = set(lookback) | set(words)
    kind = "mean" if context & _SCORE_CONTEXT or unit == "points" else "other"
    label = None
    average_word = next((t for t in _words(span) if t.lower_ in _MEAN_WORDS), None)
    if average_word is not None:
        label = _MEAN_WORDS[average_word.lower_]
    end_second = after.i + 1 if unit is not None else second.i + 1
    if any(w in ("ranged", "ranging", "range", "varied", "varying") for w in lookback[-3:]):
        raw = ctx.text[first.idx: second.idx + len(second.text)]
        return [_Draft(kind, first.i, end_second, None, raw, low=a, high=b, unit=unit, label=label)]
    first_start = average_word.i if average_word is not None else first.i
    first_end = first.i + 1
    if unit is not None and first.i + 1 < span.end and doc[first.i + 1].lower_ in _OTHER_UNITS:
        first_end = first.i + 2
    return [
        _Draft(kind, first_start, first_end, a, first.text, unit=unit, label=label),
        _Draft(kind, second.i, end_second, b, second.text, unit=unit, label=label),
    ]


def _build_sample_n(ctx: _Context, span: Span) -> list[_Draft]:
    number = _numbers(span)[-1]
    value = _num(number)
    if value is None or value < 0 or value != int(value):
        return []
    words = _words(span)
    if words[0].lower_ in ("sample", "cohort") and words[1].lower_ == "of":
        # "a sample of 500", "a cohort of 1,200"; "a sample of 500 adults" is a noun count.
        after = ctx.next(span.end)
        if _is_year(number) or (after is not None and (after.lower_ in _GAP_BLOCK or _gap_ok(after) and not after.is_space)):
            return []
        label = words[0].lower_
    elif words[0].lower_ == "sample":
        label = "sample size"
    else:
        label = words[0].text
    signs = [t.text for t in span if t.text in _SIGNS]
    return [_Draft("sample_size", span.start, span.end, value, number.text, operator=_operator(signs[-1]) if signs else "=", label=label)]


def _build_noun_count(ctx: _Context, span: Span) -> list[_Draft]:
    number = _numbers(span)[0]
    noun = _words(span)[-1]
    value = _num(number)
    if value is None or value != int(value) or value < 0:
        return []
    lower = noun.lower_
    gap_words = {t.lower_ for t in _words(span)[1:-1]}
    if lower in _PARTICIPANT_NOUNS:
        population = _multiplied(number) or bool(_POPULATION_CUES.search(ctx.lower_text))
        if gap_words & {"fewer", "more", "additional", "extra", "excess", "new"}:
            kind = "count"  # "36,000 fewer people would have died": a difference, not a sample
        elif lower in _STUDY_NOUNS:
            kind = "sample_size"
        elif population or value >= 1e5:
            kind = "count"
        else:
            kind = "sample_size"
    else:
        kind = "count"
    if not ctx.number_ok(number, span.start, kind):
        return []
    if _wordy(number) and kind == "count" and lower not in _PARTICIPANT_NOUNS and value < 2:
        return []
    # "36 of the participants" never gets here (stop words cannot sit in the gap).
    if number.i + 1 < span.end and ctx.doc[number.i + 1].text in _DASHES and not number.whitespace_:
        return []  # "5-HT patients", "12-item scale users": the number is part of a name
    gap = [t for t in _words(span)[1:-1]]
    if any(t.lower_ in _TIME_UNITS or _is_year(t) for t in gap):
        return []
    return [_Draft(kind, span.start, span.end, value, number.text, unit=lower)]


def _build_noun_count_range(ctx: _Context, span: Span) -> list[_Draft]:
    """ "2-3 servings", "between 12 and 15 million people" """
    numbers = _numbers(span)
    low, high = numbers[0], numbers[1]
    a, b = _num(low), _num(high)
    noun = _words(span)[-1].lower_
    if a is None or b is None or a >= b or a != int(a) or _is_year(low) or _is_year(high):
        return []
    if not ctx.number_ok(low, span.start, "count"):
        return []
    if _multiplied(high) and not _multiplied(low):
        # "between 12 and 15 million people": the scale word covers both ends.
        scale = next(_SCALES[w] for w in high.text.lower().split() if w in _SCALES)
        a *= scale
    kind = "sample_size" if noun in _STUDY_NOUNS else "count"
    start = low.i if _words(span)[0].lower_ == "between" else span.start
    raw = ctx.text[low.idx: high.idx + len(high.text)]
    return [_Draft(kind, start, span.end, None, raw, low=a, high=b, unit=noun)]


def _build_times_count(ctx: _Context, span: Span) -> list[_Draft]:
    number = _numbers(span)[0]
    after = ctx.next(span.end)
    if after is not None and (after.lower_ in _COMPARATIVES or after.lower_ in ("a", "per", "each", "every") or after.lower_ in _PERIOD_ADVERBS):
        return []
    value = _num(number)
    if value is None or not ctx.number_ok(number, span.start, "count"):
        return []
    if value != int(value):
        # "3.57 times white mortality": only a ratio has a fractional number of times.
        return [_Draft("ratio", span.start, span.end, value, number.text, label="times")]
    if _wordy(number) and value < 2:
        return []
    return [_Draft("count", span.start, span.end, value, number.text, unit="times")]


_RATIO_CONTEXT = {"risk", "risks", "odds", "likely", "likelihood", "increase", "increases", "increased", "higher", "greater", "more", "lower", "less", "rate", "rates", "chance"}


def _build_times_range(ctx: _Context, span: Span) -> list[_Draft]:
    """ "15 to 30 times": a ratio when risk or likelihood is compared, else a count."""
    numbers = _numbers(span)
    low, high = numbers[0], numbers[-1]
    a, b = _num(low), _num(high)
    if a is None or b is None or a >= b or not ctx.number_ok(low, span.start, "count"):
        return []
    after = ctx.next(span.end)
    if after is not None and (after.lower_ in ("a", "per", "each", "every") or after.lower_ in _PERIOD_ADVERBS):
        return []
    lookback = {t.lower_ for t in ctx.doc[max(ctx.sent_start, span.start - 8): span.start]}
    raw = ctx.text[low.idx: high.idx + len(high.text)]
    if lookback & _RATIO_CONTEXT or (after is not None and after.lower_ in _COMPARATIVES):
        return [_Draft("ratio", span.start, span.end, None, raw, low=a, high=b, label="times")]
    return [_Draft("count", span.start, span.end, None, raw, low=a, high=b, unit="times")]


def _build_frequency_range(ctx: _Context, span: Span) -> list[_Draft]:
    """ "2 to 3 times a week" """
    numbers = _numbers(span)
    low, high = numbers[0], numbers[1]
    a, b = _num(low), _num(high)
    if a is None or b is None or a >= b or not ctx.number_ok(low, span.start, "duration"):
        return []
    last = _words(span)[-1].lower_
    unit = _PERIOD_ADVERBS.get(last) or f"per {last}"
    raw = ctx.text[low.idx: high.idx + len(high.text)]
    return [_Draft("duration", span.start, span.end, None, raw, low=a, high=b, unit=unit)]


def _duration_ok(ctx: _Context, span: Span, numbers: list[Token]) -> bool:
    before = ctx.prev(span.start)
    before2 = ctx.prev(before.i) if before is not None else None
    after = ctx.next(span.end)
    for token in (before, before2):
        if token is not None and token.lower_ in _AGE_BEFORE:
            return False
    # "children under 5 years", "patients aged over 65 years": an age, not a duration.
    look = ctx.prev(numbers[0].i) if numbers else None
    steps = 0
    while look is not None and steps < 3 and (look.lower_ in _AGE_QUALIFIERS or look.text in _SIGNS):
        look = ctx.prev(look.i)
        steps += 1
    if look is not None and look.lower_ in _PARTICIPANT_NOUNS and ctx.doc[span.end - 1].lower_ in ("year", "years", "yr", "yrs", "month", "months"):
        return False
    if len(numbers) == 1 and before is not None and before.lower_ in _RANGE_SEPARATORS + ["and"] and before2 is not None and _is_num(before2):
        return False  # the upper end of a range already judged ("aged 5 to 12 years")
    if after is not None:
        if after.lower_ in _AGE_AFTER:
            return False
        if after.text in _DASHES and ctx.next(after.i + 1) is not None and ctx.next(after.i + 1).lower_ in _AGE_AFTER:
            return False
        if after.lower_ == "of" and ctx.next(after.i + 1) is not None and ctx.next(after.i + 1).lower_ == "age":
            return False
        if after.lower_ in ("or", "and") and ctx.next(after.i + 1) is not None and ctx.next(after.i + 1).lower_ in ("older", "younger", "over", "above", "up", "under"):
            return False  # "18 years and older": an age
    for number in numbers:
        if _is_year(number) or not ctx.number_ok(number, span.start, "duration"):
            return False
    return True


def _build_duration(ctx: _Context, span: Span) -> list[_Draft]:
    words = _words(span)
    numbers = _numbers(span)
    unit_token = words[-1]
    unit = _TIME_UNITS.get(unit_token.lower_)
    if unit is None or not numbers:
        return []
    if not _duration_ok(ctx, span, numbers):
        return []
    start = span.start
    if words[0].lower_ == "between":
        start = numbers[0].i
    if len(numbers) >= 2:
        low, high = numbers[0], numbers[-1]
        if _num(low) >= _num(high):
            return []
        raw = ctx.text[low.idx: high.idx + len(high.text)]
        return [_Draft("duration", start, span.end, None, raw, low=_num(low), high=_num(high), unit=unit)]
    number = numbers[0]
    if unit_token.lower_ == "h" and _wordy(number):
        return []
    return [_Draft("duration", start, span.end, _num(number), number.text, unit=unit)]


def _build_frequency(ctx: _Context, span: Span) -> list[_Draft]:
    words = _words(span)
    first = words[0]
    lowers = [w.lower_ for w in words]
    if first.lower_ in _FREQUENCY_WORDS:
        value, raw = float(_FREQUENCY_WORDS[first.lower_]), first.text
    else:
        number = _numbers(span)[0]
        if not ctx.number_ok(number, span.start, "duration"):
            return []
        value, raw = _num(number), number.text
    last = lowers[-1]
    if last in _PERIOD_ADVERBS:
        period = _PERIOD_ADVERBS[last]
    else:
        period = "per " + last
    unit = period
    if len(words) > 1 and words[1].lower_ in _TIME_UNITS and first.lower_ not in _FREQUENCY_WORDS:
        unit = f"{_TIME_UNITS[words[1].lower_]} {period}"
        if not _duration_ok(ctx, ctx.doc[span.start: words[1].i + 1], [_numbers(span)[0]]):
            return []
    return [_Draft("duration", span.start, span.end, value, raw, unit=unit)]


def _build_other_unit(ctx: _Context, span: Span) -> list[_Draft]:
    number = _numbers(span)[0]
    words = _words(span)
    unit = _OTHER_UNITS.get(words[-1].lower_)
    after = ctx.next(span.end)
    if unit == "points" and after is not None and after.lower_ in {"scale", "likert", "scales", "item", "items", "system", "format", "response", "rating", "of"}:
        return []  # "a 5-point Likert scale" describes an instrument; "points of interest"
    if unit == "points" and (_num(number) or 0) > 1000:
        return []
    if unit is None or not ctx.number_ok(number, span.start, "other"):
        return []
    if _is_year(number) or _wordy(number):
        return []
    return [_Draft("other", span.start, span.end, _num(number), number.text, unit=unit)]


def _build_points_range(ctx: _Context, span: Span) -> list[_Draft]:
    numbers = _numbers(span)
    low, high = numbers[0], numbers[-1]
    a, b = _num(low), _num(high)
    after = ctx.next(span.end)
    if a is None or b is None or a >= b or _is_year(low) or not ctx.number_ok(low, span.start, "other"):
        return []
    if after is not None and after.lower_ in {"scale", "likert", "scales", "item", "items", "of"}:
        return []
    raw = ctx.text[low.idx: high.idx + len(high.text)]
    return [_Draft("other", span.start, span.end, None, raw, low=a, high=b, unit="points")]


def _build_rate(ctx: _Context, span: Span) -> list[_Draft]:
    number, base = _numbers(span)[:2]
    b = _num(base)
    if b is None or b < 100 or math.log10(b) != int(math.log10(b)):
        return []
    if not ctx.number_ok(number, span.start, "other") or _is_year(number):
        return []
    return [_Draft("other", span.start, span.end, _num(number), number.text, unit=f"per {base.text}")]


def _build_labelled_other(ctx: _Context, span: Span) -> list[_Draft]:
    number = _numbers(span)[-1]
    words = _words(span)
    signs = [t.text for t in span if t.text in _SIGNS]
    label = words[0].text
    if label.lower() in ("score", "scores"):
        label = "score"
        after = ctx.next(span.end)
        if after is not None and (after.lower_ in _PERCENT_WORDS or after.lower_ in _TIME_UNITS or after.lower_ in _RANGE_SEPARATORS
                                  or after.lower_ in ("points", "point", "/")):
            return []
        if not ctx.number_ok(number, number.i, "other") or _is_year(number):
            return []
    if label.lower() == "number":
        label = "NNT" if words[3].lower_ == "treat" else "NNH"
    return [_Draft("other", span.start, span.end, _num(number), number.text,
                   operator=_operator(signs[-1]) if signs else "=", label=label)]


# --------------------------------------------------------------------------------------
# Rule table: name -> (priority, builder, patterns). Lower priority numbers win overlaps.
# --------------------------------------------------------------------------------------

_P = _lower("p", "ps", "p's")
_CI_LABELS = [
    [{"ORTH": {"IN": ["CI", "CIs", "CrI", "ci", "C.I."]}}],
    [_lower("confidence", "credible", "credibility", "uncertainty"), _lower("interval", "intervals", "limits", "limit")],
    [_lower("confidence", "credible", "credibility", "uncertainty"), _lower("interval", "intervals"), _opt(_OPEN), {"ORTH": {"IN": ["CI", "CrI", "UI"]}}, _opt(_CLOSE)],
]
_CI_SEP = _opt({"LOWER": {"IN": [":", ",", "=", "of", "was", "is", "from"]}})
_CI_BOUND_SEP = {"LOWER": {"IN": _DASHES + ["to", ",", ";", "and"]}}
_BOUND_UNIT = _opt({"LOWER": {"IN": sorted(_PERCENT_WORDS | set(_TIME_UNITS))}})
_CI_BOUNDS = [_opt(_OPEN), _opt(_SIGN), _NUMBER, _BOUND_UNIT, _CI_BOUND_SEP, _NUMBER, _BOUND_UNIT, _opt(_CLOSE)]

_RATIO_ABBR = {"ORTH": {"IN": sorted(_RATIO_ABBREVIATIONS)}}
_RATIO_SEP = _opt({"LOWER": {"IN": [":", "=", ",", "of", "was", "is", "were", "≈"]}})
_MEAN_SEP = _opt({"LOWER": {"IN": ["of", "was", "were", "is", "=", ":", ",", "being", "approximately", "about", "around", "nearly", "roughly", "approx", "~", "≈"]}})
_GAP = {"_": {"verifier_gap": True}}
_MEAN_GAP = {"_": {"verifier_mean_gap": True}}
_PER = _lower("a", "per", "each", "every", "an", "/")


def _rules() -> dict[str, tuple[int, object, list[list[dict]]]]:
    ci_patterns = []
    for label in _CI_LABELS:
        ci_patterns.append(_seq(_NUMBER, _PERCENT, *label, _CI_SEP, *_CI_BOUNDS))
        ci_patterns.append(_seq(*label, _NUMBER, _PERCENT, _CI_SEP, *_CI_BOUNDS))
        ci_patterns.append(_seq(*label, _CI_SEP, *_CI_BOUNDS))
    ratio_patterns = [_seq(_RATIO_ABBR, _RATIO_SEP, _opt(_SIGN), _NUMBER)]
    for phrase in _RATIO_PHRASES:
        head = [_lower(word) for word in phrase]
        ratio_patterns.append(_seq(*head, _opt(_OPEN), _opt(_RATIO_ABBR), _opt(_CLOSE), _RATIO_SEP, _opt(_SIGN), _NUMBER))
    time_unit = {"LOWER": {"IN": sorted(_TIME_UNITS)}}
    time_singular = {"LOWER": {"IN": sorted(_TIME_SINGULAR)}}
    return {
        "ci": (0, _build_ci, ci_patterns),
        "p_value": (1, _build_p_value, [
            _seq(_P, _SIGN, _NUMBER),
            _seq(_P, _opt(_DASH), _lower("value", "values", "val"), _opt(_lower("of", "was", "is", "were", ":", ",")), _opt(_SIGN), _NUMBER),
            _seq(_P, _opt(_DASH), _opt(_lower("for")), _lower("trend", "interaction", "heterogeneity", "difference", "diff"), _SIGN, _NUMBER),
        ]),
        "ratio": (2, _build_ratio, ratio_patterns),
        "times": (2, _build_times, [
            _seq(_NUMBER, _lower("times"), {"LOWER": {"IN": sorted(_COMPARATIVES - {"that", "than"})}}),
            _seq(_NUMBER, _opt(_DASH), _lower("fold")),
            [{"LOWER": {"IN": sorted(_FOLD_WORDS)}}],
            _seq(_lower("twice", "half"), _lower("as", "the")),
        ]),
        "mean_pm": (3, _build_mean_pm, [
            _seq(_NUMBER, {"ORTH": {"IN": _PLUS_MINUS}}, _NUMBER),
            _seq(_NUMBER, _opt(_PERCENT), {"ORTH": {"IN": _PLUS_MINUS}}, _NUMBER),
            _seq({"LOWER": {"IN": sorted(_MEAN_WORDS)}}, {**_MEAN_GAP, "OP": "{0,4}"}, _MEAN_SEP, _NUMBER, {"ORTH": {"IN": _PLUS_MINUS}}, _NUMBER),
        ]),
        "percent": (4, _build_percent, [
            _seq(_NUMBER, _PERCENT),
            _seq(_NUMBER, _lower("per"), _lower("cent")),
            _seq(_NUMBER, _DASH, _lower("percent")),
            _seq(_NUMBER, _lower("percentage", "%", "percent"), _lower("point", "points")),
            _seq(_NUMBER, _DASH, _lower("percentage"), _opt(_DASH), _lower("point")),
        ]),
        "percent_range": (4, _build_percent_range, [
            _seq(_NUMBER, _opt(_PERCENT), _RANGE, _NUMBER, _PERCENT),
            _seq(_lower("between"), _NUMBER, _opt(_PERCENT), _lower("and"), _NUMBER, _PERCENT),
        ]),
        "one_in": (4, _build_one_in, [
            _seq(_NUMBER, _lower("in"), _opt(_lower("every")), _NUMBER),
            [_NUMBER, _DASH, _lower("in"), _DASH, _NUMBER],
            _seq(_NUMBER, _lower("out"), _lower("of"), _opt(_lower("every")), _NUMBER),
        ]),
        "change": (5, _build_change, [
            _seq(_lower("from"), _opt(_lower("an", "a", "the")), _opt({"LOWER": {"IN": sorted(set(_MEAN_WORDS) | {"baseline"})}}), _opt(_lower("of")), _NUMBER, _lower("to"), _NUMBER),
            _seq(_lower("from"), _NUMBER, {"LOWER": {"IN": sorted(_OTHER_UNITS)}}, _lower("to"), _NUMBER),
        ]),
        "mean_label": (5, _build_mean_label, [
            _seq({"LOWER": {"IN": sorted(_MEAN_WORDS)}}, {**_MEAN_GAP, "OP": "{0,4}"}, _MEAN_SEP, _opt(_SIGN), _NUMBER),
            _seq({"LOWER": {"IN": sorted(_MEAN_WORDS)}}, _OPEN, {"ORTH": {"IN": ["SD", "SE", "SEM", "s.d.", "IQR"]}}, _CLOSE, {**_MEAN_GAP, "OP": "{0,4}"}, _MEAN_SEP, _NUMBER),
            _seq({"LOWER": {"IN": sorted(_MEAN_WORDS)}}, _OPEN, {"ORTH": {"IN": ["SD", "SE", "SEM", "s.d."]}}, _CLOSE, {**_MEAN_GAP, "OP": "{0,4}"}, _MEAN_SEP, _NUMBER, _OPEN, _NUMBER, _CLOSE),
            _seq({"ORTH": {"IN": sorted(_MEAN_ABBREVIATIONS)}}, _opt({"LOWER": {"IN": ["=", ":", ",", "of", "was"]}}), _NUMBER),
        ]),
        "iqr": (5, _build_iqr, [
            _seq({"ORTH": {"IN": ["IQR", "IQRs"]}}, _opt({"LOWER": {"IN": [":", ",", "=", "of", "was"]}}), _opt(_OPEN), _NUMBER, _opt(_RANGE), _opt(_lower(",", ";")), _opt(_NUMBER), _opt(_CLOSE)),
            _seq(_lower("interquartile", "inter-quartile"), _lower("range"), _opt(_OPEN), _opt({"ORTH": "IQR"}), _opt(_CLOSE), _opt({"LOWER": {"IN": [":", ",", "=", "of", "was"]}}), _opt(_OPEN), _NUMBER, _opt(_RANGE), _opt(_lower(",", ";")), _opt(_NUMBER), _opt(_CLOSE)),
        ]),
        "sample_n": (6, _build_sample_n, [
            _seq(_lower("sample", "cohort"), _lower("of"), _NUMBER),
            _seq({"ORTH": {"IN": ["n", "N"]}}, {"ORTH": {"IN": ["=", ":"]}}, _NUMBER),
            _seq(_lower("sample"), _lower("size", "sizes"), _opt(_lower("of", "was", "is", "=", ":")), _opt(_SIGN), _NUMBER),
        ]),
        "frequency": (7, _build_frequency, [
            _seq(_lower(*_FREQUENCY_WORDS), _PER, time_singular),
            _seq(_lower(*_FREQUENCY_WORDS), _opt(_DASH), {"LOWER": {"IN": sorted(_PERIOD_ADVERBS)}}),
            _seq(_NUMBER, _lower("times", "x", "×"), _PER, time_singular),
            _seq(_NUMBER, _lower("times", "x", "×"), {"LOWER": {"IN": sorted(_PERIOD_ADVERBS)}}),
            _seq(_NUMBER, time_unit, _PER, time_singular),
            _seq(_NUMBER, time_unit, {"LOWER": {"IN": sorted(_PERIOD_ADVERBS)}}),
        ]),
        "duration": (7, _build_duration, [
            _seq(_NUMBER, time_unit),
            _seq(_NUMBER, _DASH, time_singular),
            _seq(_NUMBER, _RANGE, _NUMBER, _opt(_DASH), time_unit),
            _seq(_lower("between"), _NUMBER, _lower("and"), _NUMBER, time_unit),
        ]),
        "noun_count": (8, _build_noun_count, [
            _seq(_NUMBER, {**_GAP, "OP": "{0,6}"}, {"LOWER": {"IN": sorted(_PARTICIPANT_NOUNS | _COUNT_NOUNS)}}),
        ]),
        "noun_count_range": (8, _build_noun_count_range, [
            _seq(_NUMBER, _RANGE, _NUMBER, {**_GAP, "OP": "{0,6}"}, {"LOWER": {"IN": sorted(_PARTICIPANT_NOUNS | _COUNT_NOUNS)}}),
            _seq(_lower("between"), _NUMBER, _lower("and"), _NUMBER, {**_GAP, "OP": "{0,6}"}, {"LOWER": {"IN": sorted(_PARTICIPANT_NOUNS | _COUNT_NOUNS)}}),
        ]),
        "times_count": (8, _build_times_count, [_seq(_NUMBER, _lower("times"))]),
        "times_range": (7, _build_times_range, [_seq(_NUMBER, _RANGE, _NUMBER, _lower("times"))]),
        "frequency_range": (7, _build_frequency_range, [
            _seq(_NUMBER, _RANGE, _NUMBER, _lower("times", "x", "×"), _PER, time_singular),
            _seq(_NUMBER, _RANGE, _NUMBER, _lower("times", "x", "×"), {"LOWER": {"IN": sorted(_PERIOD_ADVERBS)}}),
        ]),
        "fraction_by": (9, _build_fraction_by, [
            _seq(_lower("by", "to"), _opt(_lower("a", "one")), _opt({"LOWER": {"IN": sorted(_HEDGE_WORDS_INSIDE)}}), _opt(_lower("a", "one")), _FRACTION),
        ]),
        "fraction": (9, _build_fraction, [
            _seq(_opt(_lower("a", "one")), _FRACTION, _opt(_lower("of")), _opt(_lower("the", "all", "those", "these", "our", "their", "its")), {**_GAP, "OP": "{0,4}"}, {"LOWER": {"IN": sorted(_POPULATION_NOUNS)}}),
        ]),
        "points_range": (10, _build_points_range, [_seq(_NUMBER, _RANGE, _NUMBER, _opt(_DASH), _lower("points", "point"))]),
        "other": (11, _build_other_unit, [
            _seq(_NUMBER, _opt(_DASH), {"LOWER": {"IN": sorted(_OTHER_UNITS)}}),
            _seq(_NUMBER, _lower("mm"), _lower("hg")),
        ]),
        "rate": (4, _build_rate, [_seq(_NUMBER, _lower("per"), _NUMBER)]),
        "labelled_other": (11, _build_labelled_other, [
            _seq({"ORTH": {"IN": ["R0", "R₀", "Rt", "Re", "R(t)", "NNT", "NNH", "NNTB", "NNTH", "BMI"]}}, _opt(_lower("of", "was", "is", ":", ",")), _opt(_SIGN), _NUMBER),
            _seq(_lower("score", "scores"), _opt(_lower("of", "was", "were", "is", ":", "=")), _opt(_SIGN), _NUMBER),
            _seq(_lower("number"), _lower("needed"), _lower("to"), _lower("treat", "harm"), _opt(_OPEN), _opt({"ORTH": {"IN": ["NNT", "NNH"]}}), _opt(_CLOSE), _opt(_lower("of", "was", "is", ":", ",")), _opt(_SIGN), _NUMBER),
        ]),
    }


_RULES = _rules()


_PAIRS = {")": "(", "]": "["}


def _balance(ctx: _Context, draft: _Draft) -> None:
    """Drop a bracket at either end of the span that has no partner inside it."""
    doc = ctx.doc
    while draft.end - draft.start > 1:
        last = doc[draft.end - 1]
        if last.is_space:
            draft.end -= 1
            continue
        if last.text in _PAIRS:
            texts = [t.text for t in doc[draft.start:draft.end]]
            if texts.count(_PAIRS[last.text]) < texts.count(last.text):
                draft.end -= 1
                continue
        break
    while draft.end - draft.start > 1:
        first = doc[draft.start]
        if first.is_space:
            draft.start += 1
            continue
        if first.text in ("(", "["):
            closer = ")" if first.text == "(" else "]"
            texts = [t.text for t in doc[draft.start:draft.end]]
            if texts.count(closer) < texts.count(first.text):
                draft.start += 1
                continue
        break


def _hedge_key(hedge: str) -> str:
    """The key of ``_HEDGES`` that a matched hedge spells. ``re.I`` also matches letters that
    ``str.lower`` leaves alone ("ſome" with a long s, "wıthın" with a dotless i): those
    are looked for the way the pattern found them."""
    word = " ".join(hedge.lower().split())
    if word in _HEDGES:
        return word
    return next(key for key in _HEDGES if re.fullmatch(re.escape(key).replace(r"\ ", " "), word, re.I))


def _hedge_before(text: str) -> tuple[int, str] | None:
    """Where the hedge that ends text starts, and the hedge as written; or None."""
    match = _HEDGE_BEFORE_REVERSED.match(text[::-1])
    if match is None:
        return None
    return len(text) - match.end("hedge"), match.group("hedge")[::-1]


def _finish(ctx: _Context, draft: _Draft) -> None:
    """Hedges and comparison signs around a draft's span."""
    doc = ctx.doc
    _balance(ctx, draft)
    start_char = doc[draft.start].idx
    last = doc[draft.end - 1]
    end_char = last.idx + len(last.text)
    draft.char_start, draft.char_end = start_char, end_char
    if draft.kind in ("p_value", "ci") or draft.hedged_inside:
        return
    sentence_start_char = doc[ctx.sent_start].idx
    before_text = ctx.text[max(sentence_start_char, start_char - 60): start_char]
    sign = _SIGN_BEFORE.search(before_text)
    if sign and draft.operator == "=":
        draft.operator = _SIGNS[sign.group("sign")]
        draft.char_start = start_char - (len(before_text) - sign.start("sign"))
        if draft.operator == "~":
            draft.hedge = sign.group("sign")
        return
    hedge = _hedge_before(before_text)
    if hedge:
        hedge_start, hedge_text = hedge
        word = _hedge_key(hedge_text)
        keep = True
        if draft.kind == "duration" and word in ("over", "under", "some"):
            # "over 3 months" usually says when, not how much; "for over 3 months" says how long.
            head = before_text[:hedge_start].rstrip().lower()
            keep = head.endswith(("for", "lasting", "of"))
        if word == "some" and draft.kind not in ("percent", "count", "sample_size"):
            keep = False
        if keep:
            draft.hedge = hedge_text
            draft.operator = _HEDGES[word]
            return
    after_text = ctx.text[end_char: end_char + 30]
    trailing = _HEDGE_AFTER.match(after_text)
    if trailing and draft.kind in ("percent", "duration", "sample_size", "count", "other"):
        draft.hedge = trailing.group("hedge")
        # By the group, not the word lower-cased: re.I matches "hıgher" (dotless i) too.
        draft.operator = ">=" if trailing.group("more") else "<="


# The Matcher calls back into Python for every "IN" set and every extension attribute,
# on every token of every sentence it reads. The patterns above are written with them for
# readability; ClaimFinder compiles them to attributes the Matcher compares in C:
# - a word set ({"LOWER": {"IN": [...]}}, {"ORTH": {"IN": [...]}}) becomes a lexeme flag,
#   set on each lexeme once, the first time a claim-bearing sentence holds it (so the
#   vocabulary must keep its lexemes: no spaCy memory zones). There are 45 free flags for
#   62 sets: those a pattern can start with, then the most used, get one; the rest, each
#   in one pattern deep in, stay "IN" sets, tried only where a match is under way;
# - number, fraction and gap marks become token attributes a blank pipeline leaves
#   unused: TAG for numbers and fractions, LEMMA and ENT_KB_ID for the two gaps.
_FIRST_FLAG, _LAST_FLAG = 19, 63  # spaCy's free lexeme flag bits (FLAG19..FLAG63)
_TAG_NUM, _TAG_FRAC, _LEMMA_GAP, _KB_MEAN_GAP = "verifier_num", "verifier_frac", "verifier_gap", "verifier_mean_gap"
_TOKEN_MARKS = {
    _IS_NUM: ("TAG", _TAG_NUM), _IS_FRAC: ("TAG", _TAG_FRAC),
    "verifier_gap": ("LEMMA", _LEMMA_GAP), "verifier_mean_gap": ("ENT_KB_ID", _KB_MEAN_GAP),
}


_NO_CONDITIONS: frozenset[tuple] = frozenset()
_ALL = -1  # in a windows dict: all the rule families, by ClaimFinder.matcher
_DASH, _NOT_NUM = "dash", "not a number"  # gap marks that depend on the token, not the lexeme
_UNBOUNDED = 1 << 20  # words a step with "+" or "*" can take


def _condition(step: dict) -> tuple:
    """What a token must be to match a step: ("tag", mark) or (attribute, words), when
    the step is that simple (and takes one word if it matches); else ("any",)."""
    if step.get("OP") not in (None, "?"):
        return ("any",)
    keys = set(step) - {"OP"}
    if keys == {"_"} and step["_"] in ({_IS_NUM: True}, {_IS_FRAC: True}):
        return ("tag", _TOKEN_MARKS[next(iter(step["_"]))][1])
    if len(keys) == 1 and keys <= {"LOWER", "ORTH"}:
        attr = next(iter(keys))
        value = step[attr]
        words = [value] if isinstance(value, str) else value.get("IN") if isinstance(value, dict) and set(value) == {"IN"} else None
        if words and all(isinstance(w, str) and w and not w.isspace() for w in words):
            return (attr, frozenset(words))
    return ("any",)


def _width(step: dict) -> int:
    """The most words (tokens that are not whitespace) a pattern step can take."""
    if step.get("IS_SPACE") is True:
        return 0
    op = step.get("OP")
    if op in (None, "!", "?"):
        return 1
    bounded = re.fullmatch(r"\{\d*,(\d+)\}|\{(\d+)\}", op)
    return int(bounded.group(1) or bounded.group(2)) if bounded else _UNBOUNDED


def _least(step: dict) -> int:
    """The fewest words a pattern step takes: none if it is optional, or may match
    whitespace alone (or is not simple enough to tell)."""
    if step.get("OP") is not None or step.get("IS_SPACE") is True or _condition(step)[0] == "any":
        return 0
    return 1


def _starts(rules: dict) -> list[tuple[tuple, tuple[tuple[tuple, int, int], ...], int, str]]:
    """Every way a match can start, as (condition on its first word, constraints, words,
    rule name): each constraint (condition, low, high) is a required step later in the
    pattern, which some word between low and high words after the first must meet;
    ``words`` is the most words such a match holds. Whitespace tokens are not words."""
    starts = set()
    for name, (_, _, patterns) in rules.items():
        for pattern in patterns:
            widths = [_width(step) for step in pattern]
            least = [_least(step) for step in pattern]
            conditions = [_condition(step) for step in pattern]
            for k, step in enumerate(pattern):
                if widths[k]:  # the first word of a match can be taken by this step
                    constraints = []
                    low, high = max(least[k], 1), widths[k]
                    for j in range(k + 1, len(pattern)):
                        if "OP" not in pattern[j] and conditions[j][0] != "any":
                            constraints.append((conditions[j], low, high))
                        low += least[j]
                        high = min(high + widths[j], _UNBOUNDED)
                    starts.add((conditions[k], tuple(constraints), min(sum(widths[k:]), _UNBOUNDED), name))
                if least[k]:
                    break  # a match has a word here at the latest
    return sorted(starts, key=repr)


def _union(constraints: tuple[tuple[int, int, int], ...]) -> int:
    """The union of the condition bits of (bit, low, high) constraints."""
    bits = 0
    for bit, _, _ in constraints:
        bits |= bit
    return bits


def sentence_spans(doc: Doc) -> list[tuple[int, int, int, int]]:
    """(start, end, start_char, end_char) of each sentence."""
    return [(sent.start, sent.end, sent.start_char, sent.end_char) for sent in doc.sents]


def _word_sets(rules: dict) -> list[tuple[str, frozenset[str]]]:
    """The (attribute, words) sets of the patterns, the most useful to the Matcher first:
    those a pattern can start with (tried on every token), then by how often they occur."""
    counts: dict[tuple[str, frozenset[str]], list[int]] = {}
    for _, _, patterns in rules.values():
        for pattern in patterns:
            leading = True
            for step in pattern:
                for attr, value in step.items():
                    if isinstance(value, dict) and set(value) == {"IN"}:
                        entry = counts.setdefault((attr, frozenset(value["IN"])), [0, 0])
                        entry[0] |= leading
                        entry[1] += 1
                if step.get("OP") not in ("?", "*"):
                    leading = False
    return sorted(counts, key=lambda key: (-counts[key][0], -counts[key][1]))


class _Lexeme(NamedTuple):
    """What ClaimFinder knows of a lexeme (see ClaimFinder._facts)."""

    claim_word: bool  # "twice", "threefold": a sentence with one can hold a claim
    is_space: bool
    gap: object  # a gap between a count and its noun: True, False, _DASH or _NOT_NUM
    mean_gap: object  # between a mean word and its number: likewise
    plan: tuple | None  # the rules of the patterns that can start at it, as _plan sorts them
    conditions: int  # the bits of the pattern conditions it meets
    starts: tuple  # those rules, unsorted


class ClaimFinder:
    """The ``verifier_claims`` component: sets ``doc._.verifier_claims`` (a list of Claim)."""

    def __init__(self, nlp: Language):
        self.vocab = nlp.vocab
        sets = _word_sets(_RULES)[: _LAST_FLAG - _FIRST_FLAG + 1]
        self.flags = {key: _FIRST_FLAG + n for n, key in enumerate(sets)}
        self.orth_bits: dict[str, int] = {}  # word -> the bits of the ORTH sets that hold it
        self.lower_bits: dict[str, int] = {}
        for (attr, words), flag in self.flags.items():
            table = self.lower_bits if attr == "LOWER" else self.orth_bits
            for word in words:
                table[word] = table.get(word, 0) | 1 << flag
        # The schema knows no FLAGnn keys: validate the patterns as written, then compile.
        self.matcher = Matcher(nlp.vocab, validate=False)
        self.rules: dict[int, tuple[str, int, object]] = {}
        # One Matcher per family too: each family is matched only where it can match.
        self.families: dict[str, int] = {}
        self.family_matchers: list[Matcher] = []
        for name, (priority, builder, patterns) in _RULES.items():
            errors = {i: e for i, e in enumerate(map(validate_token_pattern, patterns)) if e}
            if errors:
                raise MatchPatternError(name, errors)
            compiled = [[self._compile(step) for step in pattern] for pattern in patterns]
            self.matcher.add(name, compiled)
            self.rules[nlp.vocab.strings[name]] = (name, priority, builder)
            self.families[name] = len(self.family_matchers)
            self.family_matchers.append(Matcher(nlp.vocab, validate=False))
            self.family_matchers[-1].add(name, compiled)
        for value in (_TAG_NUM, _TAG_FRAC, _LEMMA_GAP, _KB_MEAN_GAP):
            nlp.vocab.strings.add(value)
        self.tag_num = nlp.vocab.strings[_TAG_NUM]
        self.tag_frac = nlp.vocab.strings[_TAG_FRAC]
        self.gap_id = nlp.vocab.strings[_LEMMA_GAP]
        self.mean_gap_id = nlp.vocab.strings[_KB_MEAN_GAP]
        # Where matches can start, and what must follow: each condition on a token gets a
        # bit; a word's bits are in _facts, a number's or fraction's in tag_bits.
        starts = _starts(_RULES)
        conditions = sorted({c for condition, constraints, _, _ in starts for c in (condition, *(c for c, _, _ in constraints))}, key=repr)
        self.condition_bits = {c: 1 << n for n, c in enumerate(conditions)}
        self.tag_bits = {nlp.vocab.strings[c[1]]: bit for c, bit in self.condition_bits.items() if c[0] == "tag"}
        self.word_starts: dict[tuple, list[tuple]] = {}  # condition -> rules that start there
        self.any_starts: tuple = ()
        self.tag_starts: dict[int, tuple] = {self.tag_num: (), self.tag_frac: ()}
        for condition, constraints, total, name in starts:
            rule = (tuple((self.condition_bits[c], low, high) for c, low, high in constraints), total, self.families[name])
            if condition[0] == "tag":
                key = nlp.vocab.strings[condition[1]]
                self.tag_starts[key] = self.tag_starts[key] + (rule,)
            elif condition[0] == "any":
                self.any_starts = self.any_starts + (rule,)
            else:
                self.word_starts.setdefault(condition, []).append(rule)
        self.lexemes: dict[int, _Lexeme] = {}  # orth -> _facts
        self.tag_plans = {tag: self._plan(rules) for tag, rules in self.tag_starts.items()}
        word_conditions: dict[tuple[str, str], set[tuple]] = {}
        for condition in self.condition_bits:
            if condition[0] in ("LOWER", "ORTH"):
                for word in condition[1]:
                    word_conditions.setdefault((condition[0], word), set()).add(condition)
        # (attribute, word) -> the conditions it meets
        self.word_conditions = {key: frozenset(conditions) for key, conditions in word_conditions.items()}
        self.starts_by_conditions: dict[frozenset[tuple], tuple] = {}  # see _starts_meeting
        # True: one pass of all the patterns over each sentence, as the windows stand for
        # (the reference the tests hold the windows to).
        self.one_pass = False

    def _compile(self, step: dict) -> dict:
        """A pattern step with C-level attributes for the marks and word sets it can."""
        out: dict = {}
        for attr, value in step.items():
            if attr == "_":
                others = {}
                for name, wanted in value.items():
                    if wanted is True and name in _TOKEN_MARKS:
                        key, mark = _TOKEN_MARKS[name]
                        out[key] = mark
                    else:
                        others[name] = wanted  # left to spaCy's extension attributes
                if others:
                    out["_"] = others
            elif isinstance(value, dict) and set(value) == {"IN"} and (attr, frozenset(value["IN"])) in self.flags:
                out[f"FLAG{self.flags[attr, frozenset(value['IN'])]}"] = True
            else:
                out[attr] = value
        return out

    def _facts(self, orth: int) -> _Lexeme:
        """What the claim finder needs to know of a lexeme, computed once per lexeme; its
        word-set flags are set on the way."""
        lexeme = self.vocab[orth]
        text = lexeme.orth_
        lower = lexeme.lower_
        bits = self.orth_bits.get(text, 0) | self.lower_bits.get(lower, 0)
        if bits:
            lexeme.flags = lexeme.flags | bits
        # Mirrors _gap_ok and _mean_gap_ok. Where the token decides: _DASH (a gap when glued
        # to the tokens on both sides) or _NOT_NUM (a gap unless it is a number).
        if lexeme.is_space or lower in ("more", "fewer", "less"):
            gap = True
        elif text in _DASHES:
            gap = _DASH  # had it no neighbours, a dash has no letter: never a gap
        elif not (
            lexeme.is_punct or lexeme.is_stop or lexeme.like_num
            or lower in _GAP_BLOCK or not any(ch.isalpha() for ch in lower)
        ):
            gap = _NOT_NUM
        else:
            gap = False
        if lexeme.is_space:
            mean_gap = True
        elif text in ("-", "‐"):
            mean_gap = _DASH
        elif lexeme.is_alpha and lower not in _MEAN_GAP_BLOCK:
            mean_gap = _NOT_NUM
        else:
            mean_gap = False
        holds = self.word_conditions.get(("LOWER", lower), _NO_CONDITIONS) | self.word_conditions.get(("ORTH", text), _NO_CONDITIONS)
        starts, plan, conditions = self._starts_meeting(holds)
        facts = self.lexemes[orth] = _Lexeme(
            claim_word=lower in _FREQUENCY_WORDS or lower in _FOLD_WORDS,
            is_space=lexeme.is_space,
            gap=gap,
            mean_gap=mean_gap,
            plan=plan,
            conditions=conditions,
            starts=starts,
        )
        return facts

    def _starts_meeting(self, holds: frozenset[tuple]) -> tuple[tuple, tuple | None, int]:
        """The rules that can start at a word meeting these conditions, unsorted and as _plan
        sorts them, and the conditions' bits: worked out once for all the words that meet
        the same conditions (most words meet none)."""
        known = self.starts_by_conditions.get(holds)
        if known is None:
            starts = tuple(set(self.any_starts).union(*(self.word_starts.get(condition, ()) for condition in holds)))
            plan = self._plan(starts) if starts else None
            known = self.starts_by_conditions[holds] = (starts, plan, sum(self.condition_bits[c] for c in holds))
        return known

    def __call__(self, doc: Doc) -> Doc:
        doc._.verifier_claims = []
        text = doc._.verifier_text
        if text is None:
            text = doc.text
        if not _numberish(text):
            return doc
        numberish = [(start, end) for start, end, start_char, end_char in sentence_spans(doc) if _numberish(text[start_char:end_char])]
        if not numberish:
            return doc
        length = len(doc)
        orths, spacy = doc.to_array([ORTH, SPACY]).T.tolist()
        marked = mark_numbers(doc, numberish, orths, spacy)
        n = len(doc)
        if n != length:  # numbers were merged: the token indexes moved
            numberish = [(start, end) for start, end, start_char, end_char in sentence_spans(doc) if _numberish(text[start_char:end_char])]
            orths, spacy = doc.to_array([ORTH, SPACY]).T.tolist()
        tag_num, tag_frac = self.tag_num, self.tag_frac
        tags = [0] * n
        for i, mark in marked:
            tags[i] = tag_frac if mark.fraction else tag_num
        marked_at = [i for i, _ in marked]
        lexemes = self.lexemes
        facts: list = [None] * n  # _facts of each token in a sentence that can hold a claim
        sentences = []  # (start, end, windows) of those sentences with a number in them
        for start, end in numberish:
            found = list(map(lexemes.get, orths[start:end]))
            if None in found:
                found = [self._facts(orth) if known is None else known for orth, known in zip(orths[start:end], found)]
            facts[start:end] = found
            first_mark = bisect.bisect_left(marked_at, start)
            if not (first_mark < len(marked_at) and marked_at[first_mark] < end) and not any(f.claim_word for f in found):
                continue  # no number, fraction, "twice" or "threefold"
            windows = {_ALL: [(start, end)]} if self.one_pass else self._windows(facts, tags, start, end)
            sentences.append((start, end, windows))
        # Gap marks, for the tokens the Matcher will read.
        gaps = [0] * n
        mean_gaps = [0] * n
        gap_id, mean_gap_id = self.gap_id, self.mean_gap_id
        for _, _, windows in sentences:
            for i in sorted({i for spans in windows.values() for low, high in spans for i in range(low, high)}):
                gap, mean_gap = facts[i].gap, facts[i].mean_gap
                if gap is _DASH or mean_gap is _DASH:
                    glued = i > 0 and not spacy[i - 1] and not spacy[i]
                    gap = glued if gap is _DASH else gap
                    mean_gap = glued if mean_gap is _DASH else mean_gap
                if gap is _NOT_NUM:
                    gap = tags[i] != tag_num
                if mean_gap is _NOT_NUM:
                    mean_gap = tags[i] != tag_num
                if gap:
                    gaps[i] = gap_id
                if mean_gap:
                    mean_gaps[i] = mean_gap_id
        doc.from_array([TAG, LEMMA, ENT_KB_ID], numpy.array([tags, gaps, mean_gaps], dtype="uint64").T)
        claims: list[Claim] = []
        for start, end, windows in sentences:
            claims.extend(self._sentence_claims(doc, text, start, end, windows))
        claims.sort(key=lambda c: (c.start, c.end))
        doc._.verifier_claims = claims
        return doc

    def _plan(self, rules: tuple) -> tuple[int, list[tuple[int, list[tuple]]], list[tuple]]:
        """Rules sorted for _windows: those whose first requirement is one word right after
        the first, by that word's condition bit (with the union of those bits), and the rest;
        each as (constraints left to check, the union of their bits, words, family)."""
        by_bit: dict[int, list[tuple]] = {}
        rest = []
        for constraints, total, family in rules:
            if constraints and constraints[0][1:] == (1, 1):
                by_bit.setdefault(constraints[0][0], []).append((constraints[1:], _union(constraints[1:]), total, family))
            else:
                rest.append((constraints, _union(constraints), total, family))
        return sum(by_bit), list(by_bit.items()), rest

    def _windows(self, facts: list[_Lexeme], tags: list[int], start: int, end: int) -> dict[int, list[tuple[int, int]]]:
        """For each rule family, the token ranges of doc[start:end] that hold all its matches,
        in order and disjoint: from each word one of its patterns can start at (the later
        required steps met by words in reach), as many words as such a match holds, with
        the whitespace at the edges."""
        words = [i for i in range(start, end) if not facts[i].is_space]
        tag_bits = self.tag_bits
        masks = [facts[i].conditions | tag_bits[tags[i]] if tags[i] else facts[i].conditions for i in words]
        count = len(words)
        # The conditions that some word after each word meets: a rule that needs another one
        # opens no window there, and most rules are passed over so, without a scan.
        later = [0] * count
        for w in range(count - 2, -1, -1):
            later[w] = later[w + 1] | masks[w + 1]
        windows: dict[int, list[tuple[int, int]]] = {}
        tag_starts, tag_plans = self.tag_starts, self.tag_plans
        for w in [w for w, i in enumerate(words) if tags[i] or facts[i].plan]:
            i = words[w]
            plan = facts[i].plan
            if tags[i]:
                plan = tag_plans[tags[i]] if not plan else self._plan(facts[i].starts + tag_starts[tags[i]])
            widths: dict[int, int] = {}
            # Most rules need a given word right after the first: skip them all at once.
            after = masks[w + 1] if w + 1 < count else 0
            candidates = plan[2]
            if after & plan[0]:
                candidates = [rule for bit, rules in plan[1] if after & bit for rule in rules] + candidates
            present = later[w]
            for constraints, needs, total, family in candidates:
                if needs & present != needs or total <= widths.get(family, 0):
                    continue
                for bit, low, high in constraints:
                    k = w + low
                    if high == low:
                        if k >= count or not masks[k] & bit:
                            break
                    else:
                        stop = min(w + high + 1, count)
                        while k < stop and not masks[k] & bit:
                            k += 1
                        if k == stop:
                            break
                else:
                    widths[family] = total
            if not widths:
                continue
            low = i
            while low > start and facts[low - 1].is_space:
                low -= 1
            for family, width in widths.items():
                high = words[w + width] if w + width < count else end  # and the whitespace after
                spans = windows.setdefault(family, [])
                if spans and low <= spans[-1][1]:
                    spans[-1] = (spans[-1][0], max(high, spans[-1][1]))
                else:
                    spans.append((low, high))
        return windows

    def _sentence_claims(self, doc: Doc, text: str, sent_start: int, sent_end: int, windows: dict[int, list[tuple[int, int]]]) -> list[Claim]:
        ctx = _Context(doc, text, sent_start, sent_end)
        groups: list[_Group] = []
        matches: dict[tuple[int, int, int], None] = {}  # each match once, in the order found
        # Span(doc, start, end), not doc[start:end]: slicing normalises the slice in Python first,
        # which takes twice as long as making the span.
        for family, spans in windows.items():
            matcher = self.matcher if family == _ALL else self.family_matchers[family]
            for low, high in spans:
                for match_id, start, end in matcher(Span(doc, low, high), allow_missing=True):
                    matches[match_id, start + low, end + low] = None
        for key in matches:
            match_id, start, end = key
            name, priority, builder = self.rules[match_id]
            drafts = builder(ctx, Span(doc, start, end))
            if drafts:
                low = min(start, *(d.start for d in drafts))
                high = max(end, *(d.end for d in drafts))
                groups.append(_Group(priority, low, high, drafts, key))
        groups.sort(key=lambda g: (g.priority, -(g.end - g.start), g.start))
        self._order_ties(doc, groups)
        taken = [False] * (sent_end - sent_start)
        accepted: list[_Group] = []
        for group in groups:
            cells = range(group.start - sent_start, group.end - sent_start)
            if any(taken[c] for c in cells):
                continue
            for c in cells:
                taken[c] = True
            accepted.append(group)
        accepted.sort(key=lambda g: g.start)
        ends = {g.end: g for g in accepted}
        claims = []
        for group in accepted:
            for draft in group.drafts:
                if draft.kind == "ci" and draft.value is None:
                    draft.value = self._point_estimate(ctx, group.start, ends)
                _finish(ctx, draft)
                text = ctx.text[draft.char_start: draft.char_end]
                claims.append(Claim(
                    kind=draft.kind, start=draft.char_start, end=draft.char_end, text=text,
                    value=draft.value, raw=draft.raw.replace("·", "."), low=draft.low, high=draft.high,
                    operator=draft.operator, unit=draft.unit, hedge=draft.hedge,
                    label=draft.label.replace("·", ".") if draft.label else None,
                ))
        return claims

    def _order_ties(self, doc: Doc, groups: list[_Group]) -> None:
        """Put groups that tie on (priority, length, start) in the order one Matcher over the
        sentence would have found their matches: the first of them wins its tokens.

        Matching over any stretch of the sentence finds the matches inside it in the order
        a pass over the whole sentence finds them; so one pass over the stretch the tied
        matches cover decides. Ties are rare (none in the benchmark corpus)."""
        k = 0
        while k < len(groups):
            first = groups[k]
            j = k + 1
            while j < len(groups) and (groups[j].priority, groups[j].start, groups[j].end) == (first.priority, first.start, first.end):
                j += 1
            if j - k > 1:
                tied = groups[k:j]
                low = min(g.match[1] for g in tied)
                high = max(g.match[2] for g in tied)
                found = self.matcher(Span(doc, low, high), allow_missing=True)
                order = {key: n for n, key in enumerate(dict.fromkeys((m, a + low, b + low) for m, a, b in found))}
                groups[k:j] = sorted(tied, key=lambda g: order[g.match])
            k = j

    @staticmethod
    def _point_estimate(ctx: _Context, start: int, ends: dict[int, _Group]) -> float | None:
        """The estimate a CI belongs to: "OR 2.96, 95% CI ..." or "2.96 (95% CI ...)"."""
        doc = ctx.doc
        i = start
        skipped = 0
        while i > ctx.sent_start and skipped < 3:
            token = doc[i - 1]
            if token.is_space or token.text in (",", "(", "[", ";", ":"):
                i -= 1
                skipped += 0 if token.is_space else 1
                continue
            break
        group = ends.get(i)
        if group is not None and len(group.drafts) == 1 and group.drafts[0].kind != "ci":
            return group.drafts[0].value
        if i > ctx.sent_start and _is_num(doc[i - 1]) and i != start:
            return _num(doc[i - 1])
        if i > ctx.sent_start + 1 and doc[i - 1].lower_ in _PERCENT_WORDS and _is_num(doc[i - 2]) and i != start:
            return _num(doc[i - 2])
        return None


@Language.factory("verifier_claims")
def make_claim_finder(nlp: Language, name: str) -> ClaimFinder:
    return ClaimFinder(nlp)
