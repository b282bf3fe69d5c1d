"""Run the rules over drafts, in worker processes when it pays, and place their findings in files."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator, Sequence

from verifier.baseline import Baseline, canonical_path
from verifier.document import Document, LineMap, TextMap
from verifier.inventory import claim_record
from verifier.model import Diagnostic, Finding, Location
from verifier.registry import Rule, RuleContext, all_rules, find_rule, rule_named
from verifier.result import LintResult
from verifier.settings import Settings
from verifier.suppressions import Suppressions


def run_rules(documents: list[Document], settings: Settings, context: RuleContext | None = None) -> list[Diagnostic]:
    """Every enabled rule over documents already built; diagnostics sorted by file and position."""
    context = context or RuleContext(options=settings.options)
    comparison = _Comparison(settings, context)
    rules = enabled_rules(settings)
    diagnostics: list[Diagnostic] = []
    for doc in documents:
        own, digests = _own_rules(doc, rules, settings, context)
        diagnostics.extend(own)
        diagnostics.extend(comparison.findings(doc.text_map(), digests))
    _disambiguate_fingerprints(diagnostics)
    return sorted(diagnostics, key=lambda d: d.sort_key)


def enabled_rules(settings: Settings) -> list[Rule]:
    """The rules a run's settings select, in code order: worked out once per run, not per
    document (matching selectors against every rule for each draft cost 0.1 s per MB)."""
    return [rule for rule in all_rules() if settings.enabled(rule)]


def _own_rules(doc: Document, rules: list[Rule], settings: Settings,
               context: RuleContext) -> tuple[list[Diagnostic], dict[str, Any]]:
    """The findings of the given rules within one document, placed, and the digests the
    rules comparing documents take of it (by rule name)."""
    diagnostics: list[Diagnostic] = []
    digests: dict[str, Any] = {}
    by_path = {doc.path: doc}
    for rule in rules:
        if rule.across is None:
            findings = rule.check(doc, context)
        else:
            findings, digests[rule.name] = rule.check(doc, context)
        diagnostics.extend(_place(rule, settings, doc, finding, by_path) for finding in findings)
    return diagnostics, digests


class _Comparison:
    """The rules comparing documents, fed each document's digests in input order. Of a
    document compared, only its line map is kept, to place what later findings point to."""

    def __init__(self, settings: Settings, context: RuleContext) -> None:
        self.settings = settings
        self.comparers = [(rule, rule.across(context)) for rule in enabled_rules(settings) if rule.across is not None]
        self.line_maps: dict[str, LineMap | TextMap] = {}

    def findings(self, place: TextMap, digests: dict[str, Any]) -> list[Diagnostic]:
        """The findings in this document of the rules comparing it with earlier ones, placed."""
        self.line_maps[place.path] = place
        diagnostics = [_place(rule, self.settings, place, finding, self.line_maps)
                       for rule, compare in self.comparers for finding in compare(digests[rule.name])]
        self.line_maps[place.path] = LineMap(place.path, place.line_starts)
        return diagnostics


def _place(rule: Rule, settings: Settings, doc: Document | TextMap, finding: Finding,
           by_path: dict[str, Document | TextMap | LineMap]) -> Diagnostic:
    line, column = doc.position(finding.start)
    end_line, end_column = doc.position(max(finding.start, finding.end))
    claim = None
    if finding.claim is not None:
        index = doc.claim_index.get(finding.claim)
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


def _fingerprint(rule: Rule, doc: Document | TextMap, finding: Finding) -> str:
    """Rule, path and the text the finding is about, never its line: edits elsewhere keep it."""
    anchor = finding.anchor if finding.anchor is not None else doc.text[finding.start:finding.end]
    sentence = doc.sentence_of(finding.start)
    context = doc.sentence_text(sentence) if sentence >= 0 else ""
    # " ".join(split()) is re.sub(r"\s+", " ") then strip(), at a fraction of the cost:
    # str.split and the pattern's \s agree on every code point.
    key = "\x1f".join([rule.name, canonical_path(doc.path), " ".join(anchor.split()), " ".join(context.split())])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def _disambiguate_fingerprints(diagnostics: list[Diagnostic]) -> None:
    """Identical findings (a pasted paragraph) get an occurrence number, in file order."""
    seen: Counter[str] = Counter()
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key):
        count = seen[diagnostic.fingerprint]
        seen[diagnostic.fingerprint] += 1
        if count:
            diagnostic.fingerprint = f"{diagnostic.fingerprint}-{count}"


def lint(
    files: Sequence[tuple[str, str]],
    settings: Settings | Callable[[str], Settings],
    context: RuleContext | Callable[[Sequence[tuple[str, str]]], RuleContext] | None = None,
    baseline: Baseline | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int = 1,
    keep_documents: bool = True,
) -> LintResult:
    """The whole pipeline after reading: documents, rules, configuration, suppressions, baseline.

    ``settings`` is one :class:`Settings` for every file, or a function giving each file
    its own (the closest configuration file wins). The CLI and the tests both come
    through here, so fixtures see exactly what users see. ``context`` may be a function
    of the files (the CLI fills the source store for the sources they cite).
    ``progress`` is called with the number of files checked so far; ``jobs`` processes
    check files when there is enough text to make it pay.

    Each file is checked on its own, in a worker when ``jobs`` > 1: its document is built,
    the rules that look at one document run on it and its findings are placed, and the
    rules that compare documents take a digest of it. Back here, in input order, the
    digests are compared with the earlier files', the file's findings are settled
    (settings, suppressions) and only its line starts are kept (and the document itself
    when ``keep_documents``), so memory grows with the findings, not with the documents.
    """
    settings_for = settings if callable(settings) else (lambda _path, _s=settings: _s)
    chosen = {path: settings_for(path) for path, _ in files}
    if callable(context):
        context = context(files)
    plans = _plans(files, chosen, context)
    comparisons = [_Comparison(plan.settings, plan.context) if plan.settings else None for plan in plans]
    comparison_of = {index: comparisons[n] for n, plan in enumerate(plans) for index in plan.indexes}

    result = LintResult([], [], chosen)
    meta = find_rule("unused-suppression")
    kept: list[Diagnostic] = []
    for index, one in enumerate(_check_files(files, chosen, plans, progress, jobs, keep_documents)):
        comparison = comparison_of[index]
        found = one.diagnostics + (comparison.findings(one.place, one.digests) if comparison else [])
        kept.extend(_finish(one, found, chosen[one.place.path], meta, result))
        if one.document is not None:
            result.documents.append(one.document)
    _disambiguate_fingerprints(kept)

    if baseline is not None:
        kept = baseline.filter(kept)
        result.baselined = baseline.hidden
        result.stale_baseline = baseline.stale([path for path, _ in files])
    result.diagnostics = sorted(kept, key=lambda d: d.sort_key)
    return result


def _finish(one: _Checked, found: list[Diagnostic], settings: Settings, meta: Rule | None,
            result: LintResult) -> list[Diagnostic]:
    """A document's findings after its own configuration and suppressions, with its unused
    suppressions; counts what they silenced in ``result``."""
    path = one.place.path
    _disambiguate_fingerprints(found)
    found = _apply_settings(sorted(found, key=lambda d: d.sort_key), settings, path)
    suppressions = one.suppressions
    own = suppressions.filter(found)
    result.suppressed += suppressions.suppressed
    if meta is not None and settings.enabled_for(meta, path):
        ran = lambda rule: _judged(rule) and settings.enabled_for(rule, path)  # noqa: E731
        for finding in suppressions.unused(ran):
            placed = _place(meta, settings, one.place, finding, {})
            if suppressions.silences(placed):
                result.suppressed += 1
            else:
                own.append(placed)
    return own


def _judged(rule: Rule) -> bool:
    """Whether a suppression of this rule can be called unused. Source rules report only
    what the source store holds, which differs between machines (a writer offline, CI with
    every source pulled), so a suppression of one is never reported as unused."""
    return rule.family != "sources"


@dataclass
class _Plan:
    """Files whose rules read the same options (usually all of them) are checked with one
    selection, the union of theirs, so the rules comparing documents compare all of them."""

    settings: Settings | None        # None: no rule runs on these files
    context: RuleContext
    indexes: list[int]
    rules: list[Rule]                # what settings enables


def _plans(files: Sequence[tuple[str, str]], chosen: dict[str, Settings], context: RuleContext | None) -> list[_Plan]:
    groups: dict[str, list[int]] = {}
    for index, (path, _) in enumerate(files):
        key = json.dumps(chosen[path].rule_options(), sort_keys=True, default=str)
        groups.setdefault(key, []).append(index)
    plans = []
    for indexes in groups.values():
        # Drafts under one configuration file share its Settings: look at each once.
        group_settings = list({id(s): s for s in (chosen[files[i][0]] for i in indexes)}.values())
        rules = [r for r in all_rules() if any(s.enabled(r) for s in group_settings)]
        union = Settings(select=[r.name for r in rules], options=group_settings[0].rule_options())
        group_context = replace(context, options=union.options) if context else RuleContext(options=union.options)
        plans.append(_Plan(union if rules else None, group_context, indexes, rules))
    return plans


@dataclass
class _Checked:
    """One file after the rules that look at it alone: what the rest of the run needs of it."""

    place: TextMap
    diagnostics: list[Diagnostic]
    digests: dict[str, Any]          # by rule name, for the rules comparing documents
    suppressions: Suppressions
    document: Document | None        # only when the caller keeps documents


def _check_document(doc: Document, plan: _Plan, keep_document: bool) -> _Checked:
    own, digests = _own_rules(doc, plan.rules, plan.settings, plan.context) if plan.settings else ([], {})
    checked = _Checked(doc.text_map(), own, digests, Suppressions.parse(doc), doc if keep_document else None)
    if not keep_document:
        doc.forget_analyses()
    return checked


# Below this much text, starting worker processes costs more than it saves.
PARALLEL_MIN_CHARS = 200_000
# A batch of files built together: enough blocks for spaCy's stream to pay, few enough
# documents alive at once to keep memory flat.
BATCH_CHARS = 250_000
# The smallest batch worth sending to a worker, at the end of a parallel run.
MIN_PARALLEL_BATCH_CHARS = 20_000

# What worker processes read, set before they are forked (so nothing is pickled to them).
_RUN: tuple | None = None


def _check_files(files: Sequence[tuple[str, str]], chosen: dict[str, Settings], plans: list[_Plan],
                 progress: Callable[[int], None] | None, jobs: int, keep_documents: bool) -> Iterator[_Checked]:
    """Every file checked, in input order, in batches; in ``jobs`` processes when it pays.
    A batch is handed on as soon as it and those before it are done."""
    global _RUN
    plan_of = {index: plan for plan in plans for index in plan.indexes}
    _RUN = (files, chosen, plan_of, keep_documents)
    batches = _batches(files, jobs, bool(progress))
    done = 0
    try:
        for batch in _in_processes(batches, jobs) if jobs > 1 and len(batches) > 1 else map(_check_batch, batches):
            done += len(batch)
            if progress:
                progress(done)
            yield from batch
    finally:
        _RUN = None


def _check_batch(indexes: list[int]) -> list[_Checked]:
    """Build a batch of files (one stream through spaCy per attachment scope) and check each."""
    from verifier.document import build_documents

    files, chosen, plan_of, keep_documents = _RUN
    by_scope: dict[str, list[int]] = {}
    for index in indexes:
        by_scope.setdefault(chosen[files[index][0]].attachment, []).append(index)
    checked: dict[int, _Checked] = {}
    for scope, part in by_scope.items():
        for index, doc in zip(part, build_documents([files[i] for i in part], scope)):
            checked[index] = _check_document(doc, plan_of[index], keep_documents)
    return [checked[index] for index in indexes]


def _batches(files: Sequence[tuple[str, str]], jobs: int, progress: bool) -> list[list[int]]:
    """Runs of consecutive files of at most ``BATCH_CHARS`` (or one file); with a progress
    bar, small enough that it moves.

    In parallel, a batch holds at most a quarter of a worker's share of what is left, so
    batches shrink towards the end of the run: the last ones finish close together
    instead of one worker checking a full batch while the others wait.
    """
    remaining = sum(len(text) for _, text in files)
    parallel = jobs > 1 and remaining >= PARALLEL_MIN_CHARS
    most = 16 if progress else len(files)
    batches: list[list[int]] = []
    current: list[int] = []
    size = 0
    limit = _batch_limit(remaining, jobs, parallel)
    for index, (_, text) in enumerate(files):
        if current and (size + len(text) > limit or len(current) >= most):
            batches.append(current)
            remaining -= size
            current, size = [], 0
            limit = _batch_limit(remaining, jobs, parallel)
        current.append(index)
        size += len(text)
    if current:
        batches.append(current)
    return batches


def _batch_limit(remaining: int, jobs: int, parallel: bool) -> int:
    if not parallel:
        return BATCH_CHARS
    return min(BATCH_CHARS, max(remaining // (jobs * 4), MIN_PARALLEL_BATCH_CHARS))


def _in_processes(batches: list[list[int]], jobs: int) -> Iterator[list[_Checked]]:
    """Batches checked in worker processes, in batch order.

    Workers are forked after the spaCy pipeline and the rules are loaded here, so each
    starts warm and reads the run's files from memory. Where fork is unavailable, the
    batches are checked in this process.
    """
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from verifier.nlp import get_nlp

    if "fork" not in multiprocessing.get_all_start_methods():
        yield from map(_check_batch, batches)
        return
    get_nlp()
    all_rules()
    # Out of the cycle collector's passes, the loaded pipeline and rules stay shared with
    # the workers: a pass writes to every object it visits, which copies its page (the
    # CPU time of --jobs 2 on bench/throughput.py's 6 MB fell by 5%).
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_check_batch, batches)
    finally:
        gc.unfreeze()   # a library caller's objects are collected again after the run


def _apply_settings(diagnostics: list[Diagnostic], settings: Settings, path: str) -> list[Diagnostic]:
    """One file's own selection, per-file ignores and severity overrides."""
    kept = []
    for diagnostic in diagnostics:
        rule = rule_named(diagnostic.rule)
        if settings.enabled_for(rule, path):
            diagnostic.severity = settings.severity_of(rule)
            kept.append(diagnostic)
    return kept
