"""Consistency rules: conflicting-statistics, recycled-statistic, contradicted-availability."""

from __future__ import annotations

import time

import pytest
from conftest import lint_file, lint_text
from verifier.rules import consistency

from verifier.document import build_document
from verifier.engine import run_rules
from verifier.registry import find_rule
from verifier.settings import Settings

RULES = ("conflicting-statistics", "recycled-statistic", "contradicted-availability")


def findings(text: str, rule: str):
    return [d for d in lint_text(text) if d.rule == rule]


def lines(text: str, rule: str) -> list[int]:
    return [d.line for d in findings(text, rule)]


# -- declarations ---------------------------------------------------------------------

def test_codes():
    assert [find_rule(n).code for n in RULES] == ["VS401", "VS402", "VS403"]


# -- the sample digest and the clean brief ----------------------------------------------

@pytest.fixture(scope="module")
def digest(digest_path):
    return [d for d in lint_file(digest_path) if d.rule in RULES]


def test_digest_availability_statements_are_contradicted(digest):
    found = {d.line: sorted(r.line for r in d.related) for d in digest if d.rule == "contradicted-availability"}
    assert 41 in found[36]
    assert 41 in found[43]
    assert 40 in found[44]
    assert 33 in found[39]
    assert {13, 37} <= set(found[23])
    # "due to a positive therapeutic relationship": no figure in the draft is about that.
    assert 32 not in found


def test_digest_messages_name_the_contradicting_figure(digest):
    by_line = {d.line: d.message for d in digest if d.rule == "contradicted-availability"}
    assert 'line 41 gives "80%" and "60%"' in by_line[36]
    assert 'line 40 gives "73%"' in by_line[44]
    assert "line 37" in by_line[23] and "p < 0.001" in by_line[23]


def test_digest_recycled_pair(digest):
    recycled = [d for d in digest if d.rule == "recycled-statistic"]
    assert [(d.line, [r.line for r in d.related]) for d in recycled] == [(31, [30])]
    assert '"45%" and "22%"' in recycled[0].message and "same citation" in recycled[0].message


def test_digest_has_no_conflict_findings(digest):
    assert not [d for d in digest if d.rule == "conflicting-statistics"]


def test_brief_stays_clean():
    from conftest import EXAMPLES
    assert not [d for d in lint_file(EXAMPLES / "music-therapy-brief.md") if d.rule in RULES]


# -- conflicting-statistics -----------------------------------------------------------

REFS = """
[1]: https://pubmed.ncbi.nlm.nih.gov/21474494/
[2]: https://doi.org/10.1192/bjp.bp.110.085431
"""


@pytest.mark.parametrize("text", [
    # baseline and follow-up, then the follow-up alone
    ("Mean resilience scores rose from 3.51 to 4.52 after the program [1].\n\n"
    "Mean resilience scores rose to 4.52 after the program [1]."),
    # two arms, then one arm
    ("Response rates were 45% with music therapy and 22% with usual care [1].\n\n"
    "With music therapy, response rates were 45% [1]."),
    # a range and a value inside it
    ("Between 30% and 40% of patients relapse within a year of stopping treatment [1].\n\n"
    "About 35% of patients relapse within a year of stopping treatment [1]."),
    # a bound and a value within it
    "Music therapy lowered cortisol in the trial (p < 0.05) [1].\n\nMusic therapy lowered cortisol in the trial (p = 0.03) [1].",
    # rounding and hedges
    "Nearly 60% of participants reported better sleep [1].\n\nNearly 62% of participants reported better sleep [1].",
    "Mean sleep scores improved by 4.6 points [1].\n\nMean sleep scores improved by 4.65 points [1].",
    # different time points, years, groups and outcomes
    "At 3 months, 45% of participants had improved [1].\n\nAt 12 months, 30% of participants had improved [1].",
    "In 2010, 20% of adults smoked [1].\n\nIn 2020, 15% of adults smoked [1].",
    "Among women, 12% of participants relapsed within a year [1].\n\nAmong men, 20% of participants relapsed within a year [1].",
    "About 9% of older adults have depression [1].\n\nAbout 5% of adults have depression [1].",
    "Anxiety scores fell by 30% with music therapy [1].\n\nDepression scores fell by 20% with music therapy [1].",
    "Before treatment the mean score was 24.1 [1].\n\nAfter treatment the mean score was 15.3 [1].",
    "In the music therapy group, 45% of participants improved [1].\n\nIn the control group, 22% of participants improved [1].",
    # the same value repeated
    "About 5% of adults worldwide live with depression [1].\n\nDepression affects about 5% of adults worldwide [1].",
    # sample sizes: completers, pooled trials, another study
    "The trial enrolled 120 participants [1].\n\nOf these, 98 participants completed the trial [1].",
    "The review pooled nine trials with 421 participants [1].\n\nThe largest trial in the review enrolled 79 adults [1].",
    "A pilot study of 36 participants found calmer sleep [1].\n\nThe trial of 120 adults found less nausea [1].",
    "The trial enrolled 79 adults [1].\n\nA later trial of 120 adults found the same [1].",
])
def test_conflict_not_reported(text):
    assert lines(text + "\n" + REFS, "conflicting-statistics") == []


