"""Citations and reference lists: what must be found, and near misses that must not."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.citations import (
    CitationIndex,
    ReferenceResolver,
    find_citations,
    normalize_url,
    reference_for,
    resolver_for,
    targets_from_url,
    url_key,
)
from verifier.markdown import parse

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "music-therapy-digest.md"


def index_of(text: str) -> CitationIndex:
    parsed = parse(text)
    return find_citations(text, parsed.visible, parsed.blocks)


def pairs(text: str) -> list[tuple[str, str]]:
    return [(c.kind, c.target) for c in index_of(text).citations]


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# ---------------------------------------------------------------------------
# What must be found: (text, expected (kind, target) pairs in document order)

FOUND = [
    # Inline links, reference-style links, autolinks, bare URLs.
    ("See [the trial](https://Example.ORG/a/b/).", [("link", "url:https://example.org/a/b")]),
    ('See [trial](https://example.org/a "Title").', [("link", "url:https://example.org/a")]),
    ("See [trial](<https://example.org/a b>).", [("link", "url:https://example.org/a%20b")]),
    ("See [x](https://example.org/wiki/A_(b)) now.", [("link", "url:https://example.org/wiki/A_(b)")]),
    (
        "See [x](https://a.org/p?utm_source=n&utm_medium=m&id=7&fbclid=z&gclid=q#top).",
        [("link", "url:https://a.org/p?id=7")],
    ),
    ("See [x][s].\n\n[s]: https://s.org/page", [("link", "url:https://s.org/page")]),
    ("See [S][].\n\n[s]: https://s.org/page", [("link", "url:https://s.org/page")]),
    ("See [s] now.\n\n[s]: <https://s.org/page>", [("link", "url:https://s.org/page")]),
    ("See <https://example.org/a>.", [("url", "url:https://example.org/a")]),
    ("See https://example.org/a.", [("url", "url:https://example.org/a")]),
    ("See (https://example.org/a).", [("url", "url:https://example.org/a")]),
    ("See **https://example.org/a**.", [("url", "url:https://example.org/a")]),
    ("See www.example.org/a, then.", [("url", "url:https://www.example.org/a")]),
    ("HTTP://Example.ORG:80/A/?x=1", [("url", "url:http://example.org/A?x=1")]),
    ("https://example.org:443/", [("url", "url:https://example.org")]),
    ("https://example.org:8443/a", [("url", "url:https://example.org:8443/a")]),
    # DOIs: bare, prefixed, resolver and publisher URLs.
    ("Bare 10.1016/j.jad.2025.01.011.", [("doi", "doi:10.1016/j.jad.2025.01.011")]),
    ("2025 Apr 1:374:1-10. doi: 10.1016/J.JAD.2025.01.011. ...", [("doi", "doi:10.1016/j.jad.2025.01.011")]),
    ("(DOI:10.1016/S0140-6736(20)30183-5)", [("doi", "doi:10.1016/s0140-6736(20)30183-5")]),
    ("doi.org/10.1037/a0012345", [("doi", "doi:10.1037/a0012345")]),
    (
        "https://doi.org/10.1016/j.jad.2025.01.011",
        [("url", "url:https://doi.org/10.1016/j.jad.2025.01.011"), ("doi", "doi:10.1016/j.jad.2025.01.011")],
    ),
    (
        "http://dx.doi.org/10.1037/a0012345",
        [("url", "url:http://dx.doi.org/10.1037/a0012345"), ("doi", "doi:10.1037/a0012345")],
    ),
    (
        "[BMC](https://bmcpsychology.biomedcentral.com/articles/10.1186/s40359-024-02336-x)",
        [
            ("link", "url:https://bmcpsychology.biomedcentral.com/articles/10.1186/s40359-024-02336-x"),
            ("doi", "doi:10.1186/s40359-024-02336-x"),
        ],
    ),
    (
        "https://www.frontiersin.org/articles/10.3389/fpsyg.2021.613821/full",
        [
            ("url", "url:https://www.frontiersin.org/articles/10.3389/fpsyg.2021.613821/full"),
            ("doi", "doi:10.3389/fpsyg.2021.613821"),
        ],
    ),
    (
        "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0123456",
        [
            ("url", "url:https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0123456"),
            ("doi", "doi:10.1371/journal.pone.0123456"),
        ],
    ),
    (
        "https://onlinelibrary.wiley.com/doi/full/10.1002/14651858.CD004517.pub3",
        [
            ("url", "url:https://onlinelibrary.wiley.com/doi/full/10.1002/14651858.CD004517.pub3"),
            ("doi", "doi:10.1002/14651858.cd004517.pub3"),
        ],
    ),
    (
        "https://link.springer.com/article/10.1007/s00127-019-01234-5",
        [
            ("url", "url:https://link.springer.com/article/10.1007/s00127-019-01234-5"),
            ("doi", "doi:10.1007/s00127-019-01234-5"),
        ],
    ),
    (
        "https://www.tandfonline.com/doi/abs/10.1080/17432979.2019.1234567",
        [
            ("url", "url:https://www.tandfonline.com/doi/abs/10.1080/17432979.2019.1234567"),
            ("doi", "doi:10.1080/17432979.2019.1234567"),
        ],
    ),
    (
        "https://journals.sagepub.com/doi/pdf/10.1177/0305735619876543",
        [
            ("url", "url:https://journals.sagepub.com/doi/pdf/10.1177/0305735619876543"),
            ("doi", "doi:10.1177/0305735619876543"),
        ],
    ),
    (
        "https://example.org/files/10.1234/abc.pdf",
        [("url", "url:https://example.org/files/10.1234/abc.pdf"), ("doi", "doi:10.1234/abc")],
    ),
    (
        "https://www.biorxiv.org/content/10.1101/2020.01.01.123456v2.full.pdf",
        [
            ("url", "url:https://www.biorxiv.org/content/10.1101/2020.01.01.123456v2.full.pdf"),
            ("doi", "doi:10.1101/2020.01.01.123456"),
        ],
    ),
    ("[doi](doi:10.1234/ABC)", [("doi", "doi:10.1234/abc")]),
    ("[1](https://example.org) is a link, not a marker", [("link", "url:https://example.org")]),
    # PubMed and PMC.
    (
        "https://pubmed.ncbi.nlm.nih.gov/21474494/",
        [("url", "url:https://pubmed.ncbi.nlm.nih.gov/21474494"), ("pmid", "pmid:21474494")],
    ),
    (
        "https://www.ncbi.nlm.nih.gov/pubmed/21474494",
        [("url", "url:https://www.ncbi.nlm.nih.gov/pubmed/21474494"), ("pmid", "pmid:21474494")],
    ),
    (
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC9987133/",
        [("url", "url:https://www.ncbi.nlm.nih.gov/pmc/articles/PMC9987133"), ("pmcid", "pmcid:PMC9987133")],
    ),
    (
        "[PMC](https://pmc.ncbi.nlm.nih.gov/articles/PMC9987133/)",
        [("link", "url:https://pmc.ncbi.nlm.nih.gov/articles/PMC9987133"), ("pmcid", "pmcid:PMC9987133")],
    ),
    (
        "https://europepmc.org/article/PMC/PMC9987133",
        [("url", "url:https://europepmc.org/article/PMC/PMC9987133"), ("pmcid", "pmcid:PMC9987133")],
    ),
    (
        "https://europepmc.org/article/MED/21474494",
        [("url", "url:https://europepmc.org/article/MED/21474494"), ("pmid", "pmid:21474494")],
    ),
    (
        "See pubmed.ncbi.nlm.nih.gov/21474494/.",
        [("url", "url:https://pubmed.ncbi.nlm.nih.gov/21474494"), ("pmid", "pmid:21474494")],
    ),
    (
        "ncbi.nlm.nih.gov/pmc/articles/PMC9987133/",
        [("url", "url:https://ncbi.nlm.nih.gov/pmc/articles/PMC9987133"), ("pmcid", "pmcid:PMC9987133")],
    ),
    ("PMID: 21474494.", [("pmid", "pmid:21474494")]),
    ("PMID 21474494.", [("pmid", "pmid:21474494")]),
    ("pmid:21474494", [("pmid", "pmid:21474494")]),
    ("PMCID: PMC9987133.", [("pmcid", "pmcid:PMC9987133")]),
    ("PMCID: 9987133", [("pmcid", "pmcid:PMC9987133")]),
    ("Free text at PMC9987133.", [("pmcid", "pmcid:PMC9987133")]),
    ("A DOI holding one (doi:10.1234/PMC1234567).", [("doi", "doi:10.1234/pmc1234567")]),
    ("Both (doi:10.1234/abc, PMID: 12345678).", [("doi", "doi:10.1234/abc"), ("pmid", "pmid:12345678")]),
    # Numeric markers and footnotes.
    ("Shown before [1].", [("numeric", "ref:1")]),
    ("Shown before.[12]", [("numeric", "ref:12")]),
    ("Shown [1, 3].", [("numeric", "ref:1"), ("numeric", "ref:3")]),
    ("Shown [2-4].", [("numeric", "ref:2"), ("numeric", "ref:3"), ("numeric", "ref:4")]),
    ("Shown [2–4].", [("numeric", "ref:2"), ("numeric", "ref:3"), ("numeric", "ref:4")]),
    ("Shown [1,3-4; 7].", [("numeric", f"ref:{n}") for n in (1, 3, 4, 7)]),
    ("Shown [[5]](#cite-5).", [("numeric", "ref:5")]),
    ("Shown [5](#cite-5).", [("numeric", "ref:5")]),
    ("Shown here[^1] and there[^Note].", [("footnote", "footnote:1"), ("footnote", "footnote:note")]),
    # Author-year, parenthetical.
    ("less conclusive (Tang et al., 2020).", [("author_year", "author:tang:2020")]),
    ("(Tang et al. 2020)", [("author_year", "author:tang:2020")]),
    (
        "(Silverman, 2022; Swanson, 2020)",
        [("author_year", "author:silverman:2022"), ("author_year", "author:swanson:2020")],
    ),
    ("(Smith & Lee, 2019)", [("author_year", "author:smith:2019")]),
    ("(Smith and Lee, 2019)", [("author_year", "author:smith:2019")]),
    ("(Smith, Lee, & Park, 2019)", [("author_year", "author:smith:2019")]),
    ("(World Health Organization, 2021)", [("author_year", "author:world health organization:2021")]),
    ("(WHO, 2021)", [("author_year", "author:who:2021")]),
    ("(Smith, 2019a)", [("author_year", "author:smith:2019a")]),
    ("(Smith, 2019a, b)", [("author_year", "author:smith:2019a"), ("author_year", "author:smith:2019b")]),
    ("(Smith, 2019, 2021)", [("author_year", "author:smith:2019"), ("author_year", "author:smith:2021")]),
    ("(Smith 2019, Lee 2020)", [("author_year", "author:smith:2019"), ("author_year", "author:lee:2020")]),
    ("(e.g., Smith, 2019)", [("author_year", "author:smith:2019")]),
    ("(see Smith 2019, p. 4)", [("author_year", "author:smith:2019")]),
    ("(p < .05; Smith, 2019)", [("author_year", "author:smith:2019")]),
    ("(Müller, 2018)", [("author_year", "author:muller:2018")]),
    ("(Ørsted & Łukasz, 2018)", [("author_year", "author:orsted:2018")]),
    ("(van der Berg, 2019)", [("author_year", "author:van der berg:2019")]),
    ("(Smith, n.d.)", [("author_year", "author:smith:n.d.")]),
    ("(Smith, in press)", [("author_year", "author:smith:in press")]),
    ("(Silverman, 2022).This methodology", [("author_year", "author:silverman:2022")]),
    # Author-year, narrative.
    ("Smith and Lee (2019) found it.", [("author_year", "author:smith:2019")]),
    ("Tang et al. (2020) found it.", [("author_year", "author:tang:2020")]),
    ("However, Smith (2019) found it.", [("author_year", "author:smith:2019")]),
    ("Smith's (2019) trial", [("author_year", "author:smith:2019")]),
    ("O'Brien (2019, p. 12) notes", [("author_year", "author:o'brien:2019")]),
    ("The World Health Organization (2021) says", [("author_year", "author:world health organization:2021")]),
    ("[Smith](https://s.org) (2019) says", [("link", "url:https://s.org"), ("author_year", "author:smith:2019")]),
    ("Professor Smith (2019) says", [("author_year", "author:smith:2019")]),
    ("(Smith, 2019: 45)", [("author_year", "author:smith:2019")]),
    ("(Tang\net al., 2020)", [("author_year", "author:tang:2020")]),
    (
        "([Tang et al., 2020](https://t.org/a))",
        [("link", "url:https://t.org/a"), ("author_year", "author:tang:2020")],
    ),
    # Odds and ends.
    ("Shown [1][2].", [("numeric", "ref:1"), ("numeric", "ref:2")]),
    ("Available at:https://x.org/a?b=1&amp;c=2", [("url", "url:https://x.org/a?b=1&c=2")]),
    (
        "<https://doi.org/10.1234/abcd>",
        [("url", "url:https://doi.org/10.1234/abcd"), ("doi", "doi:10.1234/abcd")],
    ),
    (
        "[PMID: 123](https://pubmed.ncbi.nlm.nih.gov/123/)",
        [("link", "url:https://pubmed.ncbi.nlm.nih.gov/123"), ("pmid", "pmid:123")],
    ),
    (
        "[see [3]](https://x.org/a)",
        [("link", "url:https://x.org/a"), ("numeric", "ref:3")],
    ),
    # Superscript markers, after a word or punctuation.
    ("A review².", [("numeric", "ref:2")]),
    ("A review.²", [("numeric", "ref:2")]),
    ("Shown¹,³ here.", [("numeric", "ref:1"), ("numeric", "ref:3")]),
    ("Shown¹⁻³ here.", [("numeric", f"ref:{n}") for n in (1, 2, 3)]),
    ("A review^2^ agreed.", [("numeric", "ref:2")]),
    ("A review.^1,2^", [("numeric", "ref:1"), ("numeric", "ref:2")]),
    ("A review<sup>2</sup> agreed.", [("numeric", "ref:2")]),
    ("A review,<SUP>3-4</SUP> then", [("numeric", "ref:3"), ("numeric", "ref:4")]),
    # Names the author-year reading must still take (not numerals, not lone letters).
    ("(Li, 2020) and (Xi, 2019)", [("author_year", "author:li:2020"), ("author_year", "author:xi:2019")]),
    ("(Smith and Li, 2020)", [("author_year", "author:smith:2020")]),
    # Narrative forms: an acronym between name and year; a possessive with the work named.
    (
        "The National Institute for Health and Care Excellence [NICE] (2022) recommends it.",
        [("author_year", "author:national institute for health and care excellence:2022")],
    ),
    (
        "The American Music Therapy Association (AMTA) (2020) says so.",
        [("author_year", "author:american music therapy association:2020")],
    ),
    ("Smith's 2020 survey agreed.", [("author_year", "author:smith:2020")]),
    ("Fachner's 2013 EEG study showed why.", [("author_year", "author:fachner:2013")]),
    ("The WHO's 2023 fact sheet says so.", [("author_year", "author:who:2023")]),
    ("Tang et al. found it in Tang's 2020 randomised controlled trial.", [("author_year", "author:tang:2020")]),
]


@pytest.mark.parametrize(("text", "expected"), FOUND, ids=[case[0][:50] for case in FOUND])
def test_finds(text, expected):
    assert pairs(text) == expected


# Close variants that are not citations.
NOT_FOUND = [
    "![chart](https://example.org/chart.png)",
    "![doi](https://doi.org/10.1234/abcd)",
    "[see below](#methods) and [file](notes.md) and [mail](mailto:a@b.org)",
    "- [x] done\n- [ ] not done",
    "The CI was [1.2, 3.4] and [0.5-1.5].",
    "Values in [0, 1] and the year [2019] and [1000].",
    "Reversed [4-2] and huge [1-500].",
    "As of (March 18, 2025), it rose.",
    "As of March 18, 2025, it rose.",
    "(n = 2020)",
    "(N = 2020 participants)",
    "The pandemic (2019) changed care.",
    "(2019)",
    "(COVID-19, 2020)",
    "In 2020, Smith wrote a report.",
    "(Spring 2020) and (Jan. 2020) and (March 2021)",
    "(USA, 2019) and (Table 2, 2019)",
    "(Smith in 2019)",
    "(data from 2019 onwards)",
    "(1-4 weeks) and (≥ 13 weeks) and (p < 0.001) and (5-HT)",
    "Results (2019) were mixed.",
    "The British Journal of Psychiatry, 199(2",
    "10.1/abc is not a DOI and v10.12345/x is not either",
    "PMID and PMC alone, PMC12 too short",
    "`(Smith, 2019)` and `[1]` and `https://x.org`",
    "```\n(Smith, 2019) [1] https://x.org 10.1234/abcd\n```",
    "    (Smith, 2019) https://indented.example.org",
    "<!-- (Smith, 2019) [1] https://x.org PMID: 123 -->",
    "<div>\n(Smith, 2019) https://x.org\n</div>",
    "---\ntitle: (Smith, 2019)\nurl: https://x.org\n---\n\nBody text.",
    "Escaped \\[1] marker.",
    "https:// and http://localhost-less and www.",
    "[a]: https://a.org/unused",
    # Superscripts that are units, powers or statistics, not markers.
    "BMI of 30 kg/m² or more, an area of 3 m^2^ and 10<sup>6</sup> cells.",
    "Heterogeneity was high (I² = 87%), R² = 0.41 and χ² = 3.2.",
    "¹ A note at the start of a line.",
    # Numerals and letters are nobody's name.
    "Trials began (Phase III, 2019) and (Phase II and III, 2020).",
    "A Phase III (2019) trial and (Appendix B, 2019) and (Stage IIb, 2020).",
    # A possessive year without the work it names, or not a name.
    "Britain's 2020 lockdown and Germany's 2019 election.",
    "The trial's 2020 results and this year's 2021 survey.",
    "Smith's 2020-2021 season.",
    # An abbreviation that is not an author's.
    "Music therapy (MT) (2020) helped.",
    # "(2)" without a numbered reference list is an enumeration or anything else.
    "A review (2). Aims: (1) reduce stress, (2) improve mood.",
]


@pytest.mark.parametrize("text", NOT_FOUND, ids=[case[:40] for case in NOT_FOUND])
def test_precision(text):
    assert pairs(text) == []


# Citations in code and comments are ignored, the ones beside them are found.
def test_masked_regions_do_not_hide_neighbours():
    text = "`[9]` (Lee, 2018) <!-- (Kim, 2017) --> [2]\n\n```\n(Tang, 2020)\n```\n\nAfter (Wu, 2016)."
    assert pairs(text) == [
        ("author_year", "author:lee:2018"),
        ("numeric", "ref:2"),
        ("author_year", "author:wu:2016"),
    ]


# ---------------------------------------------------------------------------
# Spans

def test_spans_and_text():
    text = (
        "Less conclusive (Tang et al., 2020). Both (Silverman, 2022; Swanson, 2020) and "
        "Smith and Lee (2019) [1, 3] [^2] doi: 10.1234/ABCD. https://x.org/a. "
        "[P](https://pubmed.ncbi.nlm.nih.gov/1/)"
    )
    spans = {(c.target, c.text) for c in index_of(text).citations}
    assert spans == {
        ("author:tang:2020", "Tang et al., 2020"),
        ("author:silverman:2022", "Silverman, 2022"),
        ("author:swanson:2020", "Swanson, 2020"),
        ("author:smith:2019", "Smith and Lee (2019)"),
        ("ref:1", "[1, 3]"),
        ("ref:3", "[1, 3]"),
        ("footnote:2", "[^2]"),
        ("doi:10.1234/abcd", "doi: 10.1234/ABCD"),
        ("url:https://x.org/a", "https://x.org/a"),
        ("url:https://pubmed.ncbi.nlm.nih.gov/1", "[P](https://pubmed.ncbi.nlm.nih.gov/1/)"),
        ("pmid:1", "[P](https://pubmed.ncbi.nlm.nih.gov/1/)"),
    }
    for citation in index_of(text).citations:
        assert text[citation.start:citation.end] == citation.text


def test_document_order():
    text = "[2] first (Lee, 2018)\n\nthen https://b.org and [1]"
    starts = [c.start for c in index_of(text).citations]
    assert starts == sorted(starts)


def test_crlf_line_endings():
    text = (
        "Claim (Smith, 2019) [1].\r\nMore https://x.org/a\r\n\r\n"
        "**Sources:**\r\nhttps://x.org/a\r\n[1] Foo, B. (2020). Bar. PMID: 42\r\n"
    )
    index = index_of(text)
    assert [(c.kind, c.target, c.reference) for c in index.citations] == [
        ("author_year", "author:smith:2019", -1),
        ("numeric", "ref:1", -1),
        ("url", "url:https://x.org/a", -1),
        ("url", "url:https://x.org/a", 0),
        ("pmid", "pmid:42", 1),
    ]
    for citation in index.citations:
        assert "\r" not in citation.text and text[citation.start:citation.end] == citation.text
    assert [(r.text, r.label, r.authors, r.year) for r in index.references] == [
        ("https://x.org/a", None, (), None),
        ("[1] Foo, B. (2020). Bar. PMID: 42", "1", ("foo",), "2020"),
    ]


# ---------------------------------------------------------------------------
# Reference lists

def test_numbered_reference_section():
    text = (
        "Claim [1] and [2].\n\n"
        "## References\n\n"
        "1. Tang J, Li X, Wang Y. Music therapy. J Affect Disord. 2020;12(3):45-67. doi:10.1016/j.jad.2020.01.011\n"
        "2. Silverman, M. J., & Swanson, K. (2022). Title. *Journal*, 1, 2. https://doi.org/10.1093/jmt/thab001\n\n"
        "## Next\n\n"
        "More (Smith, 2019).\n"
    )
    parsed = parse(text)
    index = find_citations(text, parsed.visible, parsed.blocks)
    refs = index.references
    assert [(r.label, r.authors, r.year, r.targets) for r in refs] == [
        ("1", ("tang", "li", "wang"), "2020", ("doi:10.1016/j.jad.2020.01.011",)),
        ("2", ("silverman", "swanson"), "2022", ("url:https://doi.org/10.1093/jmt/thab001", "doi:10.1093/jmt/thab001")),
    ]
    assert refs[0].text.startswith("1. Tang J") and refs[0].text.endswith("01.011")
    kinds = {(c.target, c.reference) for c in index.citations}
    assert ("ref:1", -1) in kinds and ("doi:10.1016/j.jad.2020.01.011", 0) in kinds
    assert ("author:smith:2019", -1) in kinds  # after the section ends
    section = [i for i, b in enumerate(parsed.blocks) if text[b.start:b.end].startswith(("## References", "1. ", "2. "))]
    assert index.reference_blocks == frozenset(section)


def test_reference_entry_styles():
    text = (
        "### Sources:\n\n"
        "[1] Müller, K. (2018). Title. https://x.org/\n"
        "[2] van der Berg, J., O'Brien, K. (2019b). Title.\n\n"
        "- Silverman MJ (2022) Music therapy and depression. Nord J Music Ther.\n"
        "- Smith, John, and Jane Lee. A Book. Publisher, 2015.\n"
        "- Wilson K, et al. Title. Lancet 2019 Mar 3;1:2.\n"
        "- World Health Organization. (2021). Depression fact sheet.\n"
        "- American Music Therapy Association (AMTA). (2020). About.\n"
        "- The Impact of Music Therapy on Mental Health Treatment | Samba Recovery\n"
        "- (3) Lee, A. (2001, March 3). Post.\n"
        "- World Health Organization. Depressive disorder (depression): fact sheet. 2023.\n"
        "- Music Therapy for Depression. Cochrane. 2019.\n"
    )
    refs = index_of(text).references
    assert [(r.label, r.authors, r.year) for r in refs] == [
        ("1", ("muller",), "2018"),
        ("2", ("van der berg", "o'brien"), "2019b"),
        (None, ("silverman",), "2022"),
        (None, ("smith",), "2015"),
        (None, ("wilson",), "2019"),
        (None, ("world health organization",), "2021"),
        (None, ("american music therapy association",), "2020"),
        (None, (), None),
        ("3", ("lee",), "2001"),
        (None, ("world health organization",), "2023"),
        (None, (), "2019"),
    ]
    assert refs[0].targets == ("url:https://x.org",)


def test_one_entry_per_line_only_when_every_line_starts_an_entry():
    wrapped = "## References\nSmith J, Lee K. Music therapy for depression: a trial.\nBr J Psychiatry. 2011;199(2):132-9.\n"
    stacked = "## References\nSmith J. Title one. Br J Psychiatry. 2011;1:2.\nJones A. Title two. Lancet. 2012;1:2.\n[3] Foo B. 2013.\n"
    assert [r.year for r in index_of(wrapped).references] == ["2011"]
    assert [(r.label, r.authors, r.year) for r in index_of(stacked).references] == [
        (None, ("smith",), "2011"),
        (None, ("jones",), "2012"),
        ("3", ("foo",), "2013"),
    ]


@pytest.mark.parametrize(
    "heading",
    ["## References", "# Reference list", "**Citations:**", "### Sources:", "Bibliography\n============",
     "## Works Cited", "## Notes", "#### Footnotes", "## Literature", "## Further reading", "__Sources__"],
)
def test_reference_headings(heading):
    index = index_of(f"Intro (Lee, 2018).\n\n{heading}\n\n- Smith J. Title. 2019. https://x.org\n")
    assert [r.authors for r in index.references] == [("smith",)]
    assert [c.reference for c in index.citations] == [-1, 0]


@pytest.mark.parametrize("heading", ["## Referenced works in detail", "**Statistics:**", "## Method", "## Sourcing data"])
def test_other_headings_are_not_reference_lists(heading):
    index = index_of(f"{heading}\n\n- Smith J. Title. 2019. https://x.org\n")
    assert index.references == [] and index.reference_blocks == frozenset()


def test_section_ends_at_same_or_higher_level():
    text = "## References\n\n- A. 2019.\n\n### Books\n\n- B. 2020.\n\n## Results\n\nC (Lee, 2018).\n\n**Sources:**\n\nhttps://d.org\n\n**More:**\n\nE https://e.org\n"
    index = index_of(text)
    assert [r.text for r in index.references] == ["- A. 2019.", "- B. 2020.", "https://d.org"]
    assert [(c.target, c.reference) for c in index.citations] == [
        ("author:lee:2018", -1),
        ("url:https://d.org", 2),
        ("url:https://e.org", -1),
    ]


def test_footnote_definitions_anywhere_are_entries():
    text = (
        "Text[^1] and more[^note].\n\n"
        "[^1]: Silverman MJ (2022) Music therapy. PMID: 123456.\n"
        "[^note]: World Health Organization. (2021). Fact sheet.\n"
        "    https://www.who.int/news-room/fact-sheets/detail/depression\n\n"
        "[a]: https://a.org/def\n\n"
        "Later (Lee, 2018).\n"
    )
    index = index_of(text)
    assert [(r.label, r.authors, r.year, r.targets) for r in index.references] == [
        ("^1", ("silverman",), "2022", ("pmid:123456",)),
        ("^note", ("world health organization",), "2021",
         ("url:https://www.who.int/news-room/fact-sheets/detail/depression",)),
    ]
    assert [(c.target, c.reference) for c in index.citations] == [
        ("footnote:1", -1),
        ("footnote:note", -1),
        ("pmid:123456", 0),
        ("url:https://www.who.int/news-room/fact-sheets/detail/depression", 1),
        ("author:lee:2018", -1),
    ]


def test_link_definitions_are_entries_only_inside_a_section():
    text = "See [a] and [1].\n\n[a]: https://a.org/x\n\n## References\n\n[1]: https://doi.org/10.1234/abcd \"T\"\n"
    index = index_of(text)
    assert [(r.label, r.targets) for r in index.references] == [
        ("1", ("url:https://doi.org/10.1234/abcd", "doi:10.1234/abcd")),
    ]
    assert [(c.kind, c.target, c.reference) for c in index.citations] == [
        ("link", "url:https://a.org/x", -1),
        ("link", "url:https://doi.org/10.1234/abcd", -1),
        ("doi", "doi:10.1234/abcd", -1),
        ("numeric", "ref:1", -1),
        ("url", "url:https://doi.org/10.1234/abcd", 0),
        ("doi", "doi:10.1234/abcd", 0),
    ]


def test_list_item_paragraphs_continue_their_entry():
    text = "## References\n\n- Smith J. A title.\n\n  Second paragraph [3] (Lee, 2018).\n- Next A. 2020.\n"
    index = index_of(text)
    assert [(r.authors, r.year) for r in index.references] == [(("smith",), "2018"), (("next",), "2020")]
    assert index.references[0].text.endswith("(Lee, 2018).")
    assert [(c.target, c.reference) for c in index.citations] == [("ref:3", 0)]


def test_entry_labels_and_author_year_inside_entries_are_not_citations():
    text = "## References\n\n[1] Tang, J. (2020). Title [2].\n\n1. Smith J (2019) see Lee (2018).\n"
    index = index_of(text)
    assert [(c.kind, c.target, c.reference) for c in index.citations] == [("numeric", "ref:2", 0)]


# "(2)" beside a numbered list: (text before the list, expected numeric targets)
NUMBERED_LIST = "\n\n## References\n\n1. Smith J. One. 2020.\n2. Lee K. Two. 2021.\n3. Park M. Three. 2022.\n"
PARENTHESISED = [
    ("A review (2).", ["ref:2"]),
    ("A review (1, 2), and a trial (1-3);", ["ref:1", "ref:2", "ref:1", "ref:2", "ref:3"]),
    ("Mood improved in 45% (3)\nof patients.", ["ref:3"]),
    ("A review.(2)", ["ref:2"]),
    # Enumerations, labels and numbers the list does not hold are not markers.
    ("The aims were to (1) reduce stress and (2) improve mood.", []),
    ("(1) Reduce stress. (2) Improve mood.", []),
    ("As in equation (2). In stage (3), and at step (1).", []),
    ("A review (4).", []),
    ("A review (2, 4).", []),
    ("Measured at 12 (2).", []),
]


@pytest.mark.parametrize(("text", "expected"), PARENTHESISED, ids=[case[0][:40] for case in PARENTHESISED])
def test_parenthesised_numbers_beside_a_numbered_list(text, expected):
    found = [c.target for c in index_of(text + NUMBERED_LIST).citations if c.kind == "numeric"]
    assert found == expected


def test_markers_are_not_read_in_reference_entries():
    text = ("A review (2).\n\n## References\n\n1. Maratos A. Music. Cochrane Database Syst Rev. 2008;(2):CD004517.\n"
            "2. Lee K. Two² and^3^. 2021.\n")
    assert [(c.target, c.reference) for c in index_of(text).citations if c.kind == "numeric"] == [("ref:2", -1)]


# Reference lists under a plain title line: (text, expected entry texts, whether the
# paragraph after the list is outside the section).
PLAIN_TITLES = [
    ("Citations:\n[1] https://a.org/x\n[2] https://b.org/y\n", ["[1] https://a.org/x", "[2] https://b.org/y"]),
    ("References\n\n1. Smith J. One. 2020.\n2. Lee K. Two. 2021.\n", ["1. Smith J. One. 2020.", "2. Lee K. Two. 2021."]),
    ("Sources:\n- Smith J. One. 2020.\n- https://b.org/y\n", ["- Smith J. One. 2020.", "- https://b.org/y"]),
    ("Works cited:\n\nSmith J. One. 2020.\n", ["Smith J. One. 2020."]),
    ("The draft ends here.\nReferences:\n\n1. Smith J. One. 2020.\n", ["1. Smith J. One. 2020."]),
    # No entries after the title, or not a title alone on its line: no reference list.
    ("References\n\nWe thank the staff of the clinic.\n", []),
    ("Sources: the WHO fact sheet, 2023.\n", []),
    ("Notes:\n- Doses were lowered in 2019.\n", []),
    ("Citations:\n- we asked clinicians\n- we read blogs\n", []),
    ("The references below are old.\n\n1. Smith J. One. 2020.\n", []),
]


@pytest.mark.parametrize(("text", "expected"), PLAIN_TITLES, ids=[case[0][:40] for case in PLAIN_TITLES])
def test_plain_title_lines_open_a_reference_list(text, expected):
    assert [r.text for r in index_of("Intro (Lee, 2018).\n\n" + text).references] == expected


def test_a_plain_title_list_ends_where_the_entries_end():
    text = "Intro [1].\n\nCitations:\n\n1. Smith J. One. 2020.\n\nMore prose: 45% improved (Lee, 2018).\n\n- a bullet of prose\n"
    parsed = parse(text)
    index = find_citations(text, parsed.visible, parsed.blocks)
    assert [r.label for r in index.references] == ["1"]
    assert [(c.target, c.reference) for c in index.citations] == [("ref:1", -1), ("author:lee:2018", -1)]
    prose = [i for i, b in enumerate(parsed.blocks) if text[b.start:b.end].startswith(("More prose", "- a bullet"))]
    assert prose and not set(prose) & index.reference_blocks
    assert len(index.reference_blocks) == 2  # the title line and its entry


# An address hard-wrapped onto the line after its entry: (entries, expected texts).
WRAPPED = [
    (
        "World Health Organization. (2023, March 31). *Depressive disorder*.\nhttps://www.who.int/news-room/fact-sheets/detail/depression",
        ["World Health Organization. (2023, March 31). *Depressive disorder*.\nhttps://www.who.int/news-room/fact-sheets/detail/depression"],
    ),
    (
        "4. Smith, J. (2020). Title.\n   <https://doi.org/10.1234/abcd>",
        ["4. Smith, J. (2020). Title.\n   <https://doi.org/10.1234/abcd>"],
    ),
    # An entry with an address of its own, an address list, a labelled line: one entry a line.
    ("Smith J. 2019. https://a.org/x\nhttps://b.org/y", ["Smith J. 2019. https://a.org/x", "https://b.org/y"]),
    ("https://a.org/x\nhttps://b.org/y", ["https://a.org/x", "https://b.org/y"]),
    ("Smith J. Title. 2019.\n[2] https://b.org/y", ["Smith J. Title. 2019.", "[2] https://b.org/y"]),
    ("Smith J. Title. 2019. PMID: 123.\ndoi:10.1234/abcd", ["Smith J. Title. 2019. PMID: 123.", "doi:10.1234/abcd"]),
]


@pytest.mark.parametrize(("entries", "expected"), WRAPPED, ids=[case[0][:40] for case in WRAPPED])
def test_an_address_wrapped_onto_its_own_line_stays_in_its_entry(entries, expected):
    index = index_of("## References\n\n" + entries + "\n")
    assert [r.text for r in index.references] == expected
    if len(expected) == 1:
        assert index.references[0].targets  # the address is the entry's


def test_lazy_numbered_lists_are_labelled_as_rendered():
    text = "A [2].\n\n## References\n\n1. Smith J. One. 2020.\n1. Lee K. Two. 2021.\n1. Park M. Three. 2022.\n\n## Sources\n\n3. Kim A. 2019.\n3. Wu B. 2018.\n"
    assert [r.label for r in index_of(text).references] == ["1", "2", "3", "3", "4"]
    written = "## References\n\n1. Smith J. One. 2020.\n2. Lee K. Two. 2021.\n2. Park M. Three. 2022.\n"
    assert [r.label for r in index_of(written).references] == ["1", "2", "2"]  # a typo is not a lazy list


def test_reference_footnote_flag_and_body():
    text = "A[^a] [1].\n\n[^a]: Smith J. Note. 2020.\n\n## References\n\n[1] Lee K. Two. 2021. <!-- c -->\n- Park M. Three.\n"
    refs = index_of(text).references
    assert [(r.label, r.footnote, r.body) for r in refs] == [
        ("^a", True, "Smith J. Note. 2020."),
        ("1", False, "Lee K. Two. 2021." + " " * 11),  # the comment is blanked, as in ``visible``
        (None, False, "Park M. Three."),
    ]
    assert all(text[r.end - len(r.body):r.end].startswith(r.body[:10]) for r in refs)


# ---------------------------------------------------------------------------
# From a citation to its entry

RESOLVE_LIST = """
## References

