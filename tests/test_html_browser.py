"""The HTML report in a real headless browser (Debian's chromium; skipped where absent).

``--dump-dom`` prints the page after its script has run, so these tests see what an
editor sees: the report's own script ran (it marks ``<body data-ready="1">``), a
hostile draft's did not, and filters in the address's fragment hide what they should.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import EXAMPLES
from test_formats import HOSTILE as HOSTILE_DRAFT
from verifier.engine import lint
from verifier.reporters import Report, render
from verifier.settings import Settings

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((found for found in map(shutil.which, BROWSERS) if found), None)

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no headless Chromium installed (apt-get install chromium)")


def browse(page: Path, profile: Path, *args: str, fragment: str = "") -> subprocess.CompletedProcess:
    command = [
        BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args, page.as_uri() + fragment,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def dom(page: Path, profile: Path, fragment: str = "") -> "Dom":
    done = browse(page, profile, "--dump-dom", fragment=fragment)
    assert done.returncode == 0 and "<body" in done.stdout, done.stderr[-2000:]
    parsed = Dom()
    parsed.feed(done.stdout)
    return parsed


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Dom(HTMLParser):
    """Elements of the dumped DOM with their attributes, and the text of those with an id."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.text_of: dict[str, str] = {}
        self._stack: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value if value is not None else "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag in _VOID:
            return
        self._stack.append((tag, attributes.get("id")))
        if attributes.get("id"):
            self.text_of[attributes["id"]] = ""

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, element_id in self._stack:
            if element_id:
                self.text_of[element_id] += data

    def find(self, tag: str | None = None, **attrs) -> list[dict]:
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [a for t, a in self.elements
                if (tag is None or t == tag) and all(a.get(k) == v for k, v in wanted.items())]


def write_report(tmp_path: Path, files: list[tuple[str, str]], name: str = "report.html") -> tuple[Path, Report]:
    result = lint(files, Settings())
    report = Report(result.diagnostics, result.documents, files_checked=len(files))
    page = tmp_path / name
    page.write_text(render("html", report), encoding="utf-8")
    return page, report


@pytest.fixture(scope="module")
def digest_page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    text = (EXAMPLES / "music-therapy-digest.md").read_text(encoding="utf-8")
    return write_report(folder, [("examples/music-therapy-digest.md", text)]) + (folder,)


def test_the_digest_report_renders_with_findings_and_claims(digest_page):
    page, report, folder = digest_page
    shown = dom(page, folder / "profile")
    body = shown.find("body")[0]
    assert body.get("data-ready") == "1", "the report's own script did not run"
    cards = shown.find("li")
    cards = [a for a in cards if "finding" in a.get("class", "")]
    assert len(cards) == len(report.diagnostics) > 0
    assert not [a for a in cards if "hidden" in a]
    rules = {a["data-rule"] for a in cards}
    assert {"unsourced-statistic", "duplicate-passage"} <= rules
    claims = [a for t, a in shown.elements if "claim" in a.get("class", "").split()]
    statuses = {a["data-status"] for a in claims if "data-status" in a}
    assert {"sourced", "unsourced"} <= statuses
    markers = [a for t, a in shown.elements if "badge" in a.get("class", "") and a.get("id", "").startswith("t")]
    assert len(markers) == len(report.diagnostics)
    assert shown.text_of["showing-n"] == str(len(report.diagnostics))


def test_filters_in_the_fragment_hide_other_rules(digest_page):
    page, report, folder = digest_page
    shown = dom(page, folder / "profile-filter", fragment="#rule=duplicate-passage")
    cards = [a for t, a in shown.elements if "finding" in a.get("class", "").split()]
    visible = [a for a in cards if "hidden" not in a]
    assert visible and {a["data-rule"] for a in visible} == {"duplicate-passage"}
    assert [a for a in cards if a["data-rule"] == "unsourced-statistic" and "hidden" in a]
    boxes = {a["value"]: "checked" in a for t, a in shown.elements if a.get("data-filter") == "rule"}
    assert boxes["duplicate-passage"] and not boxes["unsourced-statistic"]
    expected = sum(1 for d in report.diagnostics if d.rule == "duplicate-passage")
    assert shown.text_of["showing-n"] == str(expected)


def test_a_hostile_draft_renders_inert(tmp_path):
    page, report = write_report(tmp_path, [("hostile.md", HOSTILE_DRAFT)])
    shown = dom(page, tmp_path / "profile")
    body = shown.find("body")[0]
    assert body.get("data-ready") == "1", "the report's own script did not run"
    assert "data-pwned" not in body, f"draft script ran: {body.get('data-pwned')}"
    assert not shown.find("img") and not shown.find("iframe")
    assert len(shown.find("script")) == 1
    assert not [a for t, a in shown.elements for name in a if name.startswith("on")]
    assert not [a for t, a in shown.elements if a.get("href", "").lower().startswith("javascript")]


def test_a_screenshot_is_drawn(digest_page):
    page, _, folder = digest_page
    shot = folder / "report.png"
    done = browse(page, folder / "profile-shot", f"--screenshot={shot}", "--window-size=1400,1000",
                  "--hide-scrollbars")
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
