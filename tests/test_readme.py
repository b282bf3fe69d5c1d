"""The README tells the truth: every rule is listed, and .ci/run runs its second command."""

from __future__ import annotations

import re

from conftest import ROOT
from verifier.registry import all_rules

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_rule_is_in_the_readme_table():
    for rule in all_rules():
        assert re.search(rf"\|\s*{rule.code}\s*\|\s*`{rule.name}`\s*\|", README), rule.name


def test_quick_start_is_two_commands_and_ci_runs_the_second():
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", quick_start)
    assert len(commands) == 2
    assert "verifier check examples/" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci


def test_no_placeholders_are_left():
    assert not re.search(r"\b[A-Z]+_(?:OUTPUT|TABLE|FIGURES)\b", README)
