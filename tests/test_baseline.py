"""Baselines: today's findings hidden by fingerprint, tomorrow's new ones reported."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import EXAMPLES, read_source
from verifier.baseline import Baseline, canonical_path, load, write
from verifier.cli import main
from verifier.engine import lint
from verifier.settings import Settings

NEW_FIGURE = "Music therapy cut relapse rates by 37%, a counsellor told us.\n\n"


@pytest.fixture
def drafts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(EXAMPLES / "music-therapy-digest.md", tmp_path / "digest.md")
    return tmp_path


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_baseline_hides_todays_findings_and_not_a_new_figure_added_tomorrow(drafts, capsys):
    code, _, err = _run(capsys, "check", "digest.md", "--write-baseline", "baseline.json")
    assert code == 0 and "wrote" in err
    recorded = json.loads((drafts / "baseline.json").read_text())["findings"]
    assert recorded and all(entry["path"] == "digest.md" for entry in recorded)

    code, out, _ = _run(capsys, "check", "digest.md", "--baseline", "baseline.json")
    assert code == 0
    assert out.startswith("No problems found in 1 file.") and f"{len(recorded)} in the baseline" in out

    # Tomorrow: a new unsourced figure at the top moves every line down by two.
    (drafts / "digest.md").write_text(NEW_FIGURE + read_source(drafts / "digest.md"), encoding="utf-8")
    code, out, _ = _run(capsys, "check", "digest.md", "--baseline", "baseline.json", "--format", "json")
    findings = json.loads(out)["findings"]
    assert code == 1
    assert [(f["line"], f["rule"]) for f in findings] == [(1, "unsourced-statistic")]
    assert "37%" in findings[0]["message"]


def test_stale_entries_are_counted_and_pruned(drafts, capsys):
    only = ("--select", "unsourced-statistic")
    _run(capsys, "check", *only, "digest.md", "--write-baseline", "baseline.json")
    before = len(json.loads((drafts / "baseline.json").read_text())["findings"])
    text = read_source(drafts / "digest.md").replace("by upwards of 60%", "considerably")
    (drafts / "digest.md").write_text(text, encoding="utf-8")

    code, _, err = _run(capsys, "check", *only, "digest.md", "--baseline", "baseline.json")
    assert code == 0
    assert "1 entry no longer match" in err and "--prune-baseline" in err

    code, _, err = _run(capsys, "check", *only, "digest.md", "--baseline", "baseline.json", "--prune-baseline")
    assert code == 0 and "removed 1 entry" in err
    assert len(json.loads((drafts / "baseline.json").read_text())["findings"]) == before - 1
    _, _, err = _run(capsys, "check", *only, "digest.md", "--baseline", "baseline.json")
    assert "no longer match" not in err


def test_entries_for_files_not_checked_are_not_stale(drafts, capsys):
    (drafts / "other.md").write_text("Plain text with no figures.\n", encoding="utf-8")
    _run(capsys, "check", "digest.md", "--write-baseline", "baseline.json")
    _, _, err = _run(capsys, "check", "other.md", "--baseline", "baseline.json")
    assert "no longer match" not in err


def test_paths_are_recorded_the_same_however_they_are_typed(drafts):
    assert canonical_path("./digest.md") == canonical_path("digest.md") == "digest.md"
    assert canonical_path(str(drafts / "digest.md")) == "digest.md"
    text = read_source(drafts / "digest.md")
    one = lint([("./digest.md", text)], Settings()).diagnostics
    two = lint([(str(drafts / "digest.md"), text)], Settings()).diagnostics
    assert [d.fingerprint for d in one] == [d.fingerprint for d in two]


def test_a_path_is_recorded_against_the_working_directory_of_the_moment(drafts, monkeypatch):
    (drafts / "library").mkdir()
    typed = str(drafts / "library" / "digest.md")
    assert canonical_path(typed) == "library/digest.md"
    monkeypatch.chdir(drafts / "library")
    assert canonical_path(typed) == "digest.md"


def test_identical_findings_are_matched_one_for_one(drafts):
    text = "Relapse fell by 37%, a counsellor said.\n\nRelapse fell by 37%, a counsellor said.\n"
    first = lint([("twice.md", text)], Settings()).diagnostics
    unsourced = [d for d in first if d.rule == "unsourced-statistic"]
    assert len(unsourced) == 2 and len({d.fingerprint for d in unsourced}) == 2
    write("b.json", unsourced[:1])
    result = lint([("twice.md", text)], Settings(select=["VS101"]), baseline=load("b.json"))
    assert result.baselined == 1 and len(result.diagnostics) == 1


@pytest.mark.parametrize("content, problem", [
    (None, "no such baseline file"),
    ("{not json", "invalid JSON"),
    ('{"version": 99, "findings": []}', "expected version 1"),
    ('{"version": 1, "findings": [{"rule": "x"}]}', "fingerprint"),
])
def test_a_bad_baseline_is_one_line_and_exit_2(drafts, capsys, content, problem):
    if content is not None:
        (drafts / "b.json").write_text(content, encoding="utf-8")
    code, out, err = _run(capsys, "check", "digest.md", "--baseline", "b.json")
    assert code == 2 and out == ""
    assert err.startswith("verifier: error: b.json:") and problem in err and err.count("\n") == 1


def test_prune_needs_a_baseline(drafts, capsys):
    code, _, err = _run(capsys, "check", "digest.md", "--prune-baseline")
    assert code == 2 and "--prune-baseline needs --baseline" in err


def test_baseline_file_is_sorted_for_review(drafts):
    text = read_source(drafts / "digest.md")
    diagnostics = lint([("digest.md", text)], Settings()).diagnostics
    write("b.json", list(reversed(diagnostics)))
    lines = [entry["line"] for entry in load("b.json").entries]
    assert lines == sorted(lines)
    assert isinstance(load("b.json"), Baseline)
    assert os.path.getsize("b.json") > 0
