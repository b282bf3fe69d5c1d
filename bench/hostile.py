"""How `verifier check` grows on hostile drafts: one file with many of the same thing.

Usage: python bench/hostile.py [--sizes 1000,2000,4000] [--only NAME] [--timeout 600]

Each shape is one draft holding N copies of something a real draft holds a few of: figures
in one paragraph, one measure restated in paragraph after paragraph, study sizes under one
citation, an effect said to be undocumented and asserted again and again, numbered
references, a paragraph pasted again and again. Rules that compare a draft's claims or
passages with each other must block candidates within a draft as they do across drafts, or
such a file takes minutes. Prints the time of `verifier check --no-cache --jobs 1 --format
json` per size and the growth per doubling (2.0x is linear; 4.0x is quadratic). Nothing here is
asserted by tests.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable


def figures_in_one_paragraph(n: int, rng: random.Random) -> str:
    return " ".join(f"{rng.randint(1, 99)}% improved (p < 0.0{rng.randint(1, 9)})," for _ in range(n)) + "\n"


def one_measure_restated(n: int, rng: random.Random) -> str:
    return "".join(f"In the trial, {rng.randint(1, 99)}% of patients with depression improved after music therapy.\n\n"
                   for _ in range(n))


def study_sizes_of_one_source(n: int, rng: random.Random) -> str:
    return "".join(f"The trial of {rng.randint(20, 900)} adults with anxiety found music therapy helped [1].\n\n"
                   for _ in range(n)) + "## References\n\n1. Smith J. Music therapy. J Music. 2020;1:1-10.\n"


def undocumented_effect_asserted(n: int, rng: random.Random) -> str:
    return ("The impact of music therapy on cortisol levels in teenagers is not well documented.\n\n"
            "Music therapy lowers cortisol levels in teenagers.\n\n") * (n // 2)


def numbered_references(n: int, rng: random.Random) -> str:
    cited = "".join(f"Music helped {rng.randint(1, 99)}% of people in trial {i} [{i}].\n\n" for i in range(1, n + 1))
    entries = "".join(f"{i}. Smith J, et al. Music therapy {i}. J Music. 2020;{i}(2):1-10. doi:10.5555/x.{i}\n"
                      for i in range(1, n + 1))
    return f"{cited}## References\n\n{entries}"


def pasted_paragraph(n: int, rng: random.Random) -> str:
    paragraph = ("Music therapy reduced depressive symptoms in 45% of participants after 12 weeks, "
                 "against 22% with usual care (doi:10.1192/bjp.bp.110.085431).\n\n")
    return paragraph * n


SHAPES: dict[str, Callable[[int, random.Random], str]] = {
    "figures-in-one-paragraph": figures_in_one_paragraph,
    "one-measure-restated": one_measure_restated,
    "study-sizes-of-one-source": study_sizes_of_one_source,
    "undocumented-effect-asserted": undocumented_effect_asserted,
    "numbered-references": numbered_references,
    "pasted-paragraph": pasted_paragraph,
}


def timed_check(path: Path, timeout: float) -> float | None:
    start = time.perf_counter()
    try:
        subprocess.run([sys.executable, "-m", "verifier", "check", "--no-cache", "--jobs", "1", "--format", "json",
                        str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,4000")
    parser.add_argument("--only", choices=sorted(SHAPES))
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="verifier-hostile-") as workdir:
        for name, make in SHAPES.items():
            if args.only and name != args.only:
                continue
            previous = None
            cells = []
            for n in sizes:
                path = Path(workdir) / f"{name}-{n}.md"
                path.write_text(make(n, random.Random(n)), encoding="utf-8")
                seconds = timed_check(path, args.timeout)
                if seconds is None:
                    cells.append(f"N={n}: over {args.timeout:.0f} s")
                    break
                growth = f" ({seconds / previous:.1f}x)" if previous else ""
                cells.append(f"N={n} ({path.stat().st_size / 1000:.0f} KB): {seconds:.2f} s{growth}")
                previous = seconds
            print(f"{name}: " + "; ".join(cells), flush=True)


if __name__ == "__main__":
    main()
