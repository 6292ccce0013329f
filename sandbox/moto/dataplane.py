"""The sandbox's data plane: every simulated RDS instance is a real PostgreSQL database.

A DB instance `<id>` of account A in region R is the database `rds_<A>_<R>_<id>` on the one
PostgreSQL server named by DRCTL_PG_HOST/PORT/USER/PASSWORD. Snapshots and recovery points are
`pg_dump -Fc` files under $DRCTL_SANDBOX_DIR/dumps/; restores `pg_restore` them into a new database.

Point-in-time convention: a row's commit time is its `committed_at` column. Restoring "to time T"
is "dump now, restore, then delete every row whose committed_at is later than T" in every table
of the public schemas that has a `committed_at` column. Tables without one are restored whole.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import uuid
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql


def pg_host() -> str:
    return os.environ.get("DRCTL_PG_HOST", "127.0.0.1")


def pg_port() -> int:
    return int(os.environ.get("DRCTL_PG_PORT", "5432"))


def _pg_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PGHOST"] = pg_host()
    env["PGPORT"] = str(pg_port())
    env["PGUSER"] = os.environ.get("DRCTL_PG_USER", "postgres")
    env["PGPASSWORD"] = os.environ.get("DRCTL_PG_PASSWORD", "")
    return env


def _bin(tool: str) -> str:
    folder = os.environ.get("DRCTL_PG_BIN")
    return os.path.join(folder, tool) if folder else tool


def dumps_dir() -> str:
    base = os.environ.get("DRCTL_SANDBOX_DIR") or os.path.join(os.getcwd(), ".drctl", "sandbox")
    path = os.path.join(base, "dumps")
    os.makedirs(path, exist_ok=True)
    return path


def pg_database_name(account_id: str, region: str, identifier: str) -> str:
    """Name of the PostgreSQL database behind DB instance `identifier` of (account, region).

    Lowercase, every non-alphanumeric becomes `_`; names over PostgreSQL's 63-byte limit are cut
    and given an 8-hex-digit hash of the full name so they stay unique.
    """
    raw = f"rds_{account_id}_{region}_{identifier}".lower()
    name = re.sub(r"[^a-z0-9]", "_", raw)
    if len(name) > 63:
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        name = f"{name[:54]}_{digest}"
    return name


def _connect(dbname: str = "postgres") -> psycopg.Connection[Any]:
    env = _pg_env()
    return psycopg.connect(
        host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"], password=env["PGPASSWORD"],
        dbname=dbname, autocommit=True, connect_timeout=10, options="-c timezone=UTC",
    )


def database_exists(name: str) -> bool:
    with _connect() as conn:
        return conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone() is not None


def create_database(name: str) -> None:
    """Create an empty database (no-op when it exists)."""
    with _connect() as conn:
        if conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            return
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def drop_database(name: str) -> None:
    """Terminate the database's sessions, then drop it (no-op when it does not exist)."""
    with _connect() as conn:
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def dump(name: str) -> str | None:
    """`pg_dump -Fc` the database into a new file; returns its path, or None when there is no database."""
    if not database_exists(name):
        return None
    path = os.path.join(dumps_dir(), f"{name}-{uuid.uuid4().hex[:12]}.dump")
    subprocess.run([_bin("pg_dump"), "-Fc", "--no-owner", "-f", path, name], env=_pg_env(), check=True,
                   capture_output=True, timeout=600)
    return path


def restore(path: str | None, name: str) -> None:
    """Create database `name` (dropping an old one) and pg_restore the dump into it (empty when no dump)."""
    drop_database(name)
    create_database(name)
    if path is None:
        return
    if not os.path.exists(path):
        raise RuntimeError(f"dump file {path} is gone")
    result = subprocess.run([_bin("pg_restore"), "--no-owner", "--no-acl", "-d", name, path], env=_pg_env(),
                            capture_output=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"pg_restore into {name} failed: {result.stderr.decode(errors='replace')[-500:]}")


def trim_after(name: str, cutoff: datetime) -> int:
    """Delete rows committed after `cutoff` in every table with a `committed_at` column; returns rows deleted."""
    deleted = 0
    with _connect(name) as conn:
        tables = conn.execute(
            """select c.table_schema, c.table_name from information_schema.columns c
               join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
               where c.column_name = 'committed_at' and t.table_type = 'BASE TABLE'
                 and c.table_schema not in ('pg_catalog', 'information_schema')"""
        ).fetchall()
        for schema, table in tables:
            cur = conn.execute(
                sql.SQL("delete from {}.{} where committed_at > %s").format(sql.Identifier(schema), sql.Identifier(table)),
                (cutoff,),
            )
            deleted += cur.rowcount or 0
    return deleted


def remove_dump(path: str | None) -> None:
    if path and os.path.exists(path):
        os.remove(path)


def dump_size(path: str | None) -> int:
    return os.path.getsize(path) if path and os.path.exists(path) else 0
