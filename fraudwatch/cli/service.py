"""Running the service: `serve` (web + workers + embedded Redis), `worker`, `db-upgrade`, `pump`.

`serve` runs workers by role: `--live-workers` (default 1) serve only live reports and
their crawls, so a long bulk crawl never holds a live report; `--rq-workers` (default 1)
serve every queue, live first, at a lower CPU priority."""
from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from fraudwatch.infra.extensions import redis_store
from fraudwatch.infra.webserver import DEFAULT_THREADS, gunicorn_command


@click.command("db-upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    from fraudwatch.storage.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"])
    click.echo("database is at the latest schema")


@click.command("pump")
@with_appcontext
def pump() -> None:
    """Put every pending job on the queue now (normally the workers do it)."""
    from fraudwatch.services import outbox

    click.echo(f"enqueued {outbox.pump(limit=100_000)} pending job(s)")


def _queue_roles(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    from fraudwatch.jobs.workers import parse_roles

    try:
        return parse_roles(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--queues", "roles", default="all", show_default=True, callback=_queue_roles,
              help="Queues to serve, comma-separated, among live, live-crawl, bulk, crawl (or all); "
                   "always taken in that priority order.")
@click.option("--nice", type=click.IntRange(0, 19), default=None,
              help="Lower this worker's CPU priority by this much [default: FRAUDWATCH_BULK_WORKER_NICE "
                   "when it serves bulk or crawl, else 0].")
@with_appcontext
def worker(burst: bool, roles: tuple[str, ...], nice: int | None) -> None:
    """Run a background worker (RQ) on the app's queues; it outlives Redis outages."""
    from fraudwatch.jobs.workers import lower_priority, run_worker, start_pump, takes_bulk

    app = current_app._get_current_object()
    _metrics_dir(app)
    lower_priority(nice if nice is not None else app.config["BULK_WORKER_NICE"] if takes_bulk(roles) else 0)
    stop = None if burst else start_pump(app)
    try:
        run_worker(app, burst=burst, roles=roles)
    finally:
        if stop is not None:
            stop.set()


def _metrics_dir(app):
    """Make this process and its children write metrics to the instance's folder (see
    infra/metrics.py); None when metrics are off or for a test app."""
    if app.config["METRICS"] == "off" or app.testing:
        return None
    from fraudwatch.infra import metrics

    return metrics.use_multiprocess_dir(app.instance_path)


def _ensure_model(app, train: bool) -> None:
    from fraudwatch.services import model_registry

    with app.app_context():
        target = model_registry.model_dir()
    if not train or _usable(target):
        return
    try:
        from classifiers.corpus import default_corpus_files
        from classifiers.train import train_model
    except ImportError:
        click.echo("classifier library not available: reports will not be classified", err=True)
        return
    click.echo(f"training the classifier into {target} (first start only)...")
    metrics = train_model(default_corpus_files(), target)
    click.echo(f"model trained: {metrics.get('summary', metrics) if isinstance(metrics, dict) else metrics}")


def _usable(folder) -> bool:
    """A model exists there and fits this version of the code."""
    if not (folder / "meta.json").is_file():
        return False
    try:
        from classifiers.model import load_model

        load_model(folder, warm=False)
    except (ValueError, OSError, KeyError) as exc:
        click.echo(f"the model in {folder} cannot be used ({exc}); training a new one", err=True)
        return False
    return True


def _child_env(app) -> dict:
    env = dict(os.environ)
    env.update({"FRAUDWATCH_INSTANCE": app.instance_path, "DATABASE_URL": app.config["DATABASE_URL"],
                "REDIS_URL": app.config["REDIS_URL"], "FRAUDWATCH_MODEL_DIR": app.config["MODEL_DIR"]})
    return env


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--web-workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--web-threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 64),
              help="Threads per web worker (requests reach them already buffered).")
@click.option("--live-workers", default=1, show_default=True, type=click.IntRange(0, 64),
              help="Workers serving only live reports and their crawls (never bulk work).")
@click.option("--rq-workers", default=1, show_default=True, type=click.IntRange(0, 64),
              help="General workers: every queue, live first (at a lower CPU priority).")
@click.option("--train/--no-train", default=True, help="Train the classifier if no model exists.")
@with_appcontext
def serve(host: str, port: int, web_workers: int, web_threads: int, live_workers: int, rq_workers: int,
          train: bool) -> None:
    """Migrate, start Redis (embedded unless REDIS_URL), the workers and the web server, and
    keep them running: a child that exits is restarted, and so is the embedded Redis."""
    from fraudwatch.infra.embedded import stop_embedded_redis
    from fraudwatch.infra.supervisor import interrupt_on_signals, stop_all, supervise
    from fraudwatch.storage.migrate import upgrade

    app = current_app._get_current_object()
    _check_port_free(host, port)  # before anything starts: gunicorn would retry, then restart forever
    upgrade(app.config["DATABASE_URL"])
    redis_store.ensure_started(app)
    _ensure_model(app, train)
    folder = _metrics_dir(app)
    if folder is not None:
        from fraudwatch.infra import metrics

        metrics.wipe(folder)  # this run's counts start at zero; the children inherit the folder
    children = _children(app, host, port, web_workers, web_threads, live_workers, rq_workers)
    click.echo(f"fraudwatch on http://{host}:{port} with {live_workers} live and {rq_workers} general "
               "worker(s); Ctrl-C stops it all")
    interrupt_on_signals()
    failed = None
    try:
        supervise(children, _watchdogs(app))
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        failed = exc
    finally:
        stop_all(children)
        if app.config.get("EMBEDDED_REDIS"):
            stop_embedded_redis(os.path.join(app.instance_path, "redis"))
        click.echo("stopped")
    if failed is not None:
        raise click.ClickException(str(failed))


def _children(app, host: str, port: int, web_workers: int, web_threads: int, live_workers: int,
              rq_workers: int) -> list:
    from fraudwatch.infra.supervisor import Child
    from fraudwatch.jobs.workers import LIVE_ROLES

    env = _child_env(app)
    web = [sys.executable, "-m", "gunicorn", *gunicorn_command(host, port, web_workers, web_threads)]
    command = [sys.executable, "-m", "fraudwatch", "worker"]
    live = [Child(f"live worker {n + 1}", [*command, "--queues", ",".join(LIVE_ROLES)], env)
            for n in range(live_workers)]
    general = [Child(f"worker {n + 1}", [*command, "--queues", "all"], env) for n in range(rq_workers)]
    return [*live, *general, Child("web server", web, env, fatal_first_exit=True, ready=lambda: _accepts(host, port))]


def _check_port_free(host: str, port: int) -> None:
    """A clear error, at once, when host:port cannot be listened on (in use, not an address here)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
            probe.bind(infos[0][4])
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _accepts(host: str, port: int) -> bool:
    """True when something accepts TCP connections at host:port (the web server is up)."""
    import socket

    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def _watchdogs(app) -> list:
    from fraudwatch.infra.embedded import embedded_alive, ensure_embedded_redis
    from fraudwatch.infra.supervisor import Watchdog

    if not app.config.get("EMBEDDED_REDIS"):
        return []  # a Redis of its own is the operator's to run
    folder = os.path.join(app.instance_path, "redis")
    return [Watchdog("embedded Redis", lambda: embedded_alive(folder), lambda: ensure_embedded_redis(folder))]


COMMANDS = [serve, worker, db_upgrade, pump]
