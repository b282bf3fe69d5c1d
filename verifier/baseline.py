"""Baselines: adopt verifier on an existing body of drafts without fixing everything first.

``--write-baseline FILE`` records today's findings by fingerprint: the rule, the file, and
the text the finding is about with its sentence, never its line number, so edits
elsewhere in a draft keep the entry matching. ``--baseline FILE`` hides the findings it
records and reports everything new. Entries for files that were checked but no longer
match anything are stale; ``--prune-baseline`` drops them.

The file is JSON, sorted by path and line so that its diffs are easy to review::

    {"version": 1, "findings": [{"fingerprint": "...", "code": "VS101",
      "rule": "unsourced-statistic", "path": "drafts/a.md", "line": 8, "message": "..."}]}
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from verifier.files import replacing
from verifier.model import Diagnostic

VERSION = 1


class BaselineError(Exception):
    """The baseline cannot be read or written; the message is one line naming the file."""


def canonical_path(path: str) -> str:
    """A path as fingerprints and baselines record it: relative to the working directory
    when inside it, with forward slashes, whichever way it was typed on the command line."""
    if path == "-" or path.startswith("<"):
        return path
    # Every finding's fingerprint asks for its file's path; the answer depends on the
    # working directory too, which a library caller may change between runs.
    return _canonical(os.getcwd(), path)


@lru_cache(maxsize=1 << 16)
def _canonical(_cwd: str, path: str) -> str:
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:   # another drive on Windows
        relative = absolute
    chosen = relative if not relative.startswith("..") else absolute
    return chosen.replace(os.sep, "/")


@dataclass
class Baseline:
    path: str
    entries: list[dict]
    hidden: int = 0
    matched: set[str] = field(default_factory=set)

    def filter(self, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        """The diagnostics the baseline does not record; counts what it hid."""
        known = Counter(entry["fingerprint"] for entry in self.entries)
        kept = []
        for diagnostic in diagnostics:
            if known[diagnostic.fingerprint] > 0:
                known[diagnostic.fingerprint] -= 1
                self.hidden += 1
                self.matched.add(diagnostic.fingerprint)
            else:
                kept.append(diagnostic)
        return kept

    def stale(self, checked_paths: list[str]) -> list[dict]:
        """Entries for files that were checked whose finding has gone (call after :meth:`filter`)."""
        checked = {canonical_path(p) for p in checked_paths}
        return [entry for entry in self.entries
                if entry.get("path") in checked and entry["fingerprint"] not in self.matched]

    def prune(self, stale: list[dict]) -> int:
        """Drop stale entries and rewrite the file; returns how many were dropped."""
        gone = {(entry.get("path"), entry["fingerprint"]) for entry in stale}
        kept = [entry for entry in self.entries if (entry.get("path"), entry["fingerprint"]) not in gone]
        _dump(self.path, kept)
        dropped = len(self.entries) - len(kept)
        self.entries = kept
        return dropped


def load(path: str) -> Baseline:
    try:
        with open(path, encoding="utf-8") as handle:
            payload = json.load(handle)
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such baseline file (create one with --write-baseline {path})") from None
    except OSError as error:
        raise BaselineError(f"{path}: cannot read baseline ({error.strerror or error})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: not a verifier baseline (invalid JSON: {error})") from None
    if not isinstance(payload, dict) or payload.get("version") != VERSION or not isinstance(payload.get("findings"), list):
        raise BaselineError(f"{path}: not a verifier baseline (expected version {VERSION} with a findings list)")
    entries = payload["findings"]
    if not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise BaselineError(f"{path}: not a verifier baseline (every finding needs a fingerprint)")
    return Baseline(path, entries)


def write(path: str, diagnostics: list[Diagnostic]) -> int:
    """Record these diagnostics as the baseline; returns how many were written."""
    entries = [
        {"fingerprint": d.fingerprint, "code": d.code, "rule": d.rule, "path": canonical_path(d.path),
         "line": d.line, "message": d.message}
        for d in diagnostics
    ]
    _dump(path, entries)
    return len(entries)


def _dump(path: str, entries: list[dict]) -> None:
    entries = sorted(entries, key=lambda e: (e.get("path", ""), e.get("line", 0), e.get("code", ""), e["fingerprint"]))
    text = json.dumps({"version": VERSION, "findings": entries}, indent=2, ensure_ascii=False) + "\n"
    try:
        with replacing(path) as stream:
            stream.write(text)
    except OSError as error:
        raise BaselineError(f"{path}: cannot write baseline ({error.strerror or error})") from None
