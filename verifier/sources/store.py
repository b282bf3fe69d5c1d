"""The source store: one human-readable JSON record per source, under ``<cache>/sources/``.

Records are safe to commit, so CI checks drafts offline against exactly the text the editor
reviewed. Writes are atomic (a temporary file, then ``os.replace``). A record that cannot be
read is reported in :attr:`SourceStore.problems` and treated as missing, so the next pull
fetches it again; it never stops a check.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from verifier.files import TEMPORARY_PREFIX, replacing
from verifier.sources.ids import canonical, kind_of, normalise_url, targets_of

SCHEMA = 1
DEFAULT_DIR = "cache"
ENV_DIR = "VERIFIER_CACHE_DIR"

# Retraction statuses that make a source unusable (retracted-source reports them).
RETRACTED = {"retracted", "withdrawn", "removed"}


@dataclass
class SourceRecord:
    """What verifier knows of one source.

    ``status`` is ``ok`` (resolved; ``text`` may still be empty when only metadata could be
    had) or ``unavailable`` (``error`` says why: ``not_found``, ``gone``, ``dns``,
    ``timeout``, ``refused``...). ``retraction`` is None or ``{"status": "retracted" |
    "withdrawn" | "concern" | "corrected", "source": ..., "notices": [...]}``.
    """

    key: str
    ids: dict[str, str] = field(default_factory=dict)
    url: str = ""
    title: str = ""
    year: int | None = None
    container: str = ""
    authors: list[str] = field(default_factory=list)
    text: str = ""
    text_kind: str = ""          # "full text", "abstract", "page", "attached", "" (none)
    sections: list[list] = field(default_factory=list)   # [offset, title] pairs
    retraction: dict | None = None
    status: str = "ok"
    error: dict | None = None
    obtained: str = ""           # how: "europepmc fullTextXML", "eutils efetch pubmed", "attached paper.pdf"...
    fetched_at: str = ""
    content_hash: str = ""
    schema: int = SCHEMA

    def __post_init__(self) -> None:
        if not self.fetched_at:
            self.fetched_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        self.content_hash = "sha256:" + hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def targets(self) -> list[str]:
        found = [canonical(self.key)]
        for target in targets_of(self.ids):
            if target not in found:
                found.append(target)
        return found

    @property
    def retracted(self) -> bool:
        return bool(self.retraction and self.retraction.get("status") in RETRACTED)

    @property
    def has_text(self) -> bool:
        return self.status == "ok" and bool(self.text.strip())

    @property
    def label(self) -> str:
        """How messages name the source: its title when known, else its key."""
        return self.title or self.key

    def to_json(self) -> str:
        self.content_hash = "sha256:" + hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        data = asdict(self)
        # Text last, so the metadata reads first in a diff or an editor.
        text = data.pop("text")
        data["text"] = text
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict) -> "SourceRecord":
        if not isinstance(data, dict) or not isinstance(data.get("key"), str):
            raise ValueError("not a source record (no key)")
        if data.get("schema", SCHEMA) > SCHEMA:
            raise ValueError(f"written by a newer verifier (schema {data.get('schema')})")
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known and k not in {"content_hash"}}
        for name, kind in (("ids", dict), ("authors", list), ("sections", list)):
            if name in values and not isinstance(values[name], kind):
                raise ValueError(f"{name} is not a {kind.__name__}")
        for name in ("text", "title", "url", "status", "key"):
            if name in values and not isinstance(values[name], str):
                raise ValueError(f"{name} is not a string")
        record = cls(**values)
        record.stored_hash = data.get("content_hash") or record.content_hash
        return record


def default_cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """``--cache-dir``, else ``$VERIFIER_CACHE_DIR``, else ``cache/`` in the working directory."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get(ENV_DIR) or DEFAULT_DIR)


def file_name(key: str) -> str:
    """A readable, safe, stable file name for a record: ``doi-10.1186-s40359-024-02336-x.json``."""
    kind = kind_of(key)
    value = key.split(":", 1)[1] if ":" in key else key
    if kind == "url":
        value = re.sub(r"^https?://(?:www\.)?", "", value)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-.")
    slug = slug[:80].rstrip("-.")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    prefix = kind if kind != "other" else "source"
    # Identifiers are unique as written; URLs and truncated slugs get a hash to stay distinct.
    if kind in {"doi", "pmid", "pmcid"} and len(value) <= 80 and slug == re.sub(r"[/:]", "-", value):
        return f"{prefix}-{slug}.json"
    return f"{prefix}-{slug}-{digest}.json"


