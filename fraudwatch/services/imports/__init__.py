"""Imports: files brought into fraudwatch by hand (`fraudwatch import ...`).

- `messages`: .eml, mbox and SMS CSV/JSONL exports, each message stored as a report (source
  `import`) through the same path as the API, then classified and crawled by the jobs.
- `indicators`: a list of URLs, domains, phones... (text, TSV or CSV) bulk-loaded into the
  indicators table as suspected or confirmed fraud, seen at once by lookups.
- `files`: the checks both make on a whole file before anything is stored.

Outgoing feeds (what fraudwatch publishes) are not imports and do not live here.
"""
