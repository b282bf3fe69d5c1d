"""Writing a user's file so that a failure never leaves it half-written.

A report (``-o``), a baseline (``--write-baseline``, ``--prune-baseline``) and a source
record are written to a temporary file beside the target and renamed over it once
complete: a full or read-only disk, or an error half-way, leaves the old file as it was.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from stat import S_IMODE, S_ISREG
from typing import Iterator, TextIO

# A file being written; readers of a folder skip names with this prefix.
TEMPORARY_PREFIX = ".tmp-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import, in the main thread: os.umask can only be read by setting it, and
# `sources pull` writes records from several threads.
NEW_FILE_MODE = 0o666 & ~_umask()


@contextmanager
def replacing(path: str | os.PathLike, newline: str | None = None, durable: bool = True) -> Iterator[TextIO]:
    """A UTF-8 text stream whose content replaces ``path`` once all of it is written.

    ``durable`` files (a baseline, a source record) reach the disk before the rename, so
    a power cut leaves the old file or the new one; a report, written again by every run,
    is spared the wait (0.12 s here, most of a run answered from the result cache).

    The new file keeps the mode of the one it replaces (a new one gets the mode any new
    file gets, not ``mkstemp``'s owner-only 0600), and a symbolic link keeps pointing at
    it. Where there is nothing to rename over (``/dev/stdout``, a pipe) it is written in
    place. Raises :class:`OSError` as ``open`` would.
    """
    target = Path(os.path.realpath(path))
    try:
        status = os.stat(target)
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    else:
        if not S_ISREG(status.st_mode):
            with open(target, "w", encoding="utf-8", newline=newline) as stream:
                yield stream
            return
        mode = S_IMODE(status.st_mode)
    handle, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as stream:
            os.fchmod(stream.fileno(), mode)
            yield stream
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
