"""What a run hands the reporters: kept apart from the engine, so a run answered from the
result cache imports neither the engine nor the document model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from verifier.model import Diagnostic
from verifier.settings import Settings

if TYPE_CHECKING:
    from verifier.document import Document


@dataclass
class LintResult:
    """What the pipeline hands a reporter, and what it hid on the way."""

    documents: list[Document]    # empty unless the caller asked to keep them (the HTML report)
    diagnostics: list[Diagnostic]
    settings: dict[str, Settings] = field(default_factory=dict)   # per document path
    suppressed: int = 0          # silenced by inline suppressions
    baselined: int = 0           # hidden by the baseline
    stale_baseline: list[dict] = field(default_factory=list)

    def failing(self) -> list[Diagnostic]:
        """Diagnostics at or above their file's ``fail-on`` level."""
        return [d for d in self.diagnostics
                if d.severity.rank >= self.settings.get(d.path, Settings()).fail_on.rank]
