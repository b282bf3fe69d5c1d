"""Every rule's fixture draft: lines marked ``<!-- expect: rule -->`` and only those are flagged.

Each rule has ``tests/fixtures/rules/<rule-name>.md`` with a ``## Flagged`` section (text
that must be reported) and a ``## Not flagged`` section (close variants that must not be).
"""

from __future__ import annotations

import re

import pytest

from conftest import RULE_FIXTURES, expected_pairs, lint_file, lint_text, pairs, read_source
from verifier.registry import all_rules

RULES = all_rules()


def _fixture(rule_name: str):
    return RULE_FIXTURES / f"{rule_name}.md"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_fixture_has_flagged_and_clean_examples(rule):
    path = _fixture(rule.name)
    assert path.exists(), f"{rule.name} has no fixture at {path}"
    text = read_source(path)
    flagged, _, clean = text.partition("## Not flagged")
    assert "## Flagged" in flagged, f"{path.name}: no '## Flagged' section"
    assert expected_pairs(flagged, rule.name), f"{path.name}: nothing is expected to be flagged"
    clean_lines = [line for line in clean.splitlines() if line.strip() and not line.startswith("#")]
    assert clean_lines, f"{path.name}: no text that must not be flagged"
    assert not expected_pairs(clean, rule.name), f"{path.name}: expectations in the 'Not flagged' section"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_fixture_findings(rule):
    path = _fixture(rule.name)
    if not path.exists():
        pytest.skip("no fixture (reported by the test above)")
    text = read_source(path)
    assert pairs(lint_file(path), rule.name) == expected_pairs(text, rule.name)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_declaration(rule):
    assert re.fullmatch(r"[a-z]+(?:-[a-z]+)+", rule.name)
    assert re.fullmatch(r"VS\d{3}", rule.code)
    assert rule.summary and rule.what and rule.why and rule.bad.strip() and rule.good.strip()
    assert rule.bad.strip() != rule.good.strip()


# Source rules read the source store, so their examples describe a store, not just a draft;
# their fixtures carry the store they need.
_EXAMPLES_NEED_A_STORE = {"sources"}


@pytest.mark.parametrize("rule", [r for r in RULES if r.family not in _EXAMPLES_NEED_A_STORE], ids=lambda r: r.name)
def test_declared_bad_example_is_flagged_and_good_is_not(rule):
    """What `verifier rule NAME` shows must be true of the rule."""
    assert [d for d in lint_text(rule.bad) if d.rule == rule.name], f"{rule.name}: its bad example is not flagged"
    assert not [d for d in lint_text(rule.good) if d.rule == rule.name], f"{rule.name}: its good example is flagged"
