"""Message import: .eml, mbox, CSV and JSONL SMS exports; hostile input never crashes."""
from __future__ import annotations

import base64
import json
import time

import pytest

from fraudwatch.messages.files import ingest_file
from fraudwatch.messages.records import IngestFileError, Message, MessageError

SCAM_ZH = "【国家税务总局】您的个税退税款2316元待领取，请登录 etax-chinatax.top/r 填写银行卡号领取"


def _b64(text: str, codec: str) -> str:
    return base64.b64encode(text.encode(codec)).decode()


def _eml(subject="Tax refund", body="Claim at https://irs-refund-gov.com/claim now", ctype="text/plain",
         charset="utf-8", codec="utf-8") -> bytes:
    head = (f"From: IRS <no-reply@irs-refund-gov.com>\nTo: victim@example.com\n"
            f"Subject: {subject}\nDate: Tue, 4 Mar 2025 09:30:00 +0000\nMessage-ID: <a1@x>\n"
            f"MIME-Version: 1.0\nContent-Type: {ctype}; charset={charset}\n\n")
    return head.encode() + body.encode(codec)


def test_eml(tmp_path):
    path = tmp_path / "refund.eml"
    path.write_bytes(_eml())
    (msg,) = list(ingest_file(path))
    assert isinstance(msg, Message) and msg.channel == "email"
    assert msg.sender == "IRS <no-reply@irs-refund-gov.com>" and msg.subject == "Tax refund"
    assert msg.received_at == "2025-03-04T09:30:00+00:00" and msg.message_id == "<a1@x>"
    assert msg.urls == ["https://irs-refund-gov.com/claim"]


def test_html_email_in_gbk_declared_utf8_with_encoded_headers(tmp_path):
    body = '<html><body><p>请点击<a href="http://chinatax.gov.cn.refund-tax.top/">这里</a>领取退税</p></body></html>'
    subject = f"=?gbk?B?{_b64('退税通知', 'gbk')}?="
    path = tmp_path / "zh.eml"
    path.write_bytes(_eml(subject=subject, body=body, ctype="text/html", codec="gbk"))
    (msg,) = list(ingest_file(path))
    assert msg.subject == "退税通知" and "领取退税" in msg.text
    assert msg.urls == ["http://chinatax.gov.cn.refund-tax.top/"]


def test_mbox_with_a_broken_message_goes_on(tmp_path):
    good = _eml().decode()
    broken = ("From: =?x-unknown?Q?=ZZ=?=\nSubject: =?utf-8?B?!!!?=\nContent-Type: multipart/mixed; "
              "boundary=\"never-closed\"\nContent-Transfer-Encoding: base64\n\n--never-closed\n"
              "Content-Type: text/plain; charset=no-such-charset\nContent-Transfer-Encoding: base64\n\n"
              "@@@not base64@@@\xff\n")
    empty = "Subject:\n\n"
    mbox = "".join(f"From sender@example.com Tue Mar  4 09:30:00 2025\n{m}\n" for m in (good, broken, empty, good))
    path = tmp_path / "inbox.mbox"
    path.write_bytes(mbox.encode("utf-8", "surrogateescape"))
    items = list(ingest_file(path))
    assert len(items) == 4
    assert isinstance(items[0], Message) and isinstance(items[3], Message)
    assert isinstance(items[2], MessageError) and items[2].source == "inbox.mbox#2"
    assert all(isinstance(i, (Message, MessageError)) for i in items)


def test_sms_csv_in_gbk(tmp_path):
    rows = "号码,时间,短信内容\n106900001234,2025-03-01 10:00:00," + SCAM_ZH + "\n10086,1740787200000,\n"
    path = tmp_path / "sms.csv"
    path.write_bytes(rows.encode("gbk"))
    first, second = list(ingest_file(path))
    assert first.text == SCAM_ZH and first.sender == "106900001234" and first.channel == "sms"
    assert first.received_at == "2025-03-01T10:00:00"
    assert first.urls == ["http://etax-chinatax.top/r"]
    assert isinstance(second, MessageError) and second.code == "empty"