@pytest.mark.parametrize("text, expected", [
    (("About 5% of adults worldwide live with depression [1].\n\n"
     "An estimated 8% of adults worldwide live with depression [1]."), [3]),
    (("Depression scores improved significantly with music therapy (p = 0.03) [2].\n\n"
     "The improvement in depression scores with music therapy was highly significant (p < 0.001) [2]."), [3]),
    ("The trial enrolled 79 adults with depression [2].\n\nIn the trial of 97 adults [2], music therapy was added to care.", [3]),
    # "The trial" opening a sentence points back as "the trial" does
    ("A pilot study of 36 adults found calmer sleep [2].\n\nThe trial of 120 adults found less nausea [2].\n\n"
     "The trial of 97 adults found less nausea [2].", [5]),
    # one in five is 20%, not 25%
    ("One in five adults with depression never seek help [1].\n\nOne in four adults with depression never seek help [1].", [3]),
])
def test_conflict_reported(text, expected):
    assert lines(text + "\n" + REFS, "conflicting-statistics") == expected


def test_conflict_reported_once_and_not_for_a_figure_matching_an_earlier_mention():
    text = ("About 5% of adults worldwide live with depression [1].\n\n"
            "An estimated 8% of adults worldwide live with depression [1].\n\n"
            "About 5% of adults worldwide live with depression, the WHO says [1].\n" + REFS)
    found = findings(text, "conflicting-statistics")
    assert [d.line for d in found] == [3]
    assert [r.line for r in found[0].related] == [1]
    assert '"8%"' in found[0].message and '"5%"' in found[0].message


@pytest.mark.parametrize("written", ["wait-list", "wait list", "waitlist", "Wait-List"])
def test_a_waitlist_arm_is_one_word_however_written(written):
    """Words are runs of letters, so the word lists hold no hyphenated entry: "wait-list"
    is joined into the word the list holds, as "well-being" is."""
    doc = build_document("x.md", f"Mood improved in 45% of the {written} group [1].\n" + REFS)
    assert consistency._analysis(doc).statements[0].arms == {"waitlist"}


def test_one_measure_of_a_waitlist_arm_spelt_two_ways_conflicts():
    text = ("Mood improved in 45% of adults in the waitlist group [1].\n\n"
            "Mood improved in 20% of adults in the wait-list group [1].\n" + REFS)
    assert lines(text, "conflicting-statistics") == [3]


def test_interval_agreement():
    doc = build_document("x.md", "It fell (p < 0.001). It fell (p = 0.0004). It fell (p = 0.02). About 45%. 49%. 52%.")
    lt, eq_small, eq_big, about, near, far = doc.claims
    assert consistency._agree(lt, eq_small)
    assert not consistency._agree(lt, eq_big)
    assert consistency._agree(about, near)      # "about 45%" allows 49%
    assert not consistency._agree(about, far)


# -- recycled-statistic ---------------------------------------------------------------

def test_recycled_pair_under_the_same_citation():
    text = ("About 45% of adults with depression reported better social functioning, compared with 22% of controls [1].\n\n"
            "After one year, 45% of patients reported lasting improvements in mood and sleep, compared with 22% [1].\n"
            + REFS)
    found = findings(text, "recycled-statistic")
    assert [(d.line, [r.line for r in d.related]) for d in found] == [(3, [1])]


