"""A private, throwaway PostgreSQL cluster that a test may stop and start at will.

The shared server at ROPA_TEST_POSTGRES_URL serves other tests; one that takes PostgreSQL away
mid-request needs its own. This one runs as the ``postgres`` OS user (we are root in CI) from
the Debian binaries, listens on 127.0.0.1 on a free port, keeps its unix socket in its own
directory, and is removed whatever happens. ``problem()`` says why a cluster cannot be made here,
so that a PostgreSQL run fails with that message instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import asyncpg

from tests.live import free_port

BIN = Path(os.environ.get("ROPA_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"


def problem() -> str | None:
    """Why no private cluster can be made on this machine, or None if one can."""
    missing = [name for name in ("initdb", "pg_ctl", "postgres") if not (BIN / name).is_file()]
    if missing:
        return f"PostgreSQL server binaries missing in {BIN}: {', '.join(missing)} (set ROPA_TEST_PG_BIN)"
    if os.geteuid() != 0:
        return "a private PostgreSQL cluster is started as the postgres OS user: run the tests as root"
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        return f"no {OS_USER!r} OS user to run a private PostgreSQL cluster as"
    if shutil.which("runuser") is None:
        return "runuser (util-linux) is needed to start a private PostgreSQL cluster"
    return None


class Cluster:
    """``initdb`` in a temp dir owned by postgres; ``start``/``stop`` keep the same port."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ropa-pg-"))
        user = pwd.getpwnam(OS_USER)
        os.chown(self.root, user.pw_uid, user.pw_gid)
        self.data = self.root / "data"
        self.logfile = self.root / "server.log"
        self.port = free_port()
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _pg(self, program: str, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(
            ["runuser", "-u", OS_USER, "--", str(BIN / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
                f"\n{self.log()}"
            )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        # fsync off: a stopped server's writes are still in the page cache, so stopping it (even
        # -m immediate) loses nothing that was committed; synchronous_commit stays on.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c full_page_writes=off -c max_connections=60"
        )
        self._pg(
            "pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-o", options, "-w", "-t", "60", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``immediate`` kills the backends mid-query, ``fast`` terminates them."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def create_database(self, name: str) -> str:
        async def go() -> None:
            connection = await asyncpg.connect(self.url())
            try:
                await connection.execute(f'CREATE DATABASE "{name}"')
            finally:
                await connection.close()

        asyncio.run(go())
        return self.url(name)

    def log(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def destroy(self) -> None:
        """Stop the server if it runs and remove its files; safe to call more than once."""
        try:
            if self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
