"""kill -9 under load, again and again: every acknowledged write is in the register with its event,
and the log verifies."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import ROOT
from tests.integration.audit.support import (
    assert_writes_kept,
    create_record,
    db_env,
    events,
    integrate,
    leaves,
    verify,
)

pytestmark = pytest.mark.slow  # about 10 s; part of the normal suite, deselect with -m "not slow"

WRITERS = 8
LOAD_SECONDS = 2.0
# Kill-and-restart rounds: 3 in `make test`, many more under `make soak` (ROPA_SOAK_ROUNDS).
ROUNDS = int(os.environ.get("ROPA_SOAK_ROUNDS", "3"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``python -m ropa serve`` with its background integrator, on the test database."""

    def __init__(self, database: str) -> None:
        self.port = _free_port()
        self.log = tempfile.TemporaryFile()
        env = {
            **db_env(database),
            "ROPA_RUN_INTEGRATOR": "1",
            "ROPA_INTEGRATE_INTERVAL": "0.05",
            "ROPA_CHECKPOINT_EVERY": "25",
        }
        env.pop("ROPA_SQLITE_SYNCHRONOUS", None)  # the production default (FULL), not the tests' OFF
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ropa", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.kill()
        pytest.fail(f"the server did not start:\n{self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class Load:
    """Writers that create processors and rename them, remembering what the server acknowledged."""

    def __init__(self, url: str, round_: int) -> None:
        self.url, self.round = url, round_
        self.stop = threading.Event()
        self.created: list[str] = []
        self.updated: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def writer(self, n: int) -> None:
        with httpx.Client(base_url=self.url, timeout=5) as http:
            count = 0
            while not self.stop.is_set():
                count += 1
                key = f"P-{self.round}-{n}-{count}"
                try:
                    made = http.post("/api/processors", json={"entity": "ACME-DK", "key": key, "name": key})
                    if made.status_code != 201:
                        continue
                    record = made.json()
                    with self.lock:
                        self.created.append(record["id"])
                    body = {"key": key, "name": f"{key} renamed", "version": record["version"]}
                    changed = http.put(f"/api/processors/{record['id']}", json=body)
                    if changed.is_success:
                        with self.lock:
                            self.updated.append((record["id"], changed.json()["version"]))
                except httpx.HTTPError:
                    time.sleep(0.01)  # the server is gone; keep trying until told to stop


def _run_and_kill(database: str, round_: int) -> Load:
    server = Server(database)
    load = Load(server.url, round_)
    with ThreadPoolExecutor(WRITERS) as pool:
        for n in range(WRITERS):
            pool.submit(load.writer, n)
        time.sleep(LOAD_SECONDS)
        server.kill()  # mid-load: requests are in flight
        time.sleep(0.3)
        load.stop.set()
    assert len(load.created) > 10, server.output()
    return load


def test_acknowledged_writes_survive_kill_9(database: str) -> None:
    create_record("entity", key="ACME-DK", legal_name="Acme Danmark ApS", country="DK")
    loads = [_run_and_kill(database, round_) for round_ in range(ROUNDS)]

    assert_writes_kept(
        [record for load in loads for record in load.created],
        [update for load in loads for update in load.updated],
    )

    integrated_by_servers = len(leaves())
    integrate()
    rows = leaves()
    assert integrated_by_servers > 0 and [r["seq"] for r in rows] == list(range(len(rows)))
    report = verify()
    assert report.ok, report.summary()
    assert report.tree_size == len(events()) and report.checkpoints >= 2
    assert not [e for e in events() if "127.0.0.1" in " ".join(map(str, e.values()))], (
        "a raw client address was logged"
    )
