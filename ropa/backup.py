"""``ropa backup`` and ``ropa restore``: a consistent copy of the whole database, taken while it serves.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the database page by page into a
new file while writers carry on; the copy is one consistent state. PostgreSQL: ``pg_dump`` in its
custom format (one consistent snapshot), restored with ``pg_restore``. Either way the backup is
itself audited: a ``database.backup`` event is written first, so the copy records that it was taken.

A restore goes into a new, empty database only (a missing SQLite file, or a PostgreSQL database
without tables): restoring over a live register would silently discard what it holds now. The
checkpoint signing key is not in the database and so not in the backup; keep it apart (docs/deployment.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from audit import log as audit_log
from ropa.db import create_private, get_engine, is_postgres
from ropa.errors import BackupError

PAGES_PER_STEP = 1024  # the backup copies this many pages, then lets writers in


@dataclass
class Outcome:
    path: Path
    size: int
    engine: str


def split_password(dsn: str) -> tuple[str, str | None]:
    """A PostgreSQL URL without its password, and the password (decoded), if it had one."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn, None
    credentials, host = parts.netloc.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}")), unquote(parts.password)


def _pg_target() -> tuple[str, dict[str, str]]:
    """The database URL for pg_dump/pg_restore and their environment, which carries the password:
    an argument would show it to every user of the host in `ps`."""
    url, password = split_password(str(get_engine().config["dsn"]))  # type: ignore[attr-defined]
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    return url, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install PostgreSQL's client tools (Debian: postgresql-client)")
    return found


def _run(argv: list[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)  # noqa: S603
    if result.returncode:
        raise BackupError(f"{Path(argv[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _sqlite_copy(source: str, target: Path) -> None:
    """Copy one SQLite database into a new file with the online backup API, then fsync it."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private(partial)  # the copy holds the whole register: owner only, as the database
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
            dst.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
        finally:
            dst.close()
    finally:
        src.close()
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    partial.replace(target)  # a backup file is either whole or absent


async def backup(target: Path) -> Outcome:
    """Write a consistent copy of the database to ``target`` (which must not exist)."""
    if target.exists():
        raise BackupError(f"{target} exists: a backup never overwrites a file")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a directory")
    engine = "postgres" if is_postgres() else "sqlite"
    await audit_log.append(
        "database.backup",
        entity_type="database",
        entity_id=engine,
        details={"file": target.name},
    )
    if engine == "postgres":
        pg_dump = _tool("pg_dump")
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        create_private(partial)  # pg_dump writes into it and keeps its mode: owner only
        url, env = _pg_target()
        argv = [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", url]
        await asyncio.to_thread(_run, argv, env)
        partial.replace(target)
    else:
        await asyncio.to_thread(_sqlite_copy, get_engine().path, target)  # type: ignore[attr-defined]
    return Outcome(target, target.stat().st_size, engine)


async def _pg_table_count() -> int:
    from ropa.tables import LegalEntity

    rows: list[dict[str, Any]] = await LegalEntity.raw(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'"
    )
    return int(rows[0]["n"])


async def restore(source: Path) -> Outcome:
    """Restore a backup into the configured database, which must be new and empty."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if is_postgres():
        if await _pg_table_count():
            raise BackupError("the database has tables: restore into a new, empty database (createdb)")
        pg_restore = _tool("pg_restore")
        url, env = _pg_target()
        argv = [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={url}", str(source)]
        await asyncio.to_thread(_run, argv, env)
        return Outcome(source, source.stat().st_size, "postgres")
    target = Path(get_engine().path)  # type: ignore[attr-defined]
    if target.exists() and target.stat().st_size > 0:
        raise BackupError(f"{target} exists: restore into a new database file (set ROPA_SQLITE_PATH)")
    with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as probe:
        try:
            check = probe.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite database: {exc}") from exc
    if check != "ok":
        raise BackupError(f"{source} is not an intact SQLite database: {check}")
    target.unlink(missing_ok=True)
    await asyncio.to_thread(_sqlite_copy, str(source), target)
    return Outcome(target, target.stat().st_size, "sqlite")
