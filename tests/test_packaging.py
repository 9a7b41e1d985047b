"""The wheel works without a checkout (issue #9, "Done when").

- Every package directory is listed in pyproject's `[tool.setuptools] packages` (a missing
  one is silently left out of the wheel, and only an installed copy notices).
- The wheel, built from a copy of the tree, holds the data files, migrations and static
  files, and neither tests/ nor bench/.
- Installed with pip into a fresh virtualenv, from a folder with no checkout in sight,
  `fraudwatch` trains, classifies, scans a fake refund site, serves, and looks up
  chinatax.gov.cn as official. The new virtualenv borrows the test environment's installed
  dependencies (installing spaCy and scikit-learn afresh takes minutes) through a `.pth`
  line, which adds that folder to sys.path without running the `.pth` files in it: the
  editable install of the checkout stays invisible, and the test checks fraudwatch is
  imported from the new virtualenv.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
import uuid
import zipfile
from fnmatch import fnmatch
from pathlib import Path

import httpx
import pytest
import redis as redis_lib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
SOURCE_ROOTS = ("fraudwatch", "classifiers", "crawlers")
# Not part of a build: version control, environments, build output, run-time state.
NOT_SOURCE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", "instance",
              ".pytest_cache", ".hypothesis", ".schemathesis", "out")
SCAM_SMS = "【国家税务总局】您有一笔退税待领取，请登录 http://etax-refund.top 填写银行卡"


def _package_dir(name: str) -> Path:
    """Where setuptools takes package `name` from (package-dir mapping, else its dotted path)."""
    mapping = SETUPTOOLS.get("package-dir", {})
    for prefix in sorted(mapping, key=len, reverse=True):
        if name == prefix or name.startswith(prefix + "."):
            rest = name[len(prefix):].lstrip(".")
            return ROOT / mapping[prefix] / Path(*rest.split(".")) if rest else ROOT / mapping[prefix]
    return ROOT / Path(*name.split("."))


def _packages_on_disk() -> set[str]:
    """Dotted names of every folder with an __init__.py under the source roots and the mapped ones."""
    found = set()
    roots = [(ROOT / r, r) for r in SOURCE_ROOTS]
    roots += [(ROOT / folder, name) for name, folder in SETUPTOOLS.get("package-dir", {}).items()]
    for folder, name in roots:
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder)
            if "__pycache__" not in rel.parts:
                found.add(".".join([name, *rel.parts]))
    return found


def test_every_package_is_listed_in_pyproject():
    listed = set(SETUPTOOLS["packages"])
    assert sorted(_packages_on_disk() - listed) == [], "add these to [tool.setuptools] packages"
    assert sorted(n for n in listed if not _package_dir(n).is_dir()) == [], "listed but not on disk"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built (isolated, as a release would be) from a copy of the tree: a build in
    the checkout reuses its build/ folder, where modules deleted since stay and get packed."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    out = base / "dist"
    run = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    (built,) = out.glob("fraudwatch-*.whl")
    return built


def _matching(names: list[str], pattern: str) -> list[str]:
    return [n for n in names if fnmatch(n, pattern)]


@pytest.mark.parametrize("pattern, source", [
    ("fraudwatch/data/official/*.csv", "data/official/*.csv"),
    ("fraudwatch/data/hosting/*.csv", "data/hosting/*.csv"),
    ("fraudwatch/data/corpus/*.jsonl", "data/corpus/*.jsonl"),
    ("fraudwatch/storage/migrations/versions/*.py", "fraudwatch/storage/migrations/versions/*.py"),
    ("fraudwatch/storage/migrations/env.py", "fraudwatch/storage/migrations/env.py"),
    ("fraudwatch/storage/migrations/script.py.mako", "fraudwatch/storage/migrations/script.py.mako"),
    ("fraudwatch/static/*", "fraudwatch/static/**/*"),
    ("fraudwatch/templates/*", "fraudwatch/templates/**/*"),
    ("fraudwatch/translations/*", "fraudwatch/translations/**/*"),
    ("classifiers/lexicon*", "classifiers/lexicon*"),
])
def test_the_wheel_holds_every_file_of_the_checkout(wheel, pattern, source):
    names = zipfile.ZipFile(wheel).namelist()
    expected = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob(source) if p.is_file())
    assert expected, f"nothing in the checkout matches {source}"
    packed = _matching(names, pattern)
    # data/ is packed as fraudwatch/data/; everything else keeps its path.
    assert sorted(n.removeprefix("fraudwatch/") if n.startswith("fraudwatch/data/") else n
                  for n in packed) == expected


def test_every_data_file_is_in_the_wheel(wheel):
    """A new data folder (e.g. data/lexicon/) needs its glob in package-data, or only an
    installed copy misses it."""
    names = set(zipfile.ZipFile(wheel).namelist())
    files = (p.relative_to(ROOT).as_posix() for p in (ROOT / "data").rglob("*") if p.is_file())
    assert sorted(f for f in files if "__pycache__" not in f and f"fraudwatch/{f}" not in names) == []


def test_the_wheel_holds_no_tests_benchmarks_or_caches(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert [n for n in names if n.split("/")[0] in ("tests", "bench", "data", "build")] == []
    assert [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/instance/" in n] == []
    assert any("/swagger-ui-bundle.js" in n for n in _matching(names, "fraudwatch/static/vendor/*"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel installed (no index), seeing the test environment's
    dependencies but not the checkout; its bin/ folder."""
    env = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, timeout=120)
    python = env / "bin" / "python"
    # Installed before the dependencies are made visible: pip would otherwise see the
    # checkout's editable fraudwatch 0.1.0 there and call the wheel already installed.
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
                    "--disable-pip-version-check", str(wheel)], check=True, timeout=120)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "zz_fraudwatch_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env / "bin"


