"""Settings: importing them writes nothing to disk (the folders are made when a process starts), and nothing in
them depends on which modules happen to be imported (the test run has its own settings module)."""

import ast
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, tmp_path: Path, **extra) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "VAR_DIR": str(tmp_path / "var"), "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "contactcenter.settings",
           **extra}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_importing_the_settings_makes_no_folder(tmp_path):
    result = _run("import contactcenter.settings", tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "var").exists()


def test_a_starting_process_makes_the_folders_it_writes_to(tmp_path):
    result = _run("import django; django.setup()", tmp_path)
    assert result.returncode == 0, result.stderr
    var = tmp_path / "var"
    assert {p.name for p in var.iterdir()} >= {"static", "media", "broker"}
    assert {p.name for p in (var / "broker").iterdir()} == {"queue", "processed", "control"}


def test_the_settings_do_not_sniff_the_imported_modules():
    tree = ast.parse((ROOT / "contactcenter" / "settings.py").read_text(encoding="utf-8"))
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert "modules" not in attributes and "TESTING" not in names


def test_this_run_uses_the_test_settings():
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "contactcenter.settings_test"
    assert settings.SECURE_SSL_REDIRECT is False
    assert len(settings.SECRET_KEY) >= 50


def test_the_live_origin_is_a_websocket_origin_and_the_csp_allows_it(tmp_path):
    code = ("import os, contactcenter.settings as s; "
            "print(s.LIVE_ORIGIN, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src'])")
    good = _run(code, tmp_path, LIVE_ORIGIN="wss://live.example.com/")
    bad = _run(code, tmp_path, LIVE_ORIGIN="https://live.example.com")
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == "wss://live.example.com [\"'self'\", 'wss://live.example.com']"
    assert bad.returncode != 0 and "LIVE_ORIGIN must be ws://" in bad.stderr



def test_the_servers_entry_points_keep_what_they_loaded_out_of_the_garbage_collectors_walks(tmp_path):
    """gunicorn's and uvicorn's process imports its entry point once: what is loaded by then (Django, the apps) is
    frozen (``gc.freeze()``), so the full collections made while serving no longer walk it; collection still runs."""
    for module in ("contactcenter.wsgi", "contactcenter.asgi"):
        result = _run(f"import gc, {module}; print(gc.get_freeze_count(), gc.isenabled())", tmp_path)
        assert result.returncode == 0, result.stderr
        frozen, enabled = result.stdout.split()
        assert int(frozen) > 50_000 and enabled == "True", (module, result.stdout)
