"""Whole-library runs: worker processes, the result cache and shards give the same answers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import EXAMPLES
from verifier.cli import main
from verifier.engine import PARALLEL_MIN_CHARS

DIGEST = EXAMPLES / "music-therapy-digest.md"


def findings(capsys, *args) -> tuple[int, list[dict]]:
    code = main(["check", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)["findings"]


@pytest.fixture
def library(tmp_path):
    """A small library: copies of the digest under other names, and the clean brief."""
    folder = tmp_path / "library"
    folder.mkdir()
    copies = PARALLEL_MIN_CHARS // DIGEST.stat().st_size + 2
    for n in range(copies):
        text = DIGEST.read_text(encoding="utf-8").replace("Approximately 85%", f"Approximately {40 + n}%")
        (folder / f"digest-{n:02d}.md").write_text(text, encoding="utf-8")
    shutil.copy(EXAMPLES / "music-therapy-brief.md", folder / "brief.md")
    return folder


def test_worker_processes_give_the_same_findings(capsys, library):
    _, one = findings(capsys, "--no-cache", "--jobs", "1", str(library))
    _, two = findings(capsys, "--no-cache", "--jobs", "2", str(library))
    assert one == two
    # Cross-document rules still see every draft when documents are built in workers.
    assert any(f["rule"] == "duplicate-passage" and f["related"][0]["path"] != f["path"] for f in two)


def test_parallel_batches_cover_every_file_in_order_and_shrink_towards_the_end():
    from verifier.engine import BATCH_CHARS, MIN_PARALLEL_BATCH_CHARS, _batches

    files = [(f"d{n}.md", "x" * 5_000) for n in range(1_200)]
    batches = _batches(files, jobs=2, progress=False)
    assert [index for batch in batches for index in batch] == list(range(len(files)))
    sizes = [5_000 * len(batch) for batch in batches]
    assert sizes[0] == BATCH_CHARS and max(sizes) <= BATCH_CHARS
    assert sizes == sorted(sizes, reverse=True) and sizes[-2] <= MIN_PARALLEL_BATCH_CHARS
    assert [len(batch) for batch in _batches(files, jobs=1, progress=False)] == [BATCH_CHARS // 5_000] * 24


def test_what_workers_send_back_survives_pickling():
    """Claims, sentences, citations and the digests pickle as constructor calls (model.pickled_by_fields)."""
    import pickle

    from verifier.document import build_document
    from verifier.engine import _own_rules, enabled_rules
    from verifier.registry import RuleContext
    from verifier.settings import Settings

    doc = build_document(str(DIGEST), DIGEST.read_text(encoding="utf-8"))
    _, digests = _own_rules(doc, enabled_rules(Settings()), Settings(), RuleContext())
    place = doc.text_map()
    sent = (place.sentences, place.claims, place.claim_citations, doc.citations, digests["duplicate-passage"],
            digests["conflicting-statistics"])
    assert place.claims and place.sentences and doc.citations and digests["conflicting-statistics"].statements
    assert pickle.loads(pickle.dumps(sent, protocol=pickle.HIGHEST_PROTOCOL)) == sent


def test_result_cache_answers_an_unchanged_run_and_notices_a_change(capsys, tmp_path):
    draft = tmp_path / "draft.md"
    draft.write_text("Music therapy helped 45% of patients.\n", encoding="utf-8")
    cache = tmp_path / "cache"
    first = findings(capsys, "--cache-dir", str(cache), str(draft))
    assert len(list((cache / "results").glob("*.json"))) == 1
    assert findings(capsys, "--cache-dir", str(cache), str(draft)) == first
    draft.write_text("Music therapy helped 45% of patients [1].\n\n[1]: https://doi.org/10.1000/xyz123\n",
                     encoding="utf-8")
    code, changed = findings(capsys, "--cache-dir", str(cache), str(draft))
    assert code == 0 and not [f for f in changed if f["rule"] == "unsourced-statistic"]


def test_a_report_answered_from_the_cache_quotes_the_same_source_lines(capsys, tmp_path):
    cache = str(tmp_path / "cache")
    reports = []
    for cache_options in (["--no-cache"], ["--cache-dir", cache], ["--cache-dir", cache]):
        main(["check", "--format", "text", "--color", "never", *cache_options, str(DIGEST)])
        reports.append(capsys.readouterr().out)
    assert reports[0] == reports[1] == reports[2]
    entry = json.loads(next((tmp_path / "cache" / "results").glob("*.json")).read_text(encoding="utf-8"))
    assert len(entry["lines"]) == len(set(entry["lines"])) < len(entry["diagnostics"])


def test_settings_are_part_of_the_key(capsys, tmp_path):
    draft = tmp_path / "draft.md"
    draft.write_text("Music therapy helped 45% of patients.\n", encoding="utf-8")
    cache = str(tmp_path / "cache")
    assert findings(capsys, "--cache-dir", cache, str(draft))[1]
    assert findings(capsys, "--cache-dir", cache, "--ignore", "unsourced-statistic", str(draft))[1] == []


def test_no_cache_writes_nothing(capsys, tmp_path):
    findings(capsys, "--no-cache", "--cache-dir", str(tmp_path / "cache"), str(DIGEST))
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("options", [
    ["--format", "text", "--color", "never"], ["--format", "text", "--color", "always", "-q"],
    ["--format", "sarif"], ["--statistics"], ["--format", "json", "--exit-zero"]])
def test_a_report_printed_before_is_printed_again_with_its_exit_code(capsys, tmp_path, options):
    cache = str(tmp_path / "cache")
    expected = (main(["check", "--no-cache", *options, str(DIGEST)]), capsys.readouterr().out)
    for _ in range(2):
        assert (main(["check", "--cache-dir", cache, *options, str(DIGEST)]), capsys.readouterr().out) == expected
    assert len(list((tmp_path / "cache" / "results").glob("*.report"))) == 1


def test_another_format_is_rendered_from_the_entry_and_kept_too(capsys, tmp_path):
    cache = str(tmp_path / "cache")
    main(["check", "--cache-dir", cache, "--format", "json", str(DIGEST)])
    capsys.readouterr()
    (tmp_path / "cache" / "results" / "unrelated.tmp").write_text("", encoding="utf-8")
    expected = (main(["check", "--no-cache", "--format", "github", str(DIGEST)]), capsys.readouterr().out)
    assert (main(["check", "--cache-dir", cache, "--format", "github", str(DIGEST)]), capsys.readouterr().out) == expected
    assert len(list((tmp_path / "cache" / "results").glob("*.report"))) == 2


def test_the_same_files_checked_from_another_directory_are_checked_again(capsys, tmp_path, monkeypatch):
    # Fingerprints hold paths relative to the working directory: a hit would carry stale ones.
    cache = str(tmp_path / "cache")
    (tmp_path / "elsewhere").mkdir()
    shutil.copy(DIGEST, tmp_path / "digest.md")
    prints = {}
    for where in (tmp_path, tmp_path / "elsewhere"):
        monkeypatch.chdir(where)
        for cache_options in (["--no-cache"], ["--cache-dir", cache]):
            _, found = findings(capsys, *cache_options, str(tmp_path / "digest.md"))
            prints[where, cache_options[0]] = [f["fingerprint"] for f in found]
    assert prints[tmp_path, "--no-cache"] == prints[tmp_path, "--cache-dir"]
    assert prints[tmp_path / "elsewhere", "--no-cache"] == prints[tmp_path / "elsewhere", "--cache-dir"]
    assert prints[tmp_path, "--no-cache"] != prints[tmp_path / "elsewhere", "--no-cache"]


def test_a_report_cut_short_or_unwritable_is_not_kept(tmp_path):
    from verifier.result_cache import ResultCache

    results = ResultCache(tmp_path)
    cut = results.recording("k", "shape", True, iter(["one", "two", "three"]))
    assert next(cut) == "one"
    cut.close()   # the reader stopped: a broken pipe, a full output disk
    assert list(tmp_path.iterdir()) == [] and results.load_report("k", "shape") is None
    assert list(results.recording("k", "shape", True, ["one", "two"])) == ["one", "two"]
    assert results.load_report("k", "shape") == (True, "onetwo")
    gone = ResultCache(tmp_path / "missing")   # cannot be written: the report still passes through
    assert list(gone.recording("k", "shape", False, ["one"])) == ["one"] and not (tmp_path / "missing").exists()


def test_reports_go_with_their_pruned_entries(tmp_path):
    from verifier.result_cache import KEEP_ENTRIES, ResultCache

    results = ResultCache(tmp_path)
    results.store("old", [])
    list(results.recording("old", "shape", False, ["report"]))
    os.utime(tmp_path / "old.json", (0, 0))
    for n in range(KEEP_ENTRIES):
        results.store(f"new{n}", [])
    list(results.recording("new0", "shape", False, ["report"]))
    assert not (tmp_path / "old.json").exists() and results.load_report("old", "shape") is None
    assert results.load_report("new0", "shape") == (False, "report")


def test_a_corrupt_report_is_not_printed(capsys, tmp_path):
    cache = tmp_path / "cache"
    expected = findings(capsys, "--no-cache", str(DIGEST))
    findings(capsys, "--cache-dir", str(cache), str(DIGEST))
    for report in (cache / "results").glob("*.report"):
        report.write_text("not a report\n", encoding="utf-8")
    assert findings(capsys, "--cache-dir", str(cache), str(DIGEST)) == expected


def test_a_corrupt_or_unwritable_cache_is_skipped(capsys, tmp_path):
    cache = tmp_path / "cache"
    expected = findings(capsys, "--no-cache", str(DIGEST))
    assert findings(capsys, "--cache-dir", str(cache), str(DIGEST)) == expected
    for entry in [*(cache / "results").glob("*.json"), *(cache / "results").glob("*.report")]:
        entry.write_text("{not json", encoding="utf-8")
    assert findings(capsys, "--cache-dir", str(cache), str(DIGEST)) == expected
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    assert findings(capsys, "--cache-dir", str(blocked), str(DIGEST)) == expected


def test_a_cache_hit_does_not_load_spacy(tmp_path):
    env = dict(os.environ, VERIFIER_CACHE_DIR=str(tmp_path / "cache"))
    command = [sys.executable, "-m", "verifier", "check", "-q", str(DIGEST)]
    subprocess.run(command, capture_output=True, env=env, check=False)
    probe = ("import sys; from verifier.cli import main; code = main(['check', '-q', sys.argv[1]]); "
             "print('SPACY' if 'spacy' in sys.modules else 'NO-SPACY', code)")
    result = subprocess.run([sys.executable, "-c", probe, str(DIGEST)], capture_output=True, text=True, env=env)
    assert result.stdout.strip().splitlines()[-1] == "NO-SPACY 1"


def test_shards_partition_the_files(capsys, library):
    _, whole = findings(capsys, "--no-cache", "--select", "unsourced-statistic", str(library))
    _, first = findings(capsys, "--no-cache", "--select", "unsourced-statistic", "--shard", "1/2", str(library))
    _, second = findings(capsys, "--no-cache", "--select", "unsourced-statistic", "--shard", "2/2", str(library))
    assert {f["path"] for f in first}.isdisjoint({f["path"] for f in second})
    assert sorted(first + second, key=lambda f: f["fingerprint"]) == sorted(whole, key=lambda f: f["fingerprint"])


@pytest.mark.parametrize("shard", ["0/2", "3/2", "x", "1/0"])
def test_bad_shard_is_a_usage_error(capsys, shard):
    assert main(["check", "--shard", shard, str(DIGEST)]) == 2
    assert "--shard" in capsys.readouterr().err


def test_merged_shard_reports_equal_the_whole_run(capsys, library, tmp_path):
    whole = tmp_path / "whole.json"
    main(["check", "--no-cache", "--format", "json", "-o", str(whole), "--select", "VS1,VS3", str(library)])
    parts = []
    for k in (1, 2, 3):
        part = tmp_path / f"shard-{k}.json"
        main(["check", "--no-cache", "--format", "json", "-o", str(part), "--select", "VS1,VS3",
              "--shard", f"{k}/3", str(library)])
        parts.append(str(part))
    capsys.readouterr()
    code = main(["merge", *parts])
    merged = json.loads(capsys.readouterr().out)
    expected = json.loads(whole.read_text())
    assert code == 1
    assert merged["findings"] == expected["findings"] and merged["summary"] == expected["summary"]


def test_merge_rejects_what_is_not_a_report(capsys, tmp_path):
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"version": 7, "findings": []}', encoding="utf-8")
    assert main(["merge", str(bogus)]) == 2
    assert "report version 7" in capsys.readouterr().err
    assert main(["merge", str(tmp_path / "missing.json")]) == 2


def test_the_result_cache_hides_itself_from_git(capsys, tmp_path):
    findings(capsys, "--cache-dir", str(tmp_path / "cache"), str(DIGEST))
    assert (tmp_path / "cache" / "results" / ".gitignore").read_text().splitlines()[-1] == "*"
