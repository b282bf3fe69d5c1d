"""Where to fetch from and how to identify: base URLs, contact, key, and the safety switch.

Every base URL is configurable so tests point them at servers on 127.0.0.1. Values come
from the ``sources`` table of the run's options (``[tool.verifier.sources]`` once config
files carry it) and then from the environment:

=========================  ===============================================
``VERIFIER_EMAIL``         contact sent as ``email``/``mailto`` (NCBI, Crossref)
``NCBI_API_KEY``           raises the NCBI limit from 3 to 10 requests a second
``VERIFIER_CROSSREF_URL``  default ``https://api.crossref.org``
``VERIFIER_EUTILS_URL``    default ``https://eutils.ncbi.nlm.nih.gov/entrez/eutils``
``VERIFIER_EUROPEPMC_URL`` default ``https://www.ebi.ac.uk/europepmc/webservices/rest``
``VERIFIER_ALLOW_PRIVATE_URLS``  ``1`` to fetch loopback and private addresses (tests)
``VERIFIER_HTTP_RETRIES``  retries after a 429, 5xx or timeout (default 3)
``VERIFIER_HTTP_TIMEOUT``  seconds to wait for a server's answer (default 30)
=========================  ===============================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

CROSSREF_URL = "https://api.crossref.org"
EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
EUROPEPMC_URL = "https://www.ebi.ac.uk/europepmc/webservices/rest"


@dataclass
class SourcesConfig:
    tool: str = "verifier"
    email: str | None = None
    ncbi_api_key: str | None = None
    crossref_url: str = CROSSREF_URL
    eutils_url: str = EUTILS_URL
    europepmc_url: str = EUROPEPMC_URL
    allow_private: bool = False
    timeout: float = 30.0
    retries: int = 3
    # Tests set this to 0 so rate spacing does not slow them down.
    min_interval: float | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> "SourcesConfig":
        env = os.environ if environ is None else environ
        table = dict((options or {}).get("sources") or {})

        def pick(key: str, variable: str, default: Any) -> Any:
            if table.get(key) not in (None, ""):
                return table[key]
            return env.get(variable) or default

        return cls(
            tool=str(table.get("tool") or "verifier"),
            email=pick("email", "VERIFIER_EMAIL", None),
            ncbi_api_key=pick("ncbi_api_key", "NCBI_API_KEY", None),
            crossref_url=str(pick("crossref_url", "VERIFIER_CROSSREF_URL", CROSSREF_URL)).rstrip("/"),
            eutils_url=str(pick("eutils_url", "VERIFIER_EUTILS_URL", EUTILS_URL)).rstrip("/"),
            europepmc_url=str(pick("europepmc_url", "VERIFIER_EUROPEPMC_URL", EUROPEPMC_URL)).rstrip("/"),
            allow_private=_truthy(pick("allow_private_urls", "VERIFIER_ALLOW_PRIVATE_URLS", False)),
            retries=_number(pick("retries", "VERIFIER_HTTP_RETRIES", 3), int, 3),
            timeout=_number(pick("timeout", "VERIFIER_HTTP_TIMEOUT", 30.0), float, 30.0),
        )

    def http_config(self):
        """The :class:`verifier.sources.http.HttpConfig` these settings imply (imports requests)."""
        from verifier.sources.http import HttpConfig

        ncbi = 1 / 10 if self.ncbi_api_key else 1 / 3
        intervals = {
            _host(self.eutils_url): ncbi,
            _host(self.crossref_url): 1 / 10,     # Crossref's polite pool, with mailto
            _host(self.europepmc_url): 1 / 10,
        }
        concurrency = {_host(self.eutils_url): 1, _host(self.crossref_url): 3, _host(self.europepmc_url): 3}
        if self.min_interval is not None:
            intervals = {host: self.min_interval for host in intervals}
        return HttpConfig(
            tool=self.tool,
            email=self.email,
            read_timeout=self.timeout,
            retries=self.retries,
            allow_private=self.allow_private,
            intervals=intervals,
            default_interval=0.5 if self.min_interval is None else self.min_interval,
            concurrency=concurrency,
        )


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _number(value: Any, kind: type, default: float) -> Any:
    try:
        return max(0, kind(value))
    except (TypeError, ValueError):
        return default


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}
