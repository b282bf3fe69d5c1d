"""Small text helpers shared by rule families."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w%]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation and spacing folded: for comparing passages."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


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
