"""weak-source: domain tiers as data, configuration, and what counts as "backed only by"."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, lint_file, lint_text, pairs
from verifier.registry import find_rule
from verifier.rules.source_quality import DOMAINS_FILE, DomainTiers, _domain_data, registrable_name
from verifier.settings import Settings

RULE = "weak-source"


def flagged(text: str, **options) -> list[tuple[int, str]]:
    """(line, message) of weak-source findings for a draft, with rule options."""
    diagnostics = lint_text(text, settings=Settings(options=options))
    return [(d.line, d.message) for d in diagnostics if d.rule == RULE]


def tiers(**options) -> DomainTiers:
    return DomainTiers(_domain_data(), options.get("trusted", ()), options.get("weak", ()))


# -- declaration ------------------------------------------------------------------------

def test_explanation_documents_the_configuration_keys():
    explanation = find_rule("VS102").explanation
    assert "trusted_domains" in explanation and "weak_domains" in explanation


# -- the domain data --------------------------------------------------------------------

def test_domain_file_ships_as_package_data():
    assert DOMAINS_FILE.parent == ROOT / "rules"
    with open(ROOT / "pyproject.toml", "rb") as handle:
        project = tomllib.load(handle)
    assert "*.toml" in project["tool"]["setuptools"]["package-data"]["verifier.rules"]


def test_domain_file_is_well_formed():
    data = tomllib.loads(Path(DOMAINS_FILE).read_text(encoding="utf-8"))
    seen: dict[str, str] = {}
    for name, spec in data["tiers"].items():
        assert spec["label"], name
        assert isinstance(spec["weak"], bool), name
        for domain in spec.get("domains", ()):
            assert domain == domain.lower().strip() and "/" not in domain and not domain.startswith("www."), domain
            assert domain not in seen, f"{domain} is in {seen.get(domain)} and {name}"
            seen[domain] = name
    weak = {n for n, spec in data["tiers"].items() if spec["weak"]}
    assert weak == {"commercial", "content_farm", "social"}


@pytest.mark.parametrize("host,tier", [
    ("pubmed.ncbi.nlm.nih.gov", "scholarly"),
    ("pmc.ncbi.nlm.nih.gov", "scholarly"),
    ("bmcpsychology.biomedcentral.com", "scholarly"),
    ("www.cdc.gov", "government"),
    ("www.nimh.nih.gov", "government"),
    ("assets.publishing.service.gov.uk", "government"),
    ("www.who.int", "government"),
    ("www.psychiatry.org", "professional"),
    ("www.med.stanford.edu", "professional"),
    ("www.medicalnewstoday.com", "news"),
    ("news.yahoo.com", "news"),
    ("answers.yahoo.com", "content_farm"),
    ("www.sambarecovery.com", "commercial"),   # a word of the name, on .com
    ("rosewoodrecovery.com", "commercial"),
    ("shop.example.com", "commercial"),
    ("www.amazon.co.uk", "commercial"),
    ("m.facebook.com", "social"),
    ("old.reddit.com", "social"),
])
def test_hosts_fall_in_their_tier(host, tier):
    verdict = tiers().classify_host(host)
    assert verdict is not None and verdict.tier.name == tier


@pytest.mark.parametrize("host", [
    "www.recoveryanswers.org",   # words of the name are only guessed at on commercial suffixes
    "www.rediscoverhealth.com",
    "www.example.com",
    "clearvuehealth.com",
])
def test_unlisted_hosts_are_not_guessed_weak(host):
    verdict = tiers().classify_host(host)
    assert verdict is None or not verdict.weak


def test_registrable_name_skips_two_label_suffixes():
    assert registrable_name("www.calmharbour.co.uk") == "calmharbour"
    assert registrable_name("sambarecovery.com") == "sambarecovery"


def test_configured_domains_override_the_data_and_match_subdomains():
    configured = tiers(trusted=["sunriserehab.com"], weak=["https://www.examplehealthblog.net/"])
    assert not configured.classify_host("www.sunriserehab.com").weak
    assert configured.classify_host("blog.examplehealthblog.net").weak
    # A trusted parent does not lift a more specific listed entry.
    assert tiers(trusted=["yahoo.com"]).classify_host("answers.yahoo.com").weak


# -- what is reported -------------------------------------------------------------------

def test_statistic_backed_only_by_a_weak_page_names_the_domain():
    found = flagged("Music therapy cuts relapse by 40% ([Blue Lake Rehab](https://bluelakerehab.com/blog/relapse)).")
    assert len(found) == 1
    assert "40%" in found[0][1] and "bluelakerehab.com" in found[0][1] and "commercial" in found[0][1]


def test_a_strong_source_beside_the_weak_one_clears_the_statistic():
    text = ("Music therapy cuts relapse by 40% ([Blue Lake Rehab](https://bluelakerehab.com/blog/relapse); "
            "doi:10.1192/bjp.bp.110.085431).")
    assert flagged(text) == []


def test_an_unknown_source_beside_the_weak_one_is_not_reported():
    text = ("Music therapy cuts relapse by 40% ([Blue Lake Rehab](https://bluelakerehab.com/blog/relapse), "
            "[Lee](https://www.example.org/report)).")
    assert flagged(text) == []


def test_markers_follow_their_reference_entries():
    text = """Music therapy cuts relapse by 40% [1]. Another 12% stop drinking entirely [2].

