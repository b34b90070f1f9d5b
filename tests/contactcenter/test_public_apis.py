"""Public APIs only: the product code (every app and ``contactcenter``, migrations aside) reads or writes no private
attribute (``obj._name``) of Django, DRF, django-csp or any other library's objects. A private name is allowed when
our own code defines it (a helper of ours) or when the library documents it as its API: ``Model._meta`` (the Options
API), ``Model._default_manager`` / ``_base_manager``, ``Model._state`` (the instance's documented state),
``_history_user`` (django-simple-history's documented way to name a change's author) and a named tuple's
``_replace``/``_asdict``/``_fields``."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("contactcenter", "tickets", "shifts", "kpi")
DOCUMENTED = {"_meta", "_default_manager", "_base_manager", "_state", "_history_user", "_replace", "_asdict",
              "_fields"}


def _sources() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8"))
            for package in PACKAGES for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts}


SOURCES = _sources()


def _ours() -> set[str]:
    """Every private name our code defines: functions, classes, methods, attributes it assigns."""
    names = set()
    for tree in SOURCES.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return {name for name in names if name.startswith("_")}


def test_no_private_attribute_of_a_library_is_used():
    ours = _ours()
    found = []
    for path, tree in SOURCES.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            name = node.attr
            if not name.startswith("_") or name.startswith("__") or name in DOCUMENTED or name in ours:
                continue
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{name}")
    assert not found, "\n".join(found)


def test_the_check_finds_a_private_attribute():
    """The check itself: Django's private ``_perm_cache`` (which the old auth cache set) would be found."""
    probe = ast.parse("user._perm_cache = set()\nprint(request._messages)")
    names = {node.attr for node in ast.walk(probe) if isinstance(node, ast.Attribute)}
    assert names & {"_perm_cache", "_messages"} and not names & _ours() and not names & DOCUMENTED
