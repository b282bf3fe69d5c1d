"""``verifier sources``: fill and inspect the source store that source rules read.

- ``pull PATH...`` resolves every source the drafts cite (DOI, PubMed, PMC, URL) and saves
  one JSON record per source; exit 0 when all resolved, 1 when some could not be had
  (recorded as unavailable), 3 when nothing could be fetched at all (offline?).
- ``add URL-OR-ID --file FILE`` attaches text the editor saved (.txt, .html, .pdf), for a
  paywalled paper; nothing is fetched.
- ``list`` and ``show URL-OR-ID`` print what the store holds.

Network code is imported only inside ``pull``; every failure is one line on stderr.
"""

# Annotations evaluated at import, as in verifier/cli.py: typer reads them on each run.
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    no_args_is_help=True,
    help="Fetch, attach and inspect the sources that drafts cite (the source store).",
    context_settings={"help_option_names": ["-h", "--help"]},
)

CacheDir = Annotated[Optional[Path], typer.Option(
    "--cache-dir", help="Cache directory holding the source store (default: $VERIFIER_CACHE_DIR, else ./cache).")]
EXIT_OFFLINE = 3


def _store(cache_dir: Optional[Path]):
    from verifier.sources.store import SourceStore

    return SourceStore.in_cache(cache_dir)


def _note(message: str) -> None:
    typer.echo(f"verifier: {message}", err=True)


def _report_problems(store) -> None:
    for problem in store.problems:
        _note(problem)
    for note in store.notes:
        _note(note)


def _cannot_write(store, error: OSError) -> Exception:
    from verifier.cli import UsageFailure

    return UsageFailure(f"{store.folder}: cannot write the source store ({error.strerror or error})")


def source_target(argument: str) -> str:
    """A target from what a person types: a URL, ``10.x/y``, ``doi:...``, ``PMC123``, ``123456``."""
    from verifier.cli import UsageFailure
    from verifier.sources.ids import canonical

    value = argument.strip()
    lowered = value.lower()
    if lowered.startswith(("http://", "https://")):
        return canonical(f"url:{value}")
    if lowered.startswith(("doi:", "pmid:", "pmcid:", "url:")):
        return canonical(value)
    if lowered.startswith("10.") and "/" in value:
        return canonical(f"doi:{value}")
    if lowered.startswith("pmc") and value[3:].isdigit():
        return canonical(f"pmcid:{value}")
    if value.isdigit():
        return f"pmid:{value}"
    if lowered.startswith("www."):
        return canonical(f"url:https://{value}")
    raise UsageFailure(f"{argument!r} is not a URL, DOI, PMID or PMC id")


@app.command()
def pull(
    paths: Annotated[list[str], typer.Argument(help="Drafts or directories whose cited sources to fetch.", show_default=False)],
    cache_dir: CacheDir = None,
    refresh: Annotated[bool, typer.Option(help="Fetch again sources already in the store.")] = False,
    email: Annotated[Optional[str], typer.Option(help="Contact email sent to NCBI and Crossref (default: $VERIFIER_EMAIL).")] = None,
) -> None:
    """Resolve every source the drafts cite and save its text in the source store."""
    from verifier.cli import load_drafts
    from verifier.sources.pull import pull as pull_sources
    from verifier.sources.settings import SourcesConfig
    from verifier.sources.store import default_cache_dir

    from verifier.config import Configuration

    configuration = Configuration()   # the drafts' configuration file: contact-email, cache-dir, exclude
    drafts = load_drafts(paths, None, skip=configuration.excluded)
    run = configuration.settings_for(drafts[0].path if drafts else "-")
    if cache_dir is None and run.cache_dir:
        cache_dir = Path(run.cache_dir)
    targets, links = cited_sources([(d.path, d.text) for d in drafts])
    store = _store(cache_dir)
    store.records()
    _report_problems(store)
    if not targets:
        typer.echo("No citable sources (DOI, PubMed, PMC or web links) in the drafts.")
        return
    config = SourcesConfig.from_options(run.options)
    if email:
        config.email = email
    if not config.email:
        _note("no contact email set (--email or VERIFIER_EMAIL); NCBI and Crossref ask for one")
    try:
        store.ensure_writable()
        with typer.progressbar(length=len(targets), label=f"Resolving {len(targets)} sources", file=sys.stderr) as bar:
            result = pull_sources(targets, store, config, default_cache_dir(cache_dir), refresh=refresh,
                                  advance=lambda _target: bar.update(1), links=links)
    except OSError as error:
        raise _cannot_write(store, error) from None
    for note in result.notes:
        _note(note)
    typer.echo(pull_summary(result, store))
    if result.offline:
        _note("no source could be reached; is this machine offline? Nothing was recorded as unavailable")
        raise typer.Exit(EXIT_OFFLINE)
    raise typer.Exit(1 if result.failed else 0)


