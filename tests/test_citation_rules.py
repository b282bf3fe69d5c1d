"""Citation rules (VS501-VS504): the tricky cases, the sample digest and the clean brief."""

from __future__ import annotations

import time

import pytest

from conftest import EXAMPLES, lint_file, lint_text, pairs
from verifier.document import build_document
from verifier.registry import RuleContext, find_rule

RULES = ("dangling-citation", "unused-reference", "duplicate-reference", "truncated-citation")


def found(text: str, rule: str) -> list[tuple[int, str]]:
    return pairs(lint_text(text), rule)


def messages(text: str, rule: str) -> list[str]:
    return [d.message for d in lint_text(text) if d.rule == rule]


# -- the examples ------------------------------------------------------------------------

def test_digest_findings():
    diagnostics = lint_file(EXAMPLES / "music-therapy-digest.md")
    assert pairs(diagnostics, "truncated-citation") == [(4, "truncated-citation")]
    assert pairs(diagnostics, "dangling-citation") == [
        (10, "dangling-citation"), (22, "dangling-citation"), (22, "dangling-citation"),
    ]
    assert [line for line, _ in pairs(diagnostics, "duplicate-reference")] == [60, 72, 74, 75, 77, 79, 80, 82, 83]
    # Unused, once per source: later copies (75, 77, 80) are duplicate-reference's.
    assert [line for line, _ in pairs(diagnostics, "unused-reference")] == [56, 57, 58, 61, 62, 67, 68, 78]


def test_digest_duplicates_point_to_first_copy():
    diagnostics = lint_file(EXAMPLES / "music-therapy-digest.md")
    firsts = {d.line: d.related[0].line for d in diagnostics if d.rule == "duplicate-reference"}
    assert firsts == {60: 59, 72: 63, 74: 66, 75: 56, 77: 67, 79: 71, 80: 67, 82: 76, 83: 76}
    unused = {d.line: d.message for d in diagnostics if d.rule == "unused-reference"}
    assert "listed 3 times" in unused[67] and "listed 2 times" in unused[56]


def test_digest_complete_fragment_is_not_truncated():
    diagnostics = lint_file(EXAMPLES / "music-therapy-digest.md")
    assert 16 not in [d.line for d in diagnostics if d.rule == "truncated-citation"]


def test_brief_is_clean():
    diagnostics = lint_file(EXAMPLES / "music-therapy-brief.md")
    assert [d for d in diagnostics if d.rule in RULES] == []


# -- dangling-citation -------------------------------------------------------------------

VANCOUVER = """
## References

1. Erkkilä J, Punkanen M, Fachner J, et al. Individual music therapy for depression. Br J Psychiatry. 2011;199(2):132-139.
2. Aalbers S, Fusar-Poli L, Freeman RE, et al. Music therapy for depression. Cochrane Database Syst Rev. 2017;11:CD004517.
3. World Health Organization. Depressive disorder (depression): fact sheet. 2023.
"""


def test_author_year_tolerates_diacritics_et_al_and_ampersand():
    text = ("One trial (Erkkila et al., 2011). Erkkilä, Punkanen and Fachner (2011) agreed. "
            "A review (Aalbers & Fusar-Poli, 2017).\n" + VANCOUVER)
    assert found(text, "dangling-citation") == []


def test_corporate_author_and_its_acronym():
    text = "Depression is common (World Health Organization, 2023). The WHO (2023) agrees.\n" + VANCOUVER
    assert found(text, "dangling-citation") == []
    listed_as_acronym = "Depression is common (World Health Organization, 2023).\n\n## References\n\n- WHO. Depression fact sheet. 2023.\n"
    assert found(listed_as_acronym, "dangling-citation") == []


def test_year_suffixes_match_an_entry_without_one():
    text = "Sessions helped (Erkkilä et al., 2011a) and kept helping (Erkkilä et al., 2011b).\n" + VANCOUVER
    assert found(text, "dangling-citation") == []


