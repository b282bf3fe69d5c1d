"""Configuration files: discovery, extend, validation, and what each key does."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from verifier.cli import main
from verifier.config import ConfigError, Configuration
from verifier.model import Severity

UNSOURCED = "Music therapy reduced cravings by 60%, clinicians say.\n"
IMPOSSIBLE = "Symptoms improved in 140% of participants [1].\n\n[1]: https://example.org/a\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "draft.md", UNSOURCED)
    return tmp_path


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def rules_found(capsys, *args) -> list[str]:
    code, out, err = run(capsys, "check", "--format", "json", *args)
    assert code in (0, 1), err
    return [f["rule"] for f in json.loads(out)["findings"]]


def test_ignore_in_pyproject_silences_the_rule(project, capsys):
    assert "unsourced-statistic" in rules_found(capsys, "draft.md")
    write(project / "pyproject.toml", """
        [project]
        name = "drafts"

        [tool.verifier]
        ignore = ["unsourced-statistic"]
    """)
    assert "unsourced-statistic" not in rules_found(capsys, "draft.md")
    assert run(capsys, "check", "draft.md")[0] == 0


def test_the_closest_file_wins(project, capsys):
    write(project / "verifier.toml", 'ignore = ["VS101"]\n')
    write(project / "team" / "verifier.toml", 'select = ["unsourced-statistic"]\n')
    write(project / "team" / "draft.md", UNSOURCED)
    code, out, _ = run(capsys, "check", "--format", "concise", "draft.md", "team/draft.md")
    assert "team/draft.md:1:" in out and "\ndraft.md:1:" not in out and not out.startswith("draft.md")


def test_a_pyproject_without_a_verifier_table_is_passed_over(project, capsys):
    write(project / "verifier.toml", 'ignore = ["VS101"]\n')
    write(project / "sub" / "pyproject.toml", '[project]\nname = "x"\n')
    write(project / "sub" / "draft.md", UNSOURCED)
    assert "unsourced-statistic" not in rules_found(capsys, "sub/draft.md")


def test_dot_verifier_toml_comes_first_in_a_directory(project):
    write(project / "pyproject.toml", '[tool.verifier]\nfail-on = "info"\n')
    write(project / "verifier.toml", 'fail-on = "error"\n')
    assert Configuration().settings_for("draft.md").fail_on is Severity.ERROR
    write(project / ".verifier.toml", 'fail-on = "warning"\n')
    assert Configuration().settings_for("draft.md").fail_on is Severity.WARNING


def test_extend_pulls_in_another_file(project):
    write(project / "shared" / "base.toml", """
        ignore = ["duplicate-passage"]
        fail-on = "error"
        severity = { unsourced-statistic = "error", impossible-value = "info" }
        per-file-ignores = { "legacy/*.md" = ["VS101"] }
    """)
    write(project / "verifier.toml", """
        extend = "shared/base.toml"
        fail-on = "info"
        [severity]
        impossible-value = "warning"
    """)
    resolved = Configuration().for_path("draft.md")
    settings = resolved.settings
    assert settings.ignore == ["duplicate-passage"] and settings.fail_on is Severity.INFO
    assert settings.severity == {"unsourced-statistic": Severity.ERROR, "impossible-value": Severity.WARNING}
    # The base's glob stays relative to the base's directory.
    assert settings.ignored_in(str(project / "shared" / "legacy" / "a.md")) == ["VS101"]
    assert settings.ignored_in(str(project / "legacy" / "a.md")) == []
    assert resolved.origins["ignore"].endswith("base.toml")
    assert resolved.origins["fail-on"] == "verifier.toml"
    assert len(resolved.files) == 2


def test_extend_cycles_and_missing_targets_are_errors(project):
    write(project / "a.toml", 'extend = "b.toml"\n')
    write(project / "b.toml", 'extend = "a.toml"\n')
    with pytest.raises(ConfigError, match="circular"):
        Configuration("a.toml")
    write(project / "c.toml", 'extend = "nowhere.toml"\n')
    with pytest.raises(ConfigError, match=r"c\.toml: extend: .*nowhere\.toml does not exist"):
        Configuration("c.toml")


def test_config_option_overrides_discovery_and_single_keys(project, capsys):
    write(project / "verifier.toml", 'ignore = ["VS101"]\n')
    write(project / "strict.toml", 'select = ["ALL"]\n')
    assert "unsourced-statistic" in rules_found(capsys, "--config", "strict.toml", "draft.md")
    assert "unsourced-statistic" in rules_found(capsys, "--config", "ignore = []", "draft.md")
    assert "unsourced-statistic" not in rules_found(capsys, "--config", "strict.toml", "--config", "ignore = ['VS1']",
                                                   "draft.md")


def test_command_line_select_replaces_and_ignore_adds(project, capsys):
    write(project / "draft.md", UNSOURCED + "\n" + IMPOSSIBLE)
    write(project / "verifier.toml", 'select = ["impossible-value"]\n')
    assert set(rules_found(capsys, "draft.md")) == {"impossible-value"}
    assert set(rules_found(capsys, "--select", "VS101", "draft.md")) == {"unsourced-statistic"}
    write(project / "verifier.toml", 'ignore = ["impossible-value"]\n')
    assert not {"unsourced-statistic", "impossible-value"} & set(rules_found(capsys, "--ignore", "VS101", "draft.md"))


def test_per_file_ignores(project, capsys):
    write(project / "archive" / "old.md", UNSOURCED.replace("cravings", "anxiety"))
    write(project / "notes.txt", UNSOURCED.replace("cravings", "stress"))
    write(project / "verifier.toml", """
        [per-file-ignores]
        "archive/*.md" = ["unsourced-statistic"]
        "*.txt" = ["VS1"]
    """)
    code, out, _ = run(capsys, "check", "--format", "concise", ".")
    assert "draft.md:1:" in out and "archive/old.md" not in out and "notes.txt" not in out


def test_severity_overrides_and_fail_on(project, capsys):
    write(project / "verifier.toml", 'severity = { VS1 = "info" }\n')
    code, out, _ = run(capsys, "check", "--format", "json", "draft.md")
    assert code == 0 and {f["severity"] for f in json.loads(out)["findings"]} == {"info"}
    write(project / "verifier.toml", 'severity = { VS1 = "info" }\nfail-on = "info"\n')
    assert run(capsys, "check", "draft.md")[0] == 1


def test_the_most_precise_severity_override_wins(project):
    write(project / "verifier.toml", 'severity = { unsourced-statistic = "error", VS1 = "info", ALL = "warning" }\n')
    from verifier.registry import find_rule

    settings = Configuration().settings_for("draft.md")
    assert settings.severity_of(find_rule("VS101")) is Severity.ERROR
    assert settings.severity_of(find_rule("impossible-value")) is Severity.WARNING


def test_exclude(project, capsys):
    write(project / "drafts" / "old" / "a.md", UNSOURCED)
    write(project / "drafts" / "new.md", UNSOURCED)
    write(project / "verifier.toml", 'exclude = ["drafts/old", "draft.md"]\n')
    code, out, _ = run(capsys, "check", "--format", "concise", ".")
    assert "drafts/new.md" in out and "drafts/old" not in out and "\ndraft.md" not in out
    # Named files are excluded too, so pre-commit (which names every file) honours it.
    code, out, _ = run(capsys, "check", "draft.md")
    assert code == 0 and out.strip() == "No problems found in 0 files."


def test_attachment_scope(project, capsys):
    write(project / "draft.md", "Remission rose to 48% in the trial. Most improved further [1].\n\n"
                                "[1]: https://example.org/a\n")
    assert "unsourced-statistic" not in rules_found(capsys, "draft.md")
    write(project / "verifier.toml", 'attachment = "sentence"\n')
    assert "unsourced-statistic" in rules_found(capsys, "draft.md")


def test_source_settings_reach_the_rules(project):
    write(project / "verifier.toml", """
        trusted-domains = ["www.NEJM.org", "who.int"]
        weak-domains = ["example-wellness.com"]
        contact-email = "editor@example.org"
        cache-dir = ".cache/verifier"
        online = true
    """)
    settings = Configuration().settings_for("draft.md")
    assert settings.options["trusted_domains"] == ["nejm.org", "who.int"]
    assert settings.options["weak_domains"] == ["example-wellness.com"]
    assert settings.options["sources"]["email"] == "editor@example.org"
    assert settings.cache_dir == str((project / ".cache" / "verifier").resolve())
    assert settings.online is True


@pytest.mark.parametrize("content, expected", [
    ('selct = ["VS101"]\n', "verifier.toml: unknown key 'selct' (did you mean 'select'?); allowed keys: extend, select,"),
    ('fail-on = "fatal"\n', 'verifier.toml: fail-on must be one of error, warning, info, not "fatal"'),
    ('ignore = "VS101"\n', "verifier.toml: ignore must be a list of rule names, codes or code prefixes, not a string"),
    ('ignore = ["unsourced-statistics"]\n', "verifier.toml: ignore: 'unsourced-statistics' is not a rule name, code or "
                                            "code prefix (did you mean 'unsourced-statistic'?)"),
    ('attachment = "page"\n', 'verifier.toml: attachment must be one of sentence, paragraph, not "page"'),
    ('severity = { VS101 = "loud" }\n', "verifier.toml: severity.VS101 must be one of error, warning, info"),
    ('online = "yes"\n', 'verifier.toml: online must be true or false, not "yes"'),
    ('contact-email = "nobody"\n', "verifier.toml: contact-email must be an email address"),
    ('weak-domains = ["not a domain"]\n', "verifier.toml: weak-domains: 'not a domain' is not a domain name"),
    ('select = [\n', "verifier.toml: invalid TOML"),
])
def test_bad_configuration_exits_2_naming_file_key_and_what_is_allowed(project, capsys, content, expected):
    write(project / "verifier.toml", content)
    code, out, err = run(capsys, "check", "draft.md")
    assert code == 2 and out == ""
    assert err.startswith(f"verifier: error: {expected}"), err
    assert err.count("\n") == 1


def test_pyproject_errors_name_the_table(project, capsys):
    write(project / "pyproject.toml", '[tool.verifier]\nfail_on = "error"\n')
    code, _, err = run(capsys, "check", "draft.md")
    assert code == 2 and "pyproject.toml [tool.verifier]: unknown key 'fail_on' (did you mean 'fail-on'?)" in err


def test_a_missing_config_file_is_an_error(project, capsys):
    code, _, err = run(capsys, "check", "--config", "nope.toml", "draft.md")
    assert code == 2 and "--config nope.toml: no such configuration file" in err


def test_verifier_config_prints_settings_and_where_each_came_from(project, capsys):
    write(project / "base.toml", 'ignore = ["duplicate-passage"]\n')
    write(project / "pyproject.toml", """
        [tool.verifier]
        extend = "base.toml"
        fail-on = "error"
        severity = { unsourced-statistic = "info" }
    """)
    code, out, _ = run(capsys, "config", "draft.md", "--config", "attachment = 'sentence'")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "# Settings for draft.md"
    assert lines[1] == "# Configuration: pyproject.toml [tool.verifier] <- base.toml"

    def line(key):
        return next(text for text in lines if text.startswith(f"{key} = "))

    assert line("ignore").startswith('ignore = ["duplicate-passage"]') and line("ignore").endswith("# base.toml")
    assert line("fail-on").endswith("# pyproject.toml [tool.verifier]")
    assert line("attachment").endswith("# command line (--config attachment = 'sentence')")
    assert line("select").endswith("# default")
    assert any(text.startswith("# Rules enabled:") and "duplicate-passage" in text for text in lines)
    assert "# Severity changed: unsourced-statistic=info" in lines

    code, out, _ = run(capsys, "config", "--json")
    payload = json.loads(out)
    assert payload["settings"]["fail-on"] == {"value": "error", "from": "pyproject.toml [tool.verifier]"}
    assert {"code": "VS201", "name": "duplicate-passage", "enabled": False, "severity": "warning"} in payload["rules"]
