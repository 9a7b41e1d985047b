"""CLI commands of the crawl side: `scan`, `lookalikes`, `crawl` (thin wrappers); `run_workers`
runs local workers for them and for `import messages`."""
from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

import click
from flask.cli import with_appcontext

from crawlers.errors import FetchError
from crawlers.fetch import FetchConfig
from crawlers.netguard import Resolver, parse_networks

log = logging.getLogger(__name__)


def _classifier() -> Callable[[str], dict] | None:
    """The installed model's `classify`, or None (no model, or the library is missing)."""
    try:
        from fraudwatch.services import model_registry

        model = model_registry.get_classifier()
    except Exception as exc:  # scanning must work without a model
        log.warning("no classifier available (%s: %s)", type(exc).__name__, exc)
        return None
    return None if model is None else model.classify


def _fetch_config(allow_network: tuple[str, ...], resolve: tuple[str, ...], ignore_robots: bool,
                  timeout: float | None, any_port: bool, delay: float | None) -> FetchConfig:
    parse_networks(allow_network)
    for spec in resolve:
        Resolver().add(spec)  # validates HOST:PORT:ADDR before anything is fetched
    kwargs: dict = {"allow_networks": allow_network, "resolve": resolve,
                    "obey_robots": not ignore_robots}
    if timeout:
        kwargs["total_timeout"] = timeout
    if any_port:
        kwargs["allowed_ports"] = None
    if delay is not None:
        kwargs["host_delay"] = max(0.0, delay)
    return FetchConfig(**kwargs)


def _bad_option(url: str, message: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"url": url, "final_url": None, "http_status": None, "title": None,
                               "verdict": None, "site_signals": [], "forms": [],
                               "error": {"code": "bad_option", "message": message, "url": None}},
                              ensure_ascii=False))
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _print_human(result: dict) -> None:
    click.echo(f"URL:      {result['url']}")
    if result.get("error"):
        click.echo(f"error:    {result['error']['code']}: {result['error']['message']}")
    else:
        click.echo(f"final:    {result['final_url']} (HTTP {result['http_status']})")
        click.echo(f"title:    {result['title']}")
    verdict = result.get("verdict") or {}
    click.echo(f"verdict:  {verdict.get('label')} (basis: {verdict.get('basis')})")
    if verdict.get("note"):
        click.echo(f"          {verdict['note']}")
    for sig in result.get("site_signals", []):
        click.echo(f"  {sig['weight']:+.1f} {sig['code']}: {sig['detail']}")
    for form in result.get("forms", []):
        click.echo(f"  form -> {form['action']} asks {', '.join(form['asks']) or 'nothing known'}")


@click.command("scan")
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--allow-network", multiple=True, metavar="CIDR",
              help="Allow fetching from this private network (repeatable).")
@click.option("--resolve", multiple=True, metavar="HOST:PORT:ADDR",
              help="Pin HOST (on PORT, or * for any) to ADDR, like curl --resolve.")
@click.option("--ignore-robots", is_flag=True, help="Do not obey robots.txt.")
@click.option("--any-port", is_flag=True, help="Allow any port, not only the usual web ports.")
@click.option("--timeout", type=float, default=None, help="Total time limit in seconds.")
@click.option("--delay", type=float, default=None, help="Politeness delay between requests to a host.")
@with_appcontext
def scan(url: str, as_json: bool, allow_network: tuple[str, ...], resolve: tuple[str, ...],
         ignore_robots: bool, any_port: bool, timeout: float | None, delay: float | None) -> None:
    """Fetch URL safely, analyse the page and judge the site."""
    from crawlers.scan import scan_url

    try:
        config = _fetch_config(allow_network, resolve, ignore_robots, timeout, any_port, delay)
    except ValueError as exc:
        _bad_option(url, str(exc), as_json)
        return
    try:
        result = scan_url(url, config, classifier=_classifier())
    except Exception as exc:  # the contract: never a traceback
        log.exception("scan of %s failed", url)
        result = {"url": url, "final_url": None, "http_status": None, "title": None,
                  "verdict": None, "site_signals": [], "forms": [],
                  "error": {"code": "internal_error", "message": f"{type(exc).__name__}: {exc}",
                            "url": url}}
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_human(result)
    sys.exit(0 if not result.get("error") or result["error"]["code"] != "internal_error" else 1)


