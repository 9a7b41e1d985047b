"""Screenshots sent with a public report: only PNG and JPEG (told by their first bytes, not
their name or declared type), at most SCREENSHOT_MAX_BYTES, decoded by Pillow with a pixel
limit (a decompression bomb is refused before it is decoded) and re-encoded as PNG, which
keeps the pixels and nothing else: EXIF (GPS, camera, times), text chunks, ICC profiles and
anything appended after the image are gone. Officers see the re-encoded image only."""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from fraudwatch.exceptions import Invalid

SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


@dataclass(frozen=True)
class Screenshot:
    """A re-encoded screenshot (PNG bytes) with its size and digest."""

    data: bytes
    width: int
    height: int
    sha256: str
    media_type: str = "image/png"


def _refuse(reason: str) -> Invalid:
    return Invalid(f"screenshot refused: {reason}", fields={"screenshot": reason})


def kind_of(data: bytes) -> str | None:
    """PNG or JPEG by the file's first bytes, else None."""
    return next((kind for magic, kind in SIGNATURES.items() if data.startswith(magic)), None)


def read_screenshot(data: bytes, *, max_bytes: int, max_pixels: int) -> Screenshot:
    """The screenshot re-encoded as PNG, or Invalid with `fields["screenshot"]` one of:
    too_large, not_an_image, too_many_pixels, unreadable."""
    if len(data) > max_bytes:
        raise _refuse("too_large")
    kind = kind_of(data)
    if kind is None:
        raise _refuse("not_an_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
            width, height = image.size
            if width <= 0 or height <= 0 or width * height > max_pixels:
                raise _refuse("too_many_pixels")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _refuse("unreadable") from None
    return _reencode(image)


def _reencode(image: Image.Image) -> Screenshot:
    """Pixels only: turned upright as the camera said, then saved without any metadata."""
    image = ImageOps.exif_transpose(image)
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    clean = Image.new(mode, image.size)
    clean.paste(image.convert(mode))
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=False)
    data = out.getvalue()
    return Screenshot(data, clean.width, clean.height, hashlib.sha256(data).hexdigest())