def test_entry_without_a_date_cannot_contradict_the_year():
    text = "Music therapy is widely offered (Mayo Clinic, 2023).\n\n## Sources\n\n- [Mayo Clinic: Music therapy](https://www.mayoclinic.org/tests-procedures/music-therapy/about/pac-20384647)\n"
    assert found(text, "dangling-citation") == []


def test_wrong_year_names_the_listed_one():
    text = "A review (Aalbers et al., 2015), a trial [1] and a fact sheet [3].\n" + VANCOUVER
    (message,) = messages(text, "dangling-citation")
    assert '"Aalbers et al., 2015"' in message and "2017" in message
    # The entry it meant is not also reported as unused.
    assert found(text, "unused-reference") == []


def test_author_year_without_reference_list_is_not_dangling():
    text = "Music therapy helps (Smith et al., 2019). See also (Jones, 2020).\n"
    assert found(text, "dangling-citation") == []
    # Footnote definitions alone are not a reference list for author-year citations.
    text = "Music therapy helps (Smith et al., 2019).[^1]\n\n[^1]: https://pubmed.ncbi.nlm.nih.gov/21474494/\n"
    assert found(text, "dangling-citation") == []


def test_author_year_with_its_own_link_or_marker_is_sourced():
    text = ("A trial ([Tang et al., 2020](https://doi.org/10.1000/xyz123)). "
            "Another (Lee, 2019) [2]. A third (Park, 2018; doi:10.1000/abc456).\n" + VANCOUVER)
    assert found(text, "dangling-citation") == []


def test_citations_in_block_quotes_belong_to_the_quoted_text():
    text = '> "Effects were large (Maratos, 2008) [12]," the authors wrote.\n\nA trial [1].\n' + VANCOUVER
    assert found(text, "dangling-citation") == []


def test_one_finding_per_missing_source_with_its_other_uses():
    text = "A (Tang et al., 2020). B, as Tang et al. (2020) said. C [9]. D [9].\n" + VANCOUVER
    diagnostics = [d for d in lint_text(text) if d.rule == "dangling-citation"]
    assert len(diagnostics) == 2
    assert all(any(r.message == "also cited here" for r in d.related) for d in diagnostics)


def test_numeric_markers_against_lazy_ordered_list():
    text = "A [1], B [2, 3], C [4].\n\n## References\n\n1. Smith J. One. 2020.\n1. Lee K. Two. 2021.\n1. Park M. Three. 2022.\n"
    assert found(text, "dangling-citation") == [(1, "dangling-citation")]
    assert "[4]" in messages(text, "dangling-citation")[0]


def test_numeric_markers_against_bracketed_entries():
    text = "A [1], B [3].\n\n## References\n\n[1] Smith J. One. J X. 2020;1:1-2.\n\n[2] Lee K. Two. J Y. 2021;2:3-4.\n"
    assert found(text, "dangling-citation") == [(1, "dangling-citation")]


def test_numeric_markers_against_an_unnumbered_list_read_in_order():
    text = "A [1], B [2], C [3].\n\n## Sources\n\n- Smith J. One. 2020.\n- Lee K. Two. 2021.\n"
    (message,) = messages(text, "dangling-citation")
    assert "[3]" in message and "2 entries" in message


def test_markers_without_any_reference_list_are_one_finding():
    text = "Depression is common [1]. It is treatable [2]. Therapy helps [3].\n"
    (message,) = messages(text, "dangling-citation")
    assert "[1], [2], [3]" in message and "has none" in message


def test_markers_resolved_by_link_definitions_and_footnotes():
    text = ("A reference-style link [1] and a note [^who] and a numbered note [2].\n\n"
            "[1]: https://pubmed.ncbi.nlm.nih.gov/21474494/\n\n"
            "[^who]: World Health Organization. Depression. 2023.\n\n[^2]: Smith J. Notes. 2020.\n")
    assert found(text, "dangling-citation") == []
    # A marker inside other link text is still a marker: the link is not entry 4.
    assert found("A trial [1], a review [see [4]](https://x.org/a).\n" + VANCOUVER, "dangling-citation") == [
        (1, "dangling-citation")]


