"""Writing a user's file: all of it or none of it, whatever the disk does."""

from __future__ import annotations

import errno
import os

import pytest

from conftest import EXAMPLES
from verifier.cli import main
from verifier.files import replacing

DIGEST = EXAMPLES / "music-therapy-digest.md"


class FullDiskStream:
    """The temporary file on a full disk: it opens, and the first write fails."""

    def __init__(self, handle, *args, **kwargs):
        self.handle = handle

    def fileno(self):
        return self.handle

    def write(self, text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.handle)


def test_a_failure_half_way_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("yesterday's report\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with replacing(target) as stream:
            stream.write("half of today's")
            raise RuntimeError("the reporter broke")
    assert target.read_text(encoding="utf-8") == "yesterday's report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


@pytest.mark.parametrize("durable, synced", [(True, 1), (False, 0)])
def test_only_durable_files_wait_for_the_disk(tmp_path, monkeypatch, durable, synced):
    calls = []
    monkeypatch.setattr(os, "fsync", calls.append)
    with replacing(tmp_path / "out.txt", durable=durable) as stream:
        stream.write("all of it\n")
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "all of it\n"
    assert len(calls) == synced


def test_the_mode_of_the_file_replaced_is_kept_and_a_new_file_gets_the_usual_one(tmp_path):
    private = tmp_path / "private.json"
    private.write_text("{}", encoding="utf-8")
    private.chmod(0o600)
    with replacing(private) as stream:
        stream.write("[]")
    usual = tmp_path / "usual"
    usual.touch()
    with replacing(tmp_path / "new.json") as stream:
        stream.write("[]")
    assert private.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == usual.stat().st_mode & 0o777


def test_a_symbolic_link_keeps_pointing_at_the_file_it_names(tmp_path):
    (tmp_path / "shared").mkdir()
    real = tmp_path / "shared" / "baseline.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "baseline.json"
    link.symlink_to(real)
    with replacing(link) as stream:
        stream.write("new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_what_cannot_be_renamed_over_is_written_in_place():
    with replacing(os.devnull) as stream:
        stream.write("to nowhere")
    assert not os.path.isfile(os.devnull)


@pytest.mark.parametrize("option", ["--output-file", "--write-baseline"])
def test_a_full_disk_keeps_the_previous_file_and_says_so_in_one_line(tmp_path, capsys, monkeypatch, option):
    target = tmp_path / "out.json"
    target.write_text("the previous one\n", encoding="utf-8")
    monkeypatch.setattr(os, "fdopen", FullDiskStream)
    code = main(["check", "--no-cache", "--format", "json", option, str(target), str(DIGEST)])
    err = capsys.readouterr().err
    assert code == 2 and "No space left on device" in err and len(err.strip().splitlines()) == 1
    assert target.read_text(encoding="utf-8") == "the previous one\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
