"""Message import: .eml, mbox and SMS exports (CSV, JSONL) read into plain records.

Pure: no Flask, database or Redis (fraudwatch.services.imports stores the records)."""
