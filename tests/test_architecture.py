"""The layers of fupin/, read from the source: who may import whom.

    fupin/program/, fupin/cli.py   the roof: assembles the apps into the program (commands, init, demo)
    the apps                       accounts, regions, registry, policy, reports, quality, monitoring, …
    fupin/core/                    the floor every app stands on; imports no app
    fupin/engine/, fupin/codes.py  pure Python and Polars, no Django

Every import counts, those inside functions too (they still tie the modules together); migrations are
left out. A failure lists each offending import with its file and line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "fupin"


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (a fupin module when it is one, else the name as written)
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.source} imports {self.target} ({self.path.relative_to(ROOT.parent)}:{self.line})"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p
        for p in sorted(ROOT.rglob("*.py"))
        if "migrations" not in p.relative_to(ROOT).parts
    }


def _parse(path: Path) -> ast.Module:
    """The module's syntax tree. Python 3.11.7's AST constructor keeps its recursion depth in state that
    other threads share (CPython gh-106905): a thread left by an earlier test (Dask's) that compiles code
    at the same moment makes `ast.parse` raise SystemError ("recursion depth mismatch") on valid source;
    parsing again is then right."""
    source = path.read_text(encoding="utf-8")
    for _ in range(5):
        try:
            return ast.parse(source, str(path))
        except SystemError:
            continue
    return ast.parse(source, str(path))


def _imports() -> list[Import]:
    modules = _modules()
    found = []
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(_parse(path)):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: resolved against the importing module's package
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from fupin.x import y` imports the module fupin.x.y when there is one, else from fupin.x
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            for target in dict.fromkeys(targets):
                if target != name:
                    found.append(Import(name, target, path, node.lineno))
    return sorted(found, key=lambda i: (i.source, i.line, i.target))


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _listing(title: str, offenders) -> str:
    return title + "\n" + "\n".join(f"  {o}" for o in offenders)


def test_engine_imports_no_django_and_nothing_of_fupin_outside_it():
    offenders = [
        i
        for i in _imports()
        if _within(i.source, "fupin.engine")
        and (
            _within(i.target, "django")
            or (
                _within(i.target, "fupin")
                and not _within(i.target, "fupin.engine")
                and i.target != "fupin.codes"
            )
        )
    ]
    assert not offenders, _listing(
        "fupin/engine/ is pure Python and Polars: no Django, nothing of fupin but the engine and fupin/codes.py",
        offenders,
    )


def test_core_imports_no_app_and_not_the_program():
    allowed = ("fupin.core", "fupin.engine")
    offenders = [
        i
        for i in _imports()
        if _within(i.source, "fupin.core")
        and _within(i.target, "fupin")
        and i.target != "fupin.codes"
        and not any(_within(i.target, a) for a in allowed)
    ]
    assert not offenders, _listing(
        "fupin/core/ is the floor: it imports only itself, the engine and fupin/codes.py, never an app, "
        "fupin/program/ or the entry points",
        offenders,
    )


def test_only_the_entry_point_imports_the_program():
    offenders = [
        i
        for i in _imports()
        if _within(i.target, "fupin.program")
        and not _within(i.source, "fupin.program")
        and i.source != "fupin.cli"
    ]
    assert not offenders, _listing(
        "fupin/program/ is the roof: no app and nothing in core imports it (only fupin/cli.py does)",
        offenders,
    )


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative), each as one cycle
    through its first module (in alphabetical order), found breadth first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    cycles = []
    for component in components:
        first = min(component)
        paths = {first: [first]}
        queue = [first]
        cycle = None
        while queue and cycle is None:
            node = queue.pop(0)
            for child in sorted(edges[node] & component):
                if child == first:
                    cycle = [*paths[node], first]
                    break
                if child not in paths:
                    paths[child] = [*paths[node], child]
                    queue.append(child)
        cycles.append(cycle)
    return sorted(cycles)


def test_cycles_finds_each_cycle_once():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d", "a"}, "f": set()}
    assert _cycles(edges) == [["a", "b", "c", "a"], ["d", "e", "d"]]


def test_no_import_cycles_between_fupin_modules():
    modules = _modules()
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for i in _imports():
        if i.target in modules:
            edges[i.source].add(i.target)
    cycles = _cycles(edges)
    assert not cycles, "modules that import each other (directly or round a circle):\n" + "\n".join(
        "  " + " → ".join(c) for c in cycles
    )


def test_whole_table_reads_only_in_selectors():
    """Reads go through selectors (STYLE.md): a raw SQL read of a whole table into a frame (`read_sql`)
    belongs in an app's selectors.py, where the region scope is applied, never in a service, view or rule."""
    offenders = [
        i
        for i in _imports()
        if i.target in ("fupin.core.frames", "fupin.core.frames.read_sql")
        and i.source.rpartition(".")[2] != "selectors"
        and not _within(i.source, "fupin.core")
        and "read_sql" in i.path.read_text(encoding="utf-8")
    ]
    assert not offenders, _listing("read_sql outside a selectors module", offenders)
