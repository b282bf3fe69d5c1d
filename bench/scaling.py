"""How a whole-library run grows with the number of drafts (cross-document rules included).

Usage: python bench/scaling.py [--sizes 100,1000,10000] [--jobs 1]

Each draft is six sentences drawn (with a fixed seed) from the Check-COVID abstracts, so
drafts differ but share sentences, as drafts of one library do: the cross-document rules
have real work. Prints the time of `verifier check --no-cache` per size and the growth
against the previous size. The aim: ten times the drafts costs at most about twelve
times the time, which needs candidate blocking rather than comparing every pair.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import ABSTRACTS  # noqa: E402

import json  # noqa: E402


def sentences() -> list[str]:
    pool = []
    with open(ABSTRACTS, encoding="utf-8") as handle:
        for line in handle:
            pool.extend(s.strip() for s in json.loads(line)["abstract"] if len(s.split()) >= 6)
    return pool


def build(folder: Path, count: int, pool: list[str]) -> int:
    rng = random.Random(count)
    folder.mkdir(parents=True)
    size = 0
    for n in range(count):
        text = f"# Draft {n}\n\n" + " ".join(rng.sample(pool, 6)) + "\n"
        (folder / f"draft-{n:05d}.md").write_text(text, encoding="utf-8")
        size += len(text.encode())
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--jobs", default="1")
    args = parser.parse_args()
    pool = sentences()
    workdir = Path(tempfile.mkdtemp(prefix="verifier-scaling-"))
    previous = None
    try:
        for count in (int(s) for s in args.sizes.split(",")):
            folder = workdir / str(count)
            size = build(folder, count, pool)
            start = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "verifier", "check", "--no-cache", "--jobs", args.jobs,
                                     "--format", "json", str(folder)], capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            findings = json.loads(result.stdout)["summary"] if result.stdout.startswith("{") else {}
            growth = ""
            if previous:
                ratio = elapsed / previous[1]
                growth = f"; x{count / previous[0]:.0f} drafts took x{ratio:.1f} the time"
            print(f"{count:6d} drafts ({size / 1e6:.2f} MB): {elapsed:7.2f} s, "
                  f"{findings.get('by_rule', {}).get('duplicate-passage', 0)} cross-draft duplicates{growth}")
            previous = (count, elapsed)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
