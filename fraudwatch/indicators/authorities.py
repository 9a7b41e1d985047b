"""The authority registry: who may be impersonated, and the names, abbreviations and
country cues by which a text names them (data/official/authorities.csv and
authority_names.csv; see data/official/README.md).

Both files are read strictly: a row with an unknown code, kind, rule or case, a malformed
language tag or code, a duplicate, or a missing column is a ValueError naming the file
and line, so a typo never silently drops an authority.
"""
from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from fraudwatch.datafiles import data_path

DATA_DIR = data_path("official")
# tax: the national tax administration of its region (at most one per region); state_tax:
# a state or province revenue body; local_tax: local councils; vehicle_tax: vehicle duty;
# government: a government portal or department that is not a tax body (GOV.UK, myGov).
KINDS = frozenset({"tax", "state_tax", "local_tax", "vehicle_tax", "government"})
# name: names the code wherever it is seen; context: names the code only when the text also
# shows its region (a cue, or a plain name of the same region); generic: a kind of tax body
# (resolved to the code of a region named right next to it, else to the row's code, which
# may be empty: a tax body with no known code); cue: a region's country, city, currency or
# ID, never a mention; exclude: a phrase that is not a mention of what it contains
# ("Arc de Triomphe", "SARS-CoV-2").
RULES = frozenset({"name", "context", "generic", "cue", "exclude"})
CASES = frozenset({"any", "exact"})
AUTHORITY_COLUMNS = ("code", "name_en", "name_zh", "country", "source", "kind", "region", "languages")
NAME_COLUMNS = ("code", "name", "language", "case", "rule")
_CODE = re.compile(r"[A-Z]{2}(?:-[A-Z]{2})?-[A-Z]{2,8}")
_REGION = re.compile(r"[A-Z]{2}(?:-[A-Z]{2})?")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Z][a-z]{3})?|und")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 100


@dataclass(frozen=True)
class Authority:
    """One row of authorities.csv."""

    code: str
    name_en: str
    name_zh: str
    country: str
    kind: str
    region: str
    languages: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class AuthorityName:
    """One row of authority_names.csv (`code` is None for generic names, foreign cues and
    exclusions); `order` is its position in the file, which breaks ties."""

    code: str | None
    name: str
    language: str
    case: str
    rule: str
    order: int


@dataclass(frozen=True, eq=False)
class Registry:
    """The parsed registry."""

    authorities: dict[str, Authority]
    names: tuple[AuthorityName, ...]

    def kind(self, code: str | None) -> str | None:
        """The kind of a code (None for an unknown code)."""
        found = self.authorities.get(code or "")
        return found.kind if found else None

    def region(self, code: str | None) -> str:
        """The region of a code ('*' for no code: a foreign country the registry lacks)."""
        found = self.authorities.get(code or "")
        return found.region if found else "*"

    def tax_body(self, region: str) -> str | None:
        """The tax administration of a region: its national one, else its state one."""
        return _tax_bodies(self).get(region)

    def is_tax(self, code: str | None) -> bool:
        """Whether `code` is a tax body (unknown codes count as tax bodies: the official
        lists name only tax bodies and governments)."""
        return self.kind(code) != "government"


@functools.lru_cache(maxsize=8)
def _tax_bodies(registry: Registry) -> dict[str, str]:
    bodies: dict[str, str] = {}
    for kind in ("state_tax", "tax"):  # national bodies overwrite state ones
        for authority in registry.authorities.values():
            if authority.kind == kind:
                bodies[authority.region] = authority.code
    return bodies


def _reader(path: Path, columns: tuple[str, ...]):
    fh = path.open(encoding="utf-8", newline="")
    reader = csv.DictReader(fh)
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        fh.close()
        raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)} (needs {','.join(columns)})")
    return fh, reader


def _cell(row: dict, column: str) -> str:
    value = row.get(column)
    return value.strip() if isinstance(value, str) else ""


