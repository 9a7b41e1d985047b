"""Posting a webhook through the crawler's address guard: the URL is checked like a crawled
one (scheme, credentials, port), its host resolved and every address checked by
`netguard.AddressPolicy` (private, loopback, link-local refused unless their network is
allowed), the connection pinned to a checked address, no redirect followed (a 3xx is the
answer), one total deadline, and at most MAX_ANSWER bytes of the answer read."""
from __future__ import annotations

import time
from dataclasses import dataclass

import httpcore
import httpx

from crawlers import transport
from crawlers.errors import FetchError
from crawlers.netguard import DEFAULT_ALLOWED_PORTS, AddressPolicy, Resolver, check_url, parse_networks

MAX_ANSWER = 4096
USER_AGENT = "fraudwatch-alerts/1.0 (+https://github.com/fraudwatch/fraudwatch)"


@dataclass(frozen=True)
class Posted:
    """The receiver's answer: its status and the start of its body."""

    status: int
    body: bytes


class WebhookPoster:
    """POSTs bodies to checked addresses only; thread-safe, one per process is enough."""

    def __init__(self, *, allow_networks: tuple[str, ...] = (), allowed_ports: frozenset[int] | None =
                 DEFAULT_ALLOWED_PORTS, resolve: tuple[str, ...] = (), timeout: float = 10.0,
                 verify_tls: bool = True) -> None:
        self.resolver = Resolver()
        for spec in resolve:
            self.resolver.add(spec)
        self.policy = AddressPolicy(parse_networks(allow_networks))
        self.allowed_ports = allowed_ports
        self.timeout = timeout
        self._backend = transport.PinnedBackend()
        self._client = httpx.Client(transport=transport.PinnedTransport(self._backend, verify=verify_tls),
                                    timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False)

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Posted:
        """POST `body` to `url`; FetchError (code: bad_url, blocked_address, timeout,
        connect_error...) when it cannot be sent or answered."""
        target = check_url(url, self.allowed_ports)
        addresses = self.resolver.resolve(target.host, target.port)
        self.policy.check(target.host, addresses)
        self._backend.pin(target.host, target.port, [str(a) for a in addresses])
        transport.set_deadline(time.monotonic() + self.timeout)
        try:
            with self._client.stream("POST", target.url, content=body,
                                     headers={"User-Agent": USER_AGENT, **headers}) as response:
                answer = b""
                for chunk in response.iter_raw(1024):
                    answer += chunk
                    if len(answer) >= MAX_ANSWER:
                        break
                return Posted(response.status_code, answer[:MAX_ANSWER])
        except (httpx.TimeoutException, httpcore.TimeoutException) as exc:
            raise FetchError("timeout", f"timed out: {exc}", target.url) from None
        except httpx.ConnectError as exc:
            raise FetchError("connect_error", f"cannot connect: {exc}", target.url) from None
        except httpx.HTTPError as exc:
            raise FetchError("http_error", f"{type(exc).__name__}: {exc}", target.url) from None
        finally:
            transport.set_deadline(None)

