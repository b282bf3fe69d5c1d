"""Build benchmark corpora of drafts from the shared sample and the Check-COVID abstracts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
DIGEST = SHARED / "samples" / "music-therapy-digest.md"
ABSTRACTS = SHARED / "benchmarks" / "check-covid" / "corpus.jsonl"


def abstracts() -> list[tuple[str, str]]:
    """(cord_id, Markdown draft) for every abstract: the title as a heading, then the text."""
    drafts = []
    with open(ABSTRACTS, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            body = " ".join(row["abstract"])
            drafts.append((row["cord_id"], f"# {row['title']}\n\n{body}\n"))
    return drafts


def build(target: Path, min_bytes: int = 1_000_000, digest_copies: int = 1) -> list[Path]:
    """Write the digest (``digest_copies`` times) and every abstract, repeating abstracts
    under new names until the corpus holds at least ``min_bytes``."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    files = []
    for copy in range(digest_copies):
        path = target / f"digest-{copy:03d}.md"
        shutil.copyfile(DIGEST, path)
        files.append(path)
    size = sum(p.stat().st_size for p in files)
    rows = abstracts()
    round_ = 0
    while size < min_bytes:
        for cord_id, text in rows:
            path = target / f"{cord_id}-{round_}.md"
            path.write_text(text, encoding="utf-8")
            files.append(path)
            size += len(text.encode("utf-8"))
            if size >= min_bytes:
                break
        round_ += 1
    return files


def size_of(files: list[Path]) -> int:
    return sum(p.stat().st_size for p in files)