def test_sms_jsonl_with_bad_lines(tmp_path):
    lines = [json.dumps({"from": "+447700900123", "body": "HMRC: refund of 265.84 GBP at hmrc-refund.online/x",
                         "timestamp": 1740787200}),
             "{not json", "[1, 2]", json.dumps({"sender": "x"}), "", "\x00\xff garbage"]
    path = tmp_path / "sms.jsonl"
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape"))
    items = list(ingest_file(path))
    assert isinstance(items[0], Message) and items[0].received_at.startswith("2025-03-01")
    assert [i.code for i in items[1:]] == ["bad_json", "bad_json", "empty", "bad_json"]


def test_huge_lines_and_files_are_bounded(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(b'{"text": "' + b"A" * (2 * 1024 * 1024) + b'"}\n{"text": "ok"}\n')
    items = list(ingest_file(path))
    assert items[0].code == "too_large" and items[1].text == "ok"
    with pytest.raises(IngestFileError) as info:
        list(ingest_file(path, max_file=1000))
    assert info.value.code == "file_too_large"


def test_unknown_and_missing_files(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(IngestFileError) as info:
        list(ingest_file(junk))
    assert info.value.code == "unknown_format"
    with pytest.raises(IngestFileError) as info:
        list(ingest_file(tmp_path / "missing.csv"))
    assert info.value.code == "unreadable"


def test_binary_eml_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "junk.eml"
    path.write_bytes(b"\x00" * 100)
    (item,) = list(ingest_file(path))
    assert isinstance(item, (Message, MessageError))


def test_deeply_nested_json_is_an_error(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text("[" * 200_000 + "]" * 200_000 + '\n{"text": "still here"}\n')
    first, second = list(ingest_file(path))
    assert first.code == "bad_json" and second.text == "still here"


def test_multipart_prefers_plain_text_and_skips_attachments(tmp_path):
    raw = (b"From: HMRC <refunds@hmrc-taxrefund.co.uk.verify-id.online>\nSubject: Refund\n"
           b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b1\n\n"
           b"--b1\nContent-Type: multipart/alternative; boundary=b2\n\n"
           b"--b2\nContent-Type: text/plain; charset=utf-8\n\nPlain: claim at https://hmrc-refund.online/x\n"
           b"--b2\nContent-Type: text/html; charset=utf-8\n\n<p>HTML: <a href='https://other.example/'>here</a></p>\n"
           b"--b2--\n--b1\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\n"
           b"attachment text https://attached.example/\n--b1--\n")
    path = tmp_path / "multi.eml"
    path.write_bytes(raw)
    (msg,) = list(ingest_file(path))
    assert msg.text.startswith("Plain:") and "attachment" not in msg.text
    assert msg.urls == ["https://hmrc-refund.online/x", "https://other.example/"]


def _cpu(function) -> float:
    started = time.process_time()
    function()
    return time.process_time() - started


@pytest.mark.parametrize("header", [b"Subject: " + b"=?utf-8?q?a" * 40_000,
                                    b'Content-Type: multipart/mixed; x="' + b";" * 400_000 + b'"; boundary=zz',
                                    b'Content-Type: text/plain; x="' + b";" * 400_000 + b'"'])
def test_hostile_headers_cost_what_a_body_of_the_same_size_does(tmp_path, header):
    # the standard library decodes and parses a header in time quadratic in its length
    hostile, normal = tmp_path / "hostile.eml", tmp_path / "normal.eml"
    hostile.write_bytes(b"From: a@b.example\n" + header + b"\n\nclaim at https://irs-refund-gov.com/claim\n")
    normal.write_bytes(b"From: a@b.example\nSubject: x\n\nclaim at https://irs-refund-gov.com/claim\n" + b"a " * 200_000)
    (item,) = list(ingest_file(hostile))  # a message, or an error for the one whose boundary was cut off
    assert isinstance(item, MessageError) or len(item.subject) <= 1000
    normal_cpu = min(_cpu(lambda: list(ingest_file(normal))) for _ in range(3))
    hostile_cpu = min(_cpu(lambda: list(ingest_file(hostile))) for _ in range(3))
    assert hostile_cpu < 10 * normal_cpu + 0.05, (hostile_cpu, normal_cpu)


def test_sms_rows_with_huge_fields_are_bounded(tmp_path):
    path = tmp_path / "sms.jsonl"
    text = "退税 http://a.top/x " * 15_000
    path.write_text(json.dumps({"text": text, "date": "2025-03-04 " + " " * 300_000 + "x"},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    (msg,) = list(ingest_file(path))
    assert msg.truncated and msg.urls == ["http://a.top/x"] and len(msg.received_at) <= 64
