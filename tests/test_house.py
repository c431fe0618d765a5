"""The house's rules, read from the code's own imports and definitions (``ast``, nothing is run).

- Every cache that outlives a session goes through :mod:`geo.shared`: no ``functools``
  cache, Streamlit cache or module-level cache dictionary anywhere else.
- Imports run one way: ``geo`` <- ``layers`` <- ``documents`` <- ``ui`` / ``cli`` <- ``app.py``;
  ``geo`` and ``layers`` never import Streamlit; runtime code never imports the build's
  private modules; and no two modules import each other, directly or round a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("geo", "layers", "documents", "ui", "cli")
#: The one owner of shared caches.
OWNER = "geo/shared.py"
#: The benchmark's hand-written comparison page is a plain Streamlit app on purpose (not the atlas).
NOT_THE_ATLAS = {"scripts/baseline_app.py"}
_CACHE_DECORATORS = {"lru_cache", "cache", "cache_data", "cache_resource", "memoize"}
#: What each package may import from this repository (besides itself).
MAY_IMPORT = {
    "geo": set(),
    "layers": {"geo"},
    "documents": {"geo", "layers"},
    "ui": {"geo", "layers", "documents"},
    "cli": {"geo", "layers", "documents"},
}
#: Modules over 600 lines, each doing one job.
LONG_BUT_ONE_JOB = {
    "geo/ingest/imd.py": "builds the English Indices of Deprivation, 2004-2025, from their raw files",
    "geo/ingest/health.py": "builds the health outcome indicators from their raw files",
    "ui/map.py": "the map page: its sidebar, map, drill-down panel and downloads",
}


def _sources(*, scripts: bool = False) -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((REPO / package).rglob("*.py"))
    yield REPO / "app.py"
    if scripts:
        yield from sorted((REPO / "scripts").glob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports (anywhere in the file), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            yield base, node.lineno
            for alias in node.names:  # `from geo import shared` imports the module geo.shared
                yield f"{base}.{alias.name}", node.lineno


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


# ---------------------------------------------------------------- one owner of shared state
def _caches_outside_the_owner() -> list[str]:
    found = []
    for path in _sources(scripts=True):
        rel = _rel(path)
        if rel == OWNER or rel in NOT_THE_ATLAS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for dec in node.decorator_list:
                    if _decorator_name(dec) in _CACHE_DECORATORS:
                        found.append(f"{rel}:{dec.lineno} @{_decorator_name(dec)} on {node.name}")
            elif isinstance(node, ast.Attribute) and node.attr in ("cache_data", "cache_resource"):
                found.append(f"{rel}:{node.lineno} st.{node.attr}")
        for node in tree.body:  # module level: a dictionary kept as a cache
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            value = getattr(node, "value", None)
            for target in targets:
                name = target.id if isinstance(target, ast.Name) else ""
                holds = isinstance(value, ast.Dict | ast.Call) and (
                    isinstance(value, ast.Dict) or _decorator_name(value) in ("dict", "OrderedDict", "WeakValueDictionary"))
                if holds and any(word in name.lower() for word in ("cache", "memo", "_seen", "_store")):
                    found.append(f"{rel}:{node.lineno} module-level cache {name}")
    return found


def test_every_shared_cache_goes_through_the_owner() -> None:
    assert _caches_outside_the_owner() == []


def test_the_cache_check_can_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule above finds each kind of stray cache (checked on a throwaway copy of the house)."""
    (tmp_path / "geo").mkdir()
    (tmp_path / "geo" / "stray.py").write_text(
        "import functools\nimport streamlit as st\nfrom collections import OrderedDict\n"
        "_memo_cache = OrderedDict()\n\n@functools.lru_cache(maxsize=2)\ndef f(x):\n    return x\n\n"
        "@st.cache_data\ndef g(x):\n    return x\n",
        encoding="utf-8",
    )
    (tmp_path / "app.py").write_text("", encoding="utf-8")
    for package in PACKAGES[1:]:
        (tmp_path / package).mkdir()
    (tmp_path / "scripts").mkdir()
    monkeypatch.setitem(globals(), "REPO", tmp_path)
    found = _caches_outside_the_owner()
    assert [f.split(" ", 1)[1] for f in found] == ["@lru_cache on f", "@cache_data on g", "st.cache_data",
                                                   "module-level cache _memo_cache"]


# ---------------------------------------------------------------- imports run one way
def _own(name: str) -> str | None:
    top = name.split(".")[0]
    return top if top in PACKAGES else None


def test_imports_run_one_way() -> None:
    wrong = []
    for path in _sources():
        rel = _rel(path)
        if rel == "geo/__main__.py":  # `python -m geo`: only the entry point into cli, as app.py is for ui
            continue
        mine = rel.split("/")[0]
        for name, line in _imports(path):
            other = _own(name)
            if mine in MAY_IMPORT and other and other != mine and other not in MAY_IMPORT[mine]:
                wrong.append(f"{rel}:{line} imports {name}")
            if mine in ("geo", "layers", "documents") and name.split(".")[0] == "streamlit":
                wrong.append(f"{rel}:{line} imports streamlit")
    assert wrong == []


def test_runtime_code_never_imports_the_builds_private_modules() -> None:
    wrong = []
    for path in _sources():
        rel = _rel(path)
        if rel.startswith(("geo/ingest/", "cli/")):  # the build itself, and the command that runs it
            continue
        for name, line in _imports(path):
            if name.startswith("geo.ingest") and name not in ("geo.ingest",):
                wrong.append(f"{rel}:{line} imports {name}")
    assert wrong == []


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in _sources()}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for name, _line in _imports(path):
            while name and name not in modules:  # `geo.shared.cached` -> geo.shared
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):  # a package's own __init__
                graph[module].add(name)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    assert _circles(_graph()) == []


def test_the_circle_check_can_fail() -> None:
    assert _circles({"geo.gap": {"geo.spearhead"}, "geo.spearhead": {"geo.gap"}, "geo.view": set()}) == [
        ["geo.gap", "geo.spearhead"]]


def test_no_module_over_600_lines_does_more_than_one_job() -> None:
    long = {_rel(p): len(p.read_text(encoding="utf-8").splitlines()) for p in _sources()}
    over = {rel: n for rel, n in long.items() if n > 600 and rel not in LONG_BUT_ONE_JOB}
    assert over == {}
