"""What the figures were measured on: machine, versions, PostgreSQL settings that shape the plans."""

import os
import platform
import sys
from importlib import metadata


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    kib = int(line.split()[1])
                    return f"{kib / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


PG_SETTINGS = ("shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size", "random_page_cost",
               "max_wal_size", "synchronous_commit", "jit", "autovacuum")


def describe() -> dict:
    """Machine and versions; needs Django's connection to be configured."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        server_version = cur.fetchone()[0]
        settings = {}
        for name in PG_SETTINGS:
            cur.execute(f"SHOW {name}")
            settings[name] = cur.fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory": _memory(),
        "kernel": f"{platform.system()} {platform.release()}",
        "os": _os_release(),
        "python": sys.version.split()[0],
        "django": _version("Django"),
        "psycopg2": _version("psycopg2-binary"),
        "postgresql": server_version,
        "pg_settings": settings,
    }


def _os_release() -> str:
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.platform()