def pull_summary(result, store) -> str:
    lines = []
    with_text = [r for r in result.resolved if r.has_text]
    kinds: dict[str, int] = {}
    for record in with_text:
        kinds[record.text_kind or "text"] = kinds.get(record.text_kind or "text", 0) + 1
    detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    lines.append(f"Resolved {len(result.resolved)} source{'s' if len(result.resolved) != 1 else ''}"
                 + (f" ({detail})" if detail else "") + f"; {len(result.kept)} already in the store.")
    for record in result.without_text:
        lines.append(f"  no text: {record.key} {record.title[:70]!r} (attach it with `verifier sources add`)")
    for record in result.retracted:
        status = (record.retraction or {}).get("status", "retracted")
        lines.append(f"  RETRACTED ({status}): {record.key} {record.title[:70]!r}")
    if result.failed:
        lines.append(f"Failed {len(result.failed)}:")
        for record in result.failed:
            lines.append(f"  {record.key}: {(record.error or {}).get('message', 'failed')}")
    lines.append(f"Store: {store.folder}")
    return "\n".join(lines)


@app.command()
def add(
    source: Annotated[str, typer.Argument(help="The source's URL, DOI, PMID or PMC id, as the draft cites it.", show_default=False)],
    file: Annotated[Path, typer.Option("--file", "-f", help="The saved text: .txt, .html or .pdf.", show_default=False)],
    cache_dir: CacheDir = None,
    title: Annotated[Optional[str], typer.Option(help="The source's title, if the store does not know it.")] = None,
) -> None:
    """Attach text saved from a source (a paywalled article): it becomes that source's record."""
    from verifier.cli import UsageFailure
    from verifier.sources.http import FetchError
    from verifier.sources.resolvers import page_text
    from verifier.sources.store import SourceRecord

    target = source_target(source)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise UsageFailure(f"{file}: no such file") from None
    except IsADirectoryError:
        raise UsageFailure(f"{file}: is a directory") from None
    except OSError as error:
        raise UsageFailure(f"{file}: cannot read ({error.strerror or error})") from None
    content_type = {".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html", ".xhtml": "text/html",
                    ".txt": "text/plain", ".text": "text/plain", ".md": "text/plain", ".xml": "application/xml"
                    }.get(file.suffix.lower(), "")
    try:
        extracted, _ = page_text(data, content_type, str(file))
    except FetchError as error:
        raise UsageFailure(str(error)) from None
    if not extracted.text.strip():
        raise UsageFailure(f"{file}: no text found")
    store = _store(cache_dir)
    existing = store.get(target)
    _report_problems(store)
    record = existing if existing is not None else SourceRecord(key=target)
    if existing is None and target.startswith("url:"):
        record.url = target[4:]
        record.ids["url"] = target[4:]
    record.status, record.error = "ok", None
    record.text = extracted.text
    record.sections = [[offset, name] for offset, name in extracted.sections]
    record.text_kind = "attached"
    record.obtained = f"attached {file.name}"
    record.title = title or record.title or extracted.title
    from datetime import datetime, timezone

    record.fetched_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    try:
        path = store.put(record)
    except OSError as error:
        raise _cannot_write(store, error) from None
    typer.echo(f"Attached {len(record.text):,} characters of text to {target} ({path})")