def read_authorities(path: Path) -> dict[str, Authority]:
    """code -> Authority from an authorities.csv file (strict; errors name the line)."""
    fh, reader = _reader(path, AUTHORITY_COLUMNS)
    out: dict[str, Authority] = {}
    national: dict[str, str] = {}
    with fh:
        for line, row in enumerate(reader, start=2):
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            where = f"{path.name} line {line}"
            code, kind, country, region = (_cell(row, c) for c in ("code", "kind", "country", "region"))
            languages = tuple(x.strip() for x in _cell(row, "languages").split(";") if x.strip())
            if not _CODE.fullmatch(code):
                raise ValueError(f"{where}: bad code {code[:40]!r} (like UK-HMRC or US-CA-FTB)")
            if code in out:
                raise ValueError(f"{where}: {code} listed twice")
            if kind not in KINDS:
                raise ValueError(f"{where}: unknown kind {kind[:40]!r} (one of {sorted(KINDS)})")
            if not _REGION.fullmatch(country) or "-" in country:
                raise ValueError(f"{where}: bad country {country[:20]!r} (ISO 3166 alpha-2)")
            if not _REGION.fullmatch(region) or region.split("-")[0] != country:
                raise ValueError(f"{where}: bad region {region[:20]!r} (the country, or country-subdivision)")
            if not languages or not all(_LANGUAGE.fullmatch(x) for x in languages):
                raise ValueError(f"{where}: bad languages {_cell(row, 'languages')[:40]!r} (like en;zh-Hant)")
            if not _cell(row, "source").startswith("https://") or not _cell(row, "name_en"):
                raise ValueError(f"{where}: needs name_en and an https:// source")
            if kind == "tax" and region in national:
                raise ValueError(f"{where}: {region} already has a national tax body ({national[region]})")
            if kind == "tax":
                national[region] = code
            out[code] = Authority(code, _cell(row, "name_en"), _cell(row, "name_zh"), country, kind, region,
                                  languages, _cell(row, "source"))
    return out


def read_names(path: Path, codes: set[str] | dict) -> tuple[AuthorityName, ...]:
    """The rows of an authority_names.csv file, checked against the registry's codes."""
    fh, reader = _reader(path, NAME_COLUMNS)
    out: list[AuthorityName] = []
    seen: set[tuple] = set()
    with fh:
        for line, row in enumerate(reader, start=2):
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            where = f"{path.name} line {line}"
            code, name, language, case, rule = (_cell(row, c) for c in NAME_COLUMNS)
            if rule not in RULES:
                raise ValueError(f"{where}: unknown rule {rule[:40]!r} (one of {sorted(RULES)})")
            if case not in CASES:
                raise ValueError(f"{where}: unknown case {case[:40]!r} (one of {sorted(CASES)})")
            if code and code not in codes:
                raise ValueError(f"{where}: unknown authority code {code[:40]!r} (not in authorities.csv)")
            if not code and rule in ("name", "context"):
                raise ValueError(f"{where}: a {rule} row needs an authority code")
            if code and rule == "exclude":
                raise ValueError(f"{where}: an exclude row has no authority code")
            if not name or len(name) > MAX_NAME or _CONTROL.search(name):
                raise ValueError(f"{where}: bad name {name[:40]!r} (1-{MAX_NAME} characters, no controls)")
            if not _LANGUAGE.fullmatch(language):
                raise ValueError(f"{where}: bad language {language[:20]!r} (like en, zh-Hant, or und)")
            key = (code, name if case == "exact" else name.lower(), case, rule)
            if key in seen:
                raise ValueError(f"{where}: {name!r} listed twice for {code or 'no code'} ({rule})")
            seen.add(key)
            out.append(AuthorityName(code or None, name, language, case, rule, len(out)))
    return tuple(out)


@functools.lru_cache(maxsize=4)
def load_registry(data_dir: str | None = None) -> Registry:
    """The registry of data/official (or of another folder with the same files), read once."""
    base = Path(data_dir) if data_dir else DATA_DIR
    authorities = read_authorities(base / "authorities.csv")
    return Registry(authorities, read_names(base / "authority_names.csv", authorities))
