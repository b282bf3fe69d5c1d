"""Resolvers against recorded Crossref, E-utilities and Europe PMC shapes served from 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_sources_text import make_pdf
from verifier.sources.http import HttpClient
from verifier.sources.pull import pull
from verifier.sources.resolvers import Resolver, crossref_retraction
from verifier.sources.settings import SourcesConfig
from verifier.sources.store import SourceStore

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"
DOI = "10.5555/music.2023.0042"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture
def sources_config(httpserver) -> SourcesConfig:
    base = httpserver.url_for("").rstrip("/")
    return SourcesConfig(email="editor@example.org", crossref_url=f"{base}/crossref", eutils_url=f"{base}/eutils",
                         europepmc_url=f"{base}/epmc", allow_private=True, retries=0, min_interval=0.0)


@pytest.fixture
def resolver(sources_config, tmp_path):
    with HttpClient(sources_config.http_config(), tmp_path / "cache") as client:
        yield Resolver(client, sources_config)


def serve_paper(httpserver) -> None:
    httpserver.expect_request(f"/crossref/works/{DOI}").respond_with_data(fixture("crossref_work.json"), content_type="application/json")
    httpserver.expect_request("/epmc/search").respond_with_data(fixture("europepmc_search.json"), content_type="application/json")
    httpserver.expect_request("/epmc/PMC9900001/fullTextXML").respond_with_data(fixture("europepmc_fulltext.xml"), content_type="application/xml")


def test_doi_resolves_to_metadata_and_full_text(httpserver, resolver):
    serve_paper(httpserver)
    record = resolver.resolve(f"doi:{DOI}")
    assert record.status == "ok" and record.text_kind == "full text"
    assert record.title.startswith("Music therapy and stress biomarkers") and record.year == 2023
    assert record.container == "Journal of Child Psychology and Music" and record.authors[:2] == ["Example", "Sample"]
    assert record.ids == {"doi": DOI, "pmid": "36900001", "pmcid": "PMC9900001"}
    assert "61.1% of the music therapy group" in record.text and record.retraction is None
    crossref_calls = [r for r, _ in httpserver.log if r.path.startswith("/crossref")]
    assert crossref_calls[0].args["mailto"] == "editor@example.org"


def test_doi_without_pmc_uses_the_europepmc_abstract(httpserver, resolver):
    httpserver.expect_request(f"/crossref/works/{DOI}").respond_with_data(fixture("crossref_work.json"))
    search = fixture("europepmc_search.json").replace('"pmcid":"PMC9900001",', "")
    httpserver.expect_request("/epmc/search").respond_with_data(search)
    record = resolver.resolve(f"doi:{DOI}")
    assert record.text_kind == "abstract" and "In 36 participants, serotonin rose (p < 0.001)." in record.text


def test_doi_falls_back_to_the_crossref_abstract(httpserver, resolver):
    httpserver.expect_request(f"/crossref/works/{DOI}").respond_with_data(fixture("crossref_work.json"))
    httpserver.expect_request("/epmc/search").respond_with_json({"hitCount": 0, "resultList": {"result": []}})
    record = resolver.resolve(f"doi:{DOI}")
    assert record.obtained == "Crossref abstract" and "(p < 0.001)" in record.text


def test_unknown_doi_is_unavailable(httpserver, resolver):
    httpserver.expect_request("/crossref/works/10.5555/made-up").respond_with_data("Resource not found.", status=404)
    record = resolver.resolve("doi:10.5555/made-up")
    assert record.status == "unavailable" and record.error["kind"] == "not_found"


def test_retraction_from_crossref_and_retraction_watch(httpserver, resolver):
    httpserver.expect_request("/crossref/works/10.5555/retracted.2020.7").respond_with_data(fixture("crossref_work_retracted.json"))
    httpserver.expect_request("/epmc/search").respond_with_json({"hitCount": 0, "resultList": {"result": []}})
    record = resolver.resolve("doi:10.5555/retracted.2020.7")
    assert record.retracted and record.retraction["status"] == "retracted"
    assert "retraction-watch" in record.retraction["source"]
    assert record.retraction["notices"][0]["doi"] == "10.5555/retraction.2020.8"
    assert record.retraction["notices"][0]["date"] == "2020-06-05"


def test_retraction_notice_and_corrections():
    notice = crossref_retraction({"update-to": [{"type": "retraction", "DOI": "10.5555/x"}]})
    assert notice["status"] == "retraction-notice"
    corrected = crossref_retraction({"updated-by": [{"type": "correction", "DOI": "10.5555/erratum"}]})
    assert corrected["status"] == "corrected"
    assert crossref_retraction({"title": ["RETRACTED: Something"]})["status"] == "retracted"
    assert crossref_retraction({"title": ["A sound study"]}) is None


def test_pmid_resolves_to_the_pubmed_abstract(httpserver, resolver):
    httpserver.expect_request("/eutils/efetch.fcgi", query_string={"db": "pubmed", "id": "21400001", "retmode": "xml",
                                                                    "tool": "verifier", "email": "editor@example.org"}
                              ).respond_with_data(fixture("pubmed_efetch.xml"), content_type="text/xml")
    httpserver.expect_request("/crossref/works/10.5555/psy.2011.085").respond_with_data("Resource not found.", status=404)
    record = resolver.resolve("pmid:21400001")
    assert record.status == "ok" and record.text_kind == "abstract" and record.year == 2011
    assert "odds ratio 2.96, 95% CI 1.01 to 9.02" in record.text
    assert record.ids["doi"] == "10.5555/psy.2011.085"


def test_retracted_pmid(httpserver, resolver):
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data(fixture("pubmed_efetch_retracted.xml"))
    httpserver.expect_request("/crossref/works/10.5555/retracted.2020.7").respond_with_data(fixture("crossref_work_retracted.json"))
    record = resolver.resolve("url:https://pubmed.ncbi.nlm.nih.gov/32400002/")
    assert record.key == "pmid:32400002" and record.retracted


def test_unknown_pmid_is_unavailable(httpserver, resolver):
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data(fixture("pubmed_efetch_empty.xml"))
    record = resolver.resolve("pmid:99999999")
    assert record.status == "unavailable" and record.error["kind"] == "not_found"


def test_pmcid_falls_back_to_eutils_when_europepmc_fails(httpserver, resolver):
    httpserver.expect_request("/epmc/PMC9900001/fullTextXML").respond_with_data("", status=503)
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data(fixture("pmc_efetch.xml"))
    httpserver.expect_request(f"/crossref/works/{DOI}").respond_with_data(fixture("crossref_work.json"))
    record = resolver.resolve("url:https://pmc.ncbi.nlm.nih.gov/articles/PMC9900001/")
    assert record.key == "pmcid:PMC9900001" and record.obtained == "E-utilities efetch pmc"
    assert "Of the 36 participants" in record.text and record.ids["doi"] == DOI


@pytest.mark.parametrize("body", ['{"message": {"DOI": ', "<html>not json</html>", "[1, 2, 3]"])
def test_truncated_or_malformed_json_is_unavailable(httpserver, resolver, body):
    httpserver.expect_request(f"/crossref/works/{DOI}").respond_with_data(body, content_type="application/json")
    record = resolver.resolve(f"doi:{DOI}")
    assert record.status == "unavailable" and record.error["kind"] == "bad_content"


def test_truncated_xml_is_unavailable(httpserver, resolver):
    httpserver.expect_request("/eutils/efetch.fcgi").respond_with_data(fixture("pubmed_efetch.xml")[:300])
    record = resolver.resolve("pmid:21400001")
    assert record.status == "unavailable" and record.error["kind"] == "bad_content"


def test_publisher_url_resolves_through_its_doi(httpserver, resolver):
    serve_paper(httpserver)
    url = f"https://bmcpsychology.biomedcentral.com/articles/{DOI}"
    record = resolver.resolve(f"url:{url}")
    assert record.key == f"doi:{DOI}" and record.ids["url"] == url and record.text_kind == "full text"


def test_sciencedirect_pii_resolves_through_crossref_alternative_id(httpserver, resolver):
    httpserver.expect_request("/crossref/works", query_string={"filter": "alternative-id:S1234567823000421", "rows": "1",
                                                                "mailto": "editor@example.org"}
                              ).respond_with_data(fixture("crossref_alternative_id.json"))
    serve_paper(httpserver)
    record = resolver.resolve("url:https://www.sciencedirect.com/science/article/pii/S1234567823000421")
    assert record.key == f"doi:{DOI}" and record.has_text


def test_html_page(httpserver, resolver):
    httpserver.expect_request("/article").respond_with_data(fixture("article_page.html"), content_type="text/html; charset=utf-8")
    httpserver.expect_request(f"/crossref/works/{DOI}").respond_with_data(fixture("crossref_work.json"))
    record = resolver.resolve(f"url:{httpserver.url_for('/article')}")
    assert record.status == "ok" and record.text_kind == "page" and record.ids["doi"] == DOI
    assert "61.1%" in record.text and "99%" not in record.text


def test_pdf_link(httpserver, resolver):
    httpserver.expect_request("/paper.pdf").respond_with_data(make_pdf(["In 36 participants, p < 0.001."]),
                                                             content_type="application/pdf")
    record = resolver.resolve(f"url:{httpserver.url_for('/paper.pdf')}")
    assert record.status == "ok" and "36 participants" in record.text and record.obtained == "fetched PDF"


def test_non_text_content_is_unavailable(httpserver, resolver):
    httpserver.expect_request("/figure.png").respond_with_data(b"\x89PNG\r\n\x1a\n" + bytes(200), content_type="image/png")
    record = resolver.resolve(f"url:{httpserver.url_for('/figure.png')}")
    assert record.status == "unavailable" and record.error["kind"] == "bad_content"


def test_dead_link_is_unavailable(httpserver, resolver):
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    record = resolver.resolve(f"url:{httpserver.url_for('/gone')}")
    assert record.status == "unavailable" and record.error["kind"] == "gone"


def test_pull_saves_records_and_keeps_what_it_has(httpserver, sources_config, tmp_path):
    serve_paper(httpserver)
    httpserver.expect_request("/crossref/works/10.5555/made-up").respond_with_data("Resource not found.", status=404)
    store = SourceStore(tmp_path / "sources")
    result = pull([f"doi:{DOI}", "doi:10.5555/made-up", f"url:https://doi.org/{DOI}"], store, sources_config, tmp_path)
    assert [r.key for r in result.resolved] == [f"doi:{DOI}"]
    assert [r.key for r in result.failed] == ["doi:10.5555/made-up"]
    assert SourceStore(tmp_path / "sources").get("pmcid:PMC9900001").has_text
    assert SourceStore(tmp_path / "sources").get("doi:10.5555/made-up").status == "unavailable"
    calls = len(httpserver.log)
    again = pull([f"doi:{DOI}"], SourceStore(tmp_path / "sources"), sources_config, tmp_path)
    assert again.kept == [f"doi:{DOI}"] and len(httpserver.log) == calls


def test_pull_while_offline_records_nothing(tmp_path):
    config = SourcesConfig(crossref_url="http://127.0.0.1:9", eutils_url="http://127.0.0.1:9",
                           europepmc_url="http://127.0.0.1:9", allow_private=True, retries=0, min_interval=0.0)
    store = SourceStore(tmp_path / "sources")
    result = pull(["doi:10.5555/a", "pmid:123"], store, config, tmp_path)
    assert result.offline and len(result.failed) == 2
    assert SourceStore(tmp_path / "sources").records() == []


def test_settings_from_options_and_environment():
    config = SourcesConfig.from_options({"sources": {"email": "a@example.org"}},
                                        {"VERIFIER_EUTILS_URL": "http://127.0.0.1:1/e/", "NCBI_API_KEY": "k",
                                         "VERIFIER_ALLOW_PRIVATE_URLS": "1"})
    assert config.email == "a@example.org" and config.eutils_url == "http://127.0.0.1:1/e" and config.allow_private
    http = config.http_config()
    assert http.intervals["127.0.0.1"] == pytest.approx(0.1)
    assert SourcesConfig.from_options({}, {}).http_config().intervals["eutils.ncbi.nlm.nih.gov"] == pytest.approx(1 / 3)


def test_page_stands_in_when_the_doi_in_a_link_fails(httpserver, resolver):
    httpserver.expect_request("/crossref/works/10.5555/wrong.guess").respond_with_data("Resource not found.", status=404)
    httpserver.expect_request("/articles/10.5555/wrong.guess").respond_with_data(
        fixture("article_page.html").replace("10.5555/music.2023.0042", "10.5555/wrong.guess"), content_type="text/html")
    url = httpserver.url_for("/articles/10.5555/wrong.guess")
    record = resolver.resolve(f"url:{url}")
    assert record.status == "ok" and record.key == "doi:10.5555/wrong.guess"
    assert record.ids["url"] == url and "61.1%" in record.text
