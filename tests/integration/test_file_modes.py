"""Files that hold the register (the SQLite database, its -wal and -shm, backups, dumps, exports) are 0600.

The processes here run with umask 022, the usual default, under which files are made 0644.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from ropa.db import RopaSQLiteEngine
from tests.conftest import ROOT, Templates
from tests.integration.audit.support import db_env


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def _ropa(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "ropa", *args],
        cwd=ROOT,
        env=env,
        umask=0o022,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _sqlite_env(tmp_path: Path, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "ROPA_DATABASE_URL"}
    env.update(
        ROPA_SQLITE_PATH=str(database),
        ROPA_AUDIT_KEY_FILE=str(tmp_path / "audit-key.pem"),
        ROPA_SOURCE_HASH_KEY_FILE=str(tmp_path / "source.key"),
        ROPA_AUDIT_CHECKPOINT_FILE=str(tmp_path / "anchor.txt"),
    )
    return env


def test_a_sqlite_database_its_wal_and_shm_and_its_backup_are_owner_only(tmp_path: Path) -> None:
    """SQLite whatever engine the suite runs on: these files exist only with SQLite."""
    database = tmp_path / "ropa.sqlite"
    env = _sqlite_env(tmp_path, database)
    _ropa(env, "migrate")
    assert _mode(database) == "0o600"
    # A connection held open keeps the -wal and -shm files while another process writes.
    with contextlib.closing(sqlite3.connect(database)) as held:
        assert held.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        held.execute("SELECT count(*) FROM legal_entity").fetchone()
        _ropa(env, "seed", "--demo")
        wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
        assert wal.stat().st_size > 0
        assert {p.name: _mode(p) for p in (database, wal, shm)} == {
            "ropa.sqlite": "0o600",
            "ropa.sqlite-wal": "0o600",
            "ropa.sqlite-shm": "0o600",
        }
        _ropa(env, "backup", str(tmp_path / "ropa.backup"))
    assert _mode(tmp_path / "ropa.backup") == "0o600"
    restored = tmp_path / "restored.sqlite"
    _ropa({**env, "ROPA_SQLITE_PATH": str(restored)}, "restore", str(tmp_path / "ropa.backup"))
    assert _mode(restored) == "0o600"


def test_a_database_the_server_creates_is_owner_only(tmp_path: Path) -> None:
    """Not only through the CLI: the engine makes a missing database file 0600 (ropa serve, piccolo)."""
    database = tmp_path / "served.sqlite"
    engine: Any = RopaSQLiteEngine(path=str(database))

    async def serve_a_write() -> dict[str, str]:
        await engine.start_connection_pool()
        try:
            await engine._run_in_new_connection("CREATE TABLE t (x INTEGER)")
            await engine._run_in_new_connection("SELECT count(*) FROM t")  # the reader stays open
            await engine._run_in_new_connection("INSERT INTO t VALUES (1)")
            files = (database, Path(f"{database}-wal"), Path(f"{database}-shm"))
            return {p.name: _mode(p) for p in files}
        finally:
            await engine.close_connection_pool()

    previous = os.umask(0o022)
    try:
        modes = asyncio.run(serve_a_write())
    finally:
        os.umask(previous)
    assert modes == {"served.sqlite": "0o600", "served.sqlite-wal": "0o600", "served.sqlite-shm": "0o600"}


def test_backups_dumps_and_exports_written_by_the_cli_are_owner_only(
    templates: Templates, tmp_path: Path
) -> None:
    """On the engine under test: pg_dump's file on PostgreSQL, SQLite's copy on SQLite."""
    env = db_env(templates.fresh("demo", demo=True))
    env["ROPA_AUDIT_CHECKPOINT_FILE"] = str(tmp_path / "anchor.txt")
    _ropa(env, "backup", str(tmp_path / "ropa.backup"))
    _ropa(env, "dump", "-o", str(tmp_path / "register.yaml"))
    _ropa(
        env, "export", "--entity", "TECHEM-DK", "--format", "xlsx", "--quiet", "-o", str(tmp_path / "dk.xlsx")
    )
    written = ("ropa.backup", "register.yaml", "dk.xlsx")
    assert {name: _mode(tmp_path / name) for name in written} == dict.fromkeys(written, "0o600")
