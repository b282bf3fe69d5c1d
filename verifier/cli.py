"""The ``verifier`` command line.

Exit codes: 0 nothing at or above the fail level, 1 findings at or above it, 2 verifier
could not do its job (bad arguments, missing or unreadable input). Every error is one
line on stderr.
"""

# No `from __future__ import annotations`: typer reads every command's annotations on each
# run, and evaluating them from strings took 12 ms of a cached re-check's 0.15 s.
import csv
import gc
import io
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Callable, Iterable, Optional

import typer

from verifier import __version__
from verifier.baseline import BaselineError
from verifier.config import ConfigError
from verifier.reader import BinaryInput, Draft, InputError, expand_paths, read_draft, read_stream

GC_YOUNG_THRESHOLD = 200_000

# A mistyped command or option. typer raises click's UsageError, or since typer vendored
# click (0.2x), its own copy of it, which click's class does not catch: the base of
# typer.BadParameter is the right one either way.
_CommandLineError = next((base for base in typer.BadParameter.__mro__ if base.__name__ == "UsageError"),
                         typer.BadParameter)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Lint health drafts for unsourced, duplicated, contradicted and mis-cited statistics.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


class UsageFailure(Exception):
    """Bad arguments or input: printed as one line, exit 2."""


class ClaimsFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def _error(message: str) -> None:
    typer.echo(f"verifier: error: {message}", err=True)


def _note(message: str) -> None:
    typer.echo(f"verifier: {message}", err=True)


def load_drafts(paths: list[str], stdin_filename: Optional[str],
                skip: Optional[Callable[[str], bool]] = None) -> list[Draft]:
    """Read every draft named or found under a directory; binary files are skipped with a note.

    ``skip`` says whether a file is excluded by configuration (``exclude``).
    """
    files, empty_dirs = expand_paths(paths)
    if skip is not None:
        files = [path for path in files if not skip(path)]
    for directory in empty_dirs:
        _note(f"{directory}: no Markdown or text drafts found")
    drafts = []
    for path in files:
        try:
            if path == "-":
                name = stdin_filename or "<stdin>"
                drafts.append(read_stream(sys.stdin.buffer, name))
            else:
                drafts.append(read_draft(path))
        except BinaryInput as skipped:
            _note(str(skipped))
    return drafts


def _write(text: str | Iterable[str], output_file: Optional[Path]) -> None:
    """Write a report, or the pieces of one in turn, to stdout or ``output_file``."""
    pieces = [text] if isinstance(text, str) else text
    if output_file is None:
        for piece in pieces:
            sys.stdout.write(piece)
        return
    from verifier.files import replacing

    try:
        with replacing(output_file, durable=False) as handle:
            for piece in pieces:
                handle.write(piece)
    except OSError as error:
        raise InputError(f"{output_file}: cannot write ({error.strerror or error})") from None


