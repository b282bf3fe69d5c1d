"""Plausibility rules: the arithmetic behind GRIM, and the tricky cases of each rule."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, lint_file, lint_text, pairs
from verifier.registry import find_rule
from verifier.rules.plausibility import _mean_possible, _percent_possible, _rounds_to

FAMILY = ["impossible-value", "grim-inconsistent", "false-precision", "significance-mismatch", "vague-quantifier"]
REFS = "\n\n[1]: https://pubmed.ncbi.nlm.nih.gov/21474494/\n[2]: https://doi.org/10.1192/bjp.bp.110.085431\n"


def flagged(text: str, rule: str) -> list[str]:
    """Messages of one rule for a draft (references appended so citations resolve)."""
    return [d.message for d in lint_text(text + REFS) if d.rule == rule]


# -- declarations -----------------------------------------------------------------------

@pytest.mark.parametrize("name,code", [("grim-inconsistent", "VS302"), ("false-precision", "VS303"),
                                       ("significance-mismatch", "VS304"), ("vague-quantifier", "VS305")])
def test_codes_are_stable(name, code):
    assert find_rule(code).name == name


# -- the examples ----------------------------------------------------------------------

def test_digest_findings_of_this_family():
    found = [p for p in pairs(lint_file(EXAMPLES / "music-therapy-digest.md")) if p[1] in FAMILY]
    assert found == [(8, "vague-quantifier"), (42, "false-precision")]


def test_brief_stays_clean():
    assert not [d for d in lint_file(EXAMPLES / "music-therapy-brief.md") if d.rule in FAMILY]


# -- GRIM arithmetic -------------------------------------------------------------------

def _round(value: Decimal, decimals: int, mode) -> float:
    return float(value.quantize(Decimal(1).scaleb(-decimals), rounding=mode))


@settings(max_examples=400, deadline=None)
@given(n=st.integers(1, 2000), data=st.data(), decimals=st.integers(0, 3))
def test_every_share_a_sample_can_give_is_possible(n, data, decimals):
    k = data.draw(st.integers(0, n))
    exact = Decimal(100 * k) / Decimal(n)
    for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN):
        assert _percent_possible(_round(exact, decimals, mode), decimals, n)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 500), total=st.integers(0, 5000), decimals=st.integers(1, 3))
def test_every_mean_a_sample_can_give_is_possible(n, total, decimals):
    exact = Decimal(total) / Decimal(n)
    for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN):
        assert _mean_possible(_round(exact, decimals, mode), decimals, n)


def test_impossible_shares_and_means():
    assert not _percent_possible(53.83, 2, 36)   # 19/36 = 52.78, 20/36 = 55.56
    assert not _percent_possible(45, 0, 36)      # 44.4 or 47.2
    assert not _percent_possible(12.5, 1, 20)    # shares of 20 move in steps of 5
    assert _percent_possible(12.5, 1, 40)
    assert not _mean_possible(7.43, 2, 12)       # 89/12 = 7.42, 90/12 = 7.50
    assert _mean_possible(7.42, 2, 12)


def test_ties_are_accepted_in_both_conventions():
    # 1/8 = 12.5%: "13%" (half up) and "12%" (half to even) are both honest roundings.
    assert _rounds_to(12.5, 13, 0) and _rounds_to(12.5, 12, 0)
    assert not _rounds_to(12.5, 14, 0)


# -- grim-inconsistent -------------------------------------------------------------------

def test_grim_names_the_nearest_possible_shares():
    [message] = flagged("Of the 36 participants, 53.83% reported better sleep [1].", "grim-inconsistent")
    assert "36" in message and "19/36 = 52.78%" in message and "20/36 = 55.56%" in message


def test_grim_checks_a_stated_count():
    [message] = flagged("Overall mortality was 27% (4/31) in the cohort [1].", "grim-inconsistent")
    assert "4/31" in message


@pytest.mark.parametrize("text", [
    "In the trial of 120 adults, 12.6% of women had nausea [1].",                   # subgroup
    "In a trial of 36 participants, 45% of patients in the music group improved [1].",  # arm
    "In a trial of 36 participants, 45% improved compared with 20% of controls [1].",
    "Overall, 45% (n = 36) improved [1].",                                           # numerator
    "In a study of 36 participants, anxiety fell by 45% [1].",                       # a change
    "Nearly 45% of the 36 participants improved [1].",                               # hedged
    "Between 40% and 45% of the 36 participants improved [1].",                      # a range
    "In a study of 36 participants and 12 carers, 45% of participants improved [1].",  # two sizes
])
def test_grim_stays_quiet_when_the_sample_is_unclear(text):
    assert flagged(text, "grim-inconsistent") == []


def test_grim_uses_the_same_study_elsewhere_only_when_its_size_is_unambiguous():
    base = "The Lakeside trial enrolled 36 participants [1].\n\nAfter eight weeks, 53.83% of participants slept better [1]."
    assert len(flagged(base, "grim-inconsistent")) == 1
    other_study = base.replace("slept better [1]", "slept better [2]")
    assert flagged(other_study, "grim-inconsistent") == []
    two_sizes = base + "\n\nA later report on the trial described 40 participants [1]."
    assert flagged(two_sizes, "grim-inconsistent") == []


def test_grim_means_need_whole_number_answers():
    assert flagged("The mean number of visits was 7.43 among 12 participants [1].", "grim-inconsistent")
    # 66/19 = 3.47 and 67/19 = 3.53: 3.48 cannot be a mean of 19 whole-number ratings.
    assert flagged("On a single-item 1-5 rating, the mean was 3.48 among 19 participants [1].", "grim-inconsistent")
    assert flagged("On a single-item 1-5 rating, the mean was 3.47 among 19 participants [1].", "grim-inconsistent") == []
    # A multi-item scale score is an average of averages: not a GRIM case.
    assert flagged("The mean score was 3.47 on a 5-point scale among 19 participants [1].", "grim-inconsistent") == []


# -- false-precision ------------------------------------------------------------------

def test_false_precision_suggests_a_rounded_figure():
    [message] = flagged("Approximately 53.83% of young participants improved [1].", "false-precision")
    assert "Approximately 53.83%" in message and "54%" in message


def test_small_sample_decimals_are_left_to_grim_when_impossible():
    text = "Of 84 patients, 36.91% responded to treatment [1]."   # 31/84 = 36.90%
    assert flagged(text, "false-precision") == []
    assert len(flagged(text, "grim-inconsistent")) == 1
    assert len(flagged("Of 84 patients, 35.71% responded to treatment [1].", "false-precision")) == 1


@pytest.mark.parametrize("text", [
    "An estimated 12.34% of adults have the condition [1].",      # a modelled estimate, not a hedge
    "Roughly 0.25% of infants are affected [1].",                 # two significant digits
    "About 1.25 million adults have the condition [1].",          # 1.25 million is not 2 decimals
    "Of 840 patients, 36.90% responded to treatment [1].",        # large enough for hundredths
    "About 45% of participants responded (p = 0.012) [1].",       # p-values keep their digits
])
def test_false_precision_stays_quiet(text):
    assert flagged(text, "false-precision") == []


# -- significance-mismatch -------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Music therapy produced a statistically significant fall in anxiety (p = 0.07) [1].",
    "There was no significant difference between groups (p = 0.003) [1].",
    "Anxiety improved, but not significantly (p = 0.04) [1].",
    "The change was significant (p > 0.05) [1].",
    "Relapse fell significantly (HR 0.72, 95% CI 0.60 to 1.06) [1].",
    "Scores did not differ significantly (mean difference 2.1, 95% CI 0.8 to 3.4) [1].",
])
def test_significance_mismatches(text):
    assert len(flagged(text, "significance-mismatch")) >= 1


@pytest.mark.parametrize("text", [
    "A trend towards significance was seen (p = 0.06) [1].",
    "The difference approached significance (p = 0.08) [1].",
    "The effect was not significant after correction for multiple comparisons (p = 0.03) [1].",
    "Statistical significance was set at p < 0.05 [1].",
    "The change was clinically significant despite p = 0.20 [1].",
    "Mood was significantly better (p = 0.05) [1].",                           # exactly 0.05: unclear
    "Anxiety fell significantly (p < 0.001), while sleep did not change (p = 0.40) [1].",
    "Anxiety fell significantly (p < 0.001) and sleep was unchanged (p = 0.40) [1].",
    "Neither outcome improved significantly (p = 0.40) [1].",
    "Risk was lower (HR 0.80, 95% CI 0.60 to 1.00) [1].",                        # bound on the null
    "The response rate was 45% (95% CI 30% to 60%), a significant share [1].",  # not a ratio
    "Pain and fatigue improved significantly (p = 0.01 and p = 0.30, respectively) [1].",
])
def test_significance_left_alone(text):
    assert flagged(text, "significance-mismatch") == []


def test_significance_points_to_the_wording():
    text = "Music therapy produced a statistically significant fall in anxiety (p = 0.07) [1]."
    [diagnostic] = [d for d in lint_text(text + REFS) if d.rule == "significance-mismatch"]
    assert '"statistically significant"' in diagnostic.message and "p = 0.07" in diagnostic.message
    assert diagnostic.related and diagnostic.related[0].column == text.index("statistically") + 1


# -- vague-quantifier -----------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("Music therapy can reduce cravings by upwards of 60%.", 1),
    ("Music therapy can reduce cravings by upwards of 60% [1].", 0),                 # sourced
    ("Music therapy can reduce cravings by upwards of 60% in people with alcohol dependence.", 0),
    ("Upwards of 60% of the 1,200 respondents agreed.", 0),                          # a denominator
    ("Music therapy can reduce cravings by more than 60%.", 0),                     # a floor
    ("Sessions last up to 60 minutes.", 0),                                         # not a statistic
    ("Up to 20 sessions were offered to each participant.", 0),
    ("As many as 300,000 deaths each year are linked to inactivity.", 1),
    ("As many as 300,000 deaths each year in the UK are linked to inactivity.", 1),
])
def test_vague_quantifier_anchor_test(text, expected):
    assert len(flagged(text, "vague-quantifier")) == expected


def test_vague_quantifier_ignores_a_citation_in_the_paragraph():
    text = "Music therapy can reduce cravings by upwards of 60%. This was shown in one trial [1]."
    assert flagged(text, "vague-quantifier") == []
