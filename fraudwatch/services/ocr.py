"""Reading the text of a report's screenshots (Tesseract, `chi_sim+eng`, through pytesseract),
run by the report's job before classification, never in a request. The text read is kept on
the attachment (`ocr_text`, `ocr_status` done) and joined to the report's text for the
classifier (services/verdicts.report_text); the links, phones, e-mail addresses... it names are
linked to the report as `extracted` indicators, like those of a typed text (so they are
crawled, counted and matched against watch lists). Without the tesseract program or one of its
language packs (Debian: tesseract-ocr, tesseract-ocr-chi-sim, tesseract-ocr-eng) a screenshot
is marked `unavailable` and the report is processed all the same; a screenshot OCR cannot read
is `failed`. Done, failed and unavailable screenshots are not read again (the job is
idempotent)."""
from __future__ import annotations

import functools
import io
import logging
import re

from flask import current_app

from fraudwatch.indicators import indicators_in_text
from fraudwatch.infra import cache
from fraudwatch.infra.extensions import db
from fraudwatch.services.validation import drop_control
from fraudwatch.storage import attachments as store
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
LANGUAGES = ("chi_sim", "eng")
MAX_TEXT = 20_000  # characters of OCR text kept per screenshot
TIMEOUT_SECONDS = 60
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")  # Tesseract puts spaces between Chinese characters
_BLANK_LINES = re.compile(r"\n\s*\n+")


@functools.cache
def engine() -> str | None:
    """The reason OCR cannot run here, or None when tesseract and its languages are installed
    (asked once per process)."""
    try:
        import pytesseract

        installed = set(pytesseract.get_languages(config=""))
    except Exception as exc:  # noqa: BLE001 - not installed, not runnable: OCR is unavailable
        return f"tesseract not usable: {type(exc).__name__}: {exc}"
    missing = [name for name in LANGUAGES if name not in installed]
    return f"tesseract language packs missing: {', '.join(missing)}" if missing else None


def tidy(text: str) -> str:
    """OCR output as a message: control characters dropped, spaces between Chinese characters
    and runs of blank lines removed, at most MAX_TEXT characters."""
    text = _CJK_GAP.sub("", drop_control(text.replace("\r", "")))
    return _BLANK_LINES.sub("\n", text).strip()[:MAX_TEXT]


def read_text(png: bytes) -> str:
    """The text Tesseract reads in an image (raises when it cannot run)."""
    import pytesseract
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return tidy(pytesseract.image_to_string(image, lang="+".join(LANGUAGES), timeout=TIMEOUT_SECONDS))


def read_report_screenshots(report_id: int) -> int:
    """OCR every screenshot of a report still pending; how many got a text."""
    session = db.session
    pending = [row.id for row in store.attachments_of(session, report_id) if row.ocr_status == "pending"]
    if not pending:
        return 0
    session.rollback()  # no transaction held open while tesseract runs
    read, region = 0, current_app.config["PHONE_REGION"]
    for attachment_id in pending:
        status, text = _read_one(report_id, attachment_id)
        found = indicators_in_text(text, region) if text else []

        def work(a=attachment_id, s=status, t=text, items=found) -> set[str]:
            store.set_ocr(session, a, s, t)
            return store.link_found(session, report_id, items)

        cache.invalidate(in_transaction(session, work))
        read += bool(text)
    return read


def _read_one(report_id: int, attachment_id: int) -> tuple[str, str | None]:
    reason = engine()
    if reason is not None:
        log.warning("screenshot %s of report %s not read: %s", attachment_id, report_id, reason)
        return "unavailable", None
    row = store.get_attachment(db.session, report_id, attachment_id)
    data = row.data if row is not None else None
    db.session.rollback()
    if data is None:
        return "failed", None
    try:
        text = read_text(data)
    except Exception as exc:  # noqa: BLE001 - one unreadable image never fails the report
        log.warning("screenshot %s of report %s: OCR failed: %s: %s", attachment_id, report_id,
                    type(exc).__name__, exc)
        return "failed", None
    return "done", text