@pytest.mark.parametrize("text", [
    # the same measure in other words: a summary and the body
    ("Music therapy helped 64% of participants with their mood, against 31% with usual care [1].\n\n"
    "In the trial, mood improved in 64% of the music therapy group compared to 31% of controls [1]."),
    # a common round value twice
    "Nearly 60% of participants reported less pain [1].\n\nNearly 60% of participants reported better mood [1].",
    "Mean cortisol fell by 12.5% after the sessions [1].\n\nMean blood pressure fell by 12.5% after the sessions [1].",
    # an unusual value, but different sources
    "Loneliness scores fell by 27.3% in one program [1].\n\nStress scores fell by 27.3% in a hospital program [2].",
    # p-value thresholds are shared by design
    "Serotonin rose with music therapy (p < 0.001) [1].\n\nCortisol fell with music therapy (p < 0.001) [1].",
    # a round pair for different outcomes from different sources
    "Sleep improved in 50% of adults, against 25% of controls [1].\n\nPain eased in 50% of adults, against 25% of controls [2].",
    ("Sleep improved in 50% of adults, against 25% of controls [1].\n\n"
    "After one year, pain had eased in 50% of children, against 25% of controls [2]."),
])
def test_recycled_not_reported(text):
    assert lines(text + "\n" + REFS, "recycled-statistic") == []


def test_recycled_pair_from_another_source_needs_another_group_or_time():
    text = ("Sleep improved in 48% of adults, against 23% of controls [1].\n\n"
            "After one year, pain had eased in 48% of children, against 23% of controls [2].\n" + REFS)
    assert lines(text, "recycled-statistic") == [3]


def test_recycled_restatement_of_an_earlier_mention_is_not_reported():
    text = ("Depression scores improved (mean difference 4.65, 95% CI 0.59 to 8.70) [2].\n\n"
            "Anxiety scores improved too (mean difference 1.82, 95% CI 0.59 to 8.70) [2].\n\n"
            "On the depression scale, the trial found a mean difference of 4.65 (95% CI 0.59 to 8.70) [2].\n" + REFS)
    assert lines(text, "recycled-statistic") == [3]


# -- contradicted-availability --------------------------------------------------------

def test_availability_reported_where_the_statement_is_whichever_comes_first():
    before = ("No specific percentage is available for adults reporting calmer sleep after music therapy.\n\n"
              "About 60% of adults reported calmer sleep after music therapy [1].\n" + REFS)
    after = ("About 60% of adults reported calmer sleep after music therapy [1].\n\n"
             "No specific percentage is available for adults reporting calmer sleep after music therapy.\n" + REFS)
    for text, statement, figure in ((before, 1, 3), (after, 3, 1)):
        found = findings(text, "contradicted-availability")
        assert [(d.line, [r.line for r in d.related]) for d in found] == [(statement, [figure])]
        assert '"60%"' in found[0].message


def test_no_evidence_for_an_effect_the_draft_reports():
    text = ("There is no evidence that group singing reduces loneliness in care-home residents.\n\n"
            "In one trial, group singing reduced loneliness scores in care-home residents by 18% [1].\n" + REFS)
    found = findings(text, "contradicted-availability")
    assert [(d.line, [r.line for r in d.related]) for d in found] == [(1, [3])]


def test_undocumented_effect_contradicted_by_an_assertion_without_numbers():
    text = ("Combining music therapy with counselling lowers cortisol levels in teenagers.\n\n"
            "The impact of music therapy on cortisol levels and sleep is not well documented.\n")
    found = findings(text, "contradicted-availability")
    assert [(d.line, [r.line for r in d.related]) for d in found] == [(3, [1])]
    assert "asserts it" in found[0].message


@pytest.mark.parametrize("text", [
    # another population
    ("No specific percentage is available for adolescents who relapse after stopping art therapy.\n\n"
    "About 30% of adults relapse after stopping art therapy [1]."),
    # another time point
    ("Long-term remission rates for guided imagery in older adults were not reported.\n\n"
    "At 8 weeks, 40% of older adults using guided imagery were in remission [1]."),
    # the statement is about one study, the figure from another
    ("The 2011 trial did not report the percentage of participants whose appetite improved [1].\n\n"
    "In a later cohort study, appetite improved in 40% of participants [2]."),
    # a negated finding is no assertion
    ("The impact of dance therapy on cortisol levels is not well documented.\n\n"
    "One small trial found no change in cortisol levels after dance therapy [1]."),
    # the missing figure is a p-value, the draft gives a percentage
    ("No p-values were reported for the change in loneliness scores [1].\n\n"
    "Loneliness scores fell by 20% in the singing group [1]."),
    # too little topic to say which figure is meant
    "Precise statistics are not provided.\n\nAbout 20% of participants improved [1].",
    # "unclear" about something no figure describes
    "The mechanism behind these benefits is unclear.\n\nMusic therapy improved mood in 45% of participants [1].",
    # a different subject
    "The effect of art therapy on sleep quality is unclear.\n\nMusic therapy improved sleep quality in older adults [1].",
    # a hedged claim agrees with an open question
    "The effect of music therapy on sleep quality is unclear.\n\nMusic therapy may improve sleep quality in older adults [1].",
])
def test_availability_not_reported(text):
    assert lines(text + "\n" + REFS, "contradicted-availability") == []


