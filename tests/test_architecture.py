"""The house rules of docs/architecture.md, read from the source itself: no import circle
between modules, nothing imports a views module but the app factory, an import inside a
function says why beside it, and no source or test file grows past 600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LONGEST_FILE = 600


def _sources() -> list[Path]:
    files = [
        *ROOT.joinpath("core").rglob("*.py"),
        *ROOT.joinpath("plugins").rglob("*.py"),
        *ROOT.joinpath("bench").glob("*.py"),
        *ROOT.joinpath("scripts").glob("*.py"),
    ]
    return sorted(
        path
        for path in files
        if "migrations" not in path.relative_to(ROOT).parts and path.name != "setup.py"
    )


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] == "plugins":
        parts = parts[2:]  # plugins/<code>/concerto_<code>/x.py -> concerto_<code>.x
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(path): path for path in _sources()}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(importer: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The first-party modules an import statement reads (a name imported from a package
    that is itself a module counts as that module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in MODULES]
    base = node.module or ""
    if node.level:
        package = importer if _is_package(importer) else importer.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    found = []
    for alias in node.names:
        if f"{base}.{alias.name}" in MODULES:
            found.append(f"{base}.{alias.name}")
        elif base in MODULES:
            found.append(base)
    return sorted(set(found))


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _imports():
    """Every first-party import: (importer, imported, path, line, inside a function)."""
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {
            child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if _type_checking_only(node, parents):
                continue
            inside = False
            up = node
            while up in parents:
                up = parents[up]
                if isinstance(up, ast.FunctionDef | ast.AsyncFunctionDef):
                    inside = True
                    break
            for target in _resolve(name, node):
                yield name, target, path, node.lineno, inside
            if inside and not _resolve(name, node):
                yield name, None, path, node.lineno, inside


IMPORTS = list(_imports())


def _is_views(module: str) -> bool:
    parts = module.split(".")
    return parts[-1] == "views" or parts[-1].endswith("_views") or "views" in parts[:-1]


def _views_package(module: str) -> str | None:
    parts = module.split(".")
    if "views" in parts:
        return ".".join(parts[: parts.index("views") + 1])
    return None


def test_no_import_circle():
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for importer, target, *_ in IMPORTS:
        if target and target != importer and not _is_ancestor(target, importer):
            graph[importer].add(target)
    circles = [scc for scc in _strongly_connected(graph) if len(scc) > 1]
    assert circles == [], "import circles: " + "; ".join(" <-> ".join(sorted(c)) for c in circles)


def _is_ancestor(package: str, module: str) -> bool:
    """A module's own package (its __init__) runs first anyway: ``core`` importing
    ``core.x`` and ``core.x`` living in ``core`` is no circle of code."""
    return module.startswith(package + ".")


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (the graph has a few hundred modules)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
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
                found.append(component)
    return found


def test_only_the_app_factory_imports_views():
    """Views are the outermost layer: the app factory registers them (a plugin's own
    ``__init__`` hands its blueprints to the core), and a views package's modules share its
    blueprint. Nothing else may lean on a page's module."""
    wrong = []
    for importer, target, path, line, _ in IMPORTS:
        if not target or not _is_views(target):
            continue
        if importer == "core" or (importer.startswith("concerto_") and "." not in importer):
            continue
        package = _views_package(target)
        if package and (importer == package or importer.startswith(package + ".")):
            continue
        wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert wrong == []


def test_an_import_inside_a_function_says_why():
    unexplained = []
    for _importer, _target, path, line, inside in IMPORTS:
        if not inside:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        here, above = lines[line - 1], lines[line - 2] if line > 1 else ""
        if "#" not in here and not above.strip().startswith("#"):
            unexplained.append(f"{path.relative_to(ROOT)}:{line}")
    assert sorted(set(unexplained)) == []


@pytest.mark.parametrize("path", _sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_source_files_stay_short(path):
    length = len(path.read_text(encoding="utf-8").splitlines())
    assert length < LONGEST_FILE, f"{length} lines: split it along its own sections"


def test_test_files_stay_short():
    """The tests too: split along what they check, shared pieces in helper modules."""
    long = {
        str(path.relative_to(ROOT)): length
        for path in ROOT.joinpath("tests").rglob("*.py")
        if (length := len(path.read_text(encoding="utf-8").splitlines())) >= LONGEST_FILE
    }
    assert long == {}


def test_the_rules_can_fail():
    """The readers above see what they must: a known import, a circle, a views module."""
    assert ("core.web", "core.validation") in {(i, t) for i, t, *_ in IMPORTS}
    assert _strongly_connected({"a": {"b"}, "b": {"a"}, "c": {"a"}}) in (
        [{"a", "b"}, {"c"}],
        [{"c"}, {"a", "b"}],
    )
    assert _is_views("core.meetings.views") and _is_views("core.meetings.views.minutes")
    assert _is_views("core.inventory.upkeep_views") and not _is_views("core.meetings.services")
