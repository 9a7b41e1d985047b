"""Real local receivers for alert tests: an HTTP webhook receiver on 127.0.0.1 that checks
every request's signature with fraudwatch's own `verify_signature`, and a small SMTP server
on a socket (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) that keeps the messages."""
from __future__ import annotations

import email
import email.policy
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fraudwatch.services.webhook_signature import HEADER, verify_signature


class WebhookReceiver:
    """Answers each POST with the next of `statuses` (then 200) and records what came."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.secret = ""
        self.statuses = list(statuses or [])
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append({
                    "path": self.path, "headers": dict(self.headers.items()), "body": body,
                    "verified": verify_signature(receiver.secret, self.headers.get(HEADER), body)})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpServer:
    """A minimal SMTP server on 127.0.0.1: every message it accepts is in `messages`."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")

        def say(line: str) -> None:
            conn.sendall(line.encode() + b"\r\n")

        say("220 test smtp ready")
        sender, rcpts = None, []
        try:
            for raw in reader:
                command = raw.decode("utf-8", "replace").strip()
                verb = command[:4].upper()
                if verb in ("EHLO", "HELO"):
                    say("250-localhost" if verb == "EHLO" else "250 localhost")
                    if verb == "EHLO":
                        say("250 8BITMIME")
                elif verb == "MAIL":
                    sender, rcpts = command[10:].strip("<> "), []
                    say("250 ok")
                elif verb == "RCPT":
                    rcpts.append(command[8:].strip("<> "))
                    say("250 ok")
                elif verb == "DATA":
                    say("354 end with .")
                    data = b""
                    for line in reader:
                        if line in (b".\r\n", b".\n"):
                            break
                        data += line[1:] if line.startswith(b"..") else line
                    message = email.message_from_bytes(data, policy=email.policy.default)
                    self.messages.append({"from": sender, "to": rcpts, "message": message})
                    say("250 queued")
                elif verb == "QUIT":
                    say("221 bye")
                    break
                else:  # RSET, NOOP...
                    say("250 ok")
        finally:
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()
