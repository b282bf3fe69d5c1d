"""Run the rules over documents and place their findings in files."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Sequence

from verifier.baseline import Baseline, canonical_path
from verifier.document import Document
from verifier.inventory import claim_record
from verifier.model import Diagnostic, Finding, Location
from verifier.registry import Rule, RuleContext, all_rules, find_rule
from verifier.settings import Settings
from verifier.suppressions import Suppressions


def run_rules(documents: list[Document], settings: Settings, context: RuleContext | None = None) -> list[Diagnostic]:
    """Every enabled rule over every document; diagnostics sorted by file and position."""
    context = context or RuleContext(options=settings.options)
    by_path = {doc.path: doc for doc in documents}
    diagnostics: list[Diagnostic] = []
    for rule in all_rules():
        if not settings.enabled(rule):
            continue
        if rule.scope == "corpus":
            findings: Iterable[tuple[Document, Finding]] = rule.check(documents, context)
        else:
            findings = ((doc, f) for doc in documents for f in rule.check(doc, context))
        diagnostics.extend(_place(rule, settings, doc, finding, by_path) for doc, finding in findings)
    _disambiguate_fingerprints(diagnostics)
    return sorted(diagnostics, key=lambda d: d.sort_key)


def _place(rule: Rule, settings: Settings, doc: Document, finding: Finding, by_path: dict[str, Document]) -> Diagnostic:
    line, column = doc.position(finding.start)
    end_line, end_column = doc.position(max(finding.start, finding.end))
    claim = None
    if finding.claim is not None:
        # Claims are frozen values, so a dict finds one in constant time (a list scan made
        # placing findings quadratic on long drafts).
        index = doc.memo("claim-index", lambda d: {c: i for i, c in enumerate(d.claims)}).get(finding.claim)
        if index is not None:
            claim = claim_record(doc, index)
    related = []
    for item in finding.related:
        other = by_path.get(item.path, doc) if item.path else doc
        r_line, r_column = other.position(item.start)
        related.append(Location(other.path, r_line, r_column, item.message))
    return Diagnostic(
        code=rule.code,
        rule=rule.name,
        severity=settings.severity_of(rule),
        path=doc.path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        message=finding.message,
        fingerprint=_fingerprint(rule, doc, finding),
        source_line=doc.line_text(line),
        claim=claim,
        related=related,
        evidence=finding.evidence,
    )


_SPACE = re.compile(r"\s+")


def _fingerprint(rule: Rule, doc: Document, finding: Finding) -> str:
    """Rule, path and the text the finding is about, never its line: edits elsewhere keep it."""
    anchor = finding.anchor if finding.anchor is not None else doc.text[finding.start:finding.end]
    sentence = doc.sentence_of(finding.start)
    context = doc.sentence_text(sentence) if sentence >= 0 else ""
    key = "\x1f".join([rule.name, canonical_path(doc.path), _SPACE.sub(" ", anchor).strip(), _SPACE.sub(" ", context).strip()])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def _disambiguate_fingerprints(diagnostics: list[Diagnostic]) -> None:
    """Identical findings (a pasted paragraph) get an occurrence number, in file order."""
    seen: Counter[str] = Counter()
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key):
        count = seen[diagnostic.fingerprint]
        seen[diagnostic.fingerprint] += 1
        if count:
            diagnostic.fingerprint = f"{diagnostic.fingerprint}-{count}"


@dataclass
class LintResult:
    """What the pipeline hands a reporter, and what it hid on the way."""

    documents: list[Document]
    diagnostics: list[Diagnostic]
    settings: dict[str, Settings] = field(default_factory=dict)   # per document path
    suppressed: int = 0          # silenced by inline suppressions
    baselined: int = 0           # hidden by the baseline
    stale_baseline: list[dict] = field(default_factory=list)

    def failing(self) -> list[Diagnostic]:
        """Diagnostics at or above their file's ``fail-on`` level."""
        return [d for d in self.diagnostics
                if d.severity.rank >= self.settings.get(d.path, Settings()).fail_on.rank]