@click.command("lookalikes")
@click.argument("domain")
@click.option("--dns", "check_dns", is_flag=True, help="Resolve each candidate, list those that exist.")
@click.option("--resolve", multiple=True, metavar="HOST:PORT:ADDR",
              help="Static answers for the DNS check (curl --resolve syntax).")
@click.option("--no-system-dns", is_flag=True, help="Use only the --resolve mapping.")
@click.option("--fuzzer", multiple=True, help="Only these fuzzers (omission, homoglyph, ...).")
@click.option("--limit", type=int, default=5000, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def lookalikes(domain: str, check_dns: bool, resolve: tuple[str, ...], no_system_dns: bool,
               fuzzer: tuple[str, ...], limit: int, as_json: bool) -> None:
    """List lookalike permutations of an (official) DOMAIN, optionally those that resolve."""
    from crawlers.lookalikes import Resolved, generate, resolve_all

    try:
        candidates = generate(domain, fuzzers=fuzzer, limit=limit)
        resolver = Resolver(use_system=not no_system_dns)
        for spec in resolve:
            resolver.add(spec)
    except (ValueError, FetchError) as exc:
        raise click.BadParameter(str(exc)) from None
    rows = resolve_all(candidates, resolver) if check_dns else [Resolved(c) for c in candidates]
    for row in rows:
        if check_dns and not row.addresses:
            continue
        lk = row.lookalike
        if as_json:
            click.echo(json.dumps({"domain": lk.domain, "display": lk.display, "fuzzer": lk.fuzzer,
                                   "base": lk.base, "addresses": row.addresses}, ensure_ascii=False))
        else:
            extra = f"  {','.join(row.addresses)}" if row.addresses else ""
            click.echo(f"{lk.fuzzer:16} {lk.display}{extra}")


def _read_seeds(path: str) -> list[str]:
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = (ln.strip() for ln in fh)
        return [ln for ln in lines if ln and not ln.startswith("#")][:100_000]


@click.command("crawl")
@click.option("--seeds", "seeds_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="File with one URL per line (# comments allowed).")
@click.option("--depth", type=int, default=1, show_default=True, help="Same-site link depth.")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Local worker processes to run until the crawl is done (0: only queue it).")
@with_appcontext
def crawl(seeds_file: str, depth: int, workers: int) -> None:
    """Queue a crawl of the seed URLs and (by default) run local workers until it is done."""
    from fraudwatch.jobs import crawling

    queued, bad = crawling.enqueue_seeds(_read_seeds(seeds_file), depth)
    for line in bad[:20]:
        click.echo(f"skipped (not a URL): {line[:200]}", err=True)
    click.echo(f"queued {queued} seed(s); {len(bad)} skipped; depth {depth}")
    if workers <= 0:
        click.echo("run `fraudwatch worker` to crawl them")
        return
    before = crawling.stats()["fetched"]
    run_workers(workers)
    click.echo(f"crawled {crawling.stats()['fetched'] - before} page(s) with {workers} worker(s)")


def run_workers(count: int) -> None:
    """Fork `count` local workers with this app's configuration; wait until all work is done."""
    from flask import current_app

    from fraudwatch.app import create_app
    from fraudwatch.jobs.local_workers import run_local_workers

    config = {**current_app.config, "INSTANCE_PATH": current_app.instance_path}
    run_local_workers(count, lambda: create_app(config))


COMMANDS = [scan, lookalikes, crawl]
