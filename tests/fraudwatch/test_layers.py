"""Where things are allowed to live, checked over the source with `ast` and on a real Redis.

- Every database query of fraudwatch is in `fraudwatch/storage/`: elsewhere no call runs a
  query, get, flush... on a session or connection, and nothing imports SQLAlchemy's
  statement builders (select, update, delete, insert, text). Commits and rollbacks, which
  delimit units of work, are allowed anywhere.
- Every Redis key is built in `fraudwatch/infra/redis_keys.py`: nothing else reads
  REDIS_PREFIX or imports its private helpers, no literal starts with the default prefix,
  and a report's whole life (report, jobs, crawl, lookup) writes no key outside the app's
  prefix and its own RQ queues and job ids.
The import layers themselves are import-linter's business (`[tool.importlinter]`).
"""
from __future__ import annotations

import ast
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from tests.conftest import cleanup_redis, make_test_app, run_jobs

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "fraudwatch"

QUERY_METHODS = {"execute", "exec_driver_sql", "scalar", "scalars", "get", "query", "flush", "merge", "expunge",
                 "add", "add_all", "delete", "connection"}
DB_HANDLES = {"session", "connection", "conn"}  # names a session or connection goes by
REDIS_HINTS = ("redis", "queue", "pipe")  # a `connection` reached through these is Redis, not the database
OPENERS = {"connect", "raw_connection"}  # calls that hand out a connection
SQL_BUILDERS = {"select", "update", "delete", "insert", "text"}

# The one place outside storage/ that talks SQL: the engine's own set-up. Keep this short;
# a new entry needs a reason as good as this one.
ALLOWED_DB_CALLS = {
    # The driver's own transaction handling is switched off, so the engine's "begin" hook
    # issues BEGIN (or BEGIN IMMEDIATE): part of how the engine is built, not a query.
    ("fraudwatch/infra/extensions.py", "_sqlite_begin", "exec_driver_sql"),
}

REDIS_KEYS_MODULE = "fraudwatch/infra/redis_keys.py"
PREFIX_READERS = {REDIS_KEYS_MODULE, "fraudwatch/config.py"}  # config reads it from the environment
PREFIX_DEFAULT = ("fraudwatch/config.py", "fw:")  # the default of REDIS_PREFIX itself, in config.py
KEY_PREFIX = "fw:"


def _sources(root: Path) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path))


def _outside_storage() -> Iterator[tuple[str, ast.Module]]:
    for name, tree in _sources(PACKAGE):
        if not name.startswith("fraudwatch/storage/"):
            yield name, tree


def _chain(node: ast.AST) -> list[str]:
    """The identifiers of a receiver expression, outermost last: `db.session.connection()`
    gives ['db', 'session', 'connection']. Arguments are not part of the chain."""
    names: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names[::-1]
        else:
            return names[::-1]


def _is_db_handle(name: str) -> bool:
    bare = name.lstrip("_")
    return bare in DB_HANDLES or bare.endswith(tuple("_" + h for h in DB_HANDLES))


def _is_redis(node: ast.AST, redis_names: set[str] = frozenset()) -> bool:
    chain = _chain(node)
    return bool(chain) and (chain[0] in redis_names
                            or any(hint in part.lower() for part in chain for hint in REDIS_HINTS))


def _is_db(node: ast.AST, aliases: set[str], redis_names: set[str] = frozenset()) -> bool:
    """Whether an expression is a session or connection: a name or attribute called so
    (`session`, `db.session`, `self._conn`), a name bound to one, or what opens one
    (`db.session.connection()`, `engine.connect()`). Reached through Redis, it is not."""
    if _is_redis(node, redis_names):
        return False
    if isinstance(node, ast.Name):
        return node.id in aliases or _is_db_handle(node.id)
    if isinstance(node, ast.Attribute):
        return _is_db_handle(node.attr)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return _is_db_handle(name) or name in OPENERS
    return False


