"""generation-artifact and stale-timeframe: the leftovers they find and the prose they leave."""

from __future__ import annotations

import pytest

from conftest import EXAMPLES, lint_file, lint_text, pairs
from verifier.model import Severity
from verifier.registry import find_rule


def found(text: str, rule: str) -> list[tuple[int, str]]:
    return [(d.line, d.message) for d in lint_text(text) if d.rule == rule]


# -- declarations -----------------------------------------------------------------------

def test_stale_timeframe_reports_at_info():
    assert find_rule("stale-timeframe").severity is Severity.INFO


# -- generation-artifact ----------------------------------------------------------------

ARTIFACT = "generation-artifact"


def test_a_non_answer_spanning_sentences_is_one_finding():
    text = ("The search results do not provide the share of adults who relapse. "
            "Therefore, I cannot provide a precise answer to your query.")
    results = found(text, ARTIFACT)
    assert len(results) == 1 and "non-answer" in results[0][1]


@pytest.mark.parametrize("text", [
    "As an AI, I cannot offer medical advice about your dose.",
    "Based on the provided search results, music therapy appears to help.",
    "I'm sorry, but I am unable to provide the exact figure.",
    "The provided sources do not mention outcomes in children.",
    "Certainly! Here is a summary of the evidence on music therapy.",
])
def test_assistant_voice_is_flagged(text):
    assert found(text, ARTIFACT)


@pytest.mark.parametrize("text", [
    '"I cannot provide for my family when I feel like this," one participant said.',
    "No trial reported how many patients relapsed, so no figure can be given (Aalbers et al., 2017).",
    "We searched PubMed and Google Scholar for trials published before 2023.",
    "The review found no specific data on adolescents, and called for trials in that group.",
    "Ask your doctor if you have questions about your treatment.",
])
def test_ordinary_prose_is_not_flagged(text):
    assert found(text, ARTIFACT) == []


def test_page_title_pipes_are_furniture_but_a_pipe_table_is_not():
    assert found("Music and memory | Alzheimer's Society Music can help people recall memories.", ARTIFACT)
    table_without_delimiter = "| Arm | Sessions |\n| Individual | 20 |"
    assert found(table_without_delimiter, ARTIFACT) == []


def test_furniture_in_one_paragraph_is_one_finding_quoting_the_pieces():
    text = "Skip to main content Home » Health » Depression Depression is common. Share this article"
    results = found(text, ARTIFACT)
    assert len(results) == 1
    assert "Skip to main content" in results[0][1] and "Home » Health » Depression" in results[0][1]


def test_inline_heading_marks_are_furniture():
    text = ("Music therapy helps. ### Related reading March 7, 2025 Exploring music in recovery. "
            "### The role of art therapy March 6, 2025 Creativity heals.")
    assert found(text, ARTIFACT)


@pytest.mark.parametrize("text,flag", [
    ("The group met weekly for 12 weeks. 1 The authors measured mood.", True),
    ("Symptoms improved in most participants.12 The effect faded by six months.", True),
    ("Symptoms improved (see Fig.1 The lower panel shows the control group).", False),
    ("Symptoms improved in most participants.<sup>12</sup> The effect faded.", False),
    ("The trial ended early. 12 patients had already completed it.", False),
    ("Mean scores fell from 3.5 to 2.1 The next visit confirmed it.", False),
])
def test_stray_footnote_numbers(text, flag):
    assert bool([m for _, m in found(text, ARTIFACT) if "footnote" in m]) is flag


def test_snippet_ellipsis_but_not_a_quoted_elision():
    assert found("Depression is common. ... The most frequent symptom is low mood.", ARTIFACT)
    assert found('She called it "slow. ... but kind" and kept attending.', ARTIFACT) == []