def lint(
    files: Sequence[tuple[str, str]],
    settings: Settings | Callable[[str], Settings],
    context: RuleContext | Callable[[list[Document]], RuleContext] | None = None,
    baseline: Baseline | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int = 1,
) -> LintResult:
    """The whole pipeline after reading: documents, rules, configuration, suppressions, baseline.

    ``settings`` is one :class:`Settings` for every file, or a function giving each file
    its own (the closest configuration file wins). The CLI and the tests both come
    through here, so fixtures see exactly what users see. ``context`` may be a function
    of the built documents (the CLI fills the source store for the sources they cite).
    ``progress`` is called with the number of files built so far; ``jobs`` processes
    build documents when there is enough text to make it pay.
    """
    settings_for = settings if callable(settings) else (lambda _path, _s=settings: _s)
    chosen = {path: settings_for(path) for path, _ in files}
    documents = _build(files, chosen, progress, jobs)
    if callable(context):
        context = context(documents)

    diagnostics: list[Diagnostic] = []
    for group in _groups(documents, chosen):
        group_settings = [chosen[doc.path] for doc in group]
        names = [r.name for r in all_rules() if any(s.enabled(r) for s in group_settings)]
        if not names:
            continue
        union = Settings(select=names, options=group_settings[0].rule_options())
        group_context = replace(context, options=union.options) if context else RuleContext(options=union.options)
        diagnostics.extend(run_rules(group, union, group_context))
    diagnostics = _apply_settings(diagnostics, chosen)

    result = LintResult(documents, [], chosen)
    by_path = {doc.path: doc for doc in documents}
    meta = find_rule("unused-suppression")
    by_file: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        by_file.setdefault(diagnostic.path, []).append(diagnostic)
    kept: list[Diagnostic] = []
    for doc in documents:
        doc_settings = chosen[doc.path]
        suppressions = Suppressions.parse(doc)
        own = suppressions.filter(by_file.get(doc.path, []))
        result.suppressed += suppressions.suppressed
        if meta is not None and doc_settings.enabled_for(meta, doc.path):
            ran = lambda rule, _s=doc_settings, _p=doc.path: _judged(rule) and _s.enabled_for(rule, _p)  # noqa: E731
            for finding in suppressions.unused(ran):
                placed = _place(meta, doc_settings, doc, finding, by_path)
                if suppressions.silences(placed):
                    result.suppressed += 1
                else:
                    own.append(placed)
        kept.extend(own)
    _disambiguate_fingerprints(kept)

    if baseline is not None:
        kept = baseline.filter(kept)
        result.baselined = baseline.hidden
        result.stale_baseline = baseline.stale([path for path, _ in files])
    result.diagnostics = sorted(kept, key=lambda d: d.sort_key)
    return result


def _judged(rule: Rule) -> bool:
    """Whether a suppression of this rule can be called unused. Source rules report only
    what the source store holds, which differs between machines (a writer offline, CI with
    every source pulled), so a suppression of one is never reported as unused."""
    return rule.family != "sources"


def _build(files: Sequence[tuple[str, str]], chosen: dict[str, Settings],
           progress: Callable[[int], None] | None, jobs: int = 1) -> list[Document]:
    """Documents in input order, built per attachment scope, in ``jobs`` processes when it pays."""
    from verifier.document import build_documents

    by_scope: dict[str, list[int]] = {}
    for index, (path, _) in enumerate(files):
        by_scope.setdefault(chosen[path].attachment, []).append(index)
    chunks = [(scope, part) for scope, indexes in by_scope.items()
              for part in _chunks(indexes, files, jobs, bool(progress))]
    built: dict[int, Document] = {}
    done = 0

    def collect(part: list[int], documents: list[Document]) -> None:
        nonlocal done
        built.update(zip(part, documents))
        done += len(part)
        if progress:
            progress(done)

    if jobs > 1 and len(chunks) > 1:
        for (scope, part), documents in zip(chunks, _build_in_processes(files, chunks, jobs)):
            collect(part, documents)
    else:
        for scope, part in chunks:
            collect(part, build_documents([files[i] for i in part], scope))
    return [built[i] for i in range(len(files))]


# Below this much text, starting worker processes costs more than it saves.
PARALLEL_MIN_CHARS = 200_000


def _chunks(indexes: list[int], files: Sequence[tuple[str, str]], jobs: int, progress: bool) -> list[list[int]]:
    """Split files into runs of similar size: several per worker so they stay busy, and
    small enough that a progress bar moves."""
    total = sum(len(files[i][1]) for i in indexes)
    if jobs <= 1 or total < PARALLEL_MIN_CHARS:
        size = 16 if progress else max(1, len(indexes))
        return [indexes[at:at + size] for at in range(0, len(indexes), size)]
    target = max(total // (jobs * 4), 1)
    chunks, current, current_size = [], [], 0
    for index in indexes:
        current.append(index)
        current_size += len(files[index][1])
        if current_size >= target:
            chunks.append(current)
            current, current_size = [], 0
    if current:
        chunks.append(current)
    return chunks


def _build_in_processes(files: Sequence[tuple[str, str]], chunks: list[tuple[str, list[int]]], jobs: int):
    """Build chunks of documents in worker processes, yielding results in chunk order.

    Workers are forked after the spaCy pipeline is loaded here, so each starts warm.
    Where fork is unavailable, documents are built in this process.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from verifier.document import build_documents
    from verifier.nlp import get_nlp

    if "fork" not in multiprocessing.get_all_start_methods():
        for scope, part in chunks:
            yield build_documents([files[i] for i in part], scope)
        return
    get_nlp()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(build_documents, [files[i] for i in part], scope) for scope, part in chunks]
        for future in futures:
            yield future.result()


def _groups(documents: list[Document], chosen: dict[str, Settings]) -> list[list[Document]]:
    """Documents whose rules read the same options run together (usually all of them),
    so corpus rules compare every draft that shares them."""
    groups: dict[str, list[Document]] = {}
    for doc in documents:
        key = json.dumps(chosen[doc.path].rule_options(), sort_keys=True, default=str)
        groups.setdefault(key, []).append(doc)
    return list(groups.values())


def _apply_settings(diagnostics: list[Diagnostic], chosen: dict[str, Settings]) -> list[Diagnostic]:
    """Each file's own selection, per-file ignores and severity overrides."""
    rules = {r.name: r for r in all_rules()}
    kept = []
    for diagnostic in diagnostics:
        own = chosen[diagnostic.path]
        rule = rules[diagnostic.rule]
        if own.enabled_for(rule, diagnostic.path):
            diagnostic.severity = own.severity_of(rule)
            kept.append(diagnostic)
    return kept