class ColorChoice(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


_COLOR_FORMATS = {"text", "concise", "grouped"}


def _use_color(choice: "ColorChoice", output_format: str, output_file: Optional[Path]) -> bool:
    """Colour only on a terminal, unless asked; NO_COLOR (any value) turns ``auto`` off."""
    if output_format not in _COLOR_FORMATS or choice is ColorChoice.never:
        return False
    if choice is ColorChoice.always:
        return True
    return output_file is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@app.command()
def check(
    paths: Annotated[list[str], typer.Argument(help="Files or directories to check; - reads stdin.", show_default=False)],
    output_format: Annotated[str, typer.Option(
        "--format", "-f", help="text, concise, grouped, json, sarif, github, junit or html.")] = "text",
    output_file: Annotated[Optional[Path], typer.Option("--output-file", "-o", help="Write the report here.")] = None,
    stdin_filename: Annotated[Optional[str], typer.Option(help="Name to report for input read from stdin.")] = None,
    select: Annotated[Optional[str], typer.Option(help="Comma-separated rules (names, codes or prefixes) to run.")] = None,
    extend_select: Annotated[Optional[str], typer.Option(help="Comma-separated rules to run as well.")] = None,
    ignore: Annotated[Optional[str], typer.Option(help="Comma-separated rules to skip.")] = None,
    fail_on: Annotated[Optional[str], typer.Option(help="Lowest severity that fails: error, warning or info.")] = None,
    config: Annotated[Optional[list[str]], typer.Option(
        "--config", help="Use this configuration file instead of the closest one, or override one setting "
                         "('key = value', TOML). Repeatable.")] = None,
    baseline: Annotated[Optional[Path], typer.Option(help="Hide the findings recorded in this baseline file.")] = None,
    write_baseline: Annotated[Optional[Path], typer.Option(
        help="Record every current finding in this baseline file, then exit 0.")] = None,
    prune_baseline: Annotated[bool, typer.Option("--prune-baseline", help="With --baseline: drop entries that no longer match.")] = False,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")] = False,
    statistics: Annotated[bool, typer.Option("--statistics", help="Show how many findings each rule produced, not the findings.")] = False,
    color: Annotated[ColorChoice, typer.Option(help="Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never.")] = ColorChoice.auto,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print findings only: no summary, notes or progress.")] = False,
    online: Annotated[Optional[bool], typer.Option("--online/--offline", help="Fetch cited sources missing from the source store first [default: the online setting, else offline].", show_default=False)] = None,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Source store, HTTP cache and result cache (default: the cache-dir setting, $VERIFIER_CACHE_DIR or ./cache).")] = None,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Processes that read and check drafts (default: the number of cores).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not read or write the result cache.")] = False,
    shard: Annotated[Optional[str], typer.Option(help="Check only shard K of N of the files (K/N, 1-based), for splitting a library across CI jobs.")] = None,
) -> None:
    """Check drafts and report problems with their statistics and citations."""
    from verifier.baseline import load as load_baseline, write as write_baseline_file
    from verifier.config import Configuration
    from verifier.reporters import FORMATS, Report, stream

    if output_format not in FORMATS:
        raise UsageFailure(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}")
    if prune_baseline and baseline is None:
        raise UsageFailure("--prune-baseline needs --baseline FILE")
    configuration = Configuration(config, cli={
        "select": _split(select) or None, "extend-select": _split(extend_select), "ignore": _split(ignore),
        "fail-on": fail_on})
    drafts = _shard(load_drafts(paths, stdin_filename, skip=configuration.excluded), shard)
    known = load_baseline(str(baseline)) if baseline is not None and write_baseline is None else None
    run = configuration.settings_for(drafts[0].path if drafts else "-")   # run-wide: sources, cache
    use_online = run.online if online is None else online
    store_dir = cache_dir or (Path(run.cache_dir) if run.cache_dir else None)

    files = [(d.path, d.text) for d in drafts]
    use_color = _use_color(color, output_format, output_file)
    results = shape = None
    if not (no_cache or use_online or output_format == "html"):
        from verifier.result_cache import ResultCache, folder_stamp, report_shape, run_key
        from verifier.sources.store import SourceStore, default_cache_dir

        results = ResultCache(default_cache_dir(store_dir) / "results")
        key = run_key(files, [configuration.settings_for(path) for path, _ in files], [
            os.getcwd(),   # fingerprints hold paths relative to it
            _file_stamp(baseline if known is not None else None),
            folder_stamp(SourceStore.in_cache(store_dir).folder)])
        # A run that only prints its report can print the one it printed last time; with a
        # baseline it also reports on it, and a step summary is written elsewhere.
        if baseline is None and write_baseline is None and not (
                output_format == "github" and os.environ.get("GITHUB_STEP_SUMMARY")):
            shape = report_shape(output_format, use_color, quiet, statistics)
            answered = results.load_report(key, shape)
            if answered is not None:
                failing, text = answered
                _write(text, output_file)
                raise typer.Exit(1 if failing and not exit_zero else 0)
        result = _cached_result(results.load(key), files, configuration)
    if results is None or result is None:
        from verifier.engine import lint

        progress = _progress(len(drafts), quiet)
        try:
            result = lint(files, configuration.settings_for,
                          context=lambda files: _sources_context(files, run.options, use_online, store_dir),
                          baseline=known, progress=progress.update if progress else None,
                          jobs=jobs or os.cpu_count() or 1, keep_documents=output_format == "html")
        finally:
            if progress:
                progress.finish()
        if results is not None:
            results.store(key, result.diagnostics, suppressed=result.suppressed, baselined=result.baselined,
                          stale_baseline=result.stale_baseline)
    if write_baseline is not None:
        count = write_baseline_file(str(write_baseline), result.diagnostics)
        if not quiet:
            _note(f"wrote {count} finding{'s' if count != 1 else ''} to {write_baseline}; "
                  f"check with --baseline {write_baseline} to see only new ones")
        raise typer.Exit(0)
    if known is not None and result.stale_baseline:
        if prune_baseline:
            dropped = known.prune(result.stale_baseline)
            if not quiet:
                _note(f"{baseline}: removed {dropped} entr{'ies' if dropped != 1 else 'y'} that no longer match")
        elif not quiet:
            stale = len(result.stale_baseline)
            _note(f"{baseline}: {stale} entr{'ies' if stale != 1 else 'y'} no longer match (fixed or changed); "
                  f"--prune-baseline drops them")
    report = Report(diagnostics=result.diagnostics, documents=result.documents, files_checked=len(drafts),
                    paths=[d.path for d in drafts], color=use_color, quiet=quiet,
                    suppressed=result.suppressed, baselined=result.baselined)
    if statistics:
        from verifier.reporters.text_format import statistics as statistics_table

        pieces = [statistics_table(report)]
    else:
        pieces = stream(output_format, report)
    if shape is not None:
        pieces = results.recording(key, shape, bool(result.failing()), pieces)
    _write(pieces, output_file)
    if output_format == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        _append_step_summary(report, os.environ["GITHUB_STEP_SUMMARY"])
    raise typer.Exit(1 if result.failing() and not exit_zero else 0)


