"""Server processes on one database and the writers that load them, for the PostgreSQL fault tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.integration.audit.support import db_env
from tests.live import free_port

PROBLEM_JSON = "application/problem+json"
HANG = 20.0  # seconds: an answer slower than this is a hang
SETTLE = 45.0  # seconds: generous bound for whatever must happen eventually


def wait_for(
    what: str, check: Callable[[], bool], timeout: float = SETTLE, detail: Callable[[], str] = str
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what}\n{detail()}")
        time.sleep(0.1)


class Server:
    """``python -m ropa serve`` with its background integrator, logging to a file."""

    def __init__(self, env: dict[str, str], name: str, logdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logfile = logdir / f"{name}.log"
        with self.logfile.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ropa", "serve", "--port", str(self.port)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"server {self.name} exited:\n{self.log()}")
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def log(self) -> str:
        return self.logfile.read_text(errors="replace")

    def unhandled(self) -> str:
        """The log lines of answers that were 500s."""
        return "\n".join(line[:600] for line in self.log().splitlines() if "http.unhandled_error" in line)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextlib.contextmanager
def servers(env: dict[str, str], count: int) -> Iterator[list[Server]]:
    """``count`` servers on one database, started together; killed whatever happens."""
    logdir = Path(tempfile.mkdtemp(prefix="ropa-faults-"))
    started: list[Server] = []
    try:
        for n in range(count):
            # The application name tells the servers' PostgreSQL sessions apart in pg_stat_activity.
            url = f"{env['ROPA_DATABASE_URL']}?application_name=ropa-{n}"
            started.append(Server({**env, "ROPA_DATABASE_URL": url}, f"ropa-{n}", logdir))
        for server in started:
            wait_for(f"{server.name} answers /health", server.ready, 60, server.log)
        yield started
    finally:
        for server in started:
            server.kill()
        for server in started:
            server.logfile.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            logdir.rmdir()


def server_env(url: str) -> dict[str, str]:
    env = {
        **db_env("set below"),  # the test keys; the database is ``url``
        "ROPA_DATABASE_URL": url,
        "ROPA_AUTH": "off",
        "ROPA_RUN_INTEGRATOR": "1",
        "ROPA_INTEGRATE_INTERVAL": "0.05",
        "ROPA_CHECKPOINT_EVERY": "25",
        "ROPA_CHECKPOINT_SECONDS": "1",
        "ROPA_LOG_LEVEL": "WARNING",
    }
    env.pop("ROPA_SQLITE_SYNCHRONOUS", None)
    return env


class Load:
    """Writers that create processors and rename them, each against one of ``urls``.

    They remember what was acknowledged; a 503 must be problem+json saying 503; anything else
    (a 500, another status, no answer within HANG seconds) is kept in ``bad``.
    """

    def __init__(self, urls: list[str], writers: int) -> None:
        self.urls = urls
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.created: list[str] = []
        self.updated: list[tuple[str, int]] = []
        self.unavailable = 0
        self.bad: list[str] = []
        self.gone: set[str] = set()  # servers killed on purpose: no answer from them is expected
        self.pool = ThreadPoolExecutor(writers)
        self.futures = [self.pool.submit(self.writer, n) for n in range(writers)]

    def _ok(self, url: str, method: str, response: httpx.Response) -> bool:
        if response.status_code in (200, 201):
            return True
        if (
            response.status_code == 503
            and response.headers.get("content-type", "").startswith(PROBLEM_JSON)
            and response.json().get("status") == 503
        ):
            with self.lock:
                self.unavailable += 1
            time.sleep(0.05)
            return False
        with self.lock:
            self.bad.append(f"{method} {url}: {response.status_code} {response.text[:300]}")
        return False

    def writer(self, n: int) -> None:
        count = 0
        while not self.stop.is_set():
            url = self.urls[n % len(self.urls)]
            count += 1
            key = f"P-{n}-{count}-{time.monotonic_ns()}"
            try:
                with httpx.Client(base_url=url, timeout=HANG) as http:
                    made = http.post("/api/processors", json={"entity": "ACME-DK", "key": key, "name": key})
                    if not self._ok(url, "POST", made):
                        continue
                    record = made.json()
                    with self.lock:
                        self.created.append(record["id"])
                    body = {"key": key, "name": f"{key} renamed", "version": record["version"]}
                    changed = http.put(f"/api/processors/{record['id']}", json=body)
                    if self._ok(url, "PUT", changed):
                        with self.lock:
                            self.updated.append((record["id"], changed.json()["version"]))
            except httpx.HTTPError as exc:
                if url not in self.gone:
                    with self.lock:
                        self.bad.append(f"{url}: no answer ({type(exc).__name__})")
                time.sleep(0.05)

    def acknowledged(self) -> int:
        with self.lock:
            return len(self.created)

    def retarget(self, urls: list[str]) -> None:
        self.urls = urls

    def finish(self) -> None:
        self.stop.set()
        for future in self.futures:
            future.result(timeout=2 * HANG)
        self.pool.shutdown()


def create_entity(url: str) -> None:
    made = httpx.post(
        f"{url}/api/entities",
        json={"key": "ACME-DK", "legal_name": "Acme Danmark ApS", "country": "DK"},
        timeout=HANG,
    )
    assert made.status_code == 201, made.text
