"""Helpers of the linear-work tests: every compiled pattern of the packages, adversarial
inputs built from a pattern's own alphabet, and CPU work measured against a linear scan.

This machine has no hardware instruction counters, so work is CPU time (best of a few
runs, `time.process_time`) divided by the CPU time of a trivially linear scan of the same
input in the same process (`(?s).` over every character). Comparing the two on the same
input cancels out how fast and how busy the machine is.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import time
from collections.abc import Callable, Iterator
from re import _constants as sre_constants  # the stdlib's own regex parser
from re import _parser as sre_parser
from types import ModuleType

PACKAGES = ("classifiers", "crawlers", "fraudwatch")
SCREEN_CHARS = 4_000
SMALL_CHARS = 25_000
LARGE_CHARS = 100_000
# Units repeated to build adversarial inputs, whatever the pattern (issue #8's list and more);
# each pattern also gets units from its own literals and character classes.
BASE_UNITS = ["www.", "a.", "a-", "a", "1 ", "1.", "@a.", "http://", "【", "退.", "a@", "1", " ", "1,", "a ",
              "x", "\n ", "(1)", "%a", "a_", "-a", "1-", "¥1", "退 ", ".", "a.a-", "1/", "<a ", "1" * 16 + "%"]
# What makes a match fail at the very end of the input.
TAILS = ["", "!", "-"]
_REF = {str: re.compile(r"(?s)."), bytes: re.compile(rb"(?s).")}
_CATEGORY_SAMPLE = {sre_constants.CATEGORY_DIGIT: "1", sre_constants.CATEGORY_SPACE: " ",
                    sre_constants.CATEGORY_WORD: "a"}


def module_patterns(packages: tuple[str, ...] = PACKAGES) -> tuple[dict[str, re.Pattern], dict[str, str]]:
    """Every re.Pattern held by a module global (also inside lists, tuples and dicts), by
    name, but for globals an import statement binds (a library's own patterns); and the
    modules that could not be imported, with the error."""
    found: dict[int, tuple[str, re.Pattern]] = {}
    broken: dict[str, str] = {}
    for package in packages:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, package + ".", onerror=lambda name: None):
            if info.name.rsplit(".", 1)[-1] == "__main__":
                continue  # running it is the CLI
            try:
                module = importlib.import_module(info.name)
            except Exception as exc:  # reported by the caller's test, the other modules still count
                broken[info.name] = f"{type(exc).__name__}: {exc}"
                continue
            imported = _imported_names(module)
            for name, value in vars(module).items():
                if name in imported:
                    continue
                for label, pattern in _patterns_in(name, value):
                    found.setdefault(id(pattern), (f"{info.name}.{label}", pattern))
    return dict(found.values()), broken


def _imported_names(module: ModuleType) -> set[str]:
    """Names the module's own import statements bind."""
    source = inspect.getsource(module) if module.__spec__ and module.__spec__.origin else ""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _patterns_in(name: str, value: object, depth: int = 0) -> Iterator[tuple[str, re.Pattern]]:
    if isinstance(value, re.Pattern):
        yield name, value
    elif depth < 2 and isinstance(value, (list, tuple, dict)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            yield from _patterns_in(f"{name}[{key}]", item, depth + 1)


def alphabet(pattern: re.Pattern) -> tuple[list[str], list[str]]:
    """(literal runs of 2+ characters, single characters) a pattern is written with."""
    runs: list[str] = []
    chars: list[str] = []
    source = pattern.pattern
    flags = pattern.flags
    if isinstance(source, bytes):
        source, flags = source.decode("latin-1"), flags & ~re.UNICODE
    _walk(sre_parser.parse(source, flags), runs, chars)
    return list(dict.fromkeys(runs)), list(dict.fromkeys(chars))


def _walk(sequence, runs: list[str], chars: list[str]) -> None:
    run: list[str] = []
    for op, arg in sequence:
        if op is sre_constants.LITERAL:
            run.append(chr(arg))
            chars.append(chr(arg))
            continue
        if len(run) >= 2:
            runs.append("".join(run))
        run = []
        if op is sre_constants.IN:
            chars.extend(_class_sample(arg))
        elif op is sre_constants.BRANCH:
            for branch in arg[1]:
                _walk(branch, runs, chars)
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT):
            _walk(arg[2], runs, chars)
        elif op is sre_constants.SUBPATTERN:
            _walk(arg[3], runs, chars)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            _walk(arg[1], runs, chars)
        elif op is sre_constants.ATOMIC_GROUP:
            _walk(arg, runs, chars)
    if len(run) >= 2:
        runs.append("".join(run))


def _class_sample(items) -> list[str]:
    if any(op is sre_constants.NEGATE for op, _ in items):
        return []
    out = []
    for op, arg in items:
        if op is sre_constants.LITERAL:
            out.append(chr(arg))
        elif op is sre_constants.RANGE:
            out.append(chr(arg[0]))
        elif op is sre_constants.CATEGORY and arg in _CATEGORY_SAMPLE:
            out.append(_CATEGORY_SAMPLE[arg])
    return out


def units_for(pattern: re.Pattern, max_runs: int = 20, max_chars: int = 24) -> list[str]:
    """Repeated units to try on `pattern`: the base list, its literal runs and its characters,
    each alone and followed by a dot and by a space."""
    runs, chars = alphabet(pattern)
    out = list(BASE_UNITS)
    for piece in runs[:max_runs] + chars[:max_chars]:
        out += [piece, piece + ".", piece + " "]
    return list(dict.fromkeys(out))


def repeat_to(unit: str, size: int, tail: str = "") -> str:
    """`unit` repeated to exactly `size` characters, ending with `tail`."""
    body = unit * (size // len(unit) + 1)
    return body[:size - len(tail)] + tail


def as_input(text: str, pattern: re.Pattern) -> str | bytes:
    """`text` as the pattern's kind of string (UTF-8 bytes for a bytes pattern)."""
    return text.encode("utf-8") if isinstance(pattern.pattern, bytes) else text


def cpu(function: Callable[[], object]) -> float:
    """CPU seconds of one call."""
    started = time.process_time()
    function()
    return time.process_time() - started


def best_cpu(function: Callable[[], object], runs: int = 3, enough: float | None = None) -> float:
    """Least CPU seconds over up to `runs` calls (stops early once one call takes <= `enough`)."""
    best = float("inf")
    for _ in range(runs):
        best = min(best, cpu(function))
        if enough is not None and best <= enough:
            break
    return best


def scan(pattern: re.Pattern, text: str | bytes) -> None:
    """Every match of `pattern` in `text`, as `finditer` yields them."""
    for _ in pattern.finditer(text):
        pass


def reference_cpu(text: str | bytes) -> float:
    """CPU seconds of the linear reference scan over `text` (best of 3)."""
    return best_cpu(lambda: scan(_REF[type(text)], text))


def worst_inputs(pattern: re.Pattern, keep: int = 2) -> list[tuple[str, str]]:
    """The (unit, tail) pairs that cost `pattern` the most work at SCREEN_CHARS, worst first."""
    scored = []
    for unit in units_for(pattern):
        for tail in TAILS:
            text = as_input(repeat_to(unit, SCREEN_CHARS, tail), pattern)
            reference = cpu(lambda text=text: scan(_REF[type(text)], text))
            scored.append((cpu(lambda text=text: scan(pattern, text)) / max(reference, 1e-6), unit, tail))
    scored.sort(key=lambda item: -item[0])
    return [(unit, tail) for _, unit, tail in scored[:keep]]


def work(function: Callable[[str | bytes], object], small: str | bytes, large: str | bytes,
         max_ratio: float, max_growth: float, rounds: int = 3) -> tuple[float, float]:
    """(work ratio at the large input, growth from the small to the large input) of `function`.

    ratio = CPU(function(large)) / CPU(reference scan of large); growth = CPU(large) /
    max(CPU(small), reference CPU of small), so that work below one linear scan does not
    count. Repeats (best of 3) only while the numbers look over the limits; when the large
    input still looks over them, measures both sizes again, back to back, up to `rounds` times
    (a shared machine's load can change between the small and the large run; quadratic work
    stays over the limits in every round) and keeps the round that did least.
    """
    best = (float("inf"), float("inf"))
    for _ in range(rounds):
        ratio, growth = _work_once(function, small, large, max_ratio, max_growth)
        best = min(best, (ratio, growth), key=lambda pair: pair[1])
        if best[0] < max_ratio and best[1] < max_growth or growth == float("inf"):
            break
    return best


def _work_once(function: Callable[[str | bytes], object], small: str | bytes, large: str | bytes,
               max_ratio: float, max_growth: float) -> tuple[float, float]:
    ref_small, ref_large = reference_cpu(small), reference_cpu(large)
    t_small = best_cpu(lambda: function(small))
    if t_small / ref_small > max_ratio * 4:  # already far over at the small size: do not wait for the large
        return t_small / ref_small * len(large) / len(small), float("inf")
    limit = min(max_ratio * ref_large, max_growth * max(t_small, ref_small))
    t_large = best_cpu(lambda: function(large), enough=limit)
    return t_large / ref_large, t_large / max(t_small, ref_small)


# Whole-message units for the entry points (classify, indicators, import): the base units plus
# mixes that make many matches of different kinds sit next to each other.
TEXT_UNITS = BASE_UNITS + ["a@b.co x.co ", "a.top 12345 ¥1 ", "1" * 24 + " ", "退.税 ", "税务局【", "http://a.",
                           "%a@a.", "verif", "<meta ", "I R S ", "12366 ", "退税", "x.cn/", "1.1.1.1/ "]


def adversarial_texts(size: int = LARGE_CHARS, tails: tuple[str, ...] = ("", "!")) -> dict[str, str]:
    """Named adversarial texts of exactly `size` characters: each TEXT_UNITS unit repeated, with each tail."""
    return {f"{unit!r} x {size // len(unit)} + {tail!r}": repeat_to(unit, size, tail)
            for unit in dict.fromkeys(TEXT_UNITS) for tail in tails}


def hostile_pages(size: int) -> dict[str, bytes]:
    """HTML pages of about `size` bytes built to make page analysis slow: deep nesting,
    nested labels, 100k links, megabyte attributes, endless <meta> and titles."""
    def page(head: bytes, unit: bytes, tail: bytes) -> bytes:
        return head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail

    return {
        "nested divs": page(b"<html><body>", b"<div>", b"x</body></html>"),
        "nested labels": page(b"<html><body><form>", "<label for=a>税 ".encode(), b"<input name=x></form>"),
        "inputs in one label": page(b"<html><body><form><label>" + "税务 ".encode() * 1000, b"<input name=q>",
                                    b"</label></form>"),
        "nested forms": page(b"<html><body>", b"<form><p>", b"<input name=pwd>"),
        "links": page(b"<html><body>", b'<a href="/a.b.c.d.e.f.g">x</a>', b""),
        "huge alt": page(b'<html><body><img alt="', "国家税务总局".encode(), b'">'),
        "huge src": page(b'<html><body><img src="data:,', b"IRSa", b'">'),
        "huge refresh": page(b'<html><head><meta http-equiv="refresh" content="0; url=', b"url= ", b'"></head>'),
        "huge lang": page(b'<html lang="', b"en-", b'"><body>x</body></html>'),
        "huge field name": page(b'<html><body><form><input name="', b"verif", b'"></form>'),
        "endless meta, not utf-8": page(b"<html><head>\xff", b"<meta ", b""),
        "huge title": page(b"<html><head><title>", "税 \t ".encode(), b"</title>"),
    }
