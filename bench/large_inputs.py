"""Time and peak memory of `verifier` on a 50 MB draft and on a 20 MB corpus of drafts.

Usage: python bench/large_inputs.py [--draft-mb 50] [--corpus-mb 20] [--timeout 3600]
                                    [--only draft|corpus] [--jobs N] [--command check|claims|read]

The draft is the shared sample digest followed by Check-COVID abstracts (each a heading
and a paragraph), repeated until the file holds ``--draft-mb`` MB; the corpus is
bench/corpus.py's (the digest and every abstract as its own file, repeated under new
names). Each run is `verifier check --no-cache --format json` in its own process.

Two memory figures: peak RSS of the largest single process (getrusage of the children,
what /usr/bin/time reports) and the peak of the whole process tree, sampled every 50 ms
(worker processes share pages with their parent after fork, so the sum overstates what
the machine spends). ``--command read`` measures the reading stages alone: every draft
read and built into a Document (Markdown, citations, sentences, claims) in one process,
no rules, no report; ``claims`` runs `verifier claims`. Nothing here is asserted by tests.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import DIGEST, abstracts, build, size_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# Run in a child so getrusage(RUSAGE_CHILDREN) sees this one command only.
_MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
try:
    code = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          timeout=float(sys.argv[1])).returncode
    error = ""
except subprocess.TimeoutExpired:
    code, error = None, "timed out"
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"code": code, "seconds": seconds, "peak": peak, "error": error}))
"""

# The reading stages only, as `verifier check` runs them in one process.
_READ = r"""
import sys
from verifier.cli import load_drafts
from verifier.document import build_documents
drafts = load_drafts(sys.argv[1:], None)
documents = build_documents([(d.path, d.text) for d in drafts])
print(len(documents), sum(len(d.claims) for d in documents))
"""


def write_draft(path: Path, megabytes: float) -> int:
    """One draft: the digest, then abstracts as sections until it holds ``megabytes`` MB."""
    target = int(megabytes * 1_000_000)
    rows = abstracts()
    size = 0
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(DIGEST.read_text(encoding="utf-8") + "\n")
        size = handle.tell()
        while size < target:
            for _, text in rows:
                handle.write(text + "\n")
                size += len(text.encode("utf-8")) + 1
                if size >= target:
                    break
    return path.stat().st_size


def _tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * page
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(command: list[str], timeout: float) -> dict:
    """Run a command; wall time, exit code, peak RSS of one process and of the process tree."""
    process = subprocess.Popen([sys.executable, "-c", _MEASURE, str(timeout), *command],
                               stdout=subprocess.PIPE, text=True, cwd=ROOT)
    tree_peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal tree_peak
        while not done.is_set():
            if os.path.isdir("/proc"):
                tree_peak = max(tree_peak, _tree_rss(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    done.set()
    sampler.join()
    result = json.loads(out.strip().splitlines()[-1])
    result["tree_peak"] = tree_peak
    return result


def report(label: str, megabytes: float, result: dict) -> None:
    if result["code"] is None:
        outcome = f"did not finish in {result['seconds']:.0f} s"
    else:
        outcome = f"exit {result['code']}, {result['seconds']:.1f} s ({megabytes / result['seconds']:.2f} MB/s)"
    print(f"{label}: {outcome}; peak RSS {result['peak'] / 1e6:.0f} MB (largest process), "
          f"{result['tree_peak'] / 1e6:.0f} MB (process tree)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draft-mb", type=float, default=50.0)
    parser.add_argument("--corpus-mb", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed for each run")
    parser.add_argument("--only", choices=["draft", "corpus"])
    parser.add_argument("--jobs", type=int, help="--jobs for verifier (default: its own)")
    parser.add_argument("--command", choices=["check", "claims", "read"], default="check")
    args = parser.parse_args()

    if args.command == "read":
        verifier = [sys.executable, "-c", _READ]
    else:
        verifier = [sys.executable, "-m", "verifier", args.command]
        verifier += ["--no-cache"] if args.command == "check" else []
        verifier += ["--format", "json", "--output-file", os.devnull]
        if args.jobs and args.command == "check":
            verifier += ["--jobs", str(args.jobs)]
    baseline = measure([sys.executable, "-c", "import verifier.nlp; verifier.nlp.get_nlp()"], args.timeout)
    print(f"baseline (import and build the spaCy pipeline): {baseline['seconds']:.1f} s, "
          f"peak RSS {baseline['peak'] / 1e6:.0f} MB", flush=True)

    with tempfile.TemporaryDirectory(prefix="verifier-large-") as workdir:
        if args.only in (None, "draft"):
            draft = Path(workdir) / "large-draft.md"
            megabytes = write_draft(draft, args.draft_mb) / 1_000_000
            report(f"{args.command}, one {megabytes:.1f} MB draft", megabytes,
                   measure(verifier + [str(draft)], args.timeout))
            draft.unlink()
        if args.only in (None, "corpus"):
            files = build(Path(workdir) / "corpus", int(args.corpus_mb * 1_000_000))
            megabytes = size_of(files) / 1_000_000
            report(f"{args.command}, corpus of {len(files)} drafts, {megabytes:.1f} MB", megabytes,
                   measure(verifier + [str(Path(workdir) / "corpus")], args.timeout))


if __name__ == "__main__":
    main()
