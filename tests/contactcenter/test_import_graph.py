"""The layering, read from the source (every ``import``, at the top of a module or inside a function):

- ``tickets`` imports neither ``shifts`` nor ``kpi``; ``shifts`` does not import ``kpi`` (the apps are layered:
  tickets ← shifts ← kpi; a lower app learns about a higher one through registration, e.g. the queue's shift tab);
- no app imports another app's API, views, serializers, forms or URLs (shared plumbing lives in ``contactcenter``);
- ``contactcenter``'s plumbing (everything but the project wiring: settings, URLs, the demo, Celery) imports no app;
- there is no import cycle between modules.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("tickets", "shifts", "kpi")
PACKAGES = ("contactcenter", *APPS)
LAYERS = {"tickets": set(), "shifts": {"tickets"}, "kpi": {"tickets", "shifts"}}
PRIVATE_LAYERS = ("api", "views", "serializers", "forms", "urls", "urls_api", "admin")
# The project wiring in contactcenter, which brings the apps together (the rest of it is plumbing the apps use).
WIRING = ("contactcenter.settings", "contactcenter.urls", "contactcenter.celery", "contactcenter.demo",
          "contactcenter.management", "contactcenter.asgi", "contactcenter.wsgi", "contactcenter.apps",
          "contactcenter.health", "contactcenter.views")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The module of ours that ``name`` names (a module, or a package's ``__init__``), or None (a library)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):  # an import for annotations only (``if TYPE_CHECKING:``) is not an import at run time
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module
            for alias in node.names:  # ``from . import sla`` names a module; ``from .models import X`` a name
                candidate = f"{prefix}.{alias.name}"
                found.add(candidate if _resolve(candidate) == candidate else prefix)
    return {target for name in found if (target := _resolve(name)) and target != module}


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _app(module: str) -> str:
    return module.split(".")[0]


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return next((part for part in parts[1:] if part in PRIVATE_LAYERS), None)


def test_the_apps_are_layered():
    wrong = sorted((module, target) for module, targets in GRAPH.items() for target in targets
                   if _app(module) in APPS and _app(target) in APPS and _app(target) != _app(module)
                   and _app(target) not in LAYERS[_app(module)])
    assert not wrong, "\n".join(f"{a} imports {b}" for a, b in wrong)


def test_no_app_imports_another_apps_api_views_serializers_or_forms():
    wrong = sorted((module, target) for module, targets in GRAPH.items() for target in targets
                   if _app(target) in APPS and _app(target) != _app(module) and _layer(target))
    assert not wrong, "\n".join(f"{a} imports {b}" for a, b in wrong)


def test_the_plumbing_imports_no_app():
    wrong = sorted((module, target) for module, targets in GRAPH.items() for target in targets
                   if _app(module) == "contactcenter" and not module.startswith(WIRING) and _app(target) in APPS)
    assert not wrong, "\n".join(f"{a} imports {b}" for a, b in wrong)


def _cycles() -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module (or a module importing itself)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return found


def test_there_is_no_import_cycle():
    cycles = _cycles()
    assert not cycles, "\n".join(" ↔ ".join(c) for c in cycles)


@pytest.mark.parametrize(("source", "expected"), [
    ("from ..models import WorkOrder", {"tickets.models"}),
    ("from .. import sla", {"tickets.sla"}),
    ("from shifts.services import handover_open", {"shifts.services"}),
])
def test_the_check_reads_imports_as_python_does(tmp_path, source, expected):
    """The reader itself: relative and absolute imports resolve to our modules."""
    path = ROOT / "tickets" / "services" / "calls.py"
    tree_source = path.read_text(encoding="utf-8")
    probe = tmp_path / "calls.py"
    probe.write_text(source + "\n", encoding="utf-8")
    assert _imports("tickets.services.calls", probe) == expected
    assert tree_source  # the module the probe stands in for exists
