"""Sources: from a citation to the text of what it cites, kept in a local store.

- :mod:`~verifier.sources.ids` what a target names; DOIs inside publisher URLs
- :mod:`~verifier.sources.cited` which sources a document and each claim cite
- :mod:`~verifier.sources.http` the one HTTP stack (requests + requests-cache), polite and guarded
- :mod:`~verifier.sources.resolvers` DOI, PubMed, PMC and URL to a :class:`~verifier.sources.store.SourceRecord`
- :mod:`~verifier.sources.text` HTML, PDF, JATS and PubMed XML to text
- :mod:`~verifier.sources.store` one JSON record per source under ``cache/sources/``
- :mod:`~verifier.sources.pull` many sources at once, into the store
- :mod:`~verifier.sources.matching` numbers as written, figure lookup, closest passage, context

Rules read records through ``RuleContext.sources`` and never fetch; importing this package
imports no network code.
"""
