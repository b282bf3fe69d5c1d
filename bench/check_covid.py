"""Check-COVID benchmark for ``source-number-missing``: does a cited abstract contain the claim's figure?

Each claim that verifier finds a figure in becomes a one-sentence draft citing its abstract,
and the abstract (title and sentences) is attached as that source's text, as
``verifier sources add`` would. A finding on a REFUTE claim counts as a hit; on a SUPPORT
claim as a false alarm. NOTENOUGHINFO claims count against precision: their figures are
often missing from the abstract, which is right for the rule but not a refutation.

Also printed, in the same run: a naive digit match (flag a claim when any digit string of
it is not a substring of the abstract) on the same claims, and both again on every claim
with a digit once "COVID-19" is taken out (129 SUPPORT claims, the set the issue's baseline
figures describe).

    python bench/check_covid.py [--data ../shared/benchmarks/check-covid] [--show-false-alarms N]

Report figures; do not tune the rules to individual rows.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks" / "check-covid"
RULE = "source-number-missing"
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_COVID = re.compile(r"covid-?19", re.I)


def load(data: Path):
    claims = [json.loads(line) for line in (data / "claims.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    corpus = {}
    for line in (data / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            corpus[row["cord_id"]] = row
    return claims, corpus


def target(cord_id: str) -> str:
    return f"doi:10.5555/cord.{cord_id.lower()}"


def draft(claim: str, cord_id: str) -> str:
    """The claim as one sentence, citing its abstract before the full stop."""
    text = " ".join(claim.split())
    body = text.rstrip(".!? ")
    return f"{body} ({target(cord_id)}).\n"


def source_text(row: dict) -> str:
    return "\n".join([row.get("title") or ""] + list(row.get("abstract") or []))


def naive_flag(claim: str, abstract: str) -> bool:
    return any(d not in abstract for d in _DIGITS.findall(claim))


def scores(flags: dict[str, bool], labels: dict[str, str]) -> dict:
    flagged = [i for i, f in flags.items() if f]
    refute = [i for i in flags if labels[i] == "REFUTE"]
    support = [i for i in flags if labels[i] == "SUPPORT"]
    tp = sum(1 for i in flagged if labels[i] == "REFUTE")
    fa = sum(1 for i in support if flags[i])
    flagged_sr = [i for i in flagged if labels[i] in {"REFUTE", "SUPPORT"}]
    return {
        "claims": len(flags), "refute": len(refute), "support": len(support), "flagged": len(flagged),
        "precision": tp / len(flagged) if flagged else 0.0,
        "precision_sr": tp / len(flagged_sr) if flagged_sr else 0.0,
        "recall": tp / len(refute) if refute else 0.0,
        "false_alarms": fa, "false_alarm_rate": fa / len(support) if support else 0.0,
    }


def line(name: str, s: dict) -> str:
    return (f"{name:<34} precision {s['precision']:.2f} (without NEI {s['precision_sr']:.2f})  "
            f"recall {s['recall']:.2f} ({round(s['recall'] * s['refute'])}/{s['refute']})  "
            f"false alarms on SUPPORT {s['false_alarm_rate']:.0%} ({s['false_alarms']}/{s['support']})  "
            f"flagged {s['flagged']}/{s['claims']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show-false-alarms", type=int, default=0, metavar="N")
    parser.add_argument("--show-misses", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)
    if not (args.data / "claims.jsonl").exists():
        print(f"check_covid: no benchmark data at {args.data}", file=sys.stderr)
        return 2

    from verifier.document import build_documents
    from verifier.engine import run_rules
    from verifier.registry import RuleContext
    from verifier.settings import Settings
    from verifier.sources.store import SourceRecord

    claims, corpus = load(args.data)
    sources = {}
    for cord_id, row in corpus.items():
        sources[target(cord_id)] = SourceRecord(key=target(cord_id), title=row.get("title") or "",
                                                text=source_text(row), text_kind="abstract",
                                                obtained="attached (Check-COVID abstract)")
    labels = {c["id"]: c["label"] for c in claims}

    started = time.perf_counter()
    files = [(f"{c['id']}.md", draft(c["claim"], c["cord_id"])) for c in claims if c["cord_id"] in corpus]
    documents = build_documents(files)
    settings = Settings(select=[RULE, "source-context-mismatch"])
    diagnostics = run_rules(documents, settings, RuleContext(options=settings.options, sources=sources))
    elapsed = time.perf_counter() - started

    flagged_ids = {d.path[:-3] for d in diagnostics if d.rule == RULE}
    with_figure = {doc.path[:-3] for doc in documents if doc.claims}
    by_id = {c["id"]: c for c in claims}
    rule_flags = {i: i in flagged_ids for i in with_figure}
    naive_same = {i: naive_flag(by_id[i]["claim"], source_text(corpus[by_id[i]["cord_id"]])) for i in with_figure}
    # The set: claims with a digit once "COVID-19" is taken out (129 SUPPORT claims).
    digit_ids = {c["id"] for c in claims if _DIGITS.search(_COVID.sub("", c["claim"])) and c["cord_id"] in corpus}
    naive_digits = {i: naive_flag(_COVID.sub("", by_id[i]["claim"]), source_text(corpus[by_id[i]["cord_id"]]))
                    for i in digit_ids}
    rule_on_digits = {i: i in flagged_ids for i in digit_ids}

    # Evidence: how often the quoted passage is one of the abstract's gold evidence sentences
    # (REFUTE and SUPPORT findings: a NOTENOUGHINFO claim's gold sentences are about something else).
    evidence_hits = evidence_total = 0
    for d in diagnostics:
        claim = by_id.get(d.path[:-3])
        if d.rule != RULE or not d.evidence or not claim or claim["label"] == "NOTENOUGHINFO":
            continue
        abstract = corpus[claim["cord_id"]]["abstract"]
        gold = {" ".join(abstract[e["sent_index"]].split()) for e in claim["evidence_set"] if e["sent_index"] < len(abstract)}
        evidence_total += 1
        evidence_hits += any(d.evidence.quote in g or g in d.evidence.quote for g in gold)

    print(f"Check-COVID: {len(claims)} claims, {len(with_figure)} with a figure verifier extracts "
          f"({sum(1 for i in with_figure if labels[i] == 'SUPPORT')} SUPPORT, "
          f"{sum(1 for i in with_figure if labels[i] == 'REFUTE')} REFUTE, "
          f"{sum(1 for i in with_figure if labels[i] == 'NOTENOUGHINFO')} NOTENOUGHINFO)")
    print(line(RULE, scores(rule_flags, labels)))
    print(line("naive digit match", scores(naive_same, labels)))
    print(f"On every claim with a digit besides COVID-19's ({len(digit_ids)}; a claim verifier finds no figure in is not flagged):")
    print(line(RULE, scores(rule_on_digits, labels)))
    print(line("naive digit match", scores(naive_digits, labels)))
    print(f"evidence quotes a gold evidence sentence in {evidence_hits}/{evidence_total} REFUTE/SUPPORT findings"
          + (f" ({evidence_hits / evidence_total:.0%})" if evidence_total else ""))
    context_flags = {d.path[:-3] for d in diagnostics if d.rule == "source-context-mismatch"}
    by_label = {label: sum(1 for i in context_flags if labels[i] == label) for label in ("REFUTE", "SUPPORT", "NOTENOUGHINFO")}
    print(f"source-context-mismatch fired on {len(context_flags)} claims: "
          + ", ".join(f"{n} {label}" for label, n in by_label.items()))
    print(f"time: {elapsed:.1f}s for {len(files)} drafts, {1000 * elapsed / max(1, len(files)):.1f} ms per claim "
          f"(parsing, extraction and both rules)")

    if args.show_false_alarms:
        print("\nFalse alarms on SUPPORT claims:")
        for d in [d for d in diagnostics if d.rule == RULE and labels.get(d.path[:-3]) == "SUPPORT"][: args.show_false_alarms]:
            print(f"  {by_id[d.path[:-3]]['claim'].strip()[:160]!r}\n    {d.message}\n    evidence: {d.evidence.quote[:160] if d.evidence else None!r}")
    if args.show_misses:
        print("\nREFUTE claims not flagged:")
        shown = 0
        for i in sorted(with_figure):
            if labels[i] == "REFUTE" and not rule_flags[i] and shown < args.show_misses:
                shown += 1
                print(f"  {by_id[i]['claim'].strip()[:160]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
