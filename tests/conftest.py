"""Shared helpers: lint text or files through the real pipeline, as the CLI does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from verifier.markdown import line_starts_of, parse
from verifier.engine import lint
from verifier.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RULE_FIXTURES = FIXTURES / "rules"
_EXPECT = re.compile(r"<!--\s*expect:\s*([\w\s,-]+?)\s*-->")


def lint_text(text: str, path: str = "draft.md", settings: Settings | None = None, context=None):
    """Diagnostics for one draft through the whole pipeline: rules, settings and suppressions."""
    return lint([(path, text)], settings or Settings(), context).diagnostics


def lint_file(path: Path, settings: Settings | None = None, context=None):
    return lint_text(read_source(path), str(path), settings, context or fixture_context(path))


def fixture_context(path: Path):
    """Source records for a fixture from ``<fixture>.sources/`` when that folder exists, else None."""
    folder = path.with_suffix(".sources")
    if not folder.is_dir():
        return None
    from verifier.registry import RuleContext
    from verifier.sources.store import SourceStore

    return RuleContext(sources=SourceStore(folder))


def read_source(path: Path) -> str:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return handle.read()


def pairs(diagnostics, rule: str | None = None) -> list[tuple[int, str]]:
    """(line, rule) pairs, the way tests state expectations."""
    return sorted((d.line, d.rule) for d in diagnostics if rule is None or d.rule == rule)


def expected_pairs(text: str, rule: str | None = None) -> list[tuple[int, str]]:
    """Expectations written next to the text: ``<!-- expect: rule-name, other-rule -->``."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _EXPECT.finditer(line):
            for name in match.group(1).split(","):
                name = name.strip()
                if name and (rule is None or name == rule):
                    found.append((number, name))
    return sorted(found)


@pytest.fixture(scope="session")
def digest_path() -> Path:
    return EXAMPLES / "music-therapy-digest.md"


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory, monkeypatch):
    """Runs write their result cache and source store to a temporary folder, not the repository."""
    if "VERIFIER_CACHE_DIR" not in __import__("os").environ:
        monkeypatch.setenv("VERIFIER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "verifier-cache"))


def check_masks(text: str, markdown: bool = True):
    """What holds for every text: masks as long as the text, line breaks where they were,
    prose a blanking of visible, visible a blanking of text, blocks in order and apart."""
    parsed = parse(text, markdown)
    assert len(parsed.visible) == len(parsed.prose) == len(text)
    for original, seen, read in zip(text, parsed.visible, parsed.prose):
        if original in "\r\n":
            assert seen == read == original
        else:
            assert seen in (original, " ") and read in (seen, " ")
    previous_end = 0
    for block in parsed.blocks:
        assert previous_end <= block.start <= block.end <= len(text)
        previous_end = block.end
    assert parsed.line_starts == line_starts_of(text)
    return parsed
