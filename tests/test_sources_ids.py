"""Identifiers in citation targets and publisher URLs, and which sources a document cites."""

from __future__ import annotations

import pytest

from verifier.document import build_document
from verifier.sources.cited import claim_sources, document_sources, source_links
from verifier.sources.ids import canonical, elsevier_pii, normalise_url


@pytest.mark.parametrize("target, expected", [
    ("url:https://bmcpsychology.biomedcentral.com/articles/10.1186/s40359-024-02336-x", "doi:10.1186/s40359-024-02336-x"),
    ("url:https://www.frontiersin.org/articles/10.3389/fpsyg.2021.613821/full", "doi:10.3389/fpsyg.2021.613821"),
    ("url:https://www.frontiersin.org/journals/psychology/articles/10.3389/fpsyg.2021.613821/pdf", "doi:10.3389/fpsyg.2021.613821"),
    ("url:https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0123456", "doi:10.1371/journal.pone.0123456"),
    ("url:https://www.mdpi.com/1660-4601/20/1/91/pdf?version=1671632235", "doi:10.3390/ijerph20010091"),
    ("url:https://www.mdpi.com/2072-6643/12/2/334", "doi:10.3390/nu12020334"),
    ("url:https://onlinelibrary.wiley.com/doi/full/10.1002/da.23011", "doi:10.1002/da.23011"),
    ("url:https://onlinelibrary.wiley.com/doi/epdf/10.1002/da.23011", "doi:10.1002/da.23011"),
    ("url:https://link.springer.com/article/10.1007/s00127-020-01234-5", "doi:10.1007/s00127-020-01234-5"),
    ("url:https://link.springer.com/content/pdf/10.1007/s00127-020-01234-5.pdf", "doi:10.1007/s00127-020-01234-5"),
    ("url:https://www.thelancet.com/journals/lancet/article/PIIS0140-6736(20)30183-5/fulltext", "doi:10.1016/s0140-6736(20)30183-5"),
    ("url:https://www.nature.com/articles/s41586-020-2012-7", "doi:10.1038/s41586-020-2012-7"),
    ("url:https://doi.org/10.1192/BJP.BP.110.085431", "doi:10.1192/bjp.bp.110.085431"),
    ("url:https://pmc.ncbi.nlm.nih.gov/articles/PMC9987133/", "pmcid:PMC9987133"),
    ("url:https://www.ncbi.nlm.nih.gov/pmc/articles/PMC9987133/", "pmcid:PMC9987133"),
    ("url:https://europepmc.org/article/MED/21474494", "pmid:21474494"),
    ("url:https://pubmed.ncbi.nlm.nih.gov/21474494/", "pmid:21474494"),
    ("url:https://www.ncbi.nlm.nih.gov/pubmed/21474494", "pmid:21474494"),
    ("pmcid:pmc9987133", "pmcid:PMC9987133"),
    ("doi:10.1186/S40359-024-02336-X", "doi:10.1186/s40359-024-02336-x"),
    ("url:https://www.cambridge.org/core/journals/x/article/y/A1CD7", "url:https://www.cambridge.org/core/journals/x/article/y/A1CD7"),
    ("url:https://WWW.Example.org/page/?utm_source=x#top", "url:https://www.example.org/page"),
    ("ref:3", "ref:3"),
    ("url:http://[::1", "url:http://[::1"),
])
def test_canonical_targets(target, expected):
    assert canonical(target) == expected


def test_elsevier_pii():
    assert elsevier_pii("https://www.sciencedirect.com/science/article/pii/S2949834124000503") == "S2949834124000503"
    assert elsevier_pii("https://www.sciencedirect.com/science/article/abs/pii/S0001691825001337") == "S0001691825001337"
    assert elsevier_pii("https://example.org/pii/S2949834124000503") is None


def test_normalise_url_keeps_meaningful_query():
    assert normalise_url("https://Example.org/a?id=3&utm_medium=email") == "https://example.org/a?id=3"


DRAFT = """# Draft

Serotonin rose in 36 participants ([PMC](https://pmc.ncbi.nlm.nih.gov/articles/PMC9987133/)).

About 45% improved [1], and 22% did without it (Erkkilä et al., 2011).

## References

1. Erkkilä J, et al. Individual music therapy for depression. 2011. doi:10.1192/bjp.bp.110.085431
"""


def test_sources_of_claims_follow_links_markers_and_author_year():
    doc = build_document("draft.md", DRAFT)
    by_text = {claim.text: claim_sources(doc, i) for i, claim in enumerate(doc.claims)}
    assert by_text["36 participants"] == ["pmcid:PMC9987133"]          # the URL and its PMC id are one source
    assert by_text["45%"] == ["doi:10.1192/bjp.bp.110.085431"]          # [1] is its reference entry
    assert by_text["22%"] == ["doi:10.1192/bjp.bp.110.085431"]          # so is (Erkkilä et al., 2011)
    assert list(document_sources(doc)) == ["pmcid:PMC9987133", "doi:10.1192/bjp.bp.110.085431"]
    assert source_links(doc) == {"pmcid:PMC9987133": "url:https://pmc.ncbi.nlm.nih.gov/articles/PMC9987133"}
