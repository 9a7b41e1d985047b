"""gunicorn settings every fraudwatch web server runs with (`--config
python:fraudwatch.infra.gunicorn_hooks`, see webserver.gunicorn_command): the metrics folder of
the instance (set before the workers fork, so they all write there; files of processes that
no longer run are removed), a worker that exits marked dead in it, and JSON logs for gunicorn's
own messages when LOG_FORMAT=json (the app then writes the access log, with request ids)."""
from __future__ import annotations

from fraudwatch.config import instance_path_from_env, sharing_config
from fraudwatch.infra import logs, metrics


def on_starting(server) -> None:
    """In the master, before any worker: metrics folder and log format."""
    settings = sharing_config()
    if settings["METRICS"] != "off":
        folder = metrics.use_multiprocess_dir(instance_path_from_env())
        if folder is not None:
            metrics.remove_dead(folder)
    if settings["LOG_FORMAT"] == "json":
        formatter = logs.JsonFormatter()
        for handler in server.log.error_log.handlers:
            handler.setFormatter(formatter)
        server.log.access_log.disabled = True


def child_exit(server, worker) -> None:
    """In the master, after a worker exited: drop its live gauges."""
    metrics.mark_process_dead(worker.pid)
