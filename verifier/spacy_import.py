"""Import spaCy without its command-line interface.

``import spacy`` runs ``from .cli.info import info``, and importing ``spacy.cli`` loads
every spaCy command: jinja2, the training and packaging code, some 300 modules and 0.14 s
on every run that checks a draft. verifier never calls them. While spaCy is imported,
``spacy.cli`` is a placeholder; ``spacy.info`` still works, loading the real command
when it is called, and ``import spacy.cli`` afterwards loads the real package. A spaCy
that needs more of its CLI while it is imported is imported whole.
"""

from __future__ import annotations

import sys
import types


def _info(*args, **kwargs):
    """``spacy.info``, loaded when called."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


def _import_spacy() -> types.ModuleType:
    if "spacy" in sys.modules:   # imported by the caller already: nothing to save
        return sys.modules["spacy"]
    placeholder = types.ModuleType("spacy.cli")
    placeholder.__path__ = []
    info = types.ModuleType("spacy.cli.info")
    info.info = _info
    placeholders = {"spacy.cli": placeholder, "spacy.cli.info": info}
    sys.modules.update(placeholders)
    try:
        try:
            import spacy
        finally:
            for name, module in placeholders.items():
                if sys.modules.get(name) is module:
                    del sys.modules[name]
    except ImportError:   # a spaCy that needs more of its CLI when imported: import it whole
        import spacy
    return spacy


spacy = _import_spacy()
