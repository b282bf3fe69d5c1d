"""Rule modules, one file per family; installed as ``verifier.rules``."""
