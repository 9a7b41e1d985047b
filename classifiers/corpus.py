"""Reading labelled messages: the project corpus (data/corpus/*.jsonl) and extra CSV/JSONL.

Every row becomes a dict with at least `text` and `label` (one of LABELS; `spam_or_scam`
means "flagged, kind unknown" and trains only the flagged-or-not head), plus the corpus
fields when present (`id`, `lang`, `tax_impersonation`, `authority`, `category`, `pattern`).
Splits (`split_buckets`) are by near-duplicate cluster (`cluster`, the default: a whole
cluster of near-copies in one bucket, classifiers/dedupe.py) or by `sha1(text) % mod`
(`sha1`, the convention of ../shared/data/README.md); a text with no near-duplicate has
the same bucket in both.
"""
from __future__ import annotations

import csv
import hashlib
import json
import logging
from pathlib import Path

from fraudwatch.datafiles import data_path

log = logging.getLogger(__name__)

LABELS = ("legit", "spam", "scam", "spam_or_scam")
CATEGORIES = ("refund_lure", "fake_portal", "audit_threat", "fee_demand", "invoice_selling", "subsidy_lure",
              "credential_phish", "abnormal_status", "other_phishing", "other_scam", "advertising", "none")
_ALIASES = {"ham": "legit", "normal": "legit", "0": "legit", "smishing": "scam", "phishing": "scam", "fraud": "scam",
            "flagged": "spam_or_scam", "spam-or-scam": "spam_or_scam", "1": "spam_or_scam"}
_TEXT_COLUMNS = ("text", "TEXT", "Text", "message", "content", "sms")
_LABEL_COLUMNS = ("label", "LABEL", "Label", "class", "label_id")
MAX_FIELD = 1_000_000
CORPUS_DIR = data_path("corpus")
SPLITS = ("cluster", "sha1")


def default_corpus_files() -> list[Path]:
    """The project's corpus files (data/corpus/*.jsonl)."""
    return sorted(CORPUS_DIR.glob("*.jsonl"))


def text_bucket(text: str, mod: int = 5) -> int:
    """sha1(text) modulo `mod`: the held-out split convention (bucket 0 is held out)."""
    return int(hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest(), 16) % mod


def split_buckets(texts: list[str], mod: int, split: str = "cluster", salt: str = "") -> list[int]:
    """Bucket of each text: of its near-duplicate cluster (`cluster`) or sha1(text + salt) % mod (`sha1`)."""
    if split == "cluster":
        from classifiers.dedupe import cluster_bucket  # dedupe reads text_bucket from here

        return cluster_bucket(texts, mod, salt)
    if split == "sha1":
        return [text_bucket(text + salt, mod) for text in texts]
    raise ValueError(f"unknown split '{split}' (use one of {', '.join(SPLITS)})")


def parse_label_map(spec: str | dict | None) -> dict[str, str]:
    """'0=legit,1=spam_or_scam' or a JSON object or a dict -> {raw: label}."""
    if not spec:
        return {}
    if isinstance(spec, dict):
        mapping = spec
    elif spec.strip().startswith("{"):
        mapping = json.loads(spec)
    else:
        mapping = dict(part.split("=", 1) for part in spec.split(",") if "=" in part)
    out = {str(k).strip(): str(v).strip() for k, v in mapping.items()}
    for raw, label in out.items():
        if canonical_label(label) is None:
            raise ValueError(f"label map: '{raw}' maps to unknown label '{label}' (use one of {', '.join(LABELS)})")
    return out


def canonical_label(raw: object, label_map: dict[str, str] | None = None) -> str | None:
    """The canonical label of a raw label, or None when it cannot be mapped."""
    value = str(raw).strip()
    if label_map and value in label_map:
        value = label_map[value]
    value = value.lower()
    value = _ALIASES.get(value, value)
    return value if value in LABELS else None


def _jsonl_rows(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                log.warning("%s:%d: not JSON, skipped", path, number)
                continue
            if isinstance(row, dict):
                rows.append(row)
    return rows


def _csv_rows(path: Path) -> list[dict]:
    csv.field_size_limit(MAX_FIELD)
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.DictReader(fh)
        text_col = next((c for c in _TEXT_COLUMNS if c in (reader.fieldnames or [])), None)
        label_col = next((c for c in _LABEL_COLUMNS if c in (reader.fieldnames or [])), None)
        if not text_col or not label_col:
            raise ValueError(f"{path}: needs a text column ({'/'.join(_TEXT_COLUMNS)}) and a label column")
        return [{**row, "text": row[text_col], "label": row[label_col]} for row in reader]


def read_rows(path: Path, label_map: dict[str, str] | None = None) -> list[dict]:
    """Labelled rows of one CSV or JSONL file; unmappable or empty rows are skipped."""
    path = Path(path)
    raw_rows = _csv_rows(path) if path.suffix.lower() in (".csv", ".tsv") else _jsonl_rows(path)
    rows, skipped = [], 0
    for row in raw_rows:
        label = canonical_label(row.get("label", ""), label_map)
        text = row.get("text")
        if label is None or not isinstance(text, str) or not text.strip():
            skipped += 1
            continue
        rows.append({**row, "label": label, "source_file": path.name})
    if skipped:
        log.warning("%s: %d rows without a usable text or label were skipped", path, skipped)
    return rows


def corpus_files(paths: list[Path]) -> list[Path]:
    """The *.jsonl files of the given files and folders, sorted."""
    out: list[Path] = []
    for path in map(Path, paths):
        out.extend(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])
    return out


def load_corpus(paths: list[Path] | Path, extra: list[Path] = (), label_map: dict | str | None = None) -> list[dict]:
    """Rows of data/corpus/*.jsonl (files or folders) plus extra CSV/JSONL (text,label) files."""
    if isinstance(paths, (str, Path)):
        paths = [Path(paths)]
    rows: list[dict] = []
    for path in corpus_files(paths):
        rows.extend(read_rows(path))
    mapping = parse_label_map(label_map)
    for path in extra:
        rows.extend({**row, "extra": True} for row in read_rows(Path(path), mapping))
    return rows


def data_hash(paths: list[Path]) -> str:
    """sha256 over the bytes of the given files (for meta.json)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).name.encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()
