"""The ``verifier`` command line.

Exit codes: 0 nothing at or above the fail level, 1 findings at or above it, 2 verifier
could not do its job (bad arguments, missing or unreadable input). Every error is one
line on stderr.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from verifier import __version__
from verifier.reader import BinaryInput, Draft, InputError, decode, expand_paths, read_draft

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


def load_drafts(paths: list[str], stdin_filename: Optional[str]) -> list[Draft]:
    """Read every draft named or found under a directory; binary files are skipped with a note."""
    files, empty_dirs = expand_paths(paths)
    for directory in empty_dirs:
        _note(f"{directory}: no Markdown or text drafts found")
    drafts = []
    for path in files:
        try:
            if path == "-":
                name = stdin_filename or "<stdin>"
                drafts.append(Draft(name, decode(sys.stdin.buffer.read(), name)))
            else:
                drafts.append(read_draft(path))
        except BinaryInput as skipped:
            _note(str(skipped))
    return drafts


def _write(text: str, output_file: Optional[Path]) -> None:
    if output_file is None:
        sys.stdout.write(text)
        return
    try:
        output_file.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"{output_file}: cannot write ({error.strerror or error})") from None


@app.command()
def check(
    paths: Annotated[list[str], typer.Argument(help="Files or directories to check; - reads stdin.", show_default=False)],
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    output_file: Annotated[Optional[Path], typer.Option("--output-file", "-o", help="Write the report here.")] = None,
    stdin_filename: Annotated[Optional[str], typer.Option(help="Name to report for input read from stdin.")] = None,
    select: Annotated[Optional[str], typer.Option(help="Comma-separated rules (names, codes or prefixes) to run.")] = None,
    ignore: Annotated[Optional[str], typer.Option(help="Comma-separated rules to skip.")] = None,
    online: Annotated[bool, typer.Option("--online", help="Fetch cited sources missing from the source store first.")] = False,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Source store and HTTP cache [default: $VERIFIER_CACHE_DIR or ./cache].")] = None,
) -> None:
    """Check drafts and report problems with their statistics and citations."""
    from verifier.document import build_documents
    from verifier.engine import run_rules
    from verifier.reporters import FORMATS, Report, render
    from verifier.settings import Settings

    if output_format not in FORMATS:
        raise UsageFailure(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}")
    settings = Settings(select=_split(select), ignore=_split(ignore))
    drafts = load_drafts(paths, stdin_filename)
    documents = build_documents([(d.path, d.text) for d in drafts], settings.attachment)
    from verifier.cli_sources import rule_context  # sources: offline store unless --online

    diagnostics = run_rules(documents, settings, rule_context(documents, settings.options, online, cache_dir))
    color = output_file is None and sys.stdout.isatty()
    report = Report(diagnostics=diagnostics, documents=documents, files_checked=len(drafts), color=color)
    _write(render(output_format, report), output_file)
    failing = [d for d in diagnostics if d.severity.rank >= settings.fail_on.rank]
    raise typer.Exit(1 if failing else 0)


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
    import click

    try:
        app(args=argv, prog_name="verifier", standalone_mode=False)
    except typer.Exit as done:
        return done.exit_code
    except click.exceptions.Exit as done:
        return done.exit_code
    except (InputError, UsageFailure) as failure:
        _error(str(failure))
        return 2
    except click.UsageError as failure:
        _error(failure.format_message().splitlines()[0] if failure.format_message() else str(failure))
        return 2
    except click.Abort:
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
        _error(f"internal error: {type(failure).__name__}: {failure} (please report this)")
        return 2
    return 0
