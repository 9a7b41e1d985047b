"""The RQ queues, and enqueueing of pending jobs that survives a Redis outage.

Work is first written to the database (`pending_jobs`) with the data it concerns, then
put on the queue. If Redis is down the row stays un-enqueued and `pump` puts it on the
queue later (workers run `pump` every few seconds), so no report is left unprocessed.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import redis
from flask import current_app
from rq import Queue, Retry

from fraudwatch.extensions import db, redis_store
from fraudwatch.storage import pending

log = logging.getLogger(__name__)
JOB_TIMEOUT = 600


def queue_names() -> list[str]:
    """The queues a worker listens to: the main one, then the crawl one."""
    main = current_app.config["RQ_QUEUE"]
    return [main, main + "-crawl"]


def get_queue(name: str | None = None) -> Queue:
    """An RQ queue on the app's Redis."""
    return Queue(name or current_app.config["RQ_QUEUE"], connection=redis_store.client,
                 default_timeout=JOB_TIMEOUT)


def try_enqueue(pending_ids: list[int]) -> bool:
    """Put pending jobs on the queue; False (and nothing lost) when Redis is unreachable."""
    if not pending_ids:
        return True
    try:
        queue = get_queue()
        for pending_id in pending_ids:
            queue.enqueue("fraudwatch.jobs.run_pending", pending_id, job_id=f"fw-pending-{pending_id}",
                          retry=Retry(max=3, interval=[5, 30, 120]), result_ttl=3600, failure_ttl=7 * 86400)
    except (redis.RedisError, OSError) as exc:
        log.warning("queue unavailable, %d job(s) stay pending: %s", len(pending_ids), exc)
        return False
    pending.mark_enqueued(db.session, pending_ids)
    db.session.commit()
    return True


def pump(limit: int = 500) -> int:
    """Enqueue jobs that were never enqueued (or were lost); return how many."""
    retry = timedelta(seconds=current_app.config["PENDING_RETRY_SECONDS"])
    due = [job.id for job in pending.due_pending(db.session, retry, limit)]
    db.session.rollback()
    return len(due) if due and try_enqueue(due) else 0
