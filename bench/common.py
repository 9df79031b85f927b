"""Shared helpers: throwaway databases, migrations, the cloned register, timing and result files."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = os.environ.get("ROPA_BENCH_POSTGRES_URL", DEFAULT_PG_URL)
ENGINES = ("sqlite", "postgres")
DEMO = ROOT / "ropa" / "demo" / "techem.yaml"


def pg_url(database: str) -> str:
    return urlunsplit(urlsplit(PG_URL)._replace(path=f"/{database}"))


async def pg_admin(*statements: str) -> list[Any]:
    """Run statements on the benchmark server's maintenance database; the last one's rows."""
    import asyncpg

    connection = await asyncpg.connect(PG_URL)
    try:
        rows: list[Any] = []
        for sql in statements:
            rows = await connection.fetch(sql)
        return rows
    finally:
        await connection.close()


def pg_admin_sync(*statements: str) -> list[Any]:
    return asyncio.run(pg_admin(*statements))


@contextlib.contextmanager
def throwaway(engine: str, name: str) -> Iterator[dict[str, str]]:
    """A new empty database (PostgreSQL) or file under a temp dir (SQLite); os.environ points at it.

    Keys and secrets also live in the temp dir, so nothing under var/ is read or written. The
    database and the dir are dropped on the way out, whatever happens.
    """
    work = Path(tempfile.mkdtemp(prefix=f"ropa-bench-{name}-"))
    env = {
        "ROPA_AUDIT_KEY_FILE": str(work / "audit-key.pem"),
        "ROPA_SOURCE_HASH_KEY_FILE": str(work / "source.key"),
        "ROPA_RUN_INTEGRATOR": "0",
        "ROPA_LOG_LEVEL": "WARNING",
        "ROPA_DATABASE_URL": "",
        "ROPA_SQLITE_PATH": str(work / "bench.sqlite"),
        "BENCH_WORK": str(work),
    }
    database = f"ropa_bench_{name}_{uuid.uuid4().hex[:8]}"
    if engine == "postgres":
        pg_admin_sync(f'CREATE DATABASE "{database}"')
        env["ROPA_DATABASE_URL"] = pg_url(database)
    os.environ.update(env)
    try:
        yield env
    finally:
        if engine == "postgres":
            pg_admin_sync(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


def ropa(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m ropa ARGS` against the throwaway database; its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "ropa", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def migrate(env: dict[str, str]) -> None:
    """`python -m ropa migrate` against the throwaway database: the real migrations."""
    result = ropa(env, "migrate")
    if result.returncode:
        raise RuntimeError(f"migrate failed:\n{result.stdout}\n{result.stderr}")


def cloned_register(activities: int, prefix: str = "BENCH", entity_key: str | None = None) -> Any:
    """The demo's Danish entity with `activities` clones of its first activity under new keys."""
    import msgspec

    from ropa.porting.services import decode

    register = decode(DEMO.read_bytes(), yaml=True)
    entity = register.entities[0]
    template = entity.activities[0]
    clones = [
        msgspec.structs.replace(template, key=f"{prefix}-{i:05d}", name=f"{template.name} #{i}", id=None)
        for i in range(activities)
    ]
    # The demo's cookies name activities the clone has not (the import refuses them): they name the
    # clone's first activity instead.
    keys, first = {a.key for a in clones}, clones[0].key if clones else None
    cookies = [
        msgspec.structs.replace(
            c, activities=list(dict.fromkeys(k if k in keys else first for k in c.activities if first))
        )
        for c in entity.cookies
    ]
    entity = msgspec.structs.replace(entity, activities=clones, cookies=cookies, key=entity_key or entity.key)
    if entity_key and entity.registration is not None:
        # Registration numbers are unique per country: a clone beside the demo has a number of its own.
        number = str(zlib.crc32(entity_key.encode())).rjust(10, "0")
        entity = msgspec.structs.replace(
            entity, registration=msgspec.structs.replace(entity.registration, number=number)
        )
    return msgspec.structs.replace(register, entities=[entity])


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


class Profiler:
    """cProfile around a block (main thread only); `top()` gives the heaviest functions as text."""

    def __init__(self) -> None:
        self.profile = cProfile.Profile()

    def __enter__(self) -> Profiler:
        self.profile.enable()
        return self

    def __exit__(self, *exc: object) -> None:
        self.profile.disable()

    def top(self, lines: int = 25, sort: str = "tottime") -> str:
        return format_stats(pstats.Stats(self.profile), lines, sort)


def format_stats(stats: pstats.Stats, lines: int = 25, sort: str = "tottime") -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.strip_dirs().sort_stats(sort).print_stats(lines)
    text = out.getvalue()
    start = text.find("   ncalls")
    return text[start:].rstrip() if start >= 0 else text.strip()


def args_for(doc: str, extra: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    """The options every benchmark module takes when bench/run.py starts it (and a module's own, `extra`)."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--engine", choices=ENGINES, required=True)
    parser.add_argument("--out", required=True, help="write the result as JSON here")
    parser.add_argument("--profile", action="store_true", help="also profile the measured work")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def write_result(path: str, result: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(result, indent=2, default=str))


def quiet_logs() -> None:
    """Warnings only from the app's structlog set-up (checkpoints are logged at INFO)."""
    from ropa.logging import configure

    configure("WARNING", json=False)


class CpuMeter:
    """CPU used over a window, in cores: one process (default: this one), PostgreSQL, the machine."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, pid: int | None = None) -> None:
        self.pid = str(pid or os.getpid())

    @staticmethod
    def _ticks(pid: str) -> int:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0
        return int(fields[11]) + int(fields[12])  # utime + stime

    def _postgres(self) -> dict[str, int]:
        found = {}
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                    found[entry.name] = self._ticks(entry.name)
            except OSError:
                continue
        return found

    @staticmethod
    def _machine() -> int:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return sum(fields) - fields[3] - fields[4]  # all but idle and iowait

    def __enter__(self) -> CpuMeter:
        self.wall = time.perf_counter()
        self.start = (self._ticks(self.pid), self._postgres(), self._machine())
        return self

    def __exit__(self, *exc: object) -> None:
        seconds = (time.perf_counter() - self.wall) * self.TICK
        process, postgres, machine = self._ticks(self.pid), self._postgres(), self._machine()
        self.process = (process - self.start[0]) / seconds
        self.postgres = sum(t - self.start[1].get(pid, 0) for pid, t in postgres.items()) / seconds
        self.machine = (machine - self.start[2]) / seconds

    def as_dict(self) -> dict[str, float]:
        return {"process_cores": self.process, "postgres_cores": self.postgres, "machine_cores": self.machine}


class Timer:
    def __enter__(self) -> Timer:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