def _bindings(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(names bound to a session or connection, names bound to a Redis object) in a module:
    `s = db.session` and `with engine.connect() as c` are the database whatever they are
    called; `connection = redis_store.worker_client()` is not."""
    aliases: set[str] = set()
    redis_names: set[str] = set()
    for node in ast.walk(tree):
        targets, value = [], None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets, value = [node.optional_vars], node.context_expr
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if value is not None and _is_redis(value):
            redis_names |= names
        elif value is not None and _is_db(value, set()):
            aliases |= names
    return aliases, redis_names


def _functions(tree: ast.Module) -> dict[ast.AST, str]:
    """The name of the innermost function around each node."""
    owner: dict[ast.AST, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else name
            owner[child] = inner
            visit(child, inner)

    visit(tree, "<module>")
    return owner


def db_calls(name: str, tree: ast.Module) -> list[str]:
    """Query calls on a session or connection in one module, as 'path:line function() call'."""
    (aliases, redis_names), owner, found = _bindings(tree), _functions(tree), []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in QUERY_METHODS and _is_db(node.func.value, aliases, redis_names)):
            continue
        if (name, owner[node], node.func.attr) not in ALLOWED_DB_CALLS:
            call = ".".join(_chain(node.func))
            found.append((node.lineno, f"{name}:{node.lineno} {owner[node]}() {call}()"))
    return [text for _, text in sorted(found)]


def sql_builders(name: str, tree: ast.Module) -> list[str]:
    """Imports (or `sa.<name>` uses) of SQLAlchemy's statement builders in one module."""
    modules: set[str] = set()  # local names of the sqlalchemy package or its submodules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy":
                    modules.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            for alias in node.names:
                if alias.name in SQL_BUILDERS:
                    found.append(f"{name}:{node.lineno} from {node.module} import {alias.name}")
                else:
                    modules.add(alias.asname or alias.name)  # e.g. `from sqlalchemy import sql`
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in SQL_BUILDERS:
            chain = _chain(node)
            if chain and chain[0] in modules:
                found.append(f"{name}:{node.lineno} {'.'.join(chain)}")
    return found


def test_no_query_outside_storage():
    found = []
    for name, tree in _outside_storage():
        found += db_calls(name, tree) + sql_builders(name, tree)
    assert not found, "queries outside fraudwatch/storage/ (move them into a storage function):\n" + "\n".join(found)


def test_the_checks_see_what_they_must():
    """The checker itself: these are flagged, the allowed forms are not."""
    bad = ast.parse("import sqlalchemy as sa\nfrom sqlalchemy import select\n"
                    "def f(s2):\n    s = db.session\n    s.get(Report, 1)\n    db.session.execute(sa.text('x'))\n"
                    "    with engine.connect() as c:\n        c.exec_driver_sql('x')\n"
                    "    self._session.flush()\n    conn.scalar(q)\n")
    assert [f.split(" ", 1)[1] for f in db_calls("x.py", bad)] == [
        "f() s.get()", "f() db.session.execute()", "f() c.exec_driver_sql()", "f() self._session.flush()",
        "f() conn.scalar()"]
    assert len(sql_builders("x.py", bad)) == 2
    good = ast.parse("def f():\n    session.commit()\n    db.session.rollback()\n    cache.get(k)\n"
                     "    store.lock(session, ids).get(1)\n    connection = redis_store.worker_client()\n"
                     "    connection.delete('k')\n    queue.connection.get('k')\n    sa.exc.DBAPIError\n")
    assert db_calls("x.py", good) == [] and sql_builders("x.py", good) == []


def _reads_prefix(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "REDIS_PREFIX"
    if isinstance(node, ast.Attribute):
        return node.attr == "REDIS_PREFIX"
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(
        re.fullmatch(r"\w*REDIS_PREFIX", node.value))


def test_only_redis_keys_reads_the_prefix():
    found = [f"{name}:{node.lineno}" for name, tree in _sources(PACKAGE) if name not in PREFIX_READERS
             for node in ast.walk(tree) if _reads_prefix(node)]
    assert found == []


def test_no_private_name_of_redis_keys_is_imported():
    found = []
    for root in (PACKAGE, ROOT / "tests", ROOT / "bench"):
        for name, tree in _sources(root):
            modules = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "fraudwatch.infra.redis_keys":
                    found += [f"{name}:{node.lineno} {a.name}" for a in node.names if a.name.startswith("_")]
                elif isinstance(node, ast.ImportFrom) and node.module == "fraudwatch.infra":
                    modules |= {a.asname or a.name for a in node.names if a.name == "redis_keys"}
                elif isinstance(node, ast.Import):
                    modules |= {a.asname or a.name for a in node.names if a.name == "fraudwatch.infra.redis_keys"}
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                    chain = _chain(node)
                    if ".".join(chain[:-1]) in modules:
                        found.append(f"{name}:{node.lineno} {'.'.join(chain)}")
    assert found == []


def test_no_literal_key_prefix_outside_redis_keys():
    found = [f"{name}:{node.lineno} {node.value!r}" for name, tree in _sources(PACKAGE) if name != REDIS_KEYS_MODULE
             for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(KEY_PREFIX)
             and (name, node.value) != PREFIX_DEFAULT]
    assert found == []


# -- every key a report's life writes is the app's ---------------------------------------------

@pytest.fixture
def tagged_app(database_url, redis_url, tmp_path, trained_model_dir, farm):
    """An app whose Redis prefix and queue carry a tag no other test uses, crawling the farm."""
    tag = f"layers{uuid.uuid4().hex[:12]}"
    app = make_test_app(database_url, redis_url, tmp_path / "instance", MODEL_DIR=str(trained_model_dir),
                        REDIS_PREFIX=f"fwtest:{tag}:", RQ_QUEUE=f"fwtest-{tag}",
                        **farm.crawl_settings())
    app.config["TEST_TAG"] = tag
    yield app
    cleanup_redis(app)
    db.dispose(app)


def _wait_for_key(client: redis_lib.Redis, pattern: str, timeout: float = 5.0) -> bool:
    """The lookup cache is written without waiting for Redis's reply: give it a moment."""
    deadline = time.monotonic() + timeout
    while not next(client.scan_iter(match=pattern, count=1000), None):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def _owned_names(app) -> set[str]:
    """This app's RQ queues and the RQ job ids of its pending jobs."""
    from fraudwatch.infra import redis_keys
    from fraudwatch.services import outbox

    with app.app_context():
        pending_ids = db.session.scalars(sa.text("SELECT id FROM pending_jobs")).all()
        return {*outbox.queue_names(), *(redis_keys.rq_job_id(i) for i in pending_ids)}


def test_every_key_of_a_report_s_life_is_the_app_s(tagged_app, redis_url, farm):
    client = tagged_app.test_client()
    url = farm.url("irs-refund-gov.com")
    posted = client.post("/api/v1/reports", json={"message_text": f"Your tax refund is waiting: {url}"})
    assert posted.status_code == 201, posted.get_json()
    run_jobs(tagged_app)
    looked = client.get("/api/v1/lookup", query_string={"type": "url", "value": url})
    assert looked.status_code == 200, looked.get_json()

    redis = redis_lib.Redis.from_url(redis_url, decode_responses=True)
    prefix, tag = tagged_app.config["REDIS_PREFIX"], tagged_app.config["TEST_TAG"]
    assert _wait_for_key(redis, f"{prefix}lookup:*")
    keys = sorted(redis.scan_iter(match=f"*{tag}*", count=1000))
    mine = [k for k in keys if k.startswith(prefix)]
    kinds = {k[len(prefix):].split(":")[0] for k in mine}
    assert {"lookup", "rl", "crawl"} <= kinds, keys  # the cache, the limiter and the crawler wrote
    owned = _owned_names(tagged_app)
    strays = [k for k in keys if not k.startswith(prefix)
              and not (k.startswith("rq:") and owned & set(k.split(":")[1:]))]
    assert strays == [], f"keys outside {prefix} and this app's RQ queues/jobs: {strays}"