def _sources_context(files, options, online: bool, folder):
    """The rules' context with the source store; imported only when a run needs it (not on a cache hit)."""
    from verifier.cli_sources import rule_context

    return rule_context(files, options, online, folder)


def _shard(drafts: list[Draft], shard: Optional[str]) -> list[Draft]:
    """Every N-th draft starting at the K-th, in the stable order paths are expanded in."""
    if shard is None:
        return drafts
    try:
        k, n = (int(part) for part in shard.split("/"))
        if not 1 <= k <= n:
            raise ValueError
    except ValueError:
        raise UsageFailure(f"--shard takes K/N with 1 <= K <= N, not {shard!r}") from None
    return drafts[k - 1::n]


def _file_stamp(path: Optional[Path]) -> str:
    """What the result cache needs to know about a file that shapes the findings (the baseline)."""
    if path is None:
        return "none"
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def _cached_result(entry: Optional[dict], files, configuration):
    """A LintResult rebuilt from a result-cache entry, without reading the drafts again."""
    if entry is None:
        return None
    from verifier.result import LintResult

    return LintResult(documents=[], diagnostics=entry["diagnostics"],
                      settings={path: configuration.settings_for(path) for path, _ in files},
                      suppressed=entry.get("suppressed", 0), baselined=entry.get("baselined", 0),
                      stale_baseline=entry.get("stale_baseline", []))


class _Progress:
    """A progress bar on stderr for long runs on a terminal (typer's, i.e. click's)."""

    def __init__(self, total: int) -> None:
        self.bar = typer.progressbar(length=total, label="Checking", file=sys.stderr)
        self.bar.__enter__()
        self.done = 0

    def update(self, done: int) -> None:
        self.bar.update(done - self.done)
        self.done = done

    def finish(self) -> None:
        self.bar.__exit__(None, None, None)


_PROGRESS_MIN_FILES = 20


def _progress(total: int, quiet: bool) -> Optional[_Progress]:
    if quiet or total < _PROGRESS_MIN_FILES or not sys.stderr.isatty():
        return None
    return _Progress(total)


def _append_step_summary(report, path: str) -> None:
    from verifier.reporters.github_format import step_summary

    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(step_summary(report))
    except OSError as error:
        _note(f"GITHUB_STEP_SUMMARY {path}: cannot write ({error.strerror or error})")


@app.command()
def merge(
    reports: Annotated[list[Path], typer.Argument(help="JSON reports of `verifier check --format json`, e.g. one per shard.", show_default=False)],
    output_format: Annotated[str, typer.Option("--format", "-f", help="Any format `check` writes except html.")] = "json",
    output_file: Annotated[Optional[Path], typer.Option("--output-file", "-o", help="Write the merged report here.")] = None,
    fail_on: Annotated[str, typer.Option(help="Lowest severity that fails: error, warning or info.")] = "warning",
) -> None:
    """Merge JSON reports (from shards of one library) into one report, without reading the drafts."""
    from verifier.model import Severity
    from verifier.reporters import FORMATS, Report, stream
    from verifier.reporters.json_format import ReportFormatError, read_report

    if output_format not in FORMATS or output_format == "html":
        raise UsageFailure(f"--format must be one of {', '.join(f for f in FORMATS if f != 'html')}")
    try:
        threshold = Severity(fail_on)
    except ValueError:
        raise UsageFailure(f"--fail-on must be error, warning or info, not {fail_on!r}") from None
    merged: dict[tuple[str, str], object] = {}
    files = 0
    for path in reports:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise InputError(f"{path}: cannot read ({error.strerror or error})") from None
        try:
            diagnostics, count = read_report(text, str(path))
        except ReportFormatError as error:
            raise InputError(str(error)) from None
        files += count
        for diagnostic in diagnostics:
            merged.setdefault((diagnostic.path, diagnostic.fingerprint), diagnostic)
    diagnostics = sorted(merged.values(), key=lambda d: d.sort_key)
    _write(stream(output_format, Report(diagnostics=diagnostics, files_checked=files)), output_file)
    raise typer.Exit(1 if any(d.severity.rank >= threshold.rank for d in diagnostics) else 0)


