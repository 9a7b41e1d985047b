"""The web server: a gunicorn gthread worker that buffers each request before a thread
touches it (as nginx or waitress do), and answers the errors it finds itself with the
API's JSON error document.

The worker's main thread reads a request's head and body (Content-Length or chunked, up
to a bound) from non-blocking sockets, within one deadline, and only then hands the
connection to the thread pool with those bytes served first; so a client sending slowly
holds a few bytes of memory, never a thread. A client that misses the deadline gets a 408
and is closed. Settings (environment of the gunicorn workers):

- `FRAUDWATCH_REQUEST_READ_TIMEOUT` (seconds, default 10): a request must arrive whole
  within this, counted from the connection's accept or, on a kept-alive connection, from
  the first byte of the request;
- `FRAUDWATCH_REQUEST_BUFFER_BYTES` (default the app's MAX_CONTENT_LENGTH + 64 KiB): the
  largest body buffered; a larger declared Content-Length is handed over at once (the app
  answers 413 without reading it);
- `FRAUDWATCH_REQUEST_BUFFER_TOTAL_BYTES` (default 64 MiB): all buffers of one worker
  process; a connection that would go over is answered 503.

Head limits are gunicorn's (`--limit-request-line`, `--limit-request-fields`,
`--limit-request-field_size`), the number of connections per worker is its
`--worker-connections`, and idle kept-alive connections close after its `--keep-alive`.
TLS, the PROXY protocol and cleartext HTTP/2 are not supported: put them in front.
"""
from __future__ import annotations

import errno
import selectors
import socket
import time
from functools import partial

from gunicorn import util
from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers.gthread import TConn, ThreadWorker

from fraudwatch.infra.webserver_http import (
    NEED,
    READY,
    RequestReader,
    RequestTimedOut,
    error_response,
    read_limits,
    status_for,
)

WORKER_CLASS = "fraudwatch.infra.webserver.BufferingWorker"
HOOKS = "python:fraudwatch.infra.gunicorn_hooks"  # metrics folder, dead workers, JSON logs
DEFAULT_THREADS = 4  # threads per worker: see bench/README.md, "Web server (fraudwatch.infra.webserver)"
LINGER_SECONDS = 2.0  # a closing connection's unread input is drained this long at most
LINGER_BYTES = 64 * 1024
SWEEP_SECONDS = 0.25


def gunicorn_command(host: str, port: int, web_workers: int, web_threads: int = DEFAULT_THREADS) -> list[str]:
    """Arguments after `python -m gunicorn` that serve the app with the buffering worker."""
    bind = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    return ["--bind", bind, "--workers", str(web_workers), "--worker-class", WORKER_CLASS,
            "--threads", str(web_threads), "--access-logfile", "-", "--graceful-timeout", "10",
            "--config", HOOKS, "--no-control-socket", "fraudwatch:create_app()"]


class DeadlineUnreader(SocketUnreader):
    """Socket reads in a worker thread that end at the connection's deadline (408)."""

    def __init__(self, sock, conn: BufferedConn) -> None:
        super().__init__(sock)
        self.conn = conn

    def chunk(self, size_hint=None) -> bytes:
        """One socket read, given at most the time left to the request."""
        remaining = self.conn.deadline - time.monotonic()
        if remaining <= 0:
            raise RequestTimedOut()
        self.sock.settimeout(remaining)
        try:
            return super().chunk(size_hint)
        except TimeoutError:
            raise RequestTimedOut() from None
        finally:
            self.sock.settimeout(None)


class BufferedConn(TConn):
    """A client connection; `held` is what the worker thread's parser reads first."""

    def __init__(self, cfg, sock, client, server) -> None:
        super().__init__(cfg, sock, client, server)
        self.data_ready = True  # never make a thread wait for bytes
        self.reader: RequestReader | None = None
        self.deadline = 0.0
        self.held = b""
        self.counted = 0  # bytes counted against the worker's budget
        self.registered = False  # with the poller, while buffering
        self.complete = True  # the whole request was buffered
        self.drained = 0

    def init(self) -> None:
        """Set up the parser once, then serve the buffered bytes before the socket's."""
        fresh = not self.initialized
        super().init()
        if fresh:
            self.parser.unreader = DeadlineUnreader(self.sock, self)
        if self.held:
            self.parser.unreader.unread(self.held)
            self.held = b""


