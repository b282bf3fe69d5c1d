"""Resolve many sources at once into the store: bounded concurrency, a summary of the outcome.

Used by ``verifier sources pull`` and ``verifier check --online``. Records already in the
store with text are kept unless ``refresh`` is set; unavailable ones are tried again.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from verifier.sources.ids import canonical
from verifier.sources.settings import SourcesConfig
from verifier.sources.store import SourceRecord, SourceStore

# Failures that may only mean this machine is offline: recorded only when other fetches worked.
NETWORK_KINDS = {"dns", "timeout", "refused", "connection"}
WORKERS = 4


@dataclass
class PullResult:
    resolved: list[SourceRecord] = field(default_factory=list)
    failed: list[SourceRecord] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)          # already in the store
    offline: bool = False                                  # every fetch failed at the network level
    notes: list[str] = field(default_factory=list)         # for the person running it, one line each

    @property
    def retracted(self) -> list[SourceRecord]:
        return [r for r in self.resolved if r.retracted or (r.retraction or {}).get("status") == "retraction-notice"]

    @property
    def without_text(self) -> list[SourceRecord]:
        return [r for r in self.resolved if not r.has_text]


def pull(targets: Iterable[str], store: SourceStore, config: SourcesConfig | None = None,
         cache_dir: str | Path | None = None, refresh: bool = False,
         advance: Callable[[str], None] | None = None, client=None,
         links: dict[str, str] | None = None) -> PullResult:
    """Resolve every target missing from ``store`` (all of them with ``refresh``) and save the records.

    ``links`` maps an identifier target to the ``url:`` target it was read from, so a page can
    stand in when the identifier does not resolve.
    """
    from verifier.sources.http import HttpClient
    from verifier.sources.resolvers import Resolver

    config = config or SourcesConfig.from_options()
    result = PullResult()
    wanted: list[str] = []
    for target in dict.fromkeys(canonical(t) for t in targets):
        existing = store.get(target)
        if existing is not None and existing.status == "ok" and not refresh:
            result.kept.append(target)
            if advance:
                advance(target)
        else:
            wanted.append(target)
    if not wanted:
        return result
    own_client = client is None
    client = client or HttpClient(config.http_config(), cache_dir)
    resolver = Resolver(client, config)
    outcomes: list[SourceRecord] = []
    try:
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(wanted))) as pool:
            futures = {pool.submit(resolver.resolve, (links or {}).get(target, target)): target for target in wanted}
            for future in as_completed(futures):
                target = futures[future]
                try:
                    record = future.result()
                except Exception as error:  # a resolver bug must not lose the other sources
                    from verifier.sources.http import FetchError
                    from verifier.sources.resolvers import unavailable

                    record = unavailable(target, FetchError("connection", f"{target}: {type(error).__name__}: {error}"))
                outcomes.append(record)
                if advance:
                    advance(target)
    finally:
        if own_client:
            client.close()
    if client.cache_problem:
        result.notes.append(client.cache_problem)
    network_ok = any(r.status == "ok" or (r.error or {}).get("kind") not in NETWORK_KINDS for r in outcomes)
    result.offline = not network_ok
    for record in sorted(outcomes, key=lambda r: r.key):
        if record.status == "ok":
            store.put(record)
            result.resolved.append(record)
        else:
            existing = store.get(record.key)
            # Never replace text we have with a failure; never record failures while offline.
            if network_ok and not (existing is not None and existing.status == "ok"):
                store.put(record)
            result.failed.append(record)
    return result
