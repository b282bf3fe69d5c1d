"""Number matching: every way a source can write a figure, and figures that must not match."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from verifier.sources.matching import (SourceText, closest_passage, context_mismatch, find_numbers, location_of,
                                       wanted_from_text)


def found(claim: str, source: str, operator: str = "=", hedge: str | None = None) -> bool:
    index = SourceText(source)
    wanted = wanted_from_text(claim, operator, hedge)
    assert wanted, f"no number in {claim!r}"
    return all(index.find(w) for w in wanted)


@pytest.mark.parametrize("claim, source", [
    ("45%", "45% of adults improved"),
    ("45%", "45 % of adults improved"),
    ("45%", "45 percent of adults improved"),
    ("45%", "forty-five per cent of adults improved"),
    ("45%", "a proportion of 0.45 improved"),
    ("45 percent", "45% improved"),
    ("p < .001", "P<0.001"),
    ("p < 0.001", "(p = 0.0004)"),
    ("p<0.001", "all P < .001"),
    ("p = 0.03", "p = 0·03"),
    ("1,014", "1014 adults"),
    ("1014", "1,014 adults"),
    ("1.5 million", "1,500,000 people"),
    ("1,500,000", "1.5 million people"),
    ("nearly 40%", "39.7% of patients"),
    ("40%", "39.7% of patients"),
    ("40 percent", "40.9% of respondents"),
    ("53.8%", "53.83% of participants"),
    ("more than 3,000", "3,199 hospitalized patients"),
    ("thirty minutes", "detects virus in 30 min"),
    ("30 min", "within thirty minutes"),
    ("two weeks", "over 14 days"),
    ("half", "50.4% reported depression"),
    ("a third", "30.7% of patients were febrile"),
    ("1 in 4", "the incidence was 25% (20/81)"),
    ("nine out of 10", "91% were not identified"),
    ("twice as likely", "aOR = 2.4"),
    ("4.65", "mean difference 4.65, 95% CI 0.59 to 8.70"),
    ("95% CI 0.59 to 8.70", "mean difference 4.65 (0.59-8.70)"),
    ("2.49% to 4.16%", "prevalence of 2.49% (95% CI 1.80-3.17%) to 4.16% (2.58-5.70%)"),
    ("36 participants", "Thirty-six participants were randomised"),
    ("three to five days", "shedding stopped 3-5 days after symptoms"),
    ("3 months", "assessed at 3 and 6 months"),
    ("14 days", "by day 14 of illness"),
])
def test_written_forms_match(claim, source):
    assert found(claim, source)


@pytest.mark.parametrize("claim, source", [
    ("79%", "sensitivity and specificity of 97% and 100%"),
    ("45%", "4.5% of adults"),
    ("53.83%", "53.8% of participants"),
    ("60,000", "inherited 50,000 years ago"),
    ("p < 0.001", "p = 0.01"),
    ("p < 0.01", "scores from 0 to 10"),
    ("two", "SARS-CoV-2 infections"),
    ("19", "COVID-19 patients"),
    ("five days", "SOFA score 5.65 (2.61-12.23)"),
    ("5", "a score of 5.65"),
    ("one quarter", "the attack rate was 29%"),
    ("1 in 4", "10% of patients"),
    ("3 seconds", "in 30 min"),
    ("45%", "95% CI 1.2 to 3.6"),
    ("12 months", "at 6 months"),
    ("more than 3,000", "2,900 patients"),
])
def test_changed_figures_do_not_match(claim, source):
    assert not found(claim, source)


def test_ci_level_is_not_a_figure():
    numbers = find_numbers("OR 2.1, 95% CI 1.2 to 3.6")
    assert [n.value for n in numbers if not n.ci_level] == [2.1, 1.2, 3.6]
    assert [w.value for w in wanted_from_text("95% CI 1.2 to 3.6")] == [1.2, 3.6]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=99), st.integers(min_value=0, max_value=9),
       st.sampled_from(["{v}%", "{v} %", "{v} percent", "{v} per cent"]))
def test_any_percentage_is_found_whatever_its_form(whole, tenth, form):
    value = f"{whole}.{tenth}"
    assert found(f"{value}%", "Of all adults, " + form.format(v=value) + " improved.")
    # Rounded in the claim, as writers do.
    rounded = int(float(value) + 0.5)
    assert found(f"{rounded}%", "Of all adults, " + form.format(v=value) + " improved.")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1000, max_value=999_999))
def test_thousands_separators_do_not_matter(value):
    assert found(f"{value:,}", f"In total {value} people took part.")
    assert found(str(value), f"In total {value:,} people took part.")
    changed = value + 7 if (value + 7) % 100 else value + 8     # not a round count, which may be rounded
    assert not found(f"{changed:,}", f"In total {value:,} people took part.")


def test_round_counts_are_rounded_figures_but_percentages_are_not():
    assert found("3,300 people", "antibody tests on 3,330 adults")
    assert found("25,000 cases", "among 24,693 cases")
    assert not found("3,200 people", "antibody tests on 3,330 adults")
    assert not found("40%", "36% of adults")


# -- a bounded or hedged percentage is met by a share only ---------------------------------------

@pytest.mark.parametrize("claim, source", [
    ("under 30%", "children (age <20), January 11-22"),        # an age, a date
    ("under 30%", "R fell to 0.28 (0.25 to 0.31)"),            # an R, not a proportion
    ("up to 50%", "an odds ratio of 0.45"),
    ("30 to 60 percent", "44% (95% CI, 25-69%)"),              # a range around the figure is not the figure
])
def test_bounds_on_a_percentage_are_not_met_by_other_kinds_of_number(claim, source):
    assert not found(claim, source)


def test_hedged_percentages_still_match_proportions_and_percentages():
    assert found("about 45%", "a proportion of 0.45")
    assert found("under 30%", "28.3% of adults")
    assert found("more than 40%", "41.2% of adults")


def test_the_first_bound_of_a_range_of_percentages_is_a_percentage():
    assert [n.percent for n in find_numbers("46-62%")] == [True, True]
    assert [n.percent for n in find_numbers("between 10 and 20 percent")] == [True, True]
    assert [n.percent for n in find_numbers("aged 18-24 years (25.5%)")] == [False, False, True]
    assert [n.percent for n in find_numbers("from 30% in 2019 to 45% in 2020")] == [True, False, True, False]
    assert found("nearly 50%", "rates of 48-52%")
    assert found("10 to 20 percent", "attack rates of 10% and 20%")


# -- shares a source states as counts ----------------------------------------------------------

@pytest.mark.parametrize("claim, source", [
    ("56%", "13 of 23 residents were asymptomatic."),            # 56.52%, cut as news copy cuts
    ("57%", "13 of 23 residents were asymptomatic."),            # ... or rounded
    ("56.5%", "13/23 residents were asymptomatic."),
    ("0.57", "13 of the 23 residents were asymptomatic."),
    ("56%", "Among 23 (30%) residents with positive results, 10 (43%) had symptoms, and 13 (57%) were asymptomatic."),
    ("56%", "Seven days later, 13 (57%) of the 23 residents were asymptomatic."),
    ("99%", "RESULTS: Of 150 patients, 148 had mild to moderate disease."),
    ("87%", "Among 61 persons who attended the practice, 53 cases were identified."),
    ("67%", "2 out of 3 adults"),
    ("66%", "two out of three adults"),
    ("25%", "1 in every 4 adults"),
    ("a third", "Of 150 patients, 50 were admitted."),
    ("0.005%", "1 in 20,000 people"),
])
def test_shares_the_source_gives_as_counts_match(claim, source):
    assert found(claim, source)


@pytest.mark.parametrize("claim, source", [
    ("55%", "13 of 23 residents were asymptomatic."),            # a changed share
    ("58%", "13 of 23 residents were asymptomatic."),
    ("56.6%", "13/23 residents were asymptomatic."),             # not at the claim's own precision
    ("56%", "13 (57%) were asymptomatic."),                      # no count to divide by: 57% stands
    ("57%", "The 23 participants came from 13 countries."),      # two counts, not a part and a whole
    ("57%", "A total of 23 residents were tested, and 13 were asymptomatic."),  # no share is stated
    ("19%", "Testing began on 3/16/2020."),                      # a date, not 3 of 16
    ("87 patients", "Among 61 persons who attended, 53 cases were identified."),  # a share is not a count
    ("p < 0.57", "13 of 23 residents were asymptomatic."),
    ("96%", "Of 150 patients, 148 had mild disease."),
])
def test_shares_of_counts_that_must_not_match(claim, source):
    assert not found(claim, source)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=2, max_value=2000), st.data())
def test_a_share_of_counts_matches_at_the_claims_precision_and_no_further(whole, data):
    part = data.draw(st.integers(min_value=0, max_value=whole))
    share = 100 * part / whole
    source = f"Of the cohort, {part} of {whole} adults improved."
    rounded, cut = int(share + 0.5 + 1e-9), int(share + 1e-9)
    assert found(f"{rounded}%", source) and found(f"{cut}%", source)
    assert found(f"{int((share + 0.05 + 1e-9) * 10) / 10}%", source)        # to one decimal
    for wrong in (cut - 1, rounded + 1):
        if 0 <= wrong <= 100 and wrong not in {part, whole, rounded, cut}:
            assert not found(f"{wrong}%", source)


def test_a_round_count_may_be_cut_to_its_own_precision():
    assert found("25,000 cases", "data on 25,961 laboratory-confirmed cases")
    assert found("3,300 people", "antibody tests on 3,399 adults")
    assert not found("24,000 cases", "data on 25,961 laboratory-confirmed cases")
    assert not found("27,000 cases", "data on 25,961 laboratory-confirmed cases")
    assert not found("3,300 people", "antibody tests on 3,400 adults")
    assert not found("1,000 people", "1,900 people")       # a single significant figure is not cut


# -- thousands grouped with spaces; rates over a power of ten -----------------------------------

@pytest.mark.parametrize("claim, source", [
    ("1,014", "1 014 adults"),
    ("1 014 adults", "1,014 adults"),
    ("1014", "1\u2009014 adults"),                                   # thin space
    ("1,500,000", "1\u00a0500\u00a0000 people"),                     # no-break spaces
    ("25 961", "25,961 cases"),
    ("100 residents", "On March 3 100 residents were tested."),      # the parts of a doubtful group stay
    ("100 patients", "COVID-19 100 patients"),
    ("0.02%", "an incidence of 20 per 100,000."),
    ("0.2%", "2 per 1,000 live births"),
    ("0.005%", "5/100 000 population"),
    ("20 per 100,000", "an incidence of 0.02%"),
    ("5 per 100,000", "50 per million"),
])
def test_spaced_thousands_and_rates_match(claim, source):
    assert found(claim, source)


@pytest.mark.parametrize("claim, source", [
    ("1 014", "1 adult and 14 children"),
    ("0.02%", "an incidence of 23 per 100,000."),              # rates are compared exactly
    ("20 per 100,000", "an incidence of 0.024%"),
    ("0.02%", "20 per 100,000 person-years"),                  # a rate in time is not a share
    ("0.02%", "20 per 100 000 person-time"),
    ("0.3%", "3 per 1000 mL"),                                 # nor a concentration
    ("20%", "an incidence of 20 per 100,000"),                 # a rate is not its numerator
    ("more than 20%", "20 per 100,000 were admitted"),
])
def test_spaced_thousands_and_rates_that_must_not_match(claim, source):
    assert not found(claim, source)


def test_a_rate_base_and_the_parts_of_a_spaced_number_are_not_figures_of_a_claim():
    assert [w.value for w in wanted_from_text("20 per 100,000 people")] == [20]
    assert [w.value for w in wanted_from_text("1 014 adults")] == [1014]


def test_closest_passage_prefers_the_sentence_about_the_claim():
    source = SourceText("Background.\nMusic therapy may help.\nAt 3 months, 61.1% of the music therapy group "
                        "responded, against 27.8% of controls.\nCortisol fell in both groups.")
    start, end = closest_passage("About 45% of children responded to music therapy, against 22% of controls.", source)
    assert "61.1%" in source.text[start:end]


def test_location_names_the_section():
    text = "Abstract\nFirst.\nResults\nOne.\nTwo."
    assert location_of(text, [(0, "Abstract"), (16, "Results")], text.index("Two")) == "Results, paragraph 2"
    assert location_of("a\nb", [], 2) == "paragraph 2"


def test_context_mismatch_population_and_time_point():
    source = SourceText("Among adults aged 18 to 65, 45% responded at 3 months.\nOther results followed.")
    spans = [source.sentence_at(source.text.index("45%"))]
    reason = context_mismatch("About 45% of children with depression improved.", "45%", source, spans)
    assert reason and "children" in reason
    reason = context_mismatch("About 45% of adults improved after one year.", "45%", source, spans)
    assert reason and "1 year" in reason
    assert context_mismatch("About 45% of adults improved at 3 months.", "45%", source, spans) is None
    assert context_mismatch("About 45% of people improved.", "45%", source, spans) is None
