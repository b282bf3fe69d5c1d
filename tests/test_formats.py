"""Output formats: SARIF, GitHub annotations, JUnit, concise, grouped, HTML (static checks)
and the everyday options around them (colour, quiet, statistics, exit-zero)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, ROOT
from verifier.cli import ColorChoice, _use_color, main
from verifier.engine import lint
from verifier.model import Diagnostic, Severity
from verifier.reporters import FORMATS, Report, render
from verifier.reporters.github_format import annotation, escape_data, escape_property, step_summary
from verifier.settings import Settings

DIGEST = EXAMPLES / "music-therapy-digest.md"
DIGEST_REL = "examples/music-therapy-digest.md"

HOSTILE = """# Draft <script>document.body.setAttribute('data-pwned', 'heading')</script>

About 45% of readers <img src=x onerror="document.body.setAttribute('data-pwned','img')"> improved.
Click [here](javascript:document.body.setAttribute('data-pwned','link')) for 60% more.

<script>document.body.setAttribute('data-pwned', 'block')</script>

<div onmouseover="alert(1)">Roughly 30% "quoted" & <b>bold</b> text.</div>

`<script>alert(1)</script>` and a </textarea></style></script> break-out attempt at 12%.
"""


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def in_repo(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def digest_report():
    text = DIGEST.read_text(encoding="utf-8")
    result = lint([(DIGEST_REL, text)], Settings())
    return Report(result.diagnostics, result.documents, files_checked=1)


def test_every_format_renders_the_digest(digest_report):
    for name in FORMATS:
        assert render(name, digest_report).strip(), name


# -- SARIF ----------------------------------------------------------------------------


def test_json_is_json_dumps_indented_to_the_byte(digest_report):
    written = render("json", digest_report)
    assert written == json.dumps(json.loads(written), indent=2, ensure_ascii=False) + "\n"


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON_VALUES, st.sampled_from(["", "  ", "    "]))
def test_json_indenting_matches_the_standard_encoder(value, margin):
    from verifier.reporters.json_format import _indented

    assert _indented(value, margin) == json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + margin)


def test_sarif_is_what_github_code_scanning_accepts(in_repo, capsys):
    code, out, _ = run(capsys, "check", "--format", "sarif", DIGEST_REL)
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    assert len(log["runs"]) == 1
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "verifier" and driver["version"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert re.fullmatch(r"VS\d{3}", rule["id"]) and re.fullmatch(r"[a-z-]+", rule["name"])
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert "## What it does" in rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    results = run_["results"]
    assert results
    for result in results:
        assert result["ruleId"] in ids and ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": DIGEST_REL, "uriBaseId": "%SRCROOT%"}
        region = location["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) > (region["startLine"], region["startColumn"])
        assert re.fullmatch(r"[0-9a-f]{20}(-\d+)?", result["partialFingerprints"]["verifierFingerprint/v1"])
        for related in result.get("relatedLocations", []):
            assert related["physicalLocation"]["region"]["startLine"] >= 1
    fingerprints = [r["partialFingerprints"]["verifierFingerprint/v1"] for r in results]
    assert len(fingerprints) == len(set(fingerprints))
    assert {"VS101", "VS201"} <= {r["ruleId"] for r in results}


def test_sarif_uris_are_percent_encoded():
    from verifier.reporters.sarif_format import artifact_location

    assert artifact_location("drafts/my draft #1.md") == {"uri": "drafts/my%20draft%20%231.md", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("/elsewhere/a.md")["uri"].startswith("file:///")


# -- GitHub annotations -------------------------------------------------------------

_ANNOTATION = re.compile(
    r"::(?P<level>error|warning|notice) file=(?P<file>[^,:]+),line=(?P<line>\d+)"
    r"(?:,endLine=\d+|,col=(?P<col>\d+),endColumn=(?P<end>\d+)),title=(?P<title>[^,:]+)::(?P<message>[^\r\n]+)"
)


def test_github_annotations_are_well_formed(in_repo, capsys):
    code, out, _ = run(capsys, "check", "--format", "github", DIGEST_REL)
    assert code == 1
    lines = out.splitlines()
    assert lines
    for line in lines:
        match = _ANNOTATION.fullmatch(line)
        assert match, line
        assert match["file"] == DIGEST_REL
        if match["col"]:
            assert int(match["end"]) > int(match["col"])
    first = next(line for line in lines if "VS101" in line)
    assert first.startswith("::warning file=examples/music-therapy-digest.md,line=8,col=")
    assert "title=VS101 unsourced-statistic::" in first and "60%25" in first


def test_github_escaping():
    assert escape_data("50% of\r\nreaders") == "50%25 of%0D%0Areaders"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    diagnostic = Diagnostic("VS101", "unsourced-statistic", Severity.INFO, "dir, with: odd.md", 3, 2, 3, 5,
                            "Line one\nline two: 5%, really", "f")
    line = annotation(diagnostic)
    assert line == ("::notice file=dir%2C with%3A odd.md,line=3,col=2,endColumn=5,"
                    "title=VS101 unsourced-statistic::Line one%0Aline two: 5%25, really")
    multi = Diagnostic("VS201", "duplicate-passage", Severity.ERROR, "a.md", 3, 1, 5, 2, "m", "f")
    assert annotation(multi).startswith("::error file=a.md,line=3,endLine=5,title=")


def test_github_step_summary_is_appended_when_set(in_repo, capsys, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run(capsys, "check", "--format", "github", DIGEST_REL)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### verifier: ")
    assert re.search(r"^\| `VS101` unsourced-statistic \| \d+ \|$", text, re.M) and "<details>" in text
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")


def test_step_summary_escapes_table_cells():
    diagnostic = Diagnostic("VS101", "unsourced-statistic", Severity.WARNING, "a.md", 1, 1, 1, 2,
                            "Figure | with <b>pipe</b>", "f")
    text = step_summary(Report([diagnostic], files_checked=1))
    assert "Figure \\| with &lt;b&gt;pipe&lt;/b&gt;" in text


# -- JUnit ----------------------------------------------------------------------------


def test_junit_has_a_suite_per_draft_and_a_failure_per_finding(in_repo, capsys):
    clean = "examples/music-therapy-brief.md"
    code, out, _ = run(capsys, "check", "--format", "junit", "--select", "VS1,VS2", DIGEST_REL, clean)
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert set(suites) == {DIGEST_REL, clean}
    failures = suites[DIGEST_REL].findall("testcase/failure")
    assert failures and int(suites[DIGEST_REL].get("failures")) == len(failures)
    assert int(root.get("failures")) == len(failures)
    assert suites[clean].get("failures") == "0" and len(suites[clean].findall("testcase")) == 1
    case = suites[DIGEST_REL].find("testcase")
    assert case.get("classname") == DIGEST_REL and case.get("line")


def test_junit_survives_control_characters():
    diagnostic = Diagnostic("VS101", "unsourced-statistic", Severity.WARNING, "a.md", 1, 1, 1, 2,
                            "bad \x01 char <&>", "f", source_line="x\x0by")
    ET.fromstring(render("junit", Report([diagnostic], files_checked=1)).encode("utf-8"))


# -- text-like formats and everyday options --------------------------------------------


def _count(capsys, *args) -> int:
    return len(json.loads(run(capsys, "check", "--format", "json", *args)[1])["findings"])


def test_concise_is_one_line_a_finding(in_repo, capsys):
    expected = _count(capsys, "--select", "VS101", DIGEST_REL)
    _, out, _ = run(capsys, "check", "--format", "concise", "--select", "VS101", DIGEST_REL)
    lines = out.splitlines()
    assert len(lines) == expected + 1
    assert lines[0].startswith(f"{DIGEST_REL}:8:") and " VS101 [unsourced-statistic] " in lines[0]
    assert all(re.match(rf"{DIGEST_REL}:\d+:\d+: VS101 \[unsourced-statistic\] ", line) for line in lines[:-1])
    assert lines[-1].startswith(f"Found {expected} problem")


def test_grouped_puts_findings_under_their_file(in_repo, capsys):
    _, out, _ = run(capsys, "check", "--format", "grouped", "--select", "VS1,VS2", DIGEST_REL)
    lines = out.splitlines()
    assert lines[0] == f"{DIGEST_REL}:"
    assert re.match(r"  8:\d+ +VS101 \[unsourced-statistic\] ", lines[1])


def test_quiet_prints_findings_only(in_repo, capsys):
    expected = _count(capsys, "--select", "VS101", DIGEST_REL)
    code, out, err = run(capsys, "check", "--quiet", "--format", "concise", "--select", "VS101", DIGEST_REL)
    assert code == 1 and len(out.splitlines()) == expected and err == ""
    assert "Found" not in out
    code, out, _ = run(capsys, "check", "-q", "examples/music-therapy-brief.md", "--select", "VS1")
    assert code == 0 and out == ""


def test_statistics_counts_findings_per_rule(in_repo, capsys):
    findings = json.loads(run(capsys, "check", "--format", "json", "--select", "VS1,VS2", DIGEST_REL)[1])["findings"]
    counts = {}
    for finding in findings:
        counts[(finding["code"], finding["rule"])] = counts.get((finding["code"], finding["rule"]), 0) + 1
    code, out, _ = run(capsys, "check", "--statistics", "--select", "VS1,VS2", DIGEST_REL)
    lines = out.splitlines()
    assert code == 1
    shown = {}
    for line in lines[:len(counts)]:
        number, code_, rule = line.split()
        shown[(code_, rule)] = int(number)
    assert shown == counts
    numbers = [int(line.split()[0]) for line in lines[:len(counts)]]
    assert numbers == sorted(numbers, reverse=True)
    assert lines[-1].startswith(f"Found {len(findings)} problems")


def test_exit_zero_select_and_ignore(in_repo, capsys):
    assert run(capsys, "check", "--exit-zero", DIGEST_REL)[0] == 0
    code, out, _ = run(capsys, "check", "--format", "json", "--select", "VS2", DIGEST_REL)
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"duplicate-passage"}
    code, out, _ = run(capsys, "check", "--format", "json", "--ignore", "duplicate-passage,VS7", DIGEST_REL)
    found = json.loads(out)["findings"]
    assert "unsourced-statistic" in {f["rule"] for f in found}
    assert not [f for f in found if f["rule"] == "duplicate-passage" or f["code"].startswith("VS7")]
    assert run(capsys, "check", "--fail-on", "error", DIGEST_REL)[0] == 0


def test_output_file(in_repo, capsys, tmp_path):
    target = tmp_path / "report.sarif"
    code, out, _ = run(capsys, "check", "-f", "sarif", "-o", str(target), DIGEST_REL)
    assert code == 1 and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_unknown_format_is_a_usage_error(capsys):
    code, _, err = run(capsys, "check", "--format", "xml", str(DIGEST))
    assert code == 2 and "--format must be one of text, concise, grouped, json, sarif, github, junit, html" in err


def test_colour_only_on_a_terminal(monkeypatch, capsys, in_repo):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert _use_color(ColorChoice.auto, "text", None)
    assert not _use_color(ColorChoice.auto, "text", "out.txt")
    assert not _use_color(ColorChoice.auto, "json", None)
    assert not _use_color(ColorChoice.never, "text", None)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not _use_color(ColorChoice.auto, "text", None)
    assert _use_color(ColorChoice.always, "concise", None)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    monkeypatch.delenv("NO_COLOR")
    assert not _use_color(ColorChoice.auto, "text", None)
    _, out, _ = run(capsys, "check", "--color", "always", "--select", "VS101", DIGEST_REL)
    assert "\x1b[" in out
    _, out, _ = run(capsys, "check", "--select", "VS101", DIGEST_REL)
    assert "\x1b[" not in out


def test_plain_check_does_not_import_the_heavy_reporters():
    code = (
        "import sys\n"
        "from verifier.cli import main\n"
        "main(['check', '--select', 'VS101', 'examples/music-therapy-brief.md'])\n"
        "loaded = [m for m in sys.modules if m.endswith(('html_format', 'sarif_format', 'junit_format'))]\n"
        "print(loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr


# -- HTML, statically (the browser tests render it) ---------------------------------------


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def hostile_report() -> str:
    result = lint([("hostile.md", HOSTILE)], Settings())
    return render("html", Report(result.diagnostics, result.documents, files_checked=1))


def test_html_escapes_draft_markup_everywhere():
    page = hostile_report()
    collector = _Collector()
    collector.feed(page)
    assert [tag for tag, _ in collector.tags].count("script") == 1
    assert len(collector.scripts) == 1 and "data-pwned" not in collector.scripts[0]
    for tag, attrs in collector.tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert tag not in {"img", "iframe", "object", "embed", "textarea"}, (tag, attrs)
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("#", "https://", "http://")), href
    assert "&lt;script&gt;document.body.setAttribute" in page
    assert "onerror=&quot;document.body" in page


def test_html_only_runs_its_own_script():
    page = hostile_report()
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]


def test_html_is_self_contained(digest_report):
    page = render("html", digest_report)
    assert not re.search(r"<(?:link|img|iframe)\b", page)
    assert not re.search(r"\bsrc=", page)
    assert "@import" not in page and "url(" not in page
    # Citations link out only when clicked; nothing is loaded.
    assert re.search(r'<a class="cite" href="https://pmc\.ncbi\.nlm\.nih\.gov/articles/PMC9987133/?"', page)


def test_html_shows_claims_findings_and_counts(digest_report):
    page = render("html", digest_report)
    assert page.count('<li class="finding') == len(digest_report.diagnostics)
    assert 'class="claim st-unsourced"' in page and 'class="claim st-sourced"' in page
    assert f"<b>{len(digest_report.diagnostics)}</b> findings" in page
    assert 'data-filter="rule" value="unsourced-statistic"' in page
    assert 'data-filter="sev" value="warning"' in page


def test_html_marks_claims_by_source_findings():
    from verifier.reporters.html_format import status_of_rule

    assert status_of_rule("source-number-missing") == "not-found"
    assert status_of_rule("source-context-mismatch") == "contradicted"
    assert status_of_rule("unsourced-statistic") == "unsourced"
    assert status_of_rule("conflicting-statistics") == "contradicted"
    assert status_of_rule("duplicate-passage") is None


def test_html_quotes_the_source_for_source_findings():
    from verifier.model import Evidence

    text = "About 45% of participants improved [1].\n\n[1]: https://doi.org/10.1192/bjp.bp.110.085431\n"
    result = lint([("draft.md", text)], Settings(select=["VS101"]))
    result.diagnostics.append(Diagnostic(
        "VS701", "source-number-missing", Severity.WARNING, "draft.md", 1, 7, 1, 10,
        '"45%" is not in the cited source', "f1",
        claim={"start": 6, "end": 9, "sentence": "About 45% of participants improved [1]."},
        evidence=Evidence("doi:10.1192/bjp.bp.110.085431", "Response rates were 31% <b>versus</b> 22%", "Results")))
    page = render("html", Report(result.diagnostics, result.documents, files_checked=1))
    assert "The source says (Results):" in page
    assert "<blockquote>Response rates were 31% &lt;b&gt;versus&lt;/b&gt; 22%</blockquote>" in page
    assert 'class="claim st-not-found"' in page


def test_progress_bar_only_on_a_terminal_for_long_runs(monkeypatch):
    from verifier import cli

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert cli._progress(500, quiet=False) is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert cli._progress(500, quiet=True) is None
    assert cli._progress(3, quiet=False) is None
    bar = cli._progress(500, quiet=False)
    assert bar is not None
    bar.update(250)
    bar.update(500)
    bar.finish()


_MARKUP = st.sampled_from(["<script>", "</script>", "<img src=x onerror=alert(1)>", "\"", "'", "&", "<!--", "-->",
                           "`", "**", "[", "](javascript:alert(1))", "\n\n", "\n", " ", "45%", "p < 0.05", "# ",
                           "- ", "| a | b |", "<div>", "[1]", "https://example.org/x\"onmouseover=\"x", "\u2028"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(_MARKUP, st.text(max_size=8)), max_size=30))
def test_html_never_lets_draft_markup_through(pieces):
    draft = "".join(pieces)
    result = lint([("fuzz.md", draft)], Settings())
    page = render("html", Report(result.diagnostics, result.documents, files_checked=1))
    collector = _Collector()
    collector.feed(page)
    tags = [tag for tag, _ in collector.tags]
    assert tags.count("script") == 1
    assert not {"img", "iframe", "object", "embed"} & set(tags)
    for _, attrs in collector.tags:
        assert not [name for name in attrs if name.startswith("on")]
        href = attrs.get("href")
        assert href is None or href.startswith(("#", "https://", "http://"))
