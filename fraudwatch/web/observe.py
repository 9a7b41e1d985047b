"""Every request's id, metrics and (with LOG_FORMAT=json) access log line.

Before a request: its id (X-Request-ID when sane, else a new one; see infra/logs.py) and
its start time. After: the id echoed in the X-Request-ID header, the request counted by
endpoint (the Flask endpoint name, `none` when no route matched) and status class with its
latency (infra/metrics.py), and in JSON mode one access record (method, path, status,
duration_ms) on the `fraudwatch.access` logger. The work is a few microseconds."""
from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from fraudwatch.infra import logs, metrics

access_log = logging.getLogger("fraudwatch.access")
MAX_PATH = 300  # characters of the path in an access record


def init_app(app: Flask) -> None:
    """Install the hooks on `app`."""
    json_access = app.config["LOG_FORMAT"] == "json"

    @app.before_request
    def _start() -> None:
        g.fw_started = time.perf_counter()
        request_id = logs.sane_request_id(request.headers.get("X-Request-ID")) or logs.new_request_id()
        g.fw_request_id = request_id
        g.fw_request_token = logs.set_request_id(request_id)

    @app.after_request
    def _finish(response: Response) -> Response:
        started = g.get("fw_started")
        if started is None:  # a before_request hook failed before ours ran
            _start()
            started = g.fw_started
        seconds = time.perf_counter() - started
        response.headers["X-Request-ID"] = g.fw_request_id
        metrics.observe_request(request.endpoint or "none", response.status_code, seconds)
        if json_access:
            access_log.info("%s %s %s", request.method, request.path[:MAX_PATH], response.status_code,
                            extra={"method": request.method, "path": request.path[:MAX_PATH],
                                   "status": response.status_code, "duration_ms": round(seconds * 1000, 3)})
        return response

    @app.teardown_request
    def _forget(_exc) -> None:
        token = g.pop("fw_request_token", None)
        if token is not None:
            try:
                logs.reset_request_id(token)
            except ValueError:  # set in another context (a streamed response): nothing to restore
                pass
