"""Plain data shared by every stage of the pipeline.

Offsets are 0-based indexes into the file's text as Python reads it with
``encoding="utf-8-sig"`` and ``newline=""``; only :class:`verifier.document.Document`
turns them into lines and columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from operator import attrgetter
from typing import TypeVar

T = TypeVar("T")


def pickled_by_fields(cls: type[T]) -> type[T]:
    """Pickle a dataclass's instances as its constructor and their field values.

    Workers send every draft's claims, sentences and digests back to the main process,
    which unpickles them while the workers run. By default a slotted dataclass is
    restored a field at a time in Python; as a constructor call with a tuple, a checked
    megabyte unpickles in 0.057 s instead of 0.075 s. The constructor must take every
    field (no ``init=False``).
    """
    names = [f.name for f in fields(cls)]
    values = attrgetter(*names) if len(names) > 1 else (lambda self: (getattr(self, names[0]),))

    def __reduce__(self):
        return cls, values(self)

    cls.__reduce__ = __reduce__
    return cls


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True)
class Block:
    """A Markdown block: the unit that sources claims when a sentence has no citation.

    ``kind`` is one of: heading, paragraph, list_item, blockquote, table, image,
    reference_definition, code, html, front_matter.
    ``section`` is the index of the heading block that opens the block's section, or -1.
    """

    kind: str
    start: int
    end: int
    section: int = -1
    level: int = 0

    @property
    def is_prose(self) -> bool:
        return self.kind not in {"code", "html", "front_matter"}


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    block: int


@pickled_by_fields
@dataclass(frozen=True)
class Citation:
    """A pointer from the text to a source.

    ``kind``: link, url, doi, pmid, pmcid, numeric, footnote, author_year.
    ``target``: normalised, e.g. ``doi:10.1186/s40359-024-02336-x``, ``pmid:21474494``,
    ``pmcid:PMC9987133``, ``url:https://example.org/a``, ``ref:3``, ``footnote:1``,
    ``author:tang:2020``.
    ``reference`` is the index of the reference-list entry the citation sits in, or -1.
    """

    kind: str
    target: str
    start: int
    end: int
    text: str
    reference: int = -1


@dataclass(frozen=True)
class Reference:
    """One entry of a reference list (a section headed References, Sources, Citations...).

    ``label`` is the marker that cites it (``1`` for ``[1]``, ``^1`` for a footnote), or None.
    ``authors`` are lower-cased surnames without diacritics; ``year`` as written.
    ``targets`` are the normalised targets of the identifiers and links inside the entry.
    ``footnote`` is true for a footnote definition (``[^1]: ...``); ``body`` is the entry's
    visible text after its label (``1.``, ``[1]``, ``[^1]:``, a bullet), ending at ``end``.
    """

    start: int
    end: int
    text: str
    label: str | None = None
    authors: tuple[str, ...] = ()
    year: str | None = None
    targets: tuple[str, ...] = ()
    footnote: bool = False
    body: str = ""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Claim:
    """A numeric statement found in the prose.

    ``kind``: percent, p_value, sample_size, ci, ratio, mean, count, duration, other.
    ``text`` is exactly ``document.text[start:end]``; ``raw`` is the number as written
    (``53.83``, ``.001``, ``forty-five``) so later rules can see its precision.
    ``operator`` is one of ``=``, ``<``, ``<=``, ``>``, ``>=``, ``~`` (what the hedge or
    comparison implies); ``low``/``high`` bound ranges and intervals.
    """

    kind: str
    start: int
    end: int
    text: str
    value: float | None
    raw: str
    low: float | None = None
    high: float | None = None
    operator: str = "="
    unit: str | None = None
    hedge: str | None = None
    label: str | None = None
    sentence: int = -1

    @property
    def decimals(self) -> int:
        """Decimal places as written: ``53.83`` has 2, ``45`` has 0, ``.001`` has 3."""
        head = self.raw.replace(",", "")
        if "." not in head:
            return 0
        digits = head.split(".", 1)[1]
        count = 0
        for ch in digits:
            if not ch.isdigit():
                break
            count += 1
        return count


@dataclass(frozen=True)
class Evidence:
    """What a source does say, quoted for the editor."""

    source: str
    quote: str
    location: str


@dataclass(frozen=True)
class Related:
    """Another place a finding refers to, in this document or (``path``) another one."""

    start: int
    end: int
    message: str
    path: str | None = None


@dataclass(frozen=True)
class Finding:
    """What a rule reports: offsets, not positions; the engine adds code and severity."""

    rule: str
    start: int
    end: int
    message: str
    claim: Claim | None = None
    related: tuple[Related, ...] = ()
    evidence: Evidence | None = None
    # Text that identifies the finding independent of where it sits (for fingerprints).
    anchor: str | None = None


@dataclass(frozen=True)
class Location:
    path: str
    line: int
    column: int
    message: str = ""


@dataclass
class Diagnostic:
    """A finding placed in a file, with its code and final severity: what reporters print."""

    code: str
    rule: str
    severity: Severity
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    fingerprint: str
    source_line: str = ""
    claim: dict | None = None
    related: list[Location] = field(default_factory=list)
    evidence: Evidence | None = None

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code)

    @classmethod
    def from_record(cls, record: dict) -> Diagnostic:
        """A diagnostic from its JSON record (a JSON report's finding, a result-cache entry)."""
        fields = dict(record)
        fields["severity"] = Severity(fields["severity"])
        fields["related"] = [Location(**r) for r in fields["related"]]
        fields["evidence"] = Evidence(**fields["evidence"]) if fields["evidence"] else None
        return cls(**fields)