def test_one_finding_per_paragraph_for_one_figure():
    text = ("About 80% of adults reported better resilience and social connectivity after combined art and music therapy [1].\n\n"
            "There is no specific percentage available for adults reporting better resilience and social connectivity "
            "after combined art and music therapy. Precise figures for resilience and social connectivity after combined "
            "art and music therapy are not provided [1].\n" + REFS)
    assert lines(text, "contradicted-availability") == [3]


# -- scale ------------------------------------------------------------------------------

def test_large_document_stays_fast():
    outcomes = ["sleep", "mood", "anxiety", "pain", "stress", "fatigue", "appetite", "memory", "focus", "energy"]
    groups = ["adults", "children", "women", "men", "veterans", "students", "nurses", "teenagers"]
    paragraphs = []
    for i in range(1500):
        outcome, group = outcomes[i % len(outcomes)], groups[(i // len(outcomes)) % len(groups)]
        paragraphs.append(f"In cohort {i}, {10 + i % 80}% of {group} reported better {outcome} after "
                          f"{2 + i % 20} weeks of programme {i} (p = 0.0{1 + i % 9}) [1].")
    text = "\n\n".join(paragraphs) + "\n" + REFS
    doc = build_document("big.md", text)
    started = time.perf_counter()
    run_rules([doc], Settings(select=list(RULES)))
    assert time.perf_counter() - started < 5.0


def test_same_measure_needs_the_same_words_up_to_spelling():
    text = ("Symptoms fell in 40% of participants in the randomised trial [1].\n\n"
            "Symptoms fell in 55% of participants in the randomized trial [1].\n\n"
            "Depression scores increased by 20% in the control group [1].\n\n"
            "Depression scores decreased by 30% in the control group [1].\n" + REFS)
    assert lines(text, "conflicting-statistics") == [3]


# -- conflicting-statistics across the drafts of a library ----------------------------------

def lint_folder(folder, rule: str = "conflicting-statistics"):
    """Every draft of a folder in one run, as ``verifier check DIR`` lints them."""
    from conftest import read_source
    from verifier.engine import lint

    files = [(str(p), read_source(p)) for p in sorted(folder.glob("*.md"))]
    return [d for d in lint(files, Settings()).diagnostics if d.rule == rule]


def write(folder, name: str, text: str):
    path = folder / name
    path.write_text(text + "\n" + REFS, encoding="utf-8")
    return path


def test_conflict_across_drafts_is_reported_in_the_later_one_with_the_other_file(tmp_path):
    first = write(tmp_path, "a-depression.md", "Music therapy helps.\n\nAbout 5% of adults worldwide live with depression [1].")
    second = write(tmp_path, "b-depression.md", "An estimated 8% of adults worldwide live with depression [1].")
    found = lint_folder(tmp_path)
    assert [(d.path, d.line) for d in found] == [(str(second), 1)]
    assert [(r.path, r.line) for r in found[0].related] == [(str(first), 3)]
    assert '"8%"' in found[0].message and f"{first}:3" in found[0].message


def test_drafts_giving_different_measures_do_not_conflict(tmp_path):
    write(tmp_path, "a.md", "About 5% of adults worldwide live with depression [1].")
    write(tmp_path, "b.md", "About 9% of older adults worldwide live with depression [1].")
    write(tmp_path, "c.md", "Anxiety scores fell by 30% with music therapy [1].")
    write(tmp_path, "d.md", "Depression scores fell by 20% with music therapy [1].")
    write(tmp_path, "e.md", "At 3 months, 45% of participants had improved [1].")
    write(tmp_path, "f.md", "At 12 months, 30% of participants had improved [1].")
    assert lint_folder(tmp_path) == []


def test_drafts_repeating_one_value_do_not_conflict(tmp_path):
    for name in ("a.md", "b.md", "c.md"):
        write(tmp_path, name, "About 5% of adults worldwide live with depression [1].")
    write(tmp_path, "d.md", "Depression affects about 5% of adults worldwide [1].")
    assert lint_folder(tmp_path) == []


def test_a_draft_reports_a_measure_once_across_drafts_and_keeps_its_own_conflicts(tmp_path):
    write(tmp_path, "a.md", "About 5% of adults worldwide live with depression [1].")
    second = write(tmp_path, "b.md", "An estimated 8% of adults worldwide live with depression [1].\n\n"
                                     "In all, 8% of adults worldwide live with depression [1].\n\n"
                                     "Around 12% of adults worldwide live with depression [1].")
    found = lint_folder(tmp_path)
    # Line 1 disagrees with a.md; line 3 repeats line 1; line 5 disagrees with line 1.
    assert [(d.line, [(r.path, r.line) for r in d.related]) for d in found] == [
        (1, [(str(tmp_path / "a.md"), 1)]), (5, [(str(second), 1)])]
    assert all(d.path == str(second) for d in found)


def test_a_value_matching_any_earlier_draft_is_consistent_with_the_library(tmp_path):
    write(tmp_path, "a.md", "About 5% of adults worldwide live with depression [1].")
    write(tmp_path, "b.md", "An estimated 8% of adults worldwide live with depression [1].")
    write(tmp_path, "c.md", "An estimated 8% of adults worldwide live with depression [1].")
    assert [d.path for d in lint_folder(tmp_path)] == [str(tmp_path / "b.md")]


def test_findings_within_one_draft_do_not_depend_on_the_other_drafts(tmp_path):
    text = ("About 5% of adults worldwide live with depression [1].\n\n"
            "An estimated 8% of adults worldwide live with depression [1].")
    alone = [(d.line, d.message) for d in lint_text(text + "\n" + REFS) if d.rule == "conflicting-statistics"]
    write(tmp_path, "a.md", "Anxiety scores fell by 30% with music therapy [1].")
    inside = write(tmp_path, "b.md", text)
    write(tmp_path, "c.md", "About 5% of adults worldwide live with depression [1].")
    assert [(d.line, d.message) for d in lint_folder(tmp_path) if d.path == str(inside)] == alone


def test_check_of_a_folder_reports_the_conflict_with_the_other_path(tmp_path, capsys):
    import json
    from verifier.cli import main

    first = write(tmp_path, "a.md", "About 5% of adults worldwide live with depression [1].")
    second = write(tmp_path, "b.md", "An estimated 8% of adults worldwide live with depression [1].")
    main(["check", "--no-cache", "--format", "json", "--select", "conflicting-statistics", str(tmp_path)])
    report = json.loads(capsys.readouterr().out)
    found = [(f["path"], f["line"], [(r["path"], r["line"]) for r in f["related"]]) for f in report["findings"]]
    assert found == [(str(second), 1, [(str(first), 1)])]


def test_library_blocking_keeps_every_pair_same_measure_accepts():
    """Mentions of one measure share the blocking key, even when spelt differently."""
    docs = [build_document("a.md", "Symptoms fell in 40% of participants in the randomised trial [1].\n" + REFS),
            build_document("b.md", "Symptoms fell in 55% of participants in the randomized trial [1].\n" + REFS)]
    first, second = (consistency._analysis(d).statements[0] for d in docs)
    assert consistency.same_measure(first, second)
    assert consistency._Library.key(first) == consistency._Library.key(second)
    found = run_rules(docs, Settings(select=["conflicting-statistics"]))
    assert [(d.path, [r.path for r in d.related]) for d in found] == [("b.md", ["a.md"])]


def test_drafts_repeating_a_measure_are_not_compared_pair_by_pair(monkeypatch):
    """A measure repeated in every draft is compared once per mention, not once per pair."""
    variants = ["About 5% of adults worldwide live with depression [1].",
                "Depression affects about 5% of adults worldwide [1].",
                "Worldwide, about 5% of adults live with depression [1].",
                "About 4% of adults worldwide live with anxiety [1]."]
    docs = [build_document(f"d{n}.md", variants[n % len(variants)] + "\n" + REFS) for n in range(200)]
    calls = []
    same_measure = consistency.same_measure
    monkeypatch.setattr(consistency, "same_measure", lambda a, b: calls.append(1) or same_measure(a, b))
    assert run_rules(docs, Settings(select=["conflicting-statistics"])) == []
    assert len(calls) <= 3 * len(docs)
