"""The source store: readable records, atomic writes, lookups by any identifier, corrupt files survived."""

from __future__ import annotations

import json
import os

import pytest

from verifier.sources.store import SourceRecord, SourceStore, default_cache_dir, file_name


def record(**changes) -> SourceRecord:
    base = dict(key="pmcid:PMC9900001", ids={"pmcid": "PMC9900001", "doi": "10.5555/music.2023.0042", "pmid": "36900001"},
                title="Music therapy and stress biomarkers", year=2023, text="In 36 participants, serotonin rose (p < 0.001).",
                text_kind="full text", obtained="Europe PMC fullTextXML")
    base.update(changes)
    return SourceRecord(**base)


def test_round_trip_and_lookup_by_every_identifier(tmp_path):
    store = SourceStore(tmp_path)
    path = store.put(record())
    assert path.name == "pmcid-PMC9900001.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["content_hash"].startswith("sha256:") and list(data)[-1] == "text"   # readable: text last
    fresh = SourceStore(tmp_path)
    for target in ("pmcid:PMC9900001", "pmcid:pmc9900001", "pmid:36900001", "doi:10.5555/MUSIC.2023.0042",
                   "url:https://pmc.ncbi.nlm.nih.gov/articles/PMC9900001/", "url:https://doi.org/10.5555/music.2023.0042",
                   "url:https://pubmed.ncbi.nlm.nih.gov/36900001/"):
        found = fresh.get(target)
        assert found is not None and found.text == record().text, target
    assert fresh.get("doi:10.5555/other") is None


def test_url_records_are_found_by_normalised_url(tmp_path):
    store = SourceStore(tmp_path)
    store.put(SourceRecord(key="url:https://www.example.org/page", ids={"url": "https://www.example.org/page"}, text="x"))
    assert SourceStore(tmp_path).get("url:https://WWW.example.org/page/?utm_source=feed#top") is not None


def test_corrupt_record_is_reported_and_replaced(tmp_path):
    store = SourceStore(tmp_path)
    path = store.put(record())
    path.write_text('{"key": "pmcid:PMC9900001", "text": "trunc', encoding="utf-8")
    broken = SourceStore(tmp_path)
    assert broken.get("pmcid:PMC9900001") is None
    assert len(broken.problems) == 1 and "corrupt source record" in broken.problems[0]
    broken.put(record())
    assert SourceStore(tmp_path).get("pmcid:PMC9900001") is not None and not SourceStore(tmp_path).problems


@pytest.mark.parametrize("content", ["[]", '{"no": "key"}', '{"key": "doi:10.1/x", "ids": "nope"}', "\x00\x01", ""])
def test_records_of_the_wrong_shape_are_corrupt(tmp_path, content):
    (tmp_path / "doi-10.1-x.json").write_text(content, encoding="utf-8")
    store = SourceStore(tmp_path)
    assert store.records() == [] and store.problems


def test_a_write_cut_off_before_its_rename_leaves_the_store_as_it_was(tmp_path):
    store = SourceStore(tmp_path)
    path = store.put(record())
    (tmp_path / ".tmp-k2j4h1.json").write_text('{"key": "pmcid:PMC9900001", "text": "half', encoding="utf-8")
    after = SourceStore(tmp_path)
    assert after.get("pmcid:PMC9900001").text == record().text and not after.problems
    assert [r.key for r in after.records()] == ["pmcid:PMC9900001"] and path.exists()


def test_hand_edited_text_is_used_with_a_note(tmp_path):
    store = SourceStore(tmp_path)
    path = store.put(record())
    data = json.loads(path.read_text(encoding="utf-8"))
    data["text"] += " Edited."
    path.write_text(json.dumps(data), encoding="utf-8")
    edited = SourceStore(tmp_path)
    assert edited.get("pmcid:PMC9900001").text.endswith("Edited.") and edited.notes and not edited.problems


def test_writes_are_atomic(tmp_path, monkeypatch):
    store = SourceStore(tmp_path)
    path = store.put(record())
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", explode)
    with pytest.raises(OSError):
        store.put(record(text="new text"))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]   # no temporary file left behind


def test_text_record_wins_over_unavailable_alias(tmp_path):
    store = SourceStore(tmp_path)
    store.put(SourceRecord(key="url:https://pubmed.ncbi.nlm.nih.gov/36900001", status="unavailable",
                           error={"kind": "timeout", "message": "timed out"}))
    store.put(record())
    assert SourceStore(tmp_path).get("pmid:36900001").has_text


def test_file_names_are_safe_and_distinct():
    assert file_name("doi:10.1186/s40359-024-02336-x") == "doi-10.1186-s40359-024-02336-x.json"
    a = file_name("url:https://example.org/a?b=1")
    b = file_name("url:https://example.org/a?b=2")
    assert a != b and "/" not in a and a.endswith(".json")
    assert len(file_name("url:https://example.org/" + "x" * 500)) < 120


def test_cache_dir_option_then_environment_then_default(monkeypatch, tmp_path):
    monkeypatch.delenv("VERIFIER_CACHE_DIR", raising=False)
    assert str(default_cache_dir()) == "cache"
    monkeypatch.setenv("VERIFIER_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path
    assert str(default_cache_dir("elsewhere")) == "elsewhere"


def test_a_store_is_in_use_once_it_holds_a_record_file_even_an_unreadable_one(tmp_path):
    folder = tmp_path / "sources"
    store = SourceStore(folder)
    assert not store.in_use()                       # no folder yet
    folder.mkdir()
    (folder / "notes.txt").write_text("not a record", encoding="utf-8")
    assert not SourceStore(folder).in_use()
    (folder / "doi-10.1-x.json").write_text("{broken", encoding="utf-8")
    assert SourceStore(folder).in_use()
    store = SourceStore(tmp_path / "other")
    store.records()
    store.put(record())
    assert store.in_use()


def test_records_get_the_mode_any_new_file_gets_not_owner_only(tmp_path):
    path = SourceStore(tmp_path).put(record())
    other = tmp_path / "any-new-file"
    other.touch()
    assert path.stat().st_mode & 0o777 == other.stat().st_mode & 0o777