@pytest.mark.parametrize("text,flag", [
    ("Music therapy is offered by trained therapists. Sessions usually involve listening, singing and", True),
    ("Music therapy is offered by trained therapists and sessions usually involve", False),  # one sentence
    ("Music therapy is offered by trained therapists. Sessions usually involve singing [1]\n\n[1]: https://doi.org/10.1/x", False),
    ("Music therapy is offered widely. Read more at https://www.nhs.uk/conditions/music-therapy", False),
    ("Music therapy is offered widely. Sessions usually involve\n\n- listening\n- singing", False),
    ("Music therapy is offered widely. Sessions usually involve these parts:", False),
    ("Music therapy is offered widely. It has a long history…", False),
])
def test_paragraph_cut_off(text, flag):
    assert bool([m for _, m in found(text, ARTIFACT) if "cut off" in m]) is flag


def test_truncated_reference_is_left_to_truncated_citation():
    text = "Music therapy helps. Individual music therapy for depression. Br J Psychiatry, 199(2"
    assert [m for _, m in found(text, ARTIFACT) if "cut off" in m] == []


def test_digest_artifacts():
    got = pairs(lint_file(EXAMPLES / "music-therapy-digest.md"), ARTIFACT)
    expected = [4, 6, 8, 12, 12, 14, 16, 16, 20, 22, 24, 26, 32, 36, 43]
    assert got == [(line, ARTIFACT) for line in expected]


# -- stale-timeframe --------------------------------------------------------------------

STALE = "stale-timeframe"


def test_message_names_the_explicit_date():
    results = found("As of March 18, 2025, recent studies show that music therapy helps [1].\n\n[1]: https://doi.org/10.1/x", STALE)
    assert len(results) == 1 and "March 18, 2025" in results[0][1] and "recent studies" in results[0][1]


def test_message_says_it_depends_on_the_writing_date_otherwise():
    results = found("Music therapy is currently offered in most NHS trusts [1].\n\n[1]: https://www.nhs.uk/x", STALE)
    assert len(results) == 1 and "when the draft was written" in results[0][1]


@pytest.mark.parametrize("text", [
    "The most recent guideline (NICE, 2022) recommends group therapy first.",
    "To date, three trials have been published (Aalbers et al., 2017).",
    "Patients currently taking antidepressants kept their usual dose.",
    "Adults who are currently depressed were eligible.",
    "Participants were currently smoking at baseline in 20% of cases.",
    "Recently diagnosed patients attended an information session.",
    "Therapists kept notes up to date throughout the trial.",
    "Many patients die in the last year of life without specialist care.",
    "One in five adults had insomnia in the past year.",
    "As of 2021, the review had identified 15 trials (Aalbers et al., 2021).",
])
def test_anchored_or_non_temporal_wording_is_not_flagged(text):
    assert found(text, STALE) == []


@pytest.mark.parametrize("text", [
    "A new study shows that singing lowers blood pressure.",
    "Last year, the regulator approved a new digital therapy.",
    "At present, there is no licensed drug for this condition.",
    "Music therapy is currently being studied in three trials.",
    "In recent years, demand for arts therapies has grown.",
])
def test_relative_wording_is_flagged(text):
    assert found(text, STALE)


def test_headings_are_not_checked_and_one_finding_per_sentence():
    text = "# Recent research on music therapy\n\nTo date, recent studies currently agree on little.\n"
    results = found(text, STALE)
    assert [line for line, _ in results] == [3]


def test_digest_stale_timeframes():
    assert pairs(lint_file(EXAMPLES / "music-therapy-digest.md"), STALE) == [(37, STALE), (44, STALE)]


def test_brief_stays_clean():
    diagnostics = lint_file(EXAMPLES / "music-therapy-brief.md")
    assert [d for d in diagnostics if d.rule in {ARTIFACT, STALE}] == []


def test_a_case_blind_phrase_is_found_through_dotless_and_long_letters():
    # The cheap test before each pattern must see what re.IGNORECASE sees.
    assert found("Based on the provided ſearch results, music therapy appears to help.", ARTIFACT)
    assert found("As an Aİ, I cannot offer medical advice about your dose.", ARTIFACT)
