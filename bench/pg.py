"""The bench database: dropped and created afresh on every run; small SQL helpers."""

from urllib.parse import unquote, urlsplit

import psycopg2
from psycopg2 import sql


def _connect_params(url: str, dbname: str) -> dict:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "dbname": dbname,
    }


def recreate_database(url: str) -> str:
    """DROP (forcing other sessions out) and CREATE the database named in ``url``; returns its name."""
    name = urlsplit(url).path.lstrip("/")
    conn = psycopg2.connect(**_connect_params(url, "postgres"))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    return name


def run(statement: str) -> None:
    """Execute one statement on Django's connection (autocommit), without parameter interpolation:
    the bench's SQL contains ``%`` as the modulo operator and only literals it formatted itself."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(statement)


def scalar(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(statement, params)
        row = cur.fetchone()
    return row[0] if row else None


def rows(statement: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall()


def literal(value) -> str:
    """A SQL literal for a value the bench made (timestamps, numbers), quoted by psycopg2."""
    from django.db import connection

    connection.ensure_connection()
    return psycopg2.extensions.adapt(value).getquoted().decode()