def test_markers_resolved_by_a_list_under_a_plain_title_line():
    # "Citations:" on its own line is no heading, but a list follows it: a reference section.
    text = """Music therapy helps[1][2]. Effects are short-term[3].

Citations:
[1] https://pubmed.ncbi.nlm.nih.gov/21474494/
[2] https://www.cochranelibrary.com/cdsr/doi/10.1002/14651858.CD004517.pub3/full
[3] https://www.frontiersin.org/articles/10.3389/fpsyg.2017.01109/full
"""
    assert found(text, "dangling-citation") == []
    assert found(text.replace("[3] https", "[4] https"), "dangling-citation") == [(1, "dangling-citation")]


def test_possessive_and_acronym_citations_are_checked():
    text = ("Fachner's 2013 EEG study agreed [1]. The National Institute for Health and Care "
            "Excellence [NICE] (2022) disagreed [2].\n" + VANCOUVER)
    assert sorted(m.split('"')[1] for m in messages(text, "dangling-citation")) == [
        "Fachner's 2013",
        "National Institute for Health and Care Excellence [NICE] (2022)",
    ]
    assert found("Britain's 2020 lockdown ended [1] [2] [3].\n" + VANCOUVER, "dangling-citation") == []


def test_roman_numerals_are_not_authors():
    text = "Trials began (Phase III, 2019) and continued (Smith and Li, 2020).\n" + VANCOUVER
    assert [m.split('"')[1] for m in messages(text, "dangling-citation")] == ["Smith and Li, 2020"]


def test_footnote_without_definition():
    text = "A claim.[^a] Another.[^b]\n\n[^a]: Smith J. A source. 2020.\n"
    (message,) = messages(text, "dangling-citation")
    assert message == "Footnote [^b] has no definition"


# -- unused-reference --------------------------------------------------------------------

def test_unused_needs_a_cited_list():
    # No citation in the text at all: nothing is reported.
    assert found("Music therapy helps.\n" + VANCOUVER, "unused-reference") == []
    # The text cites, but none of this list's entries: a bibliography, or superscripts.
    text = "A trial (doi:10.1000/xyz123).\n" + VANCOUVER
    assert found(text, "unused-reference") == []


def test_unused_numbered_entry():
    text = "A trial [1] and a review [2].\n" + VANCOUVER
    assert found(text, "unused-reference") == [(7, "unused-reference")]


@pytest.mark.parametrize("cite", ["(2)", "(1, 2)", "(1-2)", "<sup>2</sup>", "^2^", "²"])
def test_numbers_cited_as_superscripts_or_in_parentheses_are_uses(cite):
    text = f"A trial [1] and a review{cite}.\n" + VANCOUVER.replace("3. World Health", "Unnumbered: World Health")
    assert found(text, "unused-reference") == []


@pytest.mark.parametrize("cite", ["(4)", "<sup>4</sup>", "^4^", "⁴"])
def test_superscript_markers_can_dangle_but_enumerations_cannot(cite):
    text = f"A trial [1], a review [2] and a fact sheet{cite}.\n" + VANCOUVER
    expected = [] if cite == "(4)" else [(1, "dangling-citation")]  # "(4)" names no entry: no marker
    assert found(text, "dangling-citation") == expected
    assert found("The aims: (1) reduce stress, (2) improve mood.\n" + VANCOUVER, "dangling-citation") == []


def test_further_reading_is_never_unused():
    text = ("A trial [1].\n\n## References\n\n1. Erkkilä J. Trial. 2011.\n\n## Further reading\n\n"
            "- Bradt J, Dileo C. Music for stress. Cochrane Database Syst Rev. 2013;(12):CD006577.\n")
    assert found(text, "unused-reference") == []


