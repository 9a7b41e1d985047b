"""Checks made on a whole import file before anything of it is stored.

A missing, empty or binary file is refused up front with an `IngestFileError` (code and
message), so that a command given several files stores nothing when one of them is bad,
and a binary file never becomes thousands of junk rows.
"""
from __future__ import annotations

import codecs
import os
from pathlib import Path

from fraudwatch.messages.records import IngestFileError

HEAD = 65_536  # bytes looked at to tell text from binary
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def check_file(path: str | os.PathLike[str]) -> Path:
    """`path` as a Path when it is a readable, non-empty text file; else IngestFileError."""
    p = Path(path)
    try:
        if not p.is_file():
            raise IngestFileError("missing", f"{p} does not exist or is not a file")
        with p.open("rb") as fh:
            head = fh.read(HEAD)
    except OSError as exc:
        raise IngestFileError("unreadable", f"cannot read {p}: {exc.strerror}") from None
    if not head.strip():
        raise IngestFileError("empty", f"{p.name} is empty")
    if is_binary(head):
        raise IngestFileError("binary_file", f"{p.name} is not a text file (it holds NUL bytes)")
    return p


def is_binary(head: bytes) -> bool:
    """True for bytes no text export holds: a NUL byte, unless a UTF-16/32 mark explains it."""
    return b"\x00" in head and not head.startswith(_WIDE_BOMS)
