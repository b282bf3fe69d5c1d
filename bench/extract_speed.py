"""Speed of the claim extractor, ``verifier.nlp.analyse``, on the 1 MB benchmark corpus.

Usage:
    python bench/extract_speed.py [--runs 3] [--mb 1.0]
    python bench/extract_speed.py --dump FILE      # every sentence and claim, as JSON

The timing is the median of several runs of ``analyse`` over every prose block of the
corpus (the texts ``build_documents`` sends it), with spaCy's tokenizer alone over the
same blocks measured in the same run as a baseline, since these machines are noisy.

``--dump`` writes the sentences and claims of every block of the corpus and of
``examples/*.md`` to FILE, then those of a few thousand texts glued at random (fixed
seed) from pieces of statistics, markup and sentence ends, where edge cases live (sorted
keys, one stable layout): diff two dumps to check that a change to the extractor leaves
its output byte-identical. Nothing here is asserted by tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from corpus import build  # noqa: E402

from verifier.markdown import parse  # noqa: E402


def prose_blocks(path: Path) -> list[str]:
    """The texts ``build_documents`` sends to ``analyse`` for one file."""
    text = path.read_text(encoding="utf-8-sig")
    result = parse(text, markdown=not path.name.lower().endswith(".txt"))
    return [
        result.prose[block.start:block.end]
        for block in result.blocks
        if block.is_prose and block.kind != "reference_definition"
    ]


def corpus_files(megabytes: float, workdir: Path) -> list[Path]:
    return build(workdir / "corpus", int(megabytes * 1_000_000))


def median_time(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(texts: list[str], runs: int) -> None:
    from verifier.nlp import analyse, get_nlp

    nlp = get_nlp()
    size = sum(len(t.encode("utf-8")) for t in texts) / 1_000_000
    analyse(["Approximately 45% of 36 participants improved after 3 months (p < 0.05)."])
    # The first pass meets every word for the first time, as `verifier check` does: spaCy
    # makes its lexemes, and the extractor's per-word tables fill up.
    cold = median_time(lambda: analyse(texts), 1)

    def tokenize_only() -> None:
        for _ in nlp.tokenizer.pipe(texts, batch_size=64):
            pass

    tokenizer = median_time(tokenize_only, runs)
    full = median_time(lambda: analyse(texts), runs)
    print(f"blocks: {len(texts)}, {size:.2f} MB of prose; median of {runs} runs")
    print(f"tokenizer only: {tokenizer:.2f} s ({size / tokenizer:.2f} MB/s)")
    print(f"analyse:        {full:.2f} s ({size / full:.2f} MB/s); {full / tokenizer:.1f}x the tokenizer")
    print(f"analyse, first pass in the process: {cold:.2f} s ({size / cold:.2f} MB/s)")


# Pieces of health prose and of what trips tokenizers and sentence splitters.
_PIECES = [
    "0", "1", "7", "45", "53.83", ".001", "1,014", "2020", "1e999", "5x10-8", " ", "  ", "\n",
    "\n\n", ".", ",", ";", ":", "%", "-", "–", "(", ")", "[", "]", "<", ">", "=", "≤", "±", "~",
    "...", "p", "P", "n", "N", "OR", "CI", "95% CI ", " p < ", "n = ", "twenty-one", "two-thirds",
    "half of the ", "one in ", " percent", " weeks", " patients", " times", "twice a week",
    "Fig. ", "e.g. ", "et al.", "J. ", "#", "Approximately ", "upwards of ", "from ", " to ",
    "mean ", "IQR ", "aOR=", "The ", "Patients ", " of ", " and ", "a third", " by ",
    " million ", "between ", "three ", " years", " per ", " a day", "2. ", "score ", "SD ",
]


def fuzz_texts(count: int, seed: int = 20240607) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 60))) for _ in range(count)]


def _rows(name: str, texts: list[str]) -> list[dict]:
    from verifier.nlp import analyse

    rows = []
    for index, result in enumerate(analyse(texts)):
        if result.sentences or result.claims:
            rows.append({
                "file": name,
                "block": index,
                "sentences": [list(s) for s in result.sentences],
                "claims": [dataclasses.asdict(c) for c in result.claims],
            })
    return rows


def dump(files: list[Path], target: Path, fuzz: int) -> None:
    out = []
    for path in files:
        out.extend(_rows(path.name, prose_blocks(path)))
    out.extend(_rows("fuzz", fuzz_texts(fuzz)))
    target.write_text(json.dumps(out, sort_keys=True, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    claims = sum(len(row["claims"]) for row in out)
    sentences = sum(len(row["sentences"]) for row in out)
    print(f"wrote {target}: {len(files)} files and {fuzz} random texts, {sentences} sentences, {claims} claims")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mb", type=float, default=1.0, help="corpus size in MB")
    parser.add_argument("--dump", type=Path, help="write every sentence and claim to this JSON file")
    parser.add_argument("--fuzz", type=int, default=5000, help="random texts in the dump")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="verifier-extract-") as workdir:
        files = corpus_files(args.mb, Path(workdir))
        if args.dump:
            dump(sorted((ROOT / "examples").glob("*.md")) + files, args.dump, args.fuzz)
            return
        texts = [t for path in files for t in prose_blocks(path)]
        bench(texts, args.runs)


if __name__ == "__main__":
    main()