def test_entry_used_by_link_doi_pmid_or_pmc_id_in_the_text():
    text = """Trial ([PubMed](https://pubmed.ncbi.nlm.nih.gov/21474494/)), review (DOI: 10.1002/14651858.CD004517.PUB3),
study (PMCID: PMC5500733), page ([NHS](http://www.nhs.uk/mental-health/conditions/depression/?utm_source=x)).

## Sources

- Erkkilä J, et al. Trial. Br J Psychiatry. 2011;199(2):132-139. PMID: 21474494.
- Aalbers S, et al. Review. Cochrane Database Syst Rev. 2017. https://doi.org/10.1002/14651858.CD004517.pub3
- https://pmc.ncbi.nlm.nih.gov/articles/PMC5500733/
- https://www.nhs.uk/mental-health/conditions/depression
- https://neurolaunch.com/depression-and-music/
"""
    assert found(text, "unused-reference") == [(10, "unused-reference")]


def test_entry_named_in_prose_the_parser_cannot_read_is_used():
    text = ("A trial [1]. The National Institute for Health and Care Excellence [NICE] (2022) "
            "recommends stepped care, and Smith's 2020 survey agreed.\n\n## References\n\n"
            "1. Erkkilä J. Trial. 2011.\n"
            "2. National Institute for Health and Care Excellence. (2022). Depression in adults (NG222).\n"
            "3. Smith J, Lee K. A survey of music therapists. J Music Ther. 2020;57(1):1-20.\n")
    assert found(text, "unused-reference") == []


def test_duplicate_uncited_source_is_reported_once():
    text = "A trial [1].\n\n## References\n\n1. Erkkilä J. Trial. 2011.\n2. https://example.org/page\n3. http://example.org/page/\n"
    diagnostics = [d for d in lint_text(text) if d.rule == "unused-reference"]
    assert [d.line for d in diagnostics] == [6]
    assert "listed 2 times" in diagnostics[0].message and diagnostics[0].related[0].line == 7


def test_unused_footnote_definition():
    text = "A claim.[^a]\n\n[^a]: Smith J. A source. 2020.\n\n[^b]: Lee K. Another. 2021.\n"
    (message,) = messages(text, "unused-reference")
    assert message == "Footnote [^b] is defined but never referenced in the text"


def test_address_wrapped_onto_its_own_line_belongs_to_its_entry():
    text = """Depression is common (World Health Organization, 2023).

## References

World Health Organization. (2023, March 31). *Depressive disorder (depression)*.
https://www.who.int/news-room/fact-sheets/detail/depression
"""
    for rule in RULES:
        assert found(text, rule) == [], rule


def test_captions_inside_a_list_are_not_entries():
    text = "A trial [1].\n\n## References\n\nSystematic reviews:\n\n1. Erkkilä J. Trial. Br J Psychiatry. 2011;199(2):132-139.\n"
    for rule in RULES:
        assert found(text, rule) == [], rule


# -- duplicate-reference -----------------------------------------------------------------

def test_duplicate_addresses_ignore_scheme_www_slash_and_tracking():
    text = ("Cited [1, 2, 3].\n\n## References\n\n1. https://www.example.org/a/b/\n"
            "2. http://example.org/a/b?utm_source=x&fbclid=y\n3. https://example.org/a/b?page=2\n")
    assert found(text, "duplicate-reference") == [(6, "duplicate-reference")]


def test_duplicate_dois_in_any_case_and_address():
    text = """Cited [1-3].

## References

1. Aalbers S, et al. Music therapy for depression. 2017. doi:10.1002/14651858.CD004517.pub3
2. https://doi.org/10.1002/14651858.cd004517.PUB3
3. https://onlinelibrary.wiley.com/doi/full/10.1002/14651858.CD004517.pub3
"""
    assert found(text, "duplicate-reference") == [(6, "duplicate-reference"), (7, "duplicate-reference")]
    assert all("same DOI" in m for m in messages(text, "duplicate-reference"))


def test_pubmed_and_pmc_are_one_only_when_an_id_says_so():
    apart = "Cited [1, 2].\n\n## References\n\n1. https://pubmed.ncbi.nlm.nih.gov/28736536/\n2. https://pmc.ncbi.nlm.nih.gov/articles/PMC5500733/\n"
    assert found(apart, "duplicate-reference") == []
    linked = apart + "3. Leubner D, Hinterberger T. Front Psychol. 2017;8:1109. PMID: 28736536; PMCID: PMC5500733.\n"
    assert found(linked.replace("[1, 2]", "[1-3]"), "duplicate-reference") == [(7, "duplicate-reference")]


