"""Snapshots of the full report on every example draft, as (line, rule) pairs.

A rule change that moves findings on the examples shows up here as a diff to review.
Run ``VERIFIER_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_examples.py`` to accept one.
"""

from __future__ import annotations

import os

import pytest

from conftest import EXAMPLES, lint_file, pairs

SNAPSHOTS = os.path.join(os.path.dirname(__file__), "snapshots")
EXAMPLE_FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in {".md", ".txt"})


def _snapshot_path(example) -> str:
    return os.path.join(SNAPSHOTS, example.stem + ".txt")


def _render(found: list[tuple[int, str]]) -> str:
    return "".join(f"{line} {rule}\n" for line, rule in found)


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.name)
def test_example_report_matches_snapshot(example):
    found = _render(pairs(lint_file(example)))
    path = _snapshot_path(example)
    if os.environ.get("VERIFIER_UPDATE_SNAPSHOTS"):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(found)
    with open(path, encoding="utf-8") as handle:
        assert found == handle.read()


def test_clean_example_has_no_findings():
    assert pairs(lint_file(EXAMPLES / "music-therapy-brief.md")) == []


# What the issues require on the sample digest, stated on its own so a snapshot update
# cannot quietly drop one of them.
REQUIRED_ON_DIGEST = {
    (8, "unsourced-statistic"), (20, "duplicate-passage"), (24, "duplicate-passage"),
    (25, "duplicate-passage"), (52, "duplicate-passage"), (53, "duplicate-passage"),
    (36, "contradicted-availability"), (43, "contradicted-availability"), (44, "contradicted-availability"),
    (39, "contradicted-availability"), (23, "contradicted-availability"), (31, "recycled-statistic"),
    (4, "truncated-citation"), (10, "dangling-citation"), (22, "dangling-citation"),
    (32, "generation-artifact"), (8, "vague-quantifier"), (42, "false-precision"),
    (37, "stale-timeframe"), (44, "stale-timeframe"),
}


def test_digest_shows_what_the_issues_require(digest_path):
    found = pairs(lint_file(digest_path))
    assert REQUIRED_ON_DIGEST <= set(found)
    rules = {rule for _, rule in found}
    assert {"duplicate-reference", "weak-source", "unused-reference"} <= rules
    weak_lines = {line for line, rule in found if rule == "weak-source"}
    assert {14, 20, 24} <= weak_lines  # passages pasted from the rehab-centre page


def test_digest_related_points_to_first_copies(digest_path):
    diagnostics = lint_file(digest_path)
    firsts = {d.line: d.related[0].line for d in diagnostics if d.rule == "duplicate-passage"}
    assert firsts == {20: 14, 24: 14, 25: 21, 52: 50, 53: 50}
