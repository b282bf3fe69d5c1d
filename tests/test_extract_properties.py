"""Properties of analyse() on arbitrary text: it never raises, and every offset holds."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.nlp import analyse

# Pieces of health prose and of what breaks tokenizers, glued together at random.
_PIECES = [
    "0", "1", "7", "45", "53.83", ".001", "1,014", "2020", "9" * 400, "1e999", "5x10-8", " ", "  ",
    "\n", "\n\n", "\t", "\x00", "\x0b", "\u2028", ".", ",", ";", ":", "%", "-", "–", "−", "(", ")",
    "[", "]", "<", ">", "=", "≤", "±", "~", "...", "…", "p", "P", "n", "N", "OR", "CI", "95% CI ",
    " p < ", "n = ", "twenty-one", "two-thirds", "half of the ", "one in ", " percent", " weeks",
    " patients", " times", "twice a week", "Fig. ", "e.g. ", "et al.", "J. ", "x10-", "#", "é",
    "中文", "🙂", "Approximately ", "upwards of ", "from ", " to ", "mean ", "±", "IQR ", "aOR=",
    # Letters re.I matches to ASCII ones that str.lower() keeps apart.
    "ſome ", "wıthın ", " or hıgher", "İ", "K",
]

texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_PIECES), max_size=50).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(texts, max_size=4))
def test_analyse_never_raises_and_offsets_hold(batch):
    results = analyse(batch)
    assert len(results) == len(batch)
    for text, result in zip(batch, results):
        previous = 0
        for start, end in result.sentences:
            assert previous <= start < end <= len(text)
            assert text[start:end] == text[start:end].strip()
            previous = end
        for claim in result.claims:
            assert text[claim.start:claim.end] == claim.text
            assert 0 <= claim.sentence < len(result.sentences)
            start, end = result.sentences[claim.sentence]
            assert start <= claim.start < claim.end <= end
            assert claim.operator in {"=", "<", "<=", ">", ">=", "~"}
            assert claim.kind in {"percent", "p_value", "sample_size", "ci", "ratio", "mean", "count", "duration", "other"}


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(["one", "ONE", "ſix", "Ｏｎｅ", "half", "_", "2", "x", "-", " ", "twice", "é", "K"]), max_size=8).map("".join),
))
def test_fast_number_word_check_agrees_with_the_regex(text):
    from verifier.extract import _NUMBERISH, _numberish

    assert _numberish(text) == bool(_NUMBERISH.search(text))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(texts, max_size=4))
def test_windows_find_the_claims_one_pass_per_sentence_finds(batch):
    # ClaimFinder matches each rule family only in the windows its patterns can reach; a
    # pass of every pattern over each whole sentence must find the very same claims.
    from verifier.nlp import get_nlp

    finder = get_nlp().get_pipe("verifier_claims")
    windowed = analyse(batch)
    finder.one_pass = True
    try:
        assert analyse(batch) == windowed
    finally:
        finder.one_pass = False