def test_site_home_pages_and_footnotes_are_not_duplicates():
    text = """Cited [1, 2] and noted.[^a] [^b]

## References

1. World Health Organization. Depression fact sheet. 2023. https://www.who.int/
2. World Health Organization. Anxiety fact sheet. 2023. https://www.who.int/

[^a]: Erkkilä J, et al. Individual music therapy for depression. Br J Psychiatry. 2011;199(2):132-139.

[^b]: Erkkilä J, et al. Individual music therapy for depression. Br J Psychiatry. 2011;199(2):132-139.
"""
    assert found(text, "duplicate-reference") == []


# -- truncated-citation ------------------------------------------------------------------

def test_fragment_cut_in_issue_number():
    text = "Music therapy helps. Individual music therapy. The British Journal of Psychiatry, 199(2\n"
    (message,) = messages(text, "truncated-citation")
    assert "The British Journal of Psychiatry, 199(2" in message


@pytest.mark.parametrize("text", [
    "2025 Apr 1:374:1-10. doi: 10.1016/j.jad.2025.01.011. ... the regulation of which is impaired.",
    "Erkkilä J. Individual music therapy. Br J Psychiatry. 2011;199(2\nSuppl 1):132-139.",
    "The Lancet paper (doi:10.1016/S0140-6736(20)30183-5) is complete.",
    "See doi: https://doi.org/10.1192/bjp.bp.110.085431 for the trial.",
    "Some papers have no PubMed record (PMID not available), and PMIDs vary in length.",
    "Group sessions helped ([PMC](https://pmc.ncbi.nlm.nih.gov/articles/PMC5500733/)), PMC9987133 too.",
    "The trial ran for 12 weeks (n = 79), with follow-up at 3 and 6 months (Table 2, panel 3).",
    "Doing more sessions helped; doi and PMID labels appear in references.",
    "The review (DOI: <https://doi.org/10.1002/14651858.CD004517.pub3>) and PMID: [21474494](https://pubmed.ncbi.nlm.nih.gov/21474494/).",
])
def test_complete_references_and_prose_are_not_truncated(text):
    assert found(text, "truncated-citation") == []


@pytest.mark.parametrize("entry, reason", [
    ("Smith J, Lee K. Music therapy. J Affect Disord. 2020;12", "volume"),
    ("Smith J, Lee K. Music therapy. J Affect Disord. 2020 Mar;12(3):", "mid-way"),
    ("Smith, J., & Lee, K. (2020). Music therapy. *Journal of Music Therapy*, 57", "volume"),
    ("Smith J, Lee K,", "mid-way"),
    ("Smith J. Music therapy. 2020. Available from:", "mid-way"),
    ("Smith J. Music therapy (protocol", "never closed"),
    ("Smith J. Music therapy. 2020. doi: 10.1016/", "no suffix"),
    ("Smith J. Music therapy. 2020. https://doi.org/10.1016/", "no suffix"),
    ("Smith J. Music therapy. 2020. doi:10.1016/S0140-6736(20", "never closed"),
    ("Smith J. Music therapy. 2020. PMID: 2147449a.", "1 to 8 digits"),
    ("Smith J. Music therapy. 2020. PMID: PMC5500733.", "PMC id"),
    ("Smith J. Music therapy. 2020. PMCID: PMC123456789012.", "1 to 8 digits"),
    ("Smith J. Music therapy. 2020. https://pmc.ncbi.nlm.nih.gov/articles/PMC/", "no PMC id"),
    ("Smith J. Music therapy. 2020. doi: 1016/j.jad.2025.01.011", 'starts with "10."'),
])
def test_cut_entries_and_malformed_ids(entry, reason):
    text = f"A study [1].\n\n## References\n\n1. {entry}\n"
    diagnostics = [d for d in lint_text(text) if d.rule == "truncated-citation"]
    assert [d.line for d in diagnostics] == [5], entry
    assert reason in diagnostics[0].message


