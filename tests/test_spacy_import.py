"""spaCy is imported without its command-line interface, and still works whole when asked."""

from __future__ import annotations

import subprocess
import sys

from conftest import EXAMPLES


def _probe(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter (imports are process-wide): the words of its last line."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return result.stdout.splitlines()[-1].split()


def test_checking_a_draft_does_not_load_spacys_commands():
    probe = f"""
import sys
from verifier.cli import main
code = main(["check", "--no-cache", "-q", {str(EXAMPLES / "music-therapy-digest.md")!r}])
print(code, "spacy" in sys.modules, "spacy.cli" in sys.modules, "jinja2" in sys.modules)
"""
    assert _probe(probe) == ["1", "True", "False", "False"]


def test_spacy_info_and_spacy_cli_still_work_afterwards():
    probe = """
from verifier.nlp import get_nlp
get_nlp()
import spacy
info = spacy.info()["spacy_version"] == spacy.__version__
import spacy.cli
print(info, spacy.cli.__file__.endswith("__init__.py"), callable(spacy.cli.download))
"""
    assert _probe(probe) == ["True", "True", "True"]


def test_a_spacy_that_needs_more_of_its_cli_is_imported_whole():
    # Stands for a spaCy release importing another command while it is imported: the
    # placeholder cannot give it, so spaCy is imported again, whole.
    probe = """
import sys

class NeedsMoreOfItsCli:
    def find_spec(self, name, path, target=None):
        placeholder = sys.modules.get("spacy.cli")
        if name == "spacy.errors" and placeholder is not None and not hasattr(placeholder, "__file__"):
            raise ImportError("cannot import name 'convert' from 'spacy.cli'")
        return None

sys.meta_path.insert(0, NeedsMoreOfItsCli())
from verifier.nlp import get_nlp
print(len(list(get_nlp()("45% of adults.").sents)), sys.modules["spacy.cli"].__file__.endswith("__init__.py"))
"""
    assert _probe(probe) == ["1", "True"]
