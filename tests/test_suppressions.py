"""Inline suppressions: what each directive silences, and what counts as unused."""

from __future__ import annotations

from conftest import lint_text, pairs
from verifier.engine import lint
from verifier.settings import Settings

# The rules these tests are about; others (duplicates, conflicts between figures) stay out.
FOCUS = Settings(select=["unsourced-statistic", "impossible-value", "unused-suppression"])

UNSOURCED = "Music therapy reduced cravings by 60%, clinicians say."
OTHER = "Roughly 40% of patients report insomnia."


def _lines(*lines: str) -> str:
    return "\n\n".join(lines) + "\n"


def test_disable_next_line_silences_exactly_the_next_line():
    text = "\n".join([
        "<!-- verifier: disable-next-line unsourced-statistic -->",
        UNSOURCED,
        OTHER,
    ]) + "\n"
    found = lint_text(text, settings=FOCUS)
    assert pairs(found) == [(3, "unsourced-statistic")]


def test_disable_next_line_before_a_blank_line_silences_nothing_and_is_reported():
    text = _lines("<!-- verifier: disable-next-line unsourced-statistic -->", UNSOURCED)
    found = lint_text(text, settings=FOCUS)
    assert pairs(found) == [(1, "unused-suppression"), (3, "unsourced-statistic")]
    unused = next(d for d in found if d.rule == "unused-suppression")
    assert unused.code == "VS901"
    assert "no unsourced-statistic finding on the next line" in unused.message


def test_rules_are_named_by_name_code_or_prefix():
    for selector in ("unsourced-statistic", "VS101", "vs101", "VS1", "unsourced-statistic, impossible-value"):
        text = f"<!-- verifier: disable-next-line {selector} -->\n{UNSOURCED}\n"
        found = lint_text(text, settings=FOCUS)
        assert [d.rule for d in found if d.rule == "unsourced-statistic"] == [], selector
    # Naming a rule that found nothing there is reported, even beside one that did.
    text = f"<!-- verifier: disable-next-line VS101, impossible-value -->\n{UNSOURCED}\n"
    messages = [d.message for d in lint_text(text, settings=FOCUS) if d.rule == "unused-suppression"]
    assert len(messages) == 1 and "impossible-value" in messages[0] and "VS101" not in messages[0]


def test_disable_and_enable_bound_a_region():
    text = _lines(
        UNSOURCED,
        "<!-- verifier: disable unsourced-statistic -->",
        UNSOURCED.replace("60%", "61%"),
        OTHER,
        "<!-- verifier: enable -->",
        UNSOURCED.replace("60%", "62%"),
    )
    assert pairs(lint_text(text, settings=FOCUS)) == [(1, "unsourced-statistic"), (11, "unsourced-statistic")]


def test_an_unclosed_disable_runs_to_the_end_of_the_file():
    text = _lines(UNSOURCED, "<!-- verifier: disable VS101 -->", OTHER, UNSOURCED.replace("60", "70"))
    assert pairs(lint_text(text, settings=FOCUS)) == [(1, "unsourced-statistic")]


def test_enable_with_rules_ends_only_those():
    text = _lines(
        "<!-- verifier: disable -->",
        "Symptoms improved in 140% of participants.",
        "<!-- verifier: enable unsourced-statistic -->",
        "Symptoms improved in 150% of participants, and 30% relapsed.",
    )
    found = pairs(lint_text(text, settings=FOCUS))
    assert (7, "unsourced-statistic") in found
    assert (3, "unsourced-statistic") not in found
    assert not [line for line, rule in found if rule == "impossible-value"]


def test_disable_file_silences_the_rule_everywhere_but_only_that_rule():
    text = _lines("<!-- verifier: disable-file unsourced-statistic -->", UNSOURCED, OTHER,
                  "Symptoms improved in 140% of participants [1].", "[1]: https://example.org/a")
    found = pairs(lint_text(text, settings=FOCUS))
    assert not [p for p in found if p[1] == "unsourced-statistic"]
    assert (7, "impossible-value") in found


def test_a_directive_without_rules_silences_every_rule():
    text = "<!-- verifier: disable-next-line -->\nSymptoms improved in 140% of participants.\n"
    assert pairs(lint_text(text, settings=FOCUS)) == []


def test_a_reason_may_follow_the_rules():
    text = "<!-- verifier: disable-next-line VS101 -- checked against the trial PDF -->\n" + UNSOURCED + "\n"
    assert pairs(lint_text(text, settings=FOCUS)) == []


def test_directives_in_code_are_examples_not_directives():
    text = _lines(
        "```markdown\n<!-- verifier: disable-file unsourced-statistic -->\n```",
        "Write `<!-- verifier: disable-file unsourced-statistic -->` to silence a rule.",
        UNSOURCED,
    )
    assert pairs(lint_text(text, settings=FOCUS)) == [(7, "unsourced-statistic")]


def test_misspelt_directives_and_unknown_rules_are_reported():
    text = _lines("<!-- verifier: disabel VS101 -->", "<!-- verifier: disable-next-line no-such-rule -->", "Plain.")
    found = [d for d in lint_text(text, settings=FOCUS) if d.rule == "unused-suppression"]
    assert [d.line for d in found] == [1, 3]
    assert "Unknown verifier directive 'disabel'" in found[0].message
    assert "'no-such-rule'" in found[1].message


def test_a_suppression_for_a_rule_the_configuration_turns_off_is_not_judged():
    text = "<!-- verifier: disable-next-line unsourced-statistic -->\nPlain text.\n"
    assert pairs(lint_text(text, settings=Settings(ignore=["unsourced-statistic"]))) == []
    assert pairs(lint_text(text, settings=Settings(select=["VS2", "VS9"]))) == []


def test_unused_suppression_is_configured_like_any_rule():
    text = "<!-- verifier: disable-next-line unsourced-statistic -->\nPlain text.\n"
    assert pairs(lint_text(text, settings=Settings(ignore=["VS901"]))) == []
    assert pairs(lint_text(text, settings=Settings(select=["VS101", "VS9"]))) == [(1, "unused-suppression")]
    # and can itself be silenced for a file
    silenced = "<!-- verifier: disable-file unused-suppression -->\n" + text
    assert pairs(lint_text(silenced, settings=FOCUS)) == []


def test_suppressions_of_source_rules_are_never_called_unused():
    # Source findings depend on what the local source store holds, which differs by machine.
    text = "<!-- verifier: disable-next-line source-number-missing -->\nAbout 45% improved [1].\n\n" \
           "[1]: https://example.org/a\n"
    assert not [d for d in lint_text(text, settings=FOCUS) if d.rule == "unused-suppression"]


def test_the_pipeline_counts_what_it_silenced():
    text = _lines("<!-- verifier: disable-file VS101 -->", UNSOURCED, OTHER)
    result = lint([("draft.md", text)], FOCUS)
    assert result.suppressed == 2 and result.diagnostics == []
