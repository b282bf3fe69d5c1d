"""``verifier sources`` and ``check`` with a source store: offline by default, one-line errors, useful exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from test_sources_text import make_pdf
from verifier.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"
DOI = "10.5555/music.2023.0042"
DRAFT = """# Draft

In a study involving 36 participants, serotonin rose (p < 0.001) ([PMC](https://pmc.ncbi.nlm.nih.gov/articles/PMC9900001/)).

About 45% of the children improved with music therapy ([PMC](https://pmc.ncbi.nlm.nih.gov/articles/PMC9900001/)).
"""
PAPER_TEXT = ("We randomised 36 participants aged 8 to 12 years to music therapy or usual care.\n\n"
              "Serotonin rose in the music therapy group (p < 0.001), while cortisol fell (P<.001). "
              "At 3 months, 61.1% of the music therapy group responded.\n")


@pytest.fixture
def draft(tmp_path) -> Path:
    path = tmp_path / "draft.md"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def run(*args: str) -> int:
    return main(list(args))


def findings(capsys, *args: str) -> tuple[int, list[dict]]:
    code = run("check", *args, "--format", "json")
    out = capsys.readouterr().out
    return code, json.loads(out)["findings"]


def test_drafts_whose_sources_nobody_checks_get_no_source_notes(draft, tmp_path, capsys):
    code, found = findings(capsys, str(draft), "--cache-dir", str(tmp_path / "cache"))
    assert [f for f in found if f["code"].startswith("VS7")] == []
    assert code == 0


def test_once_checking_starts_each_unchecked_source_is_noted_once_at_info(tmp_path, capsys):
    draft = tmp_path / "two-sources.md"
    draft.write_text(DRAFT + "\nIn all, 61.1% responded at 3 months (PMID: 31234567). "
                     "Responses held at 6 months in 58% (PMID: 31234567).\n", encoding="utf-8")
    saved = tmp_path / "paper.txt"
    saved.write_text(PAPER_TEXT, encoding="utf-8")
    cache = str(tmp_path / "cache")
    assert run("sources", "add", "PMC9900001", "--file", str(saved), "--cache-dir", cache) == 0
    capsys.readouterr()
    code, found = findings(capsys, str(draft), "--cache-dir", cache)
    notes = [(f["rule"], f["line"], f["severity"]) for f in found if f["rule"] == "source-not-checked"]
    assert notes == [("source-not-checked", 7, "info")]


@pytest.mark.parametrize("suffix, content", [
    (".txt", PAPER_TEXT.encode()),
    (".html", ("<html><body><nav>Menu 45%</nav><main><p>" + PAPER_TEXT.replace("\n\n", "</p><p>")
               + "</p></main></body></html>").encode()),
    (".pdf", make_pdf([line for line in PAPER_TEXT.splitlines() if line])),
])
def test_attached_text_flags_what_the_source_lacks_and_only_that(draft, tmp_path, capsys, suffix, content):
    saved = tmp_path / f"paper{suffix}"
    saved.write_bytes(content)
    cache = str(tmp_path / "cache")
    assert run("sources", "add", "PMC9900001", "--file", str(saved), "--cache-dir", cache) == 0
    assert "Attached" in capsys.readouterr().out
    code, found = findings(capsys, str(draft), "--cache-dir", cache)
    source = [(f["rule"], f["line"]) for f in found if f["code"].startswith("VS7")]
    assert source == [("source-number-missing", 5)]
    evidence = next(f["evidence"] for f in found if f["rule"] == "source-number-missing")
    assert evidence["source"] == "pmcid:PMC9900001" and "61.1%" in evidence["quote"]
    assert code == 1


def test_cache_dir_from_the_environment(draft, tmp_path, capsys, monkeypatch):
    saved = tmp_path / "paper.txt"
    saved.write_text(PAPER_TEXT, encoding="utf-8")
    monkeypatch.setenv("VERIFIER_CACHE_DIR", str(tmp_path / "envcache"))
    assert run("sources", "add", "https://pmc.ncbi.nlm.nih.gov/articles/PMC9900001/", "--file", str(saved)) == 0
    capsys.readouterr()
    assert (tmp_path / "envcache" / "sources" / "pmcid-PMC9900001.json").exists()
    _, found = findings(capsys, str(draft))
    assert [f["rule"] for f in found if f["code"].startswith("VS7")] == ["source-number-missing"]


def test_list_and_show(tmp_path, capsys):
    saved = tmp_path / "paper.txt"
    saved.write_text(PAPER_TEXT, encoding="utf-8")
    cache = str(tmp_path / "cache")
    assert run("sources", "list", "--cache-dir", cache) == 0
    assert "empty" in capsys.readouterr().out
    run("sources", "add", f"doi:{DOI}", "--file", str(saved), "--cache-dir", cache, "--title", "A synthetic paper")
    capsys.readouterr()
    assert run("sources", "list", "--cache-dir", cache) == 0
    listing = capsys.readouterr().out
    assert f"doi:{DOI}" in listing and "attached" in listing and "A synthetic paper" in listing
    assert run("sources", "show", f"https://doi.org/{DOI}", "--cache-dir", cache) == 0
    shown = capsys.readouterr().out
    assert "A synthetic paper" in shown and "36 participants" in shown
    assert run("sources", "show", "10.5555/other", "--cache-dir", cache) == 1
    assert "not in the source store" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["sources", "add", "PMC1", "--file", "/nonexistent/paper.txt"], "no such file"),
    (["sources", "add", "not an id", "--file", __file__], "is not a URL, DOI, PMID or PMC id"),
])
def test_add_errors_are_one_line(tmp_path, capsys, args, message):
    assert run(*args, "--cache-dir", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_add_refuses_non_text(tmp_path, capsys):
    picture = tmp_path / "figure.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert run("sources", "add", "PMC1", "--file", str(picture), "--cache-dir", str(tmp_path)) == 2
    assert "not a text document" in capsys.readouterr().err


def test_corrupt_record_is_reported_not_fatal(draft, tmp_path, capsys):
    folder = tmp_path / "cache" / "sources"
    folder.mkdir(parents=True)
    (folder / "pmcid-PMC9900001.json").write_text('{"key": "pmcid:PMC99', encoding="utf-8")
    code = run("check", str(draft), "--cache-dir", str(tmp_path / "cache"))
    captured = capsys.readouterr()
    assert "corrupt source record" in captured.err and code == 0
    assert "source-not-checked" in captured.out


def test_offline_check_imports_no_network_code(draft, tmp_path):
    # spaCy itself imports requests when it loads; what must not load is verifier's fetching code.
    network = ("requests_cache", "verifier.sources.http", "verifier.sources.resolvers", "verifier.sources.pull")
    script = ("import sys; from verifier.cli import main; "
              f"main(['check', {str(draft)!r}, '--cache-dir', {str(tmp_path)!r}]); "
              f"print('NETWORK' if any(m in sys.modules for m in {network!r}) else 'OFFLINE')")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "OFFLINE", result.stderr


# -- online: pull and check --online against 127.0.0.1 -------------------------------------------

@pytest.fixture
def apis(httpserver, monkeypatch):
    base = httpserver.url_for("").rstrip("/")
    for name, path in (("CROSSREF", "crossref"), ("EUTILS", "eutils"), ("EUROPEPMC", "epmc")):
        monkeypatch.setenv(f"VERIFIER_{name}_URL", f"{base}/{path}")
    monkeypatch.setenv("VERIFIER_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("VERIFIER_HTTP_RETRIES", "0")
    monkeypatch.setenv("VERIFIER_EMAIL", "editor@example.org")
    httpserver.expect_request("/epmc/PMC9900001/fullTextXML").respond_with_data(
        (FIXTURES / "europepmc_fulltext.xml").read_text(encoding="utf-8"), content_type="application/xml")
    httpserver.expect_request(f"/crossref/works/{DOI}").respond_with_data(
        (FIXTURES / "crossref_work.json").read_text(encoding="utf-8"), content_type="application/json")
    httpserver.expect_request("/crossref/works/10.5555/made-up").respond_with_data("Resource not found.", status=404)
    return httpserver


def test_pull_then_offline_check(apis, draft, tmp_path, capsys):
    cache = str(tmp_path / "cache")
    assert run("sources", "pull", str(draft), "--cache-dir", cache) == 0
    captured = capsys.readouterr()
    assert "Resolved 1 source (1 full text)" in captured.out
    assert (tmp_path / "cache" / "http.sqlite").exists()
    record = json.loads((tmp_path / "cache" / "sources" / "pmcid-PMC9900001.json").read_text(encoding="utf-8"))
    assert record["ids"]["doi"] == DOI and record["obtained"] == "Europe PMC fullTextXML"
    apis.clear()   # the network is gone: the check reads the store only
    code, found = findings(capsys, str(draft), "--cache-dir", cache)
    assert [(f["rule"], f["line"]) for f in found if f["code"].startswith("VS7")] == [("source-number-missing", 5)]


def test_pull_reports_failures_with_exit_1(apis, tmp_path, capsys):
    draft = tmp_path / "bad.md"
    draft.write_text("Music therapy helped 45% of patients (doi:10.5555/made-up).\n\n"
                     "In 36 participants serotonin rose (PMC9900001).\n", encoding="utf-8")
    cache = str(tmp_path / "cache")
    assert run("sources", "pull", str(draft), "--cache-dir", cache) == 1
    out = capsys.readouterr().out
    assert "Failed 1:" in out and "doi:10.5555/made-up" in out and "HTTP 404" in out
    code, found = findings(capsys, str(draft), "--cache-dir", cache)
    assert ("source-unavailable", 1) in [(f["rule"], f["line"]) for f in found]


def test_pull_while_offline_exits_3_and_records_nothing(tmp_path, capsys, monkeypatch, draft):
    for name in ("CROSSREF", "EUTILS", "EUROPEPMC"):
        monkeypatch.setenv(f"VERIFIER_{name}_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("VERIFIER_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("VERIFIER_HTTP_RETRIES", "0")
    assert run("sources", "pull", str(draft), "--cache-dir", str(tmp_path / "cache")) == 3
    captured = capsys.readouterr()
    assert "offline" in captured.err and not list((tmp_path / "cache" / "sources").glob("*.json"))


def test_check_online_fetches_what_is_missing(apis, draft, tmp_path, capsys):
    code, found = findings(capsys, str(draft), "--online", "--cache-dir", str(tmp_path / "cache"))
    assert [(f["rule"], f["line"]) for f in found if f["code"].startswith("VS7")] == [("source-number-missing", 5)]
    assert code == 1


def test_private_addresses_refused_without_the_switch(httpserver, tmp_path, capsys, monkeypatch):
    draft = tmp_path / "ssrf.md"
    draft.write_text(f"See the [internal page]({httpserver.url_for('/admin')}).\n", encoding="utf-8")
    httpserver.expect_request("/admin").respond_with_data("secret")
    monkeypatch.delenv("VERIFIER_ALLOW_PRIVATE_URLS", raising=False)
    monkeypatch.setenv("VERIFIER_HTTP_RETRIES", "0")
    code = run("sources", "pull", str(draft), "--cache-dir", str(tmp_path / "cache"))
    out = capsys.readouterr().out
    assert code == 1 and "non-public address" in out and len(httpserver.log) == 0


def test_unwritable_cache_dir_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    saved = tmp_path / "paper.txt"
    saved.write_text(PAPER_TEXT, encoding="utf-8")
    assert run("sources", "add", "PMC9900001", "--file", str(saved), "--cache-dir", str(blocker)) == 2
    err = capsys.readouterr().err
    assert "cannot write the source store" in err and len(err.strip().splitlines()) == 1


def test_pull_reads_the_contact_email_from_the_configuration_file(apis, tmp_path, capsys):
    (tmp_path / "verifier.toml").write_text('contact-email = "desk@example.org"\n', encoding="utf-8")
    draft = tmp_path / "cited.md"
    draft.write_text(f"In 36 participants serotonin rose (doi:{DOI}).\n", encoding="utf-8")
    run("sources", "pull", str(draft), "--cache-dir", str(tmp_path / "cache"))
    crossref = [request for request, _ in apis.log if request.path.startswith("/crossref/works/")]
    assert crossref and crossref[0].args["mailto"] == "desk@example.org"


def test_pull_into_a_store_it_cannot_write_stops_before_fetching(apis, draft, tmp_path, capsys):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "sources").write_text("a file where the store's folder should be", encoding="utf-8")
    assert run("sources", "pull", str(draft), "--cache-dir", str(cache)) == 2
    err = capsys.readouterr().err
    assert "cannot write the source store" in err and len(err.strip().splitlines()) == 1
    assert len(apis.log) == 0


def test_pull_with_a_corrupt_http_cache_says_so_once_and_still_fills_the_store(apis, draft, tmp_path, capsys):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "http.sqlite").write_bytes(b"half-written, not a database" * 100)
    assert run("sources", "pull", str(draft), "--cache-dir", str(cache)) == 0
    captured = capsys.readouterr()
    assert captured.err.count("HTTP cache unusable") == 1 and "Traceback" not in captured.err
    assert "Resolved 1 source (1 full text)" in captured.out
    assert (cache / "sources" / "pmcid-PMC9900001.json").exists()
