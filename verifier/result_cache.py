"""The result cache: a run whose inputs have not changed is answered from disk.

The key covers everything a run's findings depend on: each draft's path and content, the
settings in force for it, the working directory, the baseline, the source store's
records, and verifier's own code. A hit loads no language pipeline at all. Entries live
in ``<cache-dir>/results/``, one JSON file each, with the reports printed from them
beside it (a format, colour and detail each): the same command run again prints its
report as it was, and another format is rendered from the entry. The folder is safe to
delete, and a cache that cannot be read or written is skipped, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from stat import S_ISREG
from typing import Iterable, Iterator, Sequence

from verifier import __version__
from verifier.files import TEMPORARY_PREFIX, replacing
from verifier.model import Diagnostic

FORMAT = 2
KEEP_ENTRIES = 64
_CODE_ROOTS = ("verifier", "verifier.rules")


def code_stamp() -> str:
    """Size and modification time of verifier's own modules: editing a rule empties the cache."""
    import importlib

    parts = [__version__]
    for name in _CODE_ROOTS:
        package = importlib.import_module(name)
        for folder in package.__path__:
            for root, _dirs, files in os.walk(folder):
                for file in sorted(files):
                    if file.endswith((".py", ".toml")):
                        stat = os.stat(os.path.join(root, file))
                        parts.append(f"{file}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def folder_stamp(folder: Path | None) -> str:
    """Names, sizes and times of the files in a folder (the source store), or "none"."""
    if folder is None or not folder.is_dir():
        return "none"
    entries = []
    for path in folder.iterdir():
        try:
            stat = path.stat()
        except OSError:   # gone since the folder was listed: a pull's temporary file
            continue
        if S_ISREG(stat.st_mode):
            entries.append((path.name, stat.st_size, stat.st_mtime_ns))
    return hashlib.sha256(repr(sorted(entries)).encode()).hexdigest()


def run_key(drafts: Sequence[tuple[str, str]], settings: Sequence[object], extra: Sequence[str]) -> str:
    """The key of one run: drafts in order with their settings, plus anything else that matters."""
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\x00{code_stamp()}\x00".encode())
    # The drafts of a folder share one settings object: serialise each object once.
    serialised: dict[int, bytes] = {}
    for (path, text), chosen in zip(drafts, settings):
        digest.update(path.encode("utf-8", "surrogatepass") + b"\x00")
        digest.update(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
        if id(chosen) not in serialised:
            serialised[id(chosen)] = json.dumps(asdict(chosen), sort_keys=True, default=str).encode() + b"\x00"
        digest.update(serialised[id(chosen)])
    for item in extra:
        digest.update(item.encode() + b"\x00")
    return digest.hexdigest()


class ResultCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, key: str) -> dict | None:
        try:
            with open(self.folder / f"{key}.json", encoding="utf-8") as handle:
                entry = json.load(handle)
            lines = entry.pop("lines")
            for record in entry["diagnostics"]:
                record["source_line"] = lines[record["source_line"]]
            entry["diagnostics"] = [Diagnostic.from_record(d) for d in entry["diagnostics"]]
            return entry
        except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
            return None

    def store(self, key: str, diagnostics: list[Diagnostic], **counts) -> None:
        """Write atomically; on any failure (read-only or full disk) the run simply is not cached.

        Written a finding at a time with the C encoder: ``json.dump`` of the whole entry runs
        the pure-Python encoder, and copying every finding to a dict first doubled a large
        library's peak memory. Each quoted source line is written once, in ``lines``: the
        findings of a paragraph all quote it, and the copies were three quarters of an
        entry (and of the time to read it back)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                # Like .ruff_cache: a pre-commit run must not leave untracked files in a drafts repository.
                ignore.write_text("# written by verifier: the result cache is never committed\n*\n", encoding="utf-8")
            lines: dict[str, int] = {}
            with replacing(self.folder / f"{key}.json", durable=False) as out:
                out.write('{"diagnostics": [')
                for index, diagnostic in enumerate(diagnostics):
                    record = diagnostic_to_dict(diagnostic)
                    record["source_line"] = lines.setdefault(diagnostic.source_line, len(lines))
                    out.write((", " if index else "") + json.dumps(record))
                out.write('], "lines": ' + json.dumps(list(lines)))
                out.write(", " + json.dumps(counts)[1:] if counts else "}")
            self._prune()
        except OSError:
            pass   # not cached; ``replacing`` has removed its temporary file

    def load_report(self, key: str, shape: str) -> tuple[bool, str] | None:
        """A report this run already printed, in this format and shape (``report_shape``),
        and whether it failed; None when there is none."""
        try:
            with open(self._report_path(key, shape), encoding="utf-8", newline="") as handle:
                header = handle.readline()
                text = handle.read()
        except (OSError, ValueError):
            return None
        if header not in (_REPORT_FAILING, _REPORT_PASSING):
            return None
        return header == _REPORT_FAILING, text

    def recording(self, key: str, shape: str, failing: bool, pieces: Iterable[str]) -> Iterator[str]:
        """The pieces of a report, passed on as they are, and kept for ``load_report``.

        Written beside the entry as the report is printed, so a large library's report is
        never held whole; a report that could not be written whole is not kept."""
        copy = _Copy(self.folder)
        copy.write(_REPORT_FAILING if failing else _REPORT_PASSING)
        complete = False
        try:
            for piece in pieces:
                copy.write(piece)
                yield piece
            complete = True
        finally:
            if complete:
                copy.keep(self._report_path(key, shape))
            else:
                copy.drop()

    def _report_path(self, key: str, shape: str) -> Path:
        return self.folder / f"{key}.{hashlib.sha256(shape.encode()).hexdigest()[:16]}.report"

    def _prune(self) -> None:
        entries = sorted((p for p in self.folder.glob("*.json") if not p.name.startswith(TEMPORARY_PREFIX)),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP_ENTRIES:]:
            old.unlink(missing_ok=True)
        kept = {entry.stem for entry in entries[:KEEP_ENTRIES]}
        for report in self.folder.glob("*.report"):
            if report.name.split(".", 1)[0] not in kept:
                report.unlink(missing_ok=True)


_REPORT_FAILING = "verifier report: failing\n"
_REPORT_PASSING = "verifier report: passing\n"


def report_shape(output_format: str, color: bool, quiet: bool, statistics: bool) -> str:
    """What, besides a run's findings, shapes the report it prints."""
    return json.dumps([output_format, color, quiet, statistics])


class _Copy:
    """A temporary file in the cache that gives up, silently, at its first error: the cache
    may be read-only or full, and that never fails a run."""

    def __init__(self, folder: Path) -> None:
        try:
            handle, self.temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
            self.out = os.fdopen(handle, "w", encoding="utf-8", newline="")
        except OSError:
            self.out = None

    def write(self, text: str) -> None:
        if self.out is not None:
            try:
                self.out.write(text)
            except (OSError, ValueError):   # a full disk; text the encoding cannot hold
                self.drop()

    def keep(self, path: Path) -> None:
        if self.out is not None:
            try:
                self.out.close()
                os.replace(self.temporary, path)
            except OSError:
                self.drop()

    def drop(self) -> None:
        if self.out is not None:
            for step in (self.out.close, lambda: os.unlink(self.temporary)):
                try:
                    step()
                except OSError:
                    pass
            self.out = None


def diagnostic_to_dict(diagnostic: Diagnostic) -> dict:
    record = asdict(diagnostic)
    record["severity"] = diagnostic.severity.value
    return record