class BufferingWorker(ThreadWorker):
    """gthread that hands a connection to a thread only once its request is buffered."""

    @classmethod
    def check_config(cls, cfg, log) -> None:
        """Refuse what the main thread cannot buffer (TLS, PROXY protocol, cleartext HTTP/2)."""
        super().check_config(cfg, log)
        if cfg.is_ssl or cfg.proxy_protocol != "off" or cfg.http2_cleartext != "off":
            raise RuntimeError(f"{WORKER_CLASS} serves plain HTTP/1.x: terminate TLS, the PROXY "
                               "protocol and HTTP/2 in front of it, or use --worker-class gthread")

    def run(self) -> None:
        """Read the settings (the app is loaded now), then serve."""
        self.limits, self.read_timeout, self.budget = read_limits(self.cfg, self.wsgi)
        self.buffering: dict[BufferedConn, None] = {}
        self.lingering: dict[BufferedConn, None] = {}
        self.buffered_bytes = 0
        self.next_sweep = 0.0
        super().run()

    def accept(self, listener) -> None:
        """Accept a connection and start buffering its first request."""
        try:
            sock, addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._read_request(BufferedConn(self.cfg, sock, addr, listener.getsockname()), readable=True)

    def on_client_socket_readable(self, conn: BufferedConn, client) -> None:
        """A kept-alive connection sends its next request: buffer it."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read_request(conn, readable=True)

    def _read_request(self, conn: BufferedConn, data: bytes = b"", readable: bool = False) -> None:
        """Buffer the next request of `conn`; `data` was received already."""
        conn.sock.setblocking(False)
        conn.deadline = time.monotonic() + self.read_timeout
        conn.reader = RequestReader(self.limits)
        self.buffering[conn] = None
        if readable:
            self._on_readable(conn)  # often the whole request: no need to wait in the poller
        elif data:
            self._feed(conn, data)
        if conn in self.buffering and not conn.registered:
            conn.registered = True
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    @staticmethod
    def _recv(conn: BufferedConn) -> bytes | None:
        """What the client sent (b"" when it closed or failed), None if nothing yet."""
        try:
            return conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return None
        except OSError:
            return b""

    def _on_readable(self, conn: BufferedConn, _sock=None) -> None:
        data = self._recv(conn)
        if data is None:
            return
        if not data:
            self._stop_buffering(conn)
            self._close(conn)
        else:
            self._feed(conn, data)

    def _feed(self, conn: BufferedConn, data: bytes) -> None:
        """Add bytes to the request of `conn`; hand it over, or refuse it, when it can be."""
        if self.buffered_bytes + len(data) > self.budget:
            return self._reject(conn, 503, "the server is busy receiving other requests; try again")
        conn.counted += len(data)
        self.buffered_bytes += len(data)
        reader = conn.reader
        state = reader.feed(data)
        if state == NEED:
            if reader.send_continue:
                reader.send_continue = False
                self._send(conn, b"HTTP/1.1 100 Continue\r\n\r\n")
        elif state == READY:
            conn.held, conn.complete = bytes(reader.data), reader.complete
            self._stop_buffering(conn)
            self.enqueue_req(conn)
        else:
            self._reject(conn, reader.status, reader.message)

    def _stop_buffering(self, conn: BufferedConn) -> None:
        self.buffering.pop(conn, None)
        if conn.registered:
            conn.registered = False
            self.poller.unregister(conn.sock)
        self.buffered_bytes -= conn.counted
        conn.counted, conn.reader = 0, None

    def _reject(self, conn: BufferedConn, status: int, message: str) -> None:
        """Answer the JSON error from the main thread and close the connection."""
        self.log.warning("Refused request from ip=%s: %s %s", conn.client[0] if conn.client else "", status, message)
        self._stop_buffering(conn)
        self._send(conn, error_response(status, message))
        self._linger(conn)

    @staticmethod
    def _send(conn: BufferedConn, data: bytes) -> None:
        try:
            conn.sock.send(data)  # small, and the socket's buffer is empty: no partial writes
        except OSError:
            pass

    def _linger(self, conn: BufferedConn) -> None:
        """Close after draining what the client still sends (RFC 9112 9.6), without blocking."""
        try:
            conn.sock.setblocking(False)
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return self._close(conn)
        conn.deadline, conn.drained = time.monotonic() + LINGER_SECONDS, 0
        self.lingering[conn] = None
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_linger_readable, conn))

    def _on_linger_readable(self, conn: BufferedConn, _sock=None) -> None:
        data = self._recv(conn)
        if data is None:
            return
        conn.drained += len(data)
        if not data or conn.drained >= LINGER_BYTES:
            self._end_linger(conn)

    def _end_linger(self, conn: BufferedConn) -> None:
        self.lingering.pop(conn, None)
        self.poller.unregister(conn.sock)
        self._close(conn)

    def _close(self, conn: BufferedConn) -> None:
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        """Time out requests not received by their deadline (408) and finished lingering."""
        super().murder_pending()
        now = time.monotonic()
        if now < self.next_sweep:
            return
        self.next_sweep = now + SWEEP_SECONDS
        for conn in [c for c in self.buffering if c.deadline <= now or (not self.alive and not c.counted)]:
            if conn.counted:
                self._reject(conn, 408, f"the request was not received within {self.read_timeout:g} seconds")
            else:
                self._stop_buffering(conn)
                self._close(conn)
        for conn in [c for c in self.lingering if c.deadline <= now]:
            self._end_linger(conn)

    def finish_request(self, conn: BufferedConn, fs) -> None:
        """After a response: buffer the next request (or wait for it), else close."""
        try:
            keep = bool(not fs.cancelled() and fs.result()) and self.alive
            if not keep:
                return self._linger(conn)
            leftover = conn.parser.unreader.take_buffered()
            if leftover:  # pipelined, or read ahead
                return self._read_request(conn, leftover)
            conn.sock.setblocking(False)
            conn.set_timeout()
            self.keepalived_conns.append(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_client_socket_readable, conn))
        except Exception:  # noqa: BLE001 - as gthread: a connection that cannot go on is closed
            self.log.exception("Closing a connection after an error")
            self._close(conn)

    def _keepalive_after(self, conn: BufferedConn, keepalive: bool) -> bool:
        """Keep a connection only if its whole request was buffered (no socket reads to drain)."""
        if not conn.complete:
            return False
        try:
            return super()._keepalive_after(conn, keepalive)
        except Exception:  # noqa: BLE001 - a body the app did not read was malformed: close
            return False

    def handle_error(self, req, client, addr, exc) -> None:
        """Answer an error gunicorn met while serving with the JSON error document."""
        status, message = status_for(exc)
        if status >= 500:
            self.log.exception("Error handling request %s", getattr(req, "uri", "(no URI read)"))
        else:
            self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, error_response(status, message))
        except Exception:  # noqa: BLE001 - the client may be gone
            self.log.debug("Failed to send error message.")
