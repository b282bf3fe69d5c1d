"""The command line end to end: exit codes, bad input, output contracts."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from conftest import EXAMPLES, ROOT
from verifier.cli import main

DIGEST = EXAMPLES / "music-therapy-digest.md"
CLEAN = EXAMPLES / "music-therapy-brief.md"


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_digest_fails_and_clean_draft_passes(capsys):
    code, out, _ = run(capsys, "check", str(DIGEST))
    assert code == 1
    assert f"{DIGEST}:8:" in out and "unsourced-statistic" in out
    code, out, _ = run(capsys, "check", str(CLEAN))
    assert code == 0
    assert out.strip() == "No problems found in 1 file."


def test_text_output_has_location_code_source_line_and_caret(capsys):
    _, out, _ = run(capsys, "check", "--select", "unsourced-statistic", str(DIGEST))
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith(f"{DIGEST}:8:"))
    assert " VS101 [unsourced-statistic] " in lines[head]
    assert "upwards of 60%" in lines[head]
    assert "^" in lines[head + 2] and set(lines[head + 2].strip()) == {"^"}
    assert lines[-1].startswith("Found ")


def test_json_contract(capsys):
    code, out, _ = run(capsys, "check", "--format", "json", str(DIGEST))
    payload = json.loads(out)
    assert code == 1 and payload["version"] == 1
    assert payload["summary"]["findings"] == len(payload["findings"])
    keys = {"code", "rule", "severity", "path", "line", "column", "end_line", "end_column", "message",
            "claim", "related", "evidence", "fingerprint"}
    for finding in payload["findings"]:
        assert set(finding) == keys
        assert finding["severity"] in {"error", "warning", "info"}
        assert finding["line"] >= 1 and finding["column"] >= 1
    assert len({f["fingerprint"] for f in payload["findings"]}) == len(payload["findings"])


def test_claims_json_offsets_slice_the_file(capsys, tmp_path):
    draft = tmp_path / "crlf.md"
    draft.write_bytes("\ufeff# Trial\r\n\r\nIn all, 45% of 120 patients improved (p < 0.01).\r\nÅsa saw 3 of 4 improve.\r\n".encode())
    code, out, _ = run(capsys, "claims", "--format", "json", str(draft))
    assert code == 0
    claims = json.loads(out)["claims"]
    content = open(draft, encoding="utf-8-sig", newline="").read()
    assert claims, "no claims extracted"
    for claim in claims:
        assert content[claim["start"]:claim["end"]] == claim["text"]
        line_start = content.rfind("\n", 0, claim["start"]) + 1
        assert claim["column"] == claim["start"] - line_start + 1
    assert {c["kind"] for c in claims} >= {"percent", "p_value"}


def test_claims_table_and_csv(capsys):
    code, out, _ = run(capsys, "claims", str(DIGEST))
    assert code == 0 and "53.83%" in out and "claims." in out.splitlines()[-1]
    code, out, _ = run(capsys, "claims", "--format", "csv", str(DIGEST))
    assert out.splitlines()[0].startswith("path,line,column,kind,text")


def test_rules_and_rule(capsys):
    code, out, _ = run(capsys, "rules")
    assert code == 0 and "unsourced-statistic" in out and "VS101" in out
    code, out, _ = run(capsys, "rule", "VS101")
    assert code == 0 and "## Example" in out and "## Use instead" in out
    code, _, err = run(capsys, "rule", "no-such-rule")
    assert code == 2 and err.count("\n") == 1


@pytest.mark.parametrize("content, expected_code, message", [
    (None, 2, "no such file"),
    (b"", 0, ""),
    (b"Caf\xe9 45% of patients\n", 2, "byte 3"),
])
def test_bad_input(capsys, tmp_path, content, expected_code, message):
    path = tmp_path / "draft.md"
    if content is not None:
        path.write_bytes(content)
    code, _, err = run(capsys, "check", str(path))
    assert code == expected_code
    assert message in err
    assert "Traceback" not in err and err.count("\n") <= 1


def test_binary_file_is_skipped_with_a_note(capsys, tmp_path):
    (tmp_path / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    code, out, err = run(capsys, "check", str(tmp_path / "image.md"))
    assert code == 0 and "binary" in err and "Traceback" not in err


def test_directory_without_drafts(capsys, tmp_path):
    (tmp_path / "notes.py").write_text("x = 45\n")
    code, out, err = run(capsys, "check", str(tmp_path))
    assert code == 0 and "no Markdown or text drafts" in err


def test_directory_is_walked_for_drafts(capsys):
    code, out, _ = run(capsys, "check", "--format", "json", str(EXAMPLES))
    paths = {f["path"] for f in json.loads(out)["findings"]}
    assert code == 1 and paths == {str(DIGEST)}


def test_unknown_format_is_a_usage_error(capsys):
    code, _, err = run(capsys, "check", "--format", "yaml", str(DIGEST))
    assert code == 2 and "--format" in err


@pytest.mark.parametrize("args, message", [
    (["check", "--bogus", "x.md"], "No such option: --bogus"),
    (["chek"], "No such command 'chek'"),
    (["check"], "Missing argument 'paths'"),
    (["check", "--jobs", "0", "x.md"], "Invalid value for '--jobs'"),
])
def test_command_line_mistakes_are_usage_errors_not_bugs(capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == 2 and err.count("\n") == 1
    assert message in err and "internal error" not in err


def test_output_file(capsys, tmp_path):
    target = tmp_path / "report.json"
    code, out, _ = run(capsys, "check", "--format", "json", "-o", str(target), str(DIGEST))
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["findings"]


def test_inputs_are_never_written():
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in EXAMPLES.iterdir()}
    subprocess.run([sys.executable, "-m", "verifier", "check", str(EXAMPLES)], capture_output=True, check=False)
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in EXAMPLES.iterdir()}
    assert before == after


def test_stdin_with_filename():
    result = subprocess.run(
        [sys.executable, "-m", "verifier", "check", "--stdin-filename", "draft.md", "-"],
        input="Music therapy cut relapse by 45% in one year.\n", capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 1
    assert result.stdout.startswith("draft.md:1:")


def test_console_script_runs_without_traceback_on_missing_file():
    result = subprocess.run([sys.executable, "-m", "verifier", "check", "missing.md"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == "verifier: error: missing.md: no such file or directory"