1. Erkkilä J, Punkanen M, Fachner J. Individual music therapy. Br J Psychiatry. 2011;199(2):132-139.
2. Aalbers S, Fusar-Poli L. Music therapy for depression. 2017. doi:10.1002/14651858.CD004517.pub3
3. World Health Organization. Depressive disorder: fact sheet. 2023.
4. National Institute for Health and Care Excellence. (2022). Depression in adults (NG222).
5. van der Berg, J. (2019a). A title.
6. [Mayo Clinic: Music therapy](https://www.mayoclinic.org/tests-procedures/music-therapy/about)
7. Smith J. One study. 2020.
8. Smith J. Another study. 2020.
9. J. Tang, K. Lee. "Music and mood," Proc. 2020.
10. https://www.mind.org.uk/information-support/types-of-mental-health-problems/depression/
"""

# (citation text, expected entry number, or None)
RESOLVED = [
    ("Shown [2].", 2),
    ("Shown².", 2),
    ("Shown (Erkkila et al., 2011).", 1),
    ("Shown (Punkanen, 2011).", 1),  # not the first author, but in the entry
    ("Erkkilä and Fachner (2011) showed it.", 1),
    ("Shown (Aalbers & Fusar-Poli, 2017).", 2),
    ("Shown (DOI: 10.1002/14651858.cd004517.PUB3).", 2),
    ("Shown (World Health Organization, 2023).", 3),
    ("The WHO (2023) says so.", 3),
    ("The National Institute for Health and Care Excellence [NICE] (2022) says so.", 4),
    ("Shown (NICE, 2022).", 4),
    ("Shown (van der Berg, 2019).", 5),
    ("Shown (Berg, 2019a).", 5),
    ("Shown (Mayo Clinic, 2023).", 6),  # the site's name; an undated page cannot contradict a year
    ("Shown (Tang et al., 2020).", 9),  # authors the parser cannot read are found in the text
    ("Shown (Mind, 2024).", 10),
    ("Shown [Mind](http://mind.org.uk/information-support/types-of-mental-health-problems/depression?utm_source=x).", 10),
    # Nothing, or two entries that fit equally well: no entry.
    ("Shown (Smith, 2020).", None),
    ("Shown (Erkkilä et al., 2015).", None),
    ("Shown (Jones, 2011).", None),
    ("Shown [11].", None),
]


@pytest.mark.parametrize(("text", "expected"), RESOLVED, ids=[case[0][:40] for case in RESOLVED])
def test_reference_for_resolves_citations_to_entries(text, expected):
    index = index_of(text + "\n" + RESOLVE_LIST)
    citation = next(c for c in index.citations if c.reference < 0)
    found = reference_for(citation, index.references)
    assert (index.references[found].label if found >= 0 else None) == (str(expected) if expected else None)


def test_home_pages_resolve_to_nothing():
    index = index_of("See https://www.mind.org.uk/.\n\n## References\n\n1. https://www.mind.org.uk/\n")
    assert reference_for(index.citations[0], index.references) == -1
    assert url_key("url:https://www.nhs.uk") is None
    assert url_key("url:http://www.nhs.uk/a") == url_key("url:https://nhs.uk/a") == "url:nhs.uk/a"


def test_markers_prefer_the_list_after_them_and_fall_back_to_footnotes():
    text = ("Part one [1].\n\n## References\n\n1. Smith J. 2020.\n\n# Part two\n\nMore [1] and [2].\n\n"
            "## References\n\n1. Lee K. 2021.\n\n[^2]: Park M. Note. 2022.\n\nLast [1].\n")
    index = index_of(text)
    markers = [c for c in index.citations if c.kind == "numeric"]
    labels = [index.references[reference_for(c, index.references)].text for c in markers]
    assert labels == ["1. Smith J. 2020.", "1. Lee K. 2021.", "[^2]: Park M. Note. 2022.", "1. Lee K. 2021."]
    resolver = resolver_for(index.references)
    assert resolver.candidates(markers[0]) == [0, 1]  # the list after it first, then the other


def test_author_year_candidates_and_near_misses():
    index = index_of("Shown (Erkkilä et al., 2015) and (Smith, 2020).\n" + RESOLVE_LIST)
    resolver = ReferenceResolver(index.references)
    wrong_year, ambiguous = [c for c in index.citations if c.kind == "author_year"]
    assert resolver.author_year(wrong_year) == ([], [0])
    assert resolver.author_year(ambiguous) == ([6, 7], [])
    assert resolver.resolve(ambiguous) == -1


def test_resolver_is_built_once_per_reference_list():
    index = index_of("Shown [1].\n" + RESOLVE_LIST)
    assert resolver_for(index.references) is resolver_for(index.references)
    assert resolver_for(list(index.references)) is not resolver_for(index.references)


# ---------------------------------------------------------------------------
# Normalisation helpers

@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("HTTPS://WWW.Example.COM/Path/", "https://www.example.com/Path"),
        ("https://example.com/?utm_campaign=x", "https://example.com"),
        ("https://example.com/a?b=1&UTM_Source=x&c=2", "https://example.com/a?b=1&c=2"),
        ("https://example.com/a?mc_cid=1&msclkid=2", "https://example.com/a"),
        ("https://example.com/a&amp;b", "https://example.com/a&b"),
        ("https://[::1]:443/a", "https://[::1]/a"),
        ("mailto:a@b.org", None),
        ("/relative/path", None),
        ("https://[broken", None),
    ],
)
def test_normalize_url(raw, normal):
    assert normalize_url(raw) == normal


def test_targets_from_url_order():
    assert targets_from_url("https://doi.org/10.1234/ABC/") == [
        ("url", "url:https://doi.org/10.1234/ABC"),
        ("doi", "doi:10.1234/abc"),
    ]


# ---------------------------------------------------------------------------
# The real sample

@pytest.fixture(scope="module")
def sample():
    text = SAMPLE.read_text(encoding="utf-8-sig")
    parsed = parse(text)
    return text, parsed, find_citations(text, parsed.visible, parsed.blocks)


def test_sample_author_year(sample):
    text, _, index = sample
    found = [(line_of(text, c.start), c.target, c.text) for c in index.citations if c.kind == "author_year"]
    assert found == [
        (10, "author:tang:2020", "Tang et al., 2020"),
        (22, "author:silverman:2022", "Silverman, 2022"),
        (22, "author:swanson:2020", "Swanson, 2020"),
    ]


def test_sample_inline_links(sample):
    text, _, index = sample
    in_text = [c for c in index.citations if c.reference == -1]
    links = [c for c in in_text if c.kind == "link"]
    assert all(30 <= line_of(text, c.start) <= 46 for c in links)
    assert len(links) == 19
    by_line: dict[int, set[str]] = {}
    for c in in_text:
        by_line.setdefault(line_of(text, c.start), set()).add(c.target)
    assert "pmcid:PMC9987133" in by_line[33]
    assert {"pmid:21474494", "doi:10.3389/fpsyg.2021.613821"} <= by_line[34]
    assert "pmid:35432107" in by_line[35]
    assert {"pmcid:PMC9987133", "pmcid:PMC7673528"} <= by_line[37]
    assert "doi:10.1186/s40359-024-02336-x" in by_line[40]
    assert "pmcid:PMC5500733" in by_line[42]
    assert "doi:10.1016/j.jad.2025.01.011" in by_line[16]
    # Every id derived from a link shares the link's span.
    spans = {(c.start, c.end) for c in links}
    assert all((c.start, c.end) in spans for c in in_text if c.kind in {"pmid", "pmcid"})
    # Images are not citations.
    assert not any(48 <= line_of(text, c.start) <= 54 for c in index.citations)


def test_sample_reference_list(sample):
    text, parsed, index = sample
    refs = index.references
    assert len(refs) == 28
    assert [line_of(text, r.start) for r in refs] == list(range(56, 84))
    assert all(r.authors == () and r.year is None and r.label is None for r in refs)
    assert all(r.targets and r.targets[0] == "url:" + r.text.rstrip("/") for r in refs)
    assert refs[7].targets == ("url:https://pmc.ncbi.nlm.nih.gov/articles/PMC9987133", "pmcid:PMC9987133")
    assert refs[9].targets[1] == "doi:10.3389/fpsyg.2021.613821"
    heading = next(i for i, b in enumerate(parsed.blocks) if text[b.start:b.end].startswith("**Citations:**"))
    assert line_of(text, parsed.blocks[heading].start) == 55
    assert index.reference_blocks == frozenset(range(heading, len(parsed.blocks)))
    listed = [c for c in index.citations if c.reference >= 0]
    assert {c.kind for c in listed} == {"url", "pmid", "pmcid", "doi"}
    assert len([c for c in listed if c.kind == "url"]) == 28


# ---------------------------------------------------------------------------
# Robustness

_ALPHABET = st.sampled_from(
    list("[]()<>!^*_`#:;,.-–&/\\\"' \t\n\r\x00\x0b\x1f\u2028\ufeffaAzZ019ÉéØß")
    + ["https://", "www.", "10.1234/", "doi:", "PMID ", "PMC1234", "et al.", "Smith", "2019", "[^", "](", "<!--", "-->",
       "```", "**Sources:**\n", "## References\n", "[1]: ", "    ", "\r\n", "\n\n", "- ", "1. ", "\n\n  ",
       "[1] ", "(Lee, 2018)", "[a]: https://a.org\n", "[a]"]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=80).map("".join) | st.text(max_size=200))
def test_arbitrary_text_never_raises(text):
    index = index_of(text)
    for citation in index.citations:
        assert 0 <= citation.start < citation.end <= len(text)
        assert citation.text == text[citation.start:citation.end]
        assert -1 <= citation.reference < len(index.references)
    for reference in index.references:
        assert reference.text == text[reference.start:reference.end]


@pytest.mark.parametrize(
    "text",
    ["[" * 5000, "]" * 5000, "(" * 5000, "[a](" * 2000, "[[" * 2000 + "]]" * 2000, "(Smith, " * 2000 + "2019)",
     "https://a.org/" + "(" * 3000, "A " * 5000 + "(2019)", "[1] Smith J. 2019. https://x.org\n" * 500,
     "Smith's 2020 a b c d " * 3000, "word²" * 5000 + "²" * 5000, "word^1^" * 5000 + "^1" * 5000,
     "Citations:\n" + "[1] x 2019\n" * 4000, "Foo [AB] (2020) " * 3000,
     "a (1)" * 4000 + "\n\n## References\n\n1. Smith J. 2020.\n",
     "## References\n\n" + "Smith J. Title. 2019.\nhttps://a.org/x\n" * 2000],
)
def test_pathological_inputs_are_fast(text):
    index_of(text)  # a catastrophic pattern would time the suite out