## References

1. Blue Lake Rehab. Music in recovery. https://bluelakerehab.com/blog/relapse
2. Erkkilä J, et al. Br J Psychiatry. 2011;199(2):132-139. doi:10.1192/bjp.bp.110.085431
"""
    found = flagged(text)
    assert [line for line, _ in found] == [1]
    assert "40%" in found[0][1] and "12%" not in found[0][1]


def test_footnotes_and_author_year_citations_follow_their_entries():
    text = """Music therapy cuts relapse by 40%.[^rehab]

Nearly 70% of clients felt calmer (Harbor, 2023).

## References

- Harbor J. Why music heals. 2023. https://www.harborsoberliving.com/blog/music

[^rehab]: Blue Lake Rehab blog. https://bluelakerehab.com/blog/relapse
"""
    lines = [line for line, _ in flagged(text)]
    assert 1 in lines and 3 in lines


def test_weak_sources_for_a_claim_without_figures_are_reported_once_per_domain():
    text = """Music helps people in recovery feel calmer ([Blue Lake](https://bluelakerehab.com/a)).

Songwriting can rebuild confidence ([Blue Lake](https://bluelakerehab.com/b)).
"""
    found = flagged(text)
    assert len(found) == 1 and "2 times" in found[0][1]


def test_reference_entry_cited_only_beside_a_strong_source_is_not_reported():
    text = """Music therapy helped participants feel calmer [1, 2].

## References

1. Blue Lake Rehab. Music in recovery. https://bluelakerehab.com/blog/relapse
2. Erkkilä J, et al. Br J Psychiatry. 2011;199(2):132-139. doi:10.1192/bjp.bp.110.085431
"""
    assert flagged(text) == []


def test_social_posts_in_a_reference_list_are_not_reported_on_their_own():
    text = """One participant described her experience online [1].

## References

1. A patient's account. https://www.reddit.com/r/musictherapy/comments/abc123/
"""
    assert flagged(text) == []


def test_pasted_title_of_a_listed_site_is_reported_without_a_citation():
    text = "Does music help depression? | Reddit Music has helped me more than anything else, honestly."
    found = flagged(text)
    assert len(found) == 1 and "reddit.com" in found[0][1]


def test_site_name_before_the_pipe_is_recognised():
    text = """Blue Lake Rehab | Music Therapy Program Our program uses music to help clients heal.

Sources: https://bluelakerehab.com/programs/music
"""
    assert any("Passage pasted" in message for _, message in flagged(text))


def test_a_pipe_with_a_strong_site_name_is_not_weak_source():
    text = "Effect of music therapy on resilience | BMC Psychology | Full Text This study found effects."
    assert flagged(text) == []


def test_configured_weak_domain_is_reported_and_trusted_one_is_not():
    text = "About 30% of readers improved ([Wellness Daily](https://wellnessdaily.net/post))."
    assert flagged(text) == []
    assert len(flagged(text, weak_domains=["wellnessdaily.net"])) == 1
    rehab = "About 30% of clients improved ([Sunrise Rehab](https://sunriserehab.com/post))."
    assert len(flagged(rehab)) == 1
    assert flagged(rehab, trusted_domains=["sunriserehab.com"]) == []


# -- the examples -----------------------------------------------------------------------

def test_digest_flags_the_rehab_pages_and_their_pasted_passages():
    found = pairs(lint_file(EXAMPLES / "music-therapy-digest.md"), RULE)
    assert found == [(14, RULE), (20, RULE), (24, RULE), (56, RULE), (67, RULE)]


def test_brief_stays_clean():
    assert pairs(lint_file(EXAMPLES / "music-therapy-brief.md"), RULE) == []
