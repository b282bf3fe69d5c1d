"""verifier as a pre-commit hook: a scratch drafts repository commits the digest and fails.

The hook repository is a snapshot of this working tree (committed with a fixed date,
so an unchanged tree gives the same revision), used as a local path repository.
pre-commit installs it with pip from PyPI into its own environment, as it would for a
user, so this is the one slow test; it skips when git, or PyPI, cannot be reached.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

GIT = shutil.which("git")
# What pip needs to install verifier, and the hook manifest.
_SNAPSHOT = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "verifier/", "rules/")
_FIXED = {"GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z",
          "GIT_AUTHOR_NAME": "verifier tests", "GIT_AUTHOR_EMAIL": "tests@example.org",
          "GIT_COMMITTER_NAME": "verifier tests", "GIT_COMMITTER_EMAIL": "tests@example.org"}
_OFFLINE = ("Could not find a version", "NewConnectionError", "Temporary failure in name resolution",
            "No matching distribution found", "ConnectionError", "ProxyError")


def git(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([GIT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def snapshot(target: Path, env: dict) -> str:
    """This tree's files that pip and pre-commit need, committed in a new repository."""
    listed = subprocess.run([GIT, "ls-files", "-co", "--exclude-standard", "--", *_SNAPSHOT], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git("init", "-q", "-b", "main", cwd=target, env=env)
    git("add", ".", cwd=target, env=env)
    git("commit", "-q", "-m", "snapshot", cwd=target, env=env)
    return git("rev-parse", "HEAD", cwd=target, env=env).stdout.strip()


@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_a_drafts_repository_fails_its_commit_on_the_digest(tmp_path):
    env = {**os.environ, **_FIXED, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    hooks = tmp_path / "hook-repo"
    hooks.mkdir()
    rev = snapshot(hooks, env)

    drafts = tmp_path / "drafts"
    drafts.mkdir()
    git("init", "-q", "-b", "main", cwd=drafts, env=env)
    (drafts / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: verifier\n", encoding="utf-8")
    shutil.copy(EXAMPLES / "music-therapy-digest.md", drafts / "digest.md")
    shutil.copy(EXAMPLES / "music-therapy-brief.md", drafts / "brief.md")
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=drafts, env=env,
                               capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stderr
    git("add", ".", cwd=drafts, env=env)

    commit = git("commit", "-m", "Add the music therapy digest", cwd=drafts,
                 env={**env, "PATH": _path_with_python(env)})
    output = commit.stdout + commit.stderr
    if commit.returncode != 0 and any(sign in output for sign in _OFFLINE):
        pytest.skip("PyPI cannot be reached to build the hook's environment")
    assert commit.returncode != 0, output
    assert "verifier" in output and "Failed" in output
    assert "digest.md:8:" in output and "VS101 [unsourced-statistic]" in output
    assert git("rev-parse", "--verify", "HEAD", cwd=drafts, env=env).returncode != 0, "the commit went through"


def _path_with_python(env: dict) -> str:
    """The hook script runs pre-commit with this interpreter; put it first on PATH too."""
    return os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
