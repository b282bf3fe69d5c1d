"""Meta: findings about verifier's own directives in a draft.

Only the pipeline knows which suppressions silenced something, so the filter stage
(:mod:`verifier.suppressions`, run by :func:`verifier.engine.lint`) produces these
findings; the declaration here gives the rule its code, severity and documentation, and
lets configuration select, ignore or re-level it like any other rule.
"""

from __future__ import annotations

from typing import Iterator

from verifier.model import Finding, Severity
from verifier.registry import RuleContext, rule


@rule(
    code="VS901",
    name="unused-suppression",
    severity=Severity.WARNING,
    summary="A suppression comment silences nothing, or names no rule.",
    what="""
Reports `<!-- verifier: disable... -->` comments that silenced no finding in this run:
a `disable-next-line` whose next line has no finding of the rules it names, a
`disable-file` whose rules found nothing in the file, a `disable` region with nothing
to silence, a directive naming something that is not a rule, and a misspelt directive.
A directive is judged only on rules that ran on the file, so turning a rule off in the
configuration does not make its suppressions unused.""",
    why="""
A suppression outlives the problem it was written for. Left in place it silently hides
the next unsourced figure someone pastes on that line, and a misspelt one silences
nothing while looking as if it does.""",
    bad="""<!-- verifier: disable-next-line unsourced-statistic -->
Music therapy is widely offered alongside standard care.""",
    good="""<!-- verifier: disable-next-line unsourced-statistic -- checked against the trial PDF -->
Music therapy improved scores in 45% of participants.""",
)
def unused_suppression(doc, context: RuleContext) -> Iterator[Finding]:
    """Produced by the pipeline's suppression stage, never by looking at a document alone."""
    return iter(())
