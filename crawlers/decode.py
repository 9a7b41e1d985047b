"""Bounded Content-Encoding decoding: gzip and deflate, counted after decompression.

The limit applies to the decompressed bytes and each step inflates at most what is
left of it, so a gzip bomb is stopped after `limit` bytes, not after it has filled
memory. Only one encoding is accepted (stacked encodings are a bomb amplifier).
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from crawlers.errors import FetchError

IDENTITY = {"", "identity"}
GZIP = {"gzip", "x-gzip"}


def _codings(header: str | None) -> list[str]:
    return [c.strip().lower() for c in (header or "").split(",") if c.strip().lower() not in IDENTITY]


def decoded_stream(chunks: Iterable[bytes], content_encoding: str | None, limit: int
                   ) -> Iterator[bytes]:
    """Yield decoded body chunks; raise `body_too_large` past `limit` decoded bytes."""
    codings = _codings(content_encoding)
    if len(codings) > 1:
        raise FetchError("bad_encoding", f"stacked content encodings {content_encoding!r}")
    if not codings:
        yield from _bounded_identity(chunks, limit)
        return
    coding = codings[0]
    if coding not in GZIP and coding != "deflate":
        raise FetchError("bad_encoding", f"unsupported content encoding {coding!r}")
    yield from _bounded_inflate(chunks, coding, limit)


def _bounded_identity(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise FetchError("body_too_large", f"body exceeds {limit} bytes")
        yield chunk


def _bounded_inflate(chunks: Iterable[bytes], coding: str, limit: int) -> Iterator[bytes]:
    inflater = None
    total = 0
    for chunk in chunks:
        if inflater is None:
            if not chunk:
                continue
            wbits = 31 if coding in GZIP else (15 if chunk[0] & 0x0F == 8 else -15)
            inflater = zlib.decompressobj(wbits)
        data = chunk
        while data:
            try:
                out = inflater.decompress(data, limit - total + 1)
            except zlib.error as exc:
                raise FetchError("bad_encoding", f"corrupt {coding} body: {exc}") from None
            total += len(out)
            if total > limit:
                raise FetchError("body_too_large", f"decompressed body exceeds {limit} bytes")
            if out:
                yield out
            data = inflater.unconsumed_tail
            if inflater.eof:
                return