@app.command("list")
def list_sources(cache_dir: CacheDir = None) -> None:
    """List the sources in the store: status, kind of text, year and title."""
    store = _store(cache_dir)
    records = store.records()
    _report_problems(store)
    if not records:
        typer.echo(f"The source store is empty ({store.folder}).")
        return
    rows = [("SOURCE", "STATUS", "TEXT", "YEAR", "TITLE")]
    for r in records:
        status = "retracted" if r.retracted else r.status
        if r.status == "unavailable":
            status = f"unavailable ({(r.error or {}).get('kind', '?')})"
        text = f"{r.text_kind or 'text'} {len(r.text):,}" if r.text else "none"
        rows.append((r.key, status, text, str(r.year or ""), r.title[:60]))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        typer.echo(("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]).rstrip())
    typer.echo(f"\n{len(records)} source{'s' if len(records) != 1 else ''} in {store.folder}")


@app.command()
def show(
    source: Annotated[str, typer.Argument(help="A URL, DOI, PMID or PMC id.", show_default=False)],
    cache_dir: CacheDir = None,
    full: Annotated[bool, typer.Option("--text", help="Print the whole text, not its start.")] = False,
) -> None:
    """Show one source's record: identifiers, status, retraction, and its text."""
    target = source_target(source)
    store = _store(cache_dir)
    record = store.get(target)
    _report_problems(store)
    if record is None:
        _note(f"{target} is not in the source store ({store.folder}); `verifier sources pull` or `add` puts it there")
        raise typer.Exit(1)
    lines = [f"source:     {record.key}"]
    for name, value in sorted(record.ids.items()):
        lines.append(f"{name + ':':<11} {value}")
    for label, value in (("title", record.title), ("year", record.year), ("container", record.container),
                         ("authors", ", ".join(record.authors[:6]) + (" et al." if len(record.authors) > 6 else "")),
                         ("status", record.status), ("obtained", record.obtained), ("fetched_at", record.fetched_at),
                         ("hash", record.content_hash)):
        if value:
            lines.append(f"{label + ':':<11} {value}")
    if record.error:
        lines.append(f"{'error:':<11} {record.error.get('message') or record.error.get('kind')}")
    if record.retraction:
        lines.append(f"{'retraction:':<11} {record.retraction.get('status')} ({record.retraction.get('source')})")
        for notice in record.retraction.get("notices", []):
            lines.append(f"            {notice.get('type')} {notice.get('doi') or notice.get('label', '')} {notice.get('date', '')}".rstrip())
    text = record.text if full or len(record.text) <= 1200 else record.text[:1200] + f"\n… ({len(record.text):,} characters; --text shows all)"
    lines.append("")
    lines.append(text if text else "(no text)")
    typer.echo("\n".join(lines))


def cited_sources(files) -> tuple[list[str], dict[str, str]]:
    """Every source the files cite, in order, and for those cited by a link, the link (a
    fallback when the identifier fails). Documents are built a few at a time and dropped."""
    from verifier.document import build_documents
    from verifier.sources.cited import document_sources, source_links

    targets: dict[str, None] = {}
    links: dict[str, str] = {}
    for at in range(0, len(files), 64):
        for doc in build_documents(files[at:at + 64]):
            targets.update(dict.fromkeys(document_sources(doc)))
            for target, url in source_links(doc).items():
                links.setdefault(target, url)
    return list(targets), links


def rule_context(files, options: dict, online: bool, cache_dir: Optional[Path]):
    """The :class:`RuleContext` for ``verifier check``: the source store, filled first when ``online``.

    Offline (the default) nothing is fetched and nothing network-related is imported.
    """
    from verifier.registry import RuleContext
    from verifier.sources.store import SourceStore, default_cache_dir

    store = SourceStore.in_cache(cache_dir)
    store.records()
    if online:
        from verifier.sources.pull import pull as pull_sources
        from verifier.sources.settings import SourcesConfig

        targets, links = cited_sources(files)
        missing = [t for t in targets if (store.get(t) is None or store.get(t).status != "ok")]
        if missing:
            try:
                store.ensure_writable()
                result = pull_sources(missing, store, SourcesConfig.from_options(options), default_cache_dir(cache_dir),
                                      links=links)
            except OSError as error:
                raise _cannot_write(store, error) from None
            for note in result.notes:
                _note(note)
            if result.offline:
                _note(f"--online: none of {len(missing)} missing sources could be reached (offline?)")
            elif result.failed:
                _note(f"--online: {len(result.failed)} of {len(missing)} missing sources could not be fetched")
    _report_problems(store)
    # An empty store would have the source rules work out every claim's sources only to
    # find no record of any: about 0.2 s per MB of an offline check, for nothing.
    return RuleContext(options=options, sources=store if store.in_use() else None)
