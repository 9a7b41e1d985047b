"""The RQ worker that runs each job in a fresh app context, and the pending-job pump."""
from __future__ import annotations

import logging
import threading

from flask import Flask
from rq import SimpleWorker

from fraudwatch import queue

log = logging.getLogger(__name__)


class AppWorker(SimpleWorker):
    """Runs jobs in this process (the model stays loaded) inside a fresh app context."""

    flask_app: Flask | None = None

    def perform_job(self, job, queue_, *args, **kwargs):  # noqa: D401 - RQ hook
        """Run the job within an app context of `flask_app`."""
        with self.flask_app.app_context():
            return super().perform_job(job, queue_, *args, **kwargs)


def build_worker(app: Flask) -> AppWorker:
    """A worker on the app's queues."""
    from fraudwatch.extensions import redis_store

    with app.app_context():
        queues = [queue.get_queue(name) for name in queue.queue_names()]
        connection = redis_store.client
    worker = AppWorker(queues, connection=connection)
    worker.flask_app = app
    return worker


def pump_forever(app: Flask, stop: threading.Event, every: float = 5.0) -> None:
    """Enqueue pending jobs every `every` seconds until `stop` is set."""
    while not stop.is_set():
        try:
            with app.app_context():
                count = queue.pump()
            if count:
                log.info("pump: enqueued %d pending job(s)", count)
        except Exception:  # noqa: BLE001 - the pump must survive a dead Redis or database
            log.exception("pump failed; retrying")
        stop.wait(every)


def start_pump(app: Flask, every: float = 5.0) -> threading.Event:
    """Run the pump in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=pump_forever, args=(app, stop, every), name="fw-pump", daemon=True).start()
    return stop