@pytest.mark.parametrize("entry", [
    "Aalbers S, et al. Music therapy for depression. Cochrane Database Syst Rev. 2017;11:CD004517.",
    "Smith J, Lee K. Music therapy. PLoS One. 2020;15(3):e0229876.",
    "Heissel A, et al. Exercise as medicine. Br J Sports Med. 2023 Aug;57(16):1049-1057.",
    "Leubner, D., & Hinterberger, T. (2017). Reviewing music interventions. *Frontiers in Psychology, 8*, 1109.",
    "Smith J. Chapter. In: Lee K, ed. Music and Health. Oxford University Press; 2020:1-10.",
    "World Health Organization. Depression. Available from: https://www.who.int/news-room/fact-sheets/detail/depression",
    "Cooney GM, et al. Exercise for depression. Cochrane Database Syst Rev. 2013;(9):CD004366.",
    "Leubner, D., & Hinterberger, T. (2017). Reviewing music interventions. *Frontiers in Psychology, 8*, 1109",
    "Blumenthal JA, et al. Exercise and pharmacotherapy. Psychosom Med. 2007;69(7):587-596. PMID: 17846259; PMCID: PMC2702700.",
])
def test_complete_entries_are_not_truncated(entry):
    text = f"A study [1].\n\n## References\n\n1. {entry}\n"
    assert found(text, "truncated-citation") == []


def test_prose_footnotes_are_not_references():
    text = "A quote.[^1]\n\n[^1]: As the WHO puts it:\n\n> Depression is a common mental disorder.\n"
    assert found(text, "truncated-citation") == []
    assert found("A claim.[^1]\n\n[^1]: Smith J, Lee K. Music therapy. 2020. Available from:\n", "truncated-citation") == [(3, "truncated-citation")]


def test_one_finding_per_cut_entry():
    text = "A study [1].\n\n## References\n\n1. Smith J. Music therapy. 2020;12(3. doi: 10.1016/\n"
    assert found(text, "truncated-citation") == [(5, "truncated-citation")]


# -- one analysis per document -----------------------------------------------------------

def test_the_four_rules_share_one_analysis_per_document(monkeypatch):
    from verifier.rules import citations as module

    built = []
    original = module._References.of.__func__

    def counting(cls, doc):
        built.append(id(doc))
        return original(cls, doc)

    monkeypatch.setattr(module._References, "of", classmethod(counting))
    first = build_document("a.md", "A trial [1] and [4].\n" + VANCOUVER)
    second = build_document("b.md", "A trial [1].\n" + VANCOUVER)
    for doc in (first, second, first):
        for name in RULES:
            list(find_rule(name).check(doc, RuleContext()))
    assert built == [id(first), id(second)]


# -- scale -------------------------------------------------------------------------------

def test_rules_scale_with_long_reference_lists():
    count = 800
    body = " ".join(f"Finding {i} held [{i}] (Author{i}, {1990 + i % 30})." for i in range(1, count))
    entries = "\n".join(
        f"{i}. Author{i} A, Other B. Title {i}. J Test. {1990 + i % 30};{i}:{i}-{i + 9}. https://example.org/paper/{i % 400}"
        for i in range(1, count + 1)
    )
    doc = build_document("long.md", body + "\n\n## References\n\n" + entries + "\n")
    started = time.perf_counter()
    results = {name: list(find_rule(name).check(doc, RuleContext())) for name in RULES}
    assert time.perf_counter() - started < 5
    assert len(results["duplicate-reference"]) == count - 400
    assert results["unused-reference"] == []  # the uncited last entry repeats a cited one
    assert results["dangling-citation"] == [] and results["truncated-citation"] == []


def test_a_cut_identifier_is_found_through_a_dotless_letter():
    # The cheap test before each identifier pattern must see what re.IGNORECASE sees.
    assert [d.rule for d in lint_text("Read it at doı: 10.1016/ before the trial.") if d.rule == "truncated-citation"]
