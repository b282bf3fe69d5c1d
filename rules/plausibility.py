"""Plausibility: values that cannot be right whatever the source says."""

from __future__ import annotations

import re
from typing import Iterator

from verifier.document import Document
from verifier.model import Claim, Finding, Severity
from verifier.registry import RuleContext, rule

# "150% of patients" cannot be; "150% of the recommended intake" or "a 150% increase" can.
_SHARE_OF_PEOPLE = re.compile(
    r"^\s*(?:of|among)\s+(?:(?:the|all|these|those|our|their|eligible|enrolled|surveyed|\w+ly)\s+)*"
    r"(?:\w+\s+){0,2}?(?:patients|participants|people|persons|adults|children|adolescents|women|men|"
    r"individuals|respondents|subjects|cases|users|students|residents|members|volunteers|infants|"
    r"the sample|the population|the cohort)\b",
    re.I,
)


def _is_share_of_people(doc: Document, claim: Claim) -> bool:
    return bool(_SHARE_OF_PEOPLE.match(doc.prose[claim.end:claim.end + 80]))


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
