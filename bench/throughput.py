"""Throughput, per-file latency and cold start of `verifier check`, with baselines.

Usage: python bench/throughput.py [--runs 3] [--mb 1.0] [--jobs-mb 6.0]

Prints medians of several runs. The baselines are measured in the same run, since these
machines are noisy: `python -c "import spacy"` for cold start; for throughput, proselint
on the same corpus when it is installed, and the spaCy floor: a process that only imports
spaCy and tokenizes every draft with `spacy.blank("en")`, the least that any design
tokenizing with spaCy can cost; `--jobs 1` on a larger corpus for the speed-up of
`--jobs 2`. Runs of a command and its baselines are interleaved so all see the same
load. Nothing here is asserted by tests.
"""

from __future__ import annotations

import argparse
import compileall
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import DIGEST, build, size_of  # noqa: E402

VERIFIER = [sys.executable, "-m", "verifier"]
# What any design that tokenizes drafts with spaCy pays before doing anything else.
SPACY_FLOOR = """
import sys
from pathlib import Path
import spacy
nlp = spacy.blank("en")
for _ in nlp.pipe(p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("*.md"))):
    pass
"""


def compile_bytecode() -> None:
    """Write verifier's bytecode, as ``pip install`` does for spaCy's (the baseline).

    An editable install writes it on the first run, unless PYTHONDONTWRITEBYTECODE is set
    (as on some CI and sandbox images): then every run would compile verifier's source
    again, some 0.08 s that no installed copy pays.
    """
    import verifier
    import verifier.rules

    for folder in (*verifier.__path__, *verifier.rules.__path__):
        compileall.compile_dir(folder, quiet=1)


def timed(command: list[str], runs: int) -> float:
    """Median wall time of a command, in seconds."""
    return interleaved([command], runs)[0]


def interleaved(commands: list[list[str]], runs: int) -> list[float]:
    """Median wall time of each command, running them in turn so each sees the same load."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, own in zip(commands, times):
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            own.append(time.perf_counter() - start)
    return [statistics.median(own) for own in times]


def result_cache_runs(corpus: Path, cache: Path, runs: int) -> tuple[float, float]:
    """Medians of a first run into an empty cache and of the unchanged re-run after it,
    taken in turn, so both see the same load."""
    check = VERIFIER + ["check", "--cache-dir", str(cache), "--format", "json", str(corpus)]
    firsts, agains = [], []
    for _ in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        firsts.append(timed(check, 1))
        agains.append(timed(check, 1))
    return statistics.median(firsts), statistics.median(agains)


def per_file_latency(files: list[Path], sample: int = 200) -> tuple[float, float]:
    """Median and 95th-percentile time to check one file in a warm process."""
    from verifier.document import build_documents
    from verifier.engine import run_rules
    from verifier.settings import Settings

    settings = Settings()
    build_documents([("warm.md", DIGEST.read_text(encoding="utf-8"))])
    times = []
    for path in files[:sample]:
        text = path.read_text(encoding="utf-8")
        start = time.perf_counter()
        run_rules(build_documents([(str(path), text)]), settings)
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mb", type=float, default=1.0, help="corpus size in MB")
    parser.add_argument("--jobs-mb", type=float, default=6.0, help="size of the corpus for --jobs, in MB")
    args = parser.parse_args()

    compile_bytecode()
    workdir = Path(tempfile.mkdtemp(prefix="verifier-bench-"))
    try:
        corpus = workdir / "corpus"
        files = build(corpus, int(args.mb * 1_000_000))
        megabytes = size_of(files) / 1_000_000
        print(f"corpus: {len(files)} drafts, {megabytes:.2f} MB (sample digest + Check-COVID abstracts)")

        cold, spacy_import = interleaved([VERIFIER + ["check", "--no-cache", str(DIGEST)],
                                          [sys.executable, "-c", "import spacy"]], args.runs + 4)
        print(f"cold start: verifier check on the digest {cold:.2f} s; python -c 'import spacy' {spacy_import:.2f} s; "
              f"difference {cold - spacy_import:+.2f} s")

        proselint = _proselint_command([str(p) for p in files])
        throughput = interleaved([VERIFIER + ["check", "--no-cache", "--jobs", "1", "--format", "json", str(corpus)],
                                  [sys.executable, "-c", SPACY_FLOOR, str(corpus)],
                                  *([proselint] if proselint else [])], args.runs)
        one_job, floor = throughput[:2]
        print(f"throughput, 1 process: {megabytes / one_job:.2f} MB/s ({one_job:.2f} s)")
        print(f"spaCy floor (import spaCy, tokenize every draft, nothing else): {floor:.2f} s")
        if proselint:
            baseline = throughput[2]
            print(f"proselint on the same corpus: {megabytes / baseline:.2f} MB/s ({baseline:.2f} s); "
                  f"verifier (1 process) is {baseline / one_job:.2f}x its speed; 3x would leave {baseline / 3:.2f} s, "
                  f"of which the spaCy floor alone takes {100 * floor / (baseline / 3):.0f}%")
        else:
            print("proselint: not installed (pip install proselint) - no baseline ratio")

        large = workdir / "large"
        large_mb = size_of(build(large, int(args.jobs_mb * 1_000_000))) / 1_000_000
        serial, parallel = interleaved([VERIFIER + ["check", "--no-cache", "--jobs", str(jobs), "--format", "json", str(large)]
                                        for jobs in (1, 2)], args.runs)
        print(f"--jobs on {large_mb:.1f} MB: 1 process {large_mb / serial:.2f} MB/s ({serial:.2f} s), "
              f"2 processes {large_mb / parallel:.2f} MB/s ({parallel:.2f} s); speed-up {serial / parallel:.2f}x")

        first, again = result_cache_runs(corpus, workdir / "cache", args.runs)
        print(f"result cache: first run {first:.2f} s, unchanged re-run {again:.2f} s ({100 * again / first:.1f}%)")

        median, p95 = per_file_latency(files)
        print(f"per-file latency (warm): median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _proselint_command(paths: list[str]) -> list[str] | None:
    """proselint over the given files, when it is installed (beside this Python or on PATH)."""
    beside = Path(sys.executable).with_name("proselint")
    proselint = str(beside) if beside.exists() else shutil.which("proselint")
    if not proselint:
        return None
    has_check = " check" in subprocess.run([proselint, "--help"], capture_output=True, text=True).stdout
    return [proselint, "check", *paths] if has_check else [proselint, *paths]


if __name__ == "__main__":
    main()
