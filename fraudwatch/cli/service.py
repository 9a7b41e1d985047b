"""Running the service: `serve` (web + workers + embedded Redis), `worker`, `db-upgrade`, `pump`."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from fraudwatch.extensions import redis_store


@click.command("db-upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    from fraudwatch.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"])
    click.echo("database is at the latest schema")


@click.command("pump")
@with_appcontext
def pump() -> None:
    """Put every pending job on the queue now (normally the workers do it)."""
    from fraudwatch import queue

    click.echo(f"enqueued {queue.pump(limit=100_000)} pending job(s)")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run a background worker (RQ) on the app's queues."""
    from fraudwatch import queue
    from fraudwatch.workers import build_worker, start_pump

    app = current_app._get_current_object()
    queue.pump()
    stop = None if burst else start_pump(app)
    try:
        build_worker(app).work(burst=burst, with_scheduler=not burst, logging_level="INFO")
    finally:
        if stop is not None:
            stop.set()


def _ensure_model(app, train: bool) -> None:
    from fraudwatch import model_registry

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
@click.option("--web-threads", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Threads per web worker (measured fastest at 1 on CPU-bound lookups).")
@click.option("--rq-workers", default=1, show_default=True, type=click.IntRange(0, 64))
@click.option("--train/--no-train", default=True, help="Train the classifier if no model exists.")
@with_appcontext
def serve(host: str, port: int, web_workers: int, web_threads: int, rq_workers: int, train: bool) -> None:
    """Migrate, start Redis (embedded unless REDIS_URL), the workers and the web server."""
    from fraudwatch.embedded import stop_embedded_redis
    from fraudwatch.migrate import upgrade

    app = current_app._get_current_object()
    upgrade(app.config["DATABASE_URL"])
    redis_store.ensure_started(app)
    _ensure_model(app, train)
    env = _child_env(app)
    # Children get sessions of their own: Ctrl-C reaches only this supervisor, which then
    # stops them in order (SIGTERM, then SIGKILL after 15 s).
    children = [subprocess.Popen([sys.executable, "-m", "fraudwatch", "worker"], env=env, start_new_session=True)
                for _ in range(rq_workers)]
    children.append(subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}",
                                      "--workers", str(web_workers), "--worker-class", "gthread",
                                      "--threads", str(web_threads), "--access-logfile", "-", "--graceful-timeout", "10",
                                      "fraudwatch:create_app()"], env=env, start_new_session=True))
    click.echo(f"fraudwatch on http://{host}:{port} with {rq_workers} worker(s); Ctrl-C stops it all")
    clean = False
    try:
        clean = _supervise(children)
    finally:
        _stop(children)
        if app.config.get("EMBEDDED_REDIS"):
            stop_embedded_redis(os.path.join(app.instance_path, "redis"))
        click.echo("stopped")
    if not clean:
        raise SystemExit(1)


def _interrupt(*_args) -> None:
    raise KeyboardInterrupt


def _supervise(children: list[subprocess.Popen]) -> bool:
    """Wait for Ctrl-C or SIGTERM (True) or for a child to die (False)."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # also when started with SIGINT ignored (background jobs)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        return True
    click.echo("a child process exited unexpectedly; stopping everything", err=True)
    return False


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()


COMMANDS = [serve, worker, db_upgrade, pump]
