"""The package imports in one direction (docs/architecture.md, "Python layering"): no cycle among the modules'
import statements, no import of an arrow_sus module inside a function (which would hide a cycle), and no private
name imported from another module. Checked on the source with ``ast``, without importing anything."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "python" / "arrow_sus"

#: The compiled engine: a module of the package that has no source file here (``arrow_sus._native`` loads it
#: and hands it on as ``_core``).
NATIVE_MODULES = {"arrow_sus._core"}
ENGINE = "_core"

# The one import of an arrow_sus module inside a function: ``Scan.lazy()`` loads the Polars source when called,
# because that module imports polars, an optional dependency (it needs the scan only for type checking).
OPTIONAL_DEPENDENCY_EDGES = {("arrow_sus.scan", "arrow_sus._polars_source")}


@dataclass(frozen=True)
class Import:
    """One import of an arrow_sus module: where it is and whether it runs when its module is imported."""

    source: str
    target: str
    line: int
    module_level: bool
    names: tuple[str, ...]


def _modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the package by dotted name, with its file and whether it is a package."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imported_modules(node: ast.Import | ast.ImportFrom, name: str, is_package: bool, known: set[str]) -> list[str]:
    """The modules an import statement loads: ``from package import submodule`` names the submodule."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        module = ".".join([*base, node.module] if node.module else base)
    else:
        module = node.module or ""
    return [
        f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module
        for alias in node.names
    ]  # fmt: skip


def _imports() -> list[Import]:
    """Every import of an arrow_sus module in the package (``if TYPE_CHECKING:`` blocks left out: they never
    run)."""
    modules = _modules()
    known = set(modules) | NATIVE_MODULES
    found: list[Import] = []
    for name, (path, is_package) in sorted(modules.items()):

        def visit(node: ast.AST, module_level: bool, name: str = name, is_package: bool = is_package) -> None:
            for child in ast.iter_child_nodes(node):
                if _is_type_checking(child):
                    continue
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    names = tuple(alias.name for alias in child.names)
                    for target in dict.fromkeys(_imported_modules(child, name, is_package, known)):
                        if target.split(".")[0] == "arrow_sus" and target != name:
                            found.append(Import(name, target, child.lineno, module_level, names))
                nested = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))
                visit(child, module_level and not nested)

        visit(ast.parse(path.read_text(encoding="utf-8")), True)
    return found


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (its modules in order, the first repeated at the end), or ``None``."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := walk(target)) is not None:
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(edges):
        if node not in state and (found := walk(node)) is not None:
            return found
    return None


def test_the_parser_sees_the_package() -> None:
    imports = _imports()
    assert len(_modules()) > 40
    assert any(i.source == "arrow_sus.scan" and i.target == "arrow_sus.catalog" for i in imports)
    assert any(i.target == "arrow_sus._core" for i in imports)


def test_no_import_cycle() -> None:
    edges: dict[str, set[str]] = {}
    for i in _imports():
        if (i.source, i.target) not in OPTIONAL_DEPENDENCY_EDGES:
            edges.setdefault(i.source, set()).add(i.target)
    assert _cycle(edges) is None, f"import cycle: {' -> '.join(_cycle(edges) or [])}"


def test_no_arrow_sus_import_inside_a_function() -> None:
    hidden = [
        f"{i.source}:{i.line} imports {i.target}"
        for i in _imports()
        if not i.module_level and (i.source, i.target) not in OPTIONAL_DEPENDENCY_EDGES
    ]
    assert hidden == [], "imports of arrow_sus modules belong at the top of the module:\n" + "\n".join(hidden)


def test_no_private_name_from_another_module() -> None:
    private = [
        f"{i.source}:{i.line} imports {name} from {i.target}"
        for i in _imports()
        if (i.source, i.target) not in OPTIONAL_DEPENDENCY_EDGES
        for name in i.names
        if name.startswith("_") and name != ENGINE and not i.target.endswith(f".{name}")  # a submodule is no name
    ]
    assert private == [], "private names stay in their module:\n" + "\n".join(private)


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b", "c"}, "b": {"c"}}) is None