@pytest.fixture
def outside(installed, tmp_path, redis_url):
    """(run, env): runs `fraudwatch ...` of the new virtualenv from an empty folder, with an
    instance of its own and a Redis prefix and queue of its own (deleted afterwards)."""
    home = tmp_path / "elsewhere"
    home.mkdir()
    tag = uuid.uuid4().hex[:12]
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("FRAUDWATCH_", "PYTHON", "VIRTUAL_ENV")) and k not in ("DATABASE_URL", "REDIS_URL")}
    env = {**keep, "FRAUDWATCH_INSTANCE": str(home / "instance"), "REDIS_URL": redis_url,
           "FRAUDWATCH_REDIS_PREFIX": f"fwpkg:{tag}:", "FRAUDWATCH_RQ_QUEUE": f"fwpkg-{tag}",
           "PATH": f"{installed}{os.pathsep}{keep.get('PATH', '')}"}

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([str(installed / "fraudwatch"), *args], cwd=home, env=env, capture_output=True,
                              text=True, timeout=timeout)

    run.home, run.env, run.bin = home, env, installed
    yield run
    client = redis_lib.Redis.from_url(redis_url)
    for pattern in (f"fwpkg:{tag}:*", f"*fwpkg-{tag}*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow  # ~30 s: a virtualenv, a model trained on the packaged corpus, a served instance
def test_the_installed_wheel_works_without_a_checkout(outside, farm):
    python = outside.bin / "python"
    found = subprocess.run([str(python), "-c", "import fraudwatch, classifiers, crawlers; "
                            "print(fraudwatch.__file__, classifiers.__file__, crawlers.__file__)"],
                           cwd=outside.home, env=outside.env, capture_output=True, text=True, check=True)
    venv = python.parent.parent
    assert all(Path(f).is_relative_to(venv) for f in found.stdout.split()), found.stdout

    _ok(outside("db-upgrade"))
    _ok(outside("train", timeout=300))
    verdict = json.loads(_ok(outside("classify", "--text", SCAM_SMS)))
    assert verdict["label"] == "scam", verdict

    host = "chinatax.gov.cn.refund-tax.top"
    scan = json.loads(_ok(outside("scan", "--json", "--allow-network", "127.0.0.0/8", "--any-port", "--delay", "0",
                                  "--timeout", "5", "--resolve", f"{host}:{farm.port}:127.0.0.1", farm.url(host))))
    assert scan["error"] is None and scan["verdict"]["label"] == "scam", scan

    answer = _serve_and_look_up(outside, "chinatax.gov.cn")
    assert answer["status"] == "official", answer


def _serve_and_look_up(outside, domain: str) -> dict:
    """Start `fraudwatch serve`, look `domain` up over HTTP, stop it with SIGTERM."""
    port = free_port()
    log = (outside.home / "serve.log").open("w")
    serve = subprocess.Popen([str(outside.bin / "fraudwatch"), "serve", "--port", str(port),
                              "--web-workers", "1", "--rq-workers", "0", "--no-train"],
                             cwd=outside.home, env=outside.env, stdout=log, stderr=subprocess.STDOUT)
    try:
        answer = _get_when_up(f"http://127.0.0.1:{port}/api/v1/lookup", {"type": "domain", "value": domain}, serve)
    finally:
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(timeout=30)
        log.close()
    assert code == 0, (outside.home / "serve.log").read_text()[-3000:]
    return answer


def _get_when_up(url: str, params: dict, process: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited early"
        try:
            response = httpx.get(url, params=params, timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        assert response.status_code == 200, response.text
        return response.json()
    raise AssertionError(f"no answer from {url} within {timeout} s")
