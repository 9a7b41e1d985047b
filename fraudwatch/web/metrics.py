"""GET /metrics: the Prometheus metrics of every web and worker process of the instance
(infra/metrics.py), plus what is read when scraped: queue depths (Redis) and feed freshness
(the database). METRICS decides who may read them: `on` (anyone who reaches it; restrict
it at the proxy), `admin` (an admin's API key) or `off` (404)."""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app

from fraudwatch.infra import metrics
from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.infra.redis_keys import QUEUE_ROLES
from fraudwatch.services.outbox import get_queue, queue_names
from fraudwatch.storage import feeds as feed_store
from fraudwatch.storage.models import utcnow
from fraudwatch.web.auth import load_principal
from fraudwatch.web.errors import APIError

bp = Blueprint("metrics", __name__)
log = logging.getLogger(__name__)


class ScrapeTimeCollector:
    """Gauges read when /metrics is scraped: queue depths and feed freshness, and whether
    each source answered (a scrape never fails because Redis or the database did not)."""

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily("fraudwatch_metrics_source_up", "1 when the source answered this scrape",
                               labels=["source"])
        depth = GaugeMetricFamily("fraudwatch_queue_depth", "Jobs waiting on each queue", labels=["queue"])
        try:
            redis_store.ensure_started()
            with redis_store.client.pipeline(transaction=False) as pipe:
                for name in queue_names():
                    pipe.llen(get_queue(name).key)
                lengths = pipe.execute()
            for role, length in zip(QUEUE_ROLES, lengths):
                depth.add_metric([role], length)
            up.add_metric(["redis"], 1)
        except Exception as exc:  # noqa: BLE001 - the other metrics are still worth serving
            log.warning("metrics: queue depths not read: %s", exc)
            up.add_metric(["redis"], 0)
        age = GaugeMetricFamily("fraudwatch_feed_age_seconds",
                                "Seconds since the newest change of each feed's entries", labels=["feed"])
        try:
            now = utcnow()
            for feed in feed_store.FEEDS:
                changed = feed_store.last_changed(db.engine, feed)  # None: no entries yet
                if changed is not None:
                    age.add_metric([feed], max(0.0, (now - changed).total_seconds()))
            up.add_metric(["database"], 1)
        except Exception as exc:  # noqa: BLE001
            db.session.rollback()
            log.warning("metrics: feed freshness not read: %s", exc)
            up.add_metric(["database"], 0)
        yield from (up, depth, age)


@bp.get("/metrics")
def metrics_view():
    """The exposition text (Prometheus format)."""
    mode = current_app.config["METRICS"]
    if mode == "off":
        raise APIError(404, "metrics are off (FRAUDWATCH_METRICS)")
    if mode == "admin":
        principal = load_principal()
        if principal.kind == "anonymous":
            raise APIError(401, "metrics need an admin's API key", code="unauthorized")
        if principal.kind != "admin":
            raise APIError(403, "metrics need an admin's API key", code="forbidden")
    body, content_type = metrics.render(ScrapeTimeCollector())
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