class SourceStore:
    """Source records on disk (one folder of JSON files), looked up by any target they answer to."""

    @classmethod
    def in_cache(cls, cache_dir: str | os.PathLike | None = None) -> "SourceStore":
        """The store of a cache directory: ``<cache>/sources/``."""
        return cls(default_cache_dir(cache_dir) / "sources")

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.problems: list[str] = []
        self.notes: list[str] = []
        self._by_target: dict[str, SourceRecord] | None = None
        self._paths: dict[str, Path] = {}

    # -- reading ---------------------------------------------------------------------------
    def _load(self) -> dict[str, SourceRecord]:
        if self._by_target is not None:
            return self._by_target
        self._by_target = {}
        self.problems = []
        self.notes = []
        for path in self._record_files():
            record = self._read(path)
            if record is None:
                continue
            self._paths[record.key] = path
            for target in record.targets:
                # A full record wins over an unavailable one for a shared alias.
                existing = self._by_target.get(target)
                if existing is None or (not existing.has_text and record.has_text):
                    self._by_target[target] = record
        return self._by_target

    def _record_files(self) -> Iterator[Path]:
        """The record files, in name order. A temporary file left by a write that was cut
        off is not one: the record it was replacing is intact, and its name is another."""
        if self.folder.is_dir():
            yield from sorted(p for p in self.folder.glob("*.json") if not p.name.startswith(TEMPORARY_PREFIX))

    def _read(self, path: Path) -> SourceRecord | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            record = SourceRecord.from_dict(data)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError, TypeError) as error:
            reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
            self.problems.append(f"{path}: corrupt source record ({reason}); it will be fetched again")
            return None
        if getattr(record, "stored_hash", record.content_hash) != record.content_hash:
            # Edited by hand: the text is used as it stands, but say so once.
            self.notes.append(f"{path}: text differs from its content hash (edited by hand?); using it as it is")
        return record

    def get(self, target: str) -> SourceRecord | None:
        """The record for a citation target (any of its identifiers or URL), or None."""
        records = self._load()
        key = canonical(target)
        found = records.get(key)
        if found is None and kind_of(target) == "url":
            found = records.get(f"url:{normalise_url(target.split(':', 1)[1])}")
        return found

    def in_use(self) -> bool:
        """Whether anyone has pulled or attached a source here: a record file, even an
        unreadable one. Against a store not in use, every source rule is silent."""
        return next(self._record_files(), None) is not None

    def __contains__(self, target: str) -> bool:
        return self.get(target) is not None

    def tracks(self, target: str) -> bool:
        """Whether anyone has pulled or attached this source: a record, even an unreadable one."""
        return self.get(target) is not None or (self.folder / file_name(canonical(target))).exists()

    def records(self) -> list[SourceRecord]:
        """Every readable record once, by key."""
        unique = {id(r): r for r in self._load().values()}
        return sorted(unique.values(), key=lambda r: r.key)

    def __iter__(self) -> Iterator[SourceRecord]:
        return iter(self.records())

    # -- writing ---------------------------------------------------------------------------
    def path_for(self, record: SourceRecord) -> Path:
        return self._paths.get(record.key) or self.folder / file_name(canonical(record.key))

    def ensure_writable(self) -> None:
        """Raise :class:`OSError` now, before anything is fetched, when records cannot be
        written here: a read-only or full disk, or a file where the folder should be."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".probe-", dir=self.folder)
        os.close(handle)
        os.unlink(probe)

    def put(self, record: SourceRecord) -> Path:
        """Write a record atomically and index it under all its targets."""
        path = self.path_for(record)
        self.folder.mkdir(parents=True, exist_ok=True)
        with replacing(path, newline="\n") as stream:
            stream.write(record.to_json())
        records = self._load()
        self._paths[record.key] = path
        stale = [t for t, r in records.items() if r.key == record.key]
        for target in stale:
            del records[target]
        for target in record.targets:
            existing = records.get(target)
            if existing is None or existing.key == record.key or record.has_text or not existing.has_text:
                records[target] = record
        return path
