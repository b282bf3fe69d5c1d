"""Shared helpers: lint text or files through the real pipeline, as the CLI does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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
