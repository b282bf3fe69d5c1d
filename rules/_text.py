"""Small text helpers shared by rule families."""

from __future__ import annotations

import re
import unicodedata

# A normalised passage is its runs of word characters and "%", one space apart.
_WORD_RUN = re.compile(r"[\w%]+")
# The other ASCII characters, each made a space: on ASCII text str.translate and a split
# find the runs several times faster than the pattern.
_ASCII_NON_WORD = str.maketrans({ch: " " for ch in map(chr, range(128)) if not _WORD_RUN.match(ch)})
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation and spacing folded: for comparing passages."""
    if text.isascii():   # ASCII has no compatibility forms and no accents to drop
        return " ".join(text.lower().translate(_ASCII_NON_WORD).split())
    text = _without_combining(unicodedata.normalize("NFKD", text))
    return " ".join(_WORD_RUN.findall(text.lower()))


def _without_combining(text: str) -> str:
    """``text`` without its combining characters (accents), asking about each distinct
    character once rather than about every character."""
    marks = [ch for ch in set(text) if unicodedata.combining(ch)]
    return text.translate(dict.fromkeys(map(ord, marks))) if marks else text


# re.IGNORECASE matches "i" with "ı" and "İ", and "s" with "ſ"; str.lower() keeps those apart
# (and makes "İ" two characters).
_IGNORECASE_FOLDS = str.maketrans({"ı": "i", "İ": "i", "ſ": "s"})


def folded(text: str) -> str:
    """``text`` lower-cased as a case-blind pattern compares ASCII letters, one character for
    one: wherever an re.IGNORECASE pattern matches an ASCII phrase, the phrase is in here at
    the same offsets, so a cheap ``in`` test can rule a pattern out."""
    if "ı" in text or "İ" in text or "ſ" in text:
        text = text.translate(_IGNORECASE_FOLDS)
    return text.lower()


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def quote(text: str, limit: int = 60) -> str:
    """A short quotation for a message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Nouns that name the people a share, a sample or a head count is made of.
PEOPLE_NOUNS = (
    "participants|patients|people|persons|adults|children|adolescents|teenagers|teens|youths|"
    "women|men|girls|boys|individuals|respondents|subjects|cases|users|students|residents|"
    "members|volunteers|infants|mothers|fathers|parents|smokers|survivors|veterans|nurses|"
    "physicians|doctors|clinicians|workers|employees|athletes|caregivers|carers|inpatients|"
    "outpatients|responders|completers|enrollees|recipients|older adults|seniors|americans"
)
