"""Sourcing: statistics need a citation close by."""

from __future__ import annotations

import re
from typing import Iterator

from verifier.document import Document
from verifier.model import Claim, Finding, Severity
from verifier.registry import RuleContext, rule
from verifier.rules._text import PEOPLE_NOUNS, folded

# Kinds that are statistics wherever they appear.
STATISTIC_KINDS = {"percent", "p_value", "sample_size", "ci", "ratio", "mean"}
# Counts and durations are statistics when they describe a study's design or results,
# or count people ("280 million people"); elsewhere ("the session took 20 minutes") they
# are not.
_STUDY_CONTEXT = re.compile(
    r"\b(?:stud(?:y|ies)|trials?|participants?|patients?|subjects?|respondents?|cohorts?|"
    r"randomi[sz]ed|interventions?|(?:control|intervention|treatment|therapy|placebo|experimental|comparison)\s+(?:group|arm)s?|"
    r"follow-?up|enrolled|recruited|sample[ds]?|survey(?:ed)?|meta-analys[ie]s|"
    r"prevalence|incidence)\b",
    re.I,
)
# Every match of _STUDY_CONTEXT holds one of these, lower-cased: a sentence holding none skips it.
_STUDY_WORDS = ("stud", "trial", "participant", "patient", "subject", "respondent", "cohort", "randomi",
                "intervention", "group", "arm", "follow", "enrolled", "recruited", "sample", "survey",
                "meta-analys", "prevalence", "incidence")
_PEOPLE = re.compile(rf"^(?:{PEOPLE_NOUNS}|deaths)$", re.I)
_SKIPPED_BLOCKS = {"heading", "image", "reference_definition"}


def is_statistic(doc: Document, claim: Claim) -> bool:
    if claim.kind in STATISTIC_KINDS:
        return True
    if claim.kind == "count" and claim.unit and _PEOPLE.match(claim.unit):
        return True
    if claim.kind in {"count", "duration"} and claim.sentence >= 0:
        return _describes_study(doc.sentence_text(claim.sentence))
    return False


def _describes_study(sentence: str) -> bool:
    lowered = folded(sentence)
    return any(words in lowered for words in _STUDY_WORDS) and bool(_STUDY_CONTEXT.search(sentence))


@rule(
    code="VS101",
    name="unsourced-statistic",
    severity=Severity.WARNING,
    summary="A statistic has no citation in its sentence or paragraph.",
    what="""
Finds sentences that state a statistic (a percentage, p-value, sample size, confidence
interval, ratio, mean, or a count or duration describing a study) with no citation in
the sentence or, failing that, in its paragraph or list item. A reference list at the
end of the document does not source a statistic by itself. One finding per sentence,
naming its figures.""",
    why="""
A number without a source cannot be checked, and readers of health content act on
numbers. Drafts assembled from search results often keep a figure and lose where it
came from.""",
    bad="Music therapy can reduce cravings by upwards of 60%.",
    good="Music therapy reduced depressive symptoms in 45% of participants, against 22% with usual care ([Erkkilä et al., 2011](https://doi.org/10.1192/bjp.bp.110.085431)).",
)
def unsourced_statistic(doc: Document, context: RuleContext) -> Iterator[Finding]:
    by_sentence: dict[int, list[int]] = {}
    for index, claim in enumerate(doc.claims):
        if claim.sentence < 0 or doc.sourced(index) or not is_statistic(doc, claim):
            continue
        block = doc.blocks[doc.sentences[claim.sentence].block]
        if block.kind in _SKIPPED_BLOCKS:
            continue
        by_sentence.setdefault(claim.sentence, []).append(index)
    for sentence, indexes in by_sentence.items():
        claims = [doc.claims[i] for i in indexes]
        figures = ", ".join(f'"{_with_hedge(c)}"' for c in claims)
        noun = "Statistic" if len(claims) == 1 else "Statistics"
        verb = "has" if len(claims) == 1 else "have"
        possessive = "its" if len(claims) == 1 else "their"
        where = f"{possessive} sentence" if doc.attachment == "sentence" else f"{possessive} sentence or paragraph"
        yield Finding(
            rule="unsourced-statistic",
            start=claims[0].start,
            end=claims[-1].end if claims[-1].end > claims[0].start else claims[0].end,
            message=f"{noun} {figures} {verb} no citation in {where}",
            claim=claims[0],
            anchor=" ".join(c.text for c in claims),
        )


def _with_hedge(claim: Claim) -> str:
    return f"{claim.hedge} {claim.text}" if claim.hedge and claim.hedge.lower() not in claim.text.lower() else claim.text
