"""Operations on a real served instance (gunicorn with 2 web workers + one `fraudwatch worker`,
JSON logs, the real rate limiter with a low anonymous limit), one instance for the module:
/metrics adds up every process (both web workers and the worker's jobs, verdicts and crawls),
the access log is JSON with request ids (hostile ids replaced, a report's id carried into its
job), and the typed client works against it, 429 and Retry-After included."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from fraudwatch.client import Client, FraudwatchError, LookupError_, LookupResult
from fraudwatch.infra.extensions import db
from fraudwatch.storage import users
from tests.chaos import _wait_for
from tests.served import ServedInstance

HOSTILE_IDS = ["x" * 65, "a b", "<script>alert(1)</script>", "id;rm -rf /", "../../etc/passwd", "%0d%0aX: 1"]


@pytest.fixture(scope="module")
def served(tmp_path_factory, redis_url, trained_model_dir):
    base = tmp_path_factory.mktemp("ops")
    instance = ServedInstance(
        f"sqlite:///{base / 'ops.db'}", redis_url, base / "instance",
        FRAUDWATCH_LOG_FORMAT="json", FRAUDWATCH_METRICS="on", FRAUDWATCH_RATELIMIT="on",
        FRAUDWATCH_ANON_LOOKUP_LIMIT="2/second", FRAUDWATCH_MODEL_DIR=str(trained_model_dir),
        FRAUDWATCH_CRAWL_ALLOW_NETWORKS="127.0.0.0/8", FRAUDWATCH_CRAWL_ALLOWED_PORTS="any",
        FRAUDWATCH_CRAWL_OBEY_ROBOTS="off", FRAUDWATCH_CRAWL_HOST_DELAY="0", FRAUDWATCH_FAST_VERDICT="off")
    try:
        instance.start_web(workers=2, threads=2)
        instance.start_worker()
        app = instance.app()
        with app.app_context():
            tokens = {}
            for name, role in (("ops-enterprise", "enterprise"), ("ops-admin", "admin")):
                tokens[role] = users.create_token(db.session, users.create_user(db.session, name, role, None))
            db.session.commit()
        db.dispose(app)
        instance.tokens = tokens
        yield instance
    finally:
        instance.stop()


def _scrape(served) -> dict[str, float]:
    text = httpx.get(served.url + "/metrics", timeout=10).text
    return {_key(sample.name, sample.labels): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def _key(name: str, labels: dict) -> str:
    return name + "{" + ",".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def _total(scraped: dict[str, float], prefix: str) -> float:
    return sum(value for key, value in scraped.items() if key.startswith(prefix))


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry))
    return found


def _per_process(folder: Path, metric: str, endpoint: str) -> dict[int, float]:
    """The value each process wrote for one endpoint's 2xx request counter (its own file)."""
    out = {}
    for path in folder.glob("counter_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        for key, value, _ts, _pos in MmapedDict.read_all_values_from_file(str(path)):
            name, _, labels, _ = json.loads(key)
            if name == metric and labels.get("endpoint") == endpoint and labels.get("status") == "2xx":
                out[pid] = out.get(pid, 0) + value
    return out


def test_metrics_add_up_both_web_workers_and_the_worker(served):
    enterprise = {"Authorization": f"Bearer {served.tokens['enterprise']}", "X-Request-ID": "ops-report-1"}
    report = httpx.post(served.url + "/api/v1/reports", headers=enterprise, timeout=30,
                        json={"message_text": "【国家税务总局】您有一笔个税退税待领取，请点击链接办理 " + served.url + "/refund",
                              "url": served.url + "/refund"})
    assert report.status_code == 201, report.text
    folder = served.instance / "metrics"
    web_pids = _children(served.web.pid)
    assert len(web_pids) == 2
    sent = 0
    for _ in range(300):  # a new connection each: the two workers take turns accepting
        assert httpx.get(served.url + "/healthz", timeout=10).status_code == 200
        sent += 1
        if sent >= 20 and len(set(_per_process(folder, "fraudwatch_http_requests", "health.healthz")) & web_pids) == 2:
            break
    per_process = _per_process(folder, "fraudwatch_http_requests", "health.healthz")
    assert set(per_process) & web_pids == web_pids  # both web workers served and counted
    scraped = _scrape(served)
    assert scraped[_key("fraudwatch_http_requests_total", {"endpoint": "health.healthz", "status": "2xx"})] \
        == sum(per_process.values()) >= sent
    worker_pid = served.workers[0].pid

    def worker_side_done():
        now = _scrape(served)
        jobs = now.get(_key("fraudwatch_job_duration_seconds_count", {"kind": "process_report", "outcome": "ok"}))
        crawls = _total(now, "fraudwatch_crawls_total{")
        swept = now.get(_key("fraudwatch_periodic_last_success_timestamp_seconds", {"task": "feed_sweep"}))
        listed = _key("fraudwatch_feed_age_seconds", {"feed": "suspected"}) in now
        return now if jobs and crawls and swept and listed and _total(now, "fraudwatch_verdicts_total{") else None

    try:
        scraped = _wait_for(worker_side_done, 90, every=0.5)
    except TimeoutError:
        pytest.fail("no job, verdict or crawl metric from the worker:\n" + served.log("worker-0.log")[-3000:])
    assert any(folder.glob(f"histogram_{worker_pid}.db"))  # written by the worker, served by a web worker
    assert _total(scraped, "fraudwatch_job_duration_seconds_count{kind=crawl") >= 1
    assert abs(scraped[_key("fraudwatch_periodic_last_success_timestamp_seconds", {"task": "feed_sweep"})]
               - time.time()) < 120
    assert 0 <= scraped[_key("fraudwatch_feed_age_seconds", {"feed": "suspected"})] < 120
    for queue in ("live", "live-crawl", "bulk", "crawl"):
        assert _key("fraudwatch_queue_depth", {"queue": queue}) in scraped
    assert scraped[_key("fraudwatch_metrics_source_up", {"source": "redis"})] == 1
    assert scraped[_key("fraudwatch_metrics_source_up", {"source": "database"})] == 1
    assert scraped[_key("fraudwatch_jobs_running", {})] >= 0
    # the label is the endpoint, never the path: unknown paths are counted under "none"
    assert httpx.get(served.url + "/no/such/path-a1b2c3", timeout=10).status_code == 404
    text = httpx.get(served.url + "/metrics", timeout=10).text
    assert "a1b2c3" not in text and 'endpoint="none"' in text


def test_cache_hit_and_miss_are_counted(served):
    client = Client(served.url, served.tokens["enterprise"])
    before = _scrape(served)
    for _ in range(2):
        client.lookup("domain", "cache-metric-example.com")
    for _ in range(2):
        httpx.get(served.url + "/", timeout=10)
    after = _scrape(served)
    for cache in ("lookup", "page"):
        for result in ("hit", "miss"):
            key = _key("fraudwatch_cache_requests_total", {"cache": cache, "result": result})
            assert after.get(key, 0) >= before.get(key, 0)
    lookups = sum(after.get(_key("fraudwatch_cache_requests_total", {"cache": "lookup", "result": r}), 0)
                  - before.get(_key("fraudwatch_cache_requests_total", {"cache": "lookup", "result": r}), 0)
                  for r in ("hit", "miss"))
    assert lookups >= 2


def _log_records(served, name: str) -> list[dict]:
    records = []
    for line in served.log(name).splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


def test_access_log_is_json_with_the_request_id(served):
    answer = httpx.get(served.url + "/healthz", headers={"X-Request-ID": "ops-log-1"}, timeout=10)
    assert answer.headers["X-Request-ID"] == "ops-log-1"
    fresh = httpx.get(served.url + "/healthz", timeout=10).headers["X-Request-ID"]
    assert len(fresh) == 32 and int(fresh, 16) >= 0

    def logged():
        return [r for r in _log_records(served, "web.log") if r.get("request_id") == "ops-log-1"]

    record = _wait_for(logged, 10)[0]
    assert {"time", "level", "logger", "message"} <= set(record)
    assert (record["logger"], record["method"], record["path"], record["status"]) == \
        ("fraudwatch.access", "GET", "/healthz", 200)
    assert isinstance(record["duration_ms"], float)
    for line in served.log("web.log").splitlines():  # nothing of gunicorn's text access log
        assert '"GET /healthz HTTP/1.1" 200' not in line


def test_hostile_request_ids_are_replaced_and_never_logged(served):
    for hostile in HOSTILE_IDS:
        answer = httpx.get(served.url + "/healthz", headers={"X-Request-ID": hostile}, timeout=10)
        echoed = answer.headers["X-Request-ID"]
        assert echoed != hostile and len(echoed) == 32
    raw = httpx.get(served.url + "/healthz", headers={"X-Request-ID": b"\xff\xfeabc"}, timeout=10)
    assert raw.status_code in (200, 400) and len(raw.headers.get("X-Request-ID", "x" * 32)) == 32
    time.sleep(0.5)
    log = served.log("web.log")
    for hostile in HOSTILE_IDS[:3]:
        assert json.dumps(hostile)[1:-1] not in log
    for record in _log_records(served, "web.log"):
        assert record.get("request_id") not in HOSTILE_IDS


def test_a_reports_request_id_is_carried_into_its_job(served):
    def carried():
        return [r for r in _log_records(served, "worker-0.log") if r.get("request_id") == "ops-report-1"]

    assert _wait_for(carried, 60, every=0.5)


def test_client_against_the_served_instance(served, tmp_path):
    with Client(served.url, served.tokens["enterprise"]) as client:
        answer = client.lookup("domain", "etax-refund-client.top")
        assert isinstance(answer, LookupResult) and answer.status in ("unknown", "suspected")
        batch = client.batch_lookup([("domain", "example.com"), ("phone", "not a phone"), ("bogus", "x")])
        assert isinstance(batch[0], LookupResult) and isinstance(batch[1], LookupError_)
        assert batch[1].code == "invalid_value" and isinstance(batch[2], LookupError_)
        receipt = client.report(message_text="【税务局】退税通知 请联系 13912345678", phone="13912345678")
        assert receipt.id > 0 and receipt.status == "new" and receipt.location.endswith(str(receipt.id))
        assert {i["type"] for i in receipt.indicators} >= {"phone"}
        vendor = client.vendor_check(domain="etax-refund-client.top", phone="13912345678")
        assert vendor.verdict in ("high_risk", "caution", "no_known_risk") and vendor.checked
        check = client.check("12366")
        assert check.checked_as == "phone" and check.verdict in ("high_risk", "caution", "no_known_risk")
        with pytest.raises(FraudwatchError) as refused:
            client.report()
        assert refused.value.status == 400 and refused.value.code
        target = tmp_path / "index.html"
        first = client.feed("/", target)
        assert first.modified and first.bytes == target.stat().st_size > 0 and first.etag
        again = client.feed("/", target, etag=first.etag)
        assert not again.modified and target.stat().st_size == first.bytes
        csv_file = tmp_path / "confirmed.csv"
        whole = client.feed("/feeds/confirmed.csv", csv_file)  # a real feed: CSV, with its cursor
        assert whole.modified and whole.content_type.startswith("text/csv") and whole.etag
        assert csv_file.read_text(encoding="utf-8").startswith("action,seq,type,value")
        assert not client.feed("/feeds/confirmed.csv", csv_file, etag=whole.etag).modified
        changes = client.feed("/feeds/suspected.json", tmp_path / "suspected.json", since=0)  # needs the key
        assert changes.modified and "entries" in (tmp_path / "suspected.json").read_text(encoding="utf-8")
        with pytest.raises(FraudwatchError) as missing:
            client.feed("/no-such-feed.csv", tmp_path / "x.csv")
        assert missing.value.status == 404 and not (tmp_path / "x.csv").exists()
    with Client(served.url, "not-a-real-token") as stranger, pytest.raises(FraudwatchError) as bad_key:
        stranger.lookup("domain", "example.com")
    assert (bad_key.value.status, bad_key.value.code) == (401, "invalid_token")


def test_client_honours_retry_after_from_the_real_rate_limiter(served):
    with Client(served.url, max_wait=0) as impatient, pytest.raises(FraudwatchError) as limited:
        for _ in range(10):  # 2 per second are allowed
            impatient.lookup("domain", "example.com")
    assert (limited.value.status, limited.value.code) == (429, "rate_limited")
    assert 0 < limited.value.retry_after <= 2
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with Client(served.url, max_wait=10, max_retries=3, sleep=sleep) as patient:
        answers = [patient.lookup("domain", "example.com") for _ in range(5)]
    assert all(a.status for a in answers)
    assert waits and all(0 < w <= 2 for w in waits)
