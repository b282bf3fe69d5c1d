"""Reading drafts from disk or stdin: one clear error per bad input, never a traceback."""

from __future__ import annotations

import os
from dataclasses import dataclass

DRAFT_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".txt")
_SKIPPED_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache"}
_BINARY_SNIFF = 8192
# No draft is this long; the cap stops a device or a runaway pipe named as a draft
# (/dev/zero) from filling memory. A 50 MB draft is checked.
MAX_DRAFT_BYTES = 200_000_000
# Byte-order marks of encodings other than UTF-8, longest first (UTF-32 LE starts like UTF-16 LE).
_OTHER_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"),
)


class InputError(Exception):
    """The input cannot be read; the message is one line, naming the file."""


class BinaryInput(Exception):
    """The input is not text; callers skip it with a note."""


@dataclass(frozen=True)
class Draft:
    path: str
    text: str


def decode(data: bytes, path: str) -> str:
    """Decode UTF-8 (with or without BOM), as ``open(encoding="utf-8-sig", newline="")`` would."""
    for bom, encoding in _OTHER_BOMS:
        if data.startswith(bom):
            raise InputError(f"{path}: {encoding} text; save it as UTF-8")
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise BinaryInput(f"{path}: skipped, binary file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(f"{path}: not valid UTF-8 at line {line} "
                         f"(byte {error.start}: {data[error.start:error.start + 1]!r})") from None


def read_draft(path: str) -> Draft:
    try:
        with open(path, "rb") as handle:
            data = _read_capped(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from None
    return draft_from_bytes(data, path)


def _read_capped(handle) -> bytes:
    """At most ``MAX_DRAFT_BYTES + 1`` bytes. A regular file is read by its size: asking
    for the cap outright makes Python allocate (and release) 200 MB per file, which took
    most of the time of reading a library of small drafts."""
    size = os.fstat(handle.fileno()).st_size
    if not 0 < size <= MAX_DRAFT_BYTES:   # a device, a pipe, procfs (size 0), or too large
        return handle.read(MAX_DRAFT_BYTES + 1)
    data = handle.read(size + 1)
    if len(data) > size:   # the file grew since fstat
        data += handle.read(MAX_DRAFT_BYTES + 1 - len(data))
    return data


def read_stream(stream, name: str) -> Draft:
    """A draft from a binary stream (stdin), under the same size cap as a file."""
    try:
        data = stream.read(MAX_DRAFT_BYTES + 1)
    except OSError as error:
        raise InputError(f"{name}: cannot read ({error.strerror or error})") from None
    return draft_from_bytes(data, name)


def draft_from_bytes(data: bytes, path: str) -> Draft:
    if len(data) > MAX_DRAFT_BYTES:
        raise InputError(f"{path}: larger than {MAX_DRAFT_BYTES // 1_000_000} MB; split it into smaller drafts")
    return Draft(path, decode(data, path))


def expand_paths(paths: list[str]) -> tuple[list[str], list[str]]:
    """Files to check, in a stable order, and directories that held no drafts.

    A file named explicitly is checked whatever its suffix; directories are walked for
    Markdown and plain-text drafts. A missing path raises :class:`InputError`.
    """
    files: list[str] = []
    empty_dirs: list[str] = []
    for raw in paths:
        if raw == "-":
            files.append(raw)
            continue
        if os.path.isdir(raw):
            found = sorted(_walk(raw))
            if not found:
                empty_dirs.append(raw)
            files.extend(found)
        elif os.path.exists(raw):
            files.append(raw)
        else:
            raise InputError(f"{raw}: no such file or directory")
    seen: set[str] = set()
    unique = []
    for f in files:
        if f not in seen:
            seen.add(f)
            unique.append(f)
    return unique, empty_dirs


def _walk(root: str):
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS and not d.startswith("."))
        for name in filenames:
            if name.lower().endswith(DRAFT_SUFFIXES):
                yield os.path.join(directory, name)