@app.command("config")
def show_config(
    path: Annotated[Optional[str], typer.Argument(
        help="A draft or directory whose settings to show [default: the current directory].", show_default=False)] = None,
    config: Annotated[Optional[list[str]], typer.Option(
        "--config", help="A configuration file, or a 'key = value' override, as for check.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the settings that apply to a draft and where each one came from."""
    from verifier.config import Configuration, describe

    target = path or "."
    draft = os.path.join(target, "_") if os.path.isdir(target) else target
    configuration = Configuration(config)
    typer.echo(describe(configuration.for_path(draft), target, as_json=as_json), nl=False)


@app.command()
def claims(
    paths: Annotated[list[str], typer.Argument(help="Files or directories; - reads stdin.", show_default=False)],
    output_format: Annotated[ClaimsFormat, typer.Option("--format", "-f")] = ClaimsFormat.table,
    output_file: Annotated[Optional[Path], typer.Option("--output-file", "-o")] = None,
    stdin_filename: Annotated[Optional[str], typer.Option()] = None,
) -> None:
    """List every numeric claim: the fact-check inventory an editor works through."""
    from verifier.document import build_documents
    from verifier.inventory import claim_records

    drafts = load_drafts(paths, stdin_filename)
    documents = build_documents([(d.path, d.text) for d in drafts])
    records = [record for doc in documents for record in claim_records(doc)]
    if output_format is ClaimsFormat.json:
        text = json.dumps({"version": 1, "claims": records}, indent=2, ensure_ascii=False) + "\n"
    elif output_format is ClaimsFormat.csv:
        text = _claims_csv(records)
    else:
        text = _claims_table(records)
    _write(text, output_file)


_CSV_COLUMNS = ("path", "line", "column", "kind", "text", "value", "low", "high", "operator", "unit", "hedge",
                "raw", "sourced", "citations", "sentence")


def _claims_csv(records: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = dict(record, citations=" ".join(c["target"] for c in record["citations"]))
        writer.writerow(row)
    return buffer.getvalue()


def _claims_table(records: list[dict]) -> str:
    if not records:
        return "No numeric claims found.\n"
    rows = [("LOCATION", "KIND", "CLAIM", "SOURCED", "SENTENCE")]
    for r in records:
        sentence = r["sentence"] if len(r["sentence"]) <= 60 else r["sentence"][:59] + "…"
        rows.append((f"{r['path']}:{r['line']}:{r['column']}", r["kind"], r["text"], "yes" if r["sourced"] else "NO", sentence))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4] for row in rows]
    return "\n".join(line.rstrip() for line in lines) + f"\n\n{len(records)} claims.\n"


@app.command("rules")
def list_rules() -> None:
    """Show every rule with its code, name, default severity and summary."""
    from verifier.registry import all_rules

    known = all_rules()
    width = max(len(r.name) for r in known)
    for r in known:
        typer.echo(f"{r.code}  {r.name.ljust(width)}  {r.severity.value.ljust(7)}  {r.summary}")


@app.command("rule")
def show_rule(name: Annotated[str, typer.Argument(help="A rule's name or code.")]) -> None:
    """Explain one rule, with a bad and a good example."""
    from verifier.registry import find_rule

    found = find_rule(name)
    if found is None:
        raise UsageFailure(f"no rule named {name!r}; `verifier rules` lists them")
    typer.echo(found.explanation)


def _register_subcommands() -> None:
    from verifier.cli_sources import app as sources_app

    app.add_typer(sources_app, name="sources")


_register_subcommands()


def _split(value: Optional[str]) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"verifier {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False,
) -> None:
    """verifier: a claim-verification linter for health writing."""


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point: run the app and turn every failure into one line and an exit code."""
    # A check allocates millions of objects that die young (tokens, spans, matches), beside
    # the large graph that importing spaCy leaves for good. At the default threshold of 700
    # allocations, young collections ran every few hundred of the former and full ones kept
    # walking the latter: 0.08 s of a one-draft check; the 20 MB library of
    # bench/large_inputs.py took 59 s, now 36 s. The run makes no cyclic garbage (documents
    # drop their analyses when done), so collecting less often costs no memory: 284 MB at
    # peak on that library, against 311 MB before.
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    try:
        # Without standalone mode click returns a command's exit code instead of raising.
        code = app(args=argv, prog_name="verifier", standalone_mode=False)
        if isinstance(code, int):
            return code
    except typer.Exit as done:
        return done.exit_code
    except (InputError, UsageFailure, ConfigError, BaselineError) as failure:
        _error(str(failure))
        return 2
    except _CommandLineError as failure:
        _error(failure.format_message().splitlines()[0] if failure.format_message() else str(failure))
        return 2
    except typer.Abort:
        _error("interrupted")
        return 130
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except MemoryError:
        _error("out of memory")
        return 2
    except Exception as failure:  # a bug: still one line, with what to report
        first_line = (str(failure).strip().splitlines() or [""])[0]
        _error(f"internal error: {type(failure).__name__}: {first_line} (please report this)")
        return 2
    return 0
