"""The outbox: RQ queues, and the pump that makes sure every pending job reaches a worker.

Work is first written to the database (`pending_jobs`) with the data it concerns, then
put on the queue. Anything can go wrong after that, and the pump (run every few seconds by
every worker, one at a time through a Redis lock) puts it right:

- a job never enqueued (Redis was down when its report arrived) is enqueued;
- a job enqueued more than PENDING_RETRY_SECONDS ago and still open is looked up on the
  queue: still queued or running, it is left alone; unknown to Redis (lost with a Redis
  restart), failed (its worker died: see `requeue_abandoned`), finished without closing
  its row, or waiting on a queue other than its own, it is enqueued again;
- a job whose worker died mid-run (its RQ execution was not kept alive for
  JOB_LEASE_SECONDS: workers renew it every few seconds, see fraudwatch.jobs.workers) is taken
  back by RQ's own abandoned-job handling, run here on every tick instead of every 10 min.
Jobs are idempotent, so running one twice does no harm.

Each pending job names its queue role (`live`: reports from the API; `bulk`: imported
reports); it is always put back on that queue, whichever process pumps. The queues and
their order are in `fraudwatch.infra.redis_keys.QUEUE_ROLES`.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import redis
import sqlalchemy as sa
from flask import current_app
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from fraudwatch.infra import logs, redis_keys
from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.storage import pending
from fraudwatch.storage.models import utcnow
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
JOB_TIMEOUT = 600
# Jobs that train a model run longer than any report's (a retrain on the whole corpus, with a
# reference model, takes 5-20 min on two busy cores): they get LONG_JOB_TIMEOUT, on their first
# enqueue and whenever the pump puts them back.
LONG_KINDS = ("retrain",)
LONG_JOB_TIMEOUT = 3 * 3600
ALIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def queue_names(roles: tuple[str, ...] | list[str] = redis_keys.QUEUE_ROLES) -> list[str]:
    """The RQ queue names of these roles (default all), in the order given: a worker takes
    its next job from the first of its queues that has one."""
    return [redis_keys.rq_queue(role) for role in roles]


def get_queue(name: str | None = None, connection: redis.Redis | None = None) -> Queue:
    """An RQ queue on the app's Redis (or on `connection`); by default the live queue."""
    return Queue(name or redis_keys.rq_queue("live"), connection=connection or redis_store.client,
                 default_timeout=JOB_TIMEOUT)


def try_enqueue(pending_ids: list[int], role: str | None = None, long: bool = False) -> bool:
    """Put pending jobs on their queues (all on `role` when the caller knows it, else each
    on the one its row names; `long`: they train models, see LONG_KINDS, which the pump
    finds out by itself); False (and nothing lost) when Redis is unreachable."""
    if not pending_ids:
        return True
    if not redis_store.available():  # failed moments ago: do not make the request wait for it
        return False
    try:
        queues = dict.fromkeys(pending_ids, role) if role else pending.queues_of(db.session, pending_ids)
        slow = set(pending_ids) if long else set() if role else pending.of_kinds(db.session, pending_ids, LONG_KINDS)
        # a fresh job hash each time: nothing left over from an earlier attempt's job
        redis_store.client.delete(*(Job.key_for(redis_keys.rq_job_id(i)) for i in pending_ids))
        request_id = logs.current_request_id()  # the job's log records carry it (jobs/workers.py)
        meta = {"request_id": request_id} if request_id else None
        with redis_store.client.pipeline() as pipe:
            for pending_id in pending_ids:
                queue = get_queue(redis_keys.rq_queue(queues.get(pending_id, "live")))
                queue.enqueue_call("fraudwatch.jobs.tasks.run_pending", args=(pending_id,),
                                   job_id=redis_keys.rq_job_id(pending_id),
                                   timeout=LONG_JOB_TIMEOUT if pending_id in slow else None,
                                   result_ttl=3600, failure_ttl=7 * 86400, pipeline=pipe, meta=meta)
            pipe.execute()
    except (redis.RedisError, OSError) as exc:
        redis_store.failed(exc)
        log.warning("queue unavailable, %d job(s) stay pending: %s", len(pending_ids), exc)
        return False
    try:  # its own write transaction, retried when it loses (SQLite under a steady import)
        in_transaction(db.session, lambda: pending.mark_enqueued(db.session, pending_ids))
    except sa.exc.DBAPIError as exc:  # they are on the queue; the pump may enqueue them again: harmless
        log.warning("%d enqueued job(s) not marked as enqueued: %s", len(pending_ids), exc)
    return True


def lost_jobs(pending_ids: list[int]) -> list[int]:
    """Those of these enqueued jobs that no worker will run: unknown to Redis (lost with a
    restart), failed (a worker died running it), finished without closing their row, or
    queued in name only (taken off the queue by a worker that died before starting it)."""
    if not pending_ids:
        return []
    client = redis_store.client
    queues = pending.queues_of(db.session, pending_ids)
    jobs = Job.fetch_many([redis_keys.rq_job_id(i) for i in pending_ids], connection=client)
    lost, queued = [], []
    for pending_id, job in zip(pending_ids, jobs):
        status = job.get_status(refresh=False) if job is not None else None
        if status == JobStatus.QUEUED and job.origin != redis_keys.rq_queue(queues.get(pending_id, "live")):
            lost.append(pending_id)  # on a queue no worker serves any more (the one queue before 0003)
        elif status == JobStatus.QUEUED:
            queued.append((pending_id, job))
        elif status not in ALIVE:
            lost.append(pending_id)
    if queued:
        with client.pipeline(transaction=False) as pipe:
            for _, job in queued:
                pipe.lpos(Queue(job.origin, connection=client).key, job.id)
            positions = pipe.execute()
        for (pending_id, job), position in zip(queued, positions):
            if position is None:  # a dequeue takes milliseconds; this one was enqueued seconds ago
                client.lrem(Queue(job.origin, connection=client).intermediate_queue.key, 0, job.id)
                lost.append(pending_id)
    return lost


def requeue_abandoned() -> None:
    """Let RQ retry or fail the jobs whose worker stopped renewing their execution."""
    for name in queue_names():
        StartedJobRegistry(name, connection=redis_store.client).cleanup()


def pump(limit: int = 500) -> int:
    """Enqueue the open jobs that no worker will otherwise run; return how many."""
    lock = redis_store.client.lock(redis_keys.pump_lock(), timeout=60, blocking=False)
    if not lock.acquire():
        return 0  # another process is pumping right now
    redis_store.recovered()  # Redis answered: enqueue even if it failed moments ago
    try:
        requeue_abandoned()
        cutoff = utcnow() - timedelta(seconds=current_app.config["PENDING_RETRY_SECONDS"])
        due = pending.never_enqueued(db.session, limit)
        due += lost_jobs(pending.enqueued_before(db.session, cutoff, limit))
        db.session.rollback()
        return len(due) if due and try_enqueue(sorted(set(due))) else 0
    finally:
        try:
            lock.release()
        except redis.RedisError:
            pass  # expired or Redis gone: the timeout frees it
