"""A full disk under the embedded SQLite database: writes fail cleanly, reads go on, nothing
acknowledged is lost, and once space is freed the same server process takes writes again.

The database lives on a 6 MB tmpfs mounted for the test (root only: this machine and CI run as
root; elsewhere the test is skipped with that reason). A filler file leaves a little room, writers
fill it, then the filler is removed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import ENGINE, _point_engine_at
from tests.integration.audit.support import events, integrate, leaves, sql, verify
from tests.live import free_port, server_env, start, stop

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(ENGINE != "sqlite", reason="the embedded SQLite mode; PostgreSQL owns its disk"),
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a size-limited tmpfs needs root"),
]

SIZE_MB = 6
ROOM_BYTES = 400_000  # what the filler leaves free
WRITERS = 4


@pytest.fixture
def small_disk() -> Iterator[Path]:
    mount = Path(tempfile.mkdtemp(prefix="ropa-disk-full-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        shutil.rmtree(mount, ignore_errors=True)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as out:
        out.write(b"\0" * max(0, free - ROOM_BYTES))
    return filler


class Writers:
    """Create processors with long descriptions until told to stop; remember what was acknowledged."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stop = threading.Event()
        self.acknowledged: list[tuple[str, str]] = []  # (id, key)
        self.failures: list[httpx.Response] = []
        self.lock = threading.Lock()

    def run(self, n: int) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            count = 0
            while not self.stop.is_set():
                count += 1
                key = f"FULL-{n}-{count}"
                body = {"entity": "ACME-DK", "key": key, "name": key, "description": "x" * 20_000}
                response = http.post("/api/processors", json=body)
                with self.lock:
                    if response.status_code == 201:
                        self.acknowledged.append((response.json()["id"], key))
                    else:
                        self.failures.append(response)
                        if len(self.failures) >= 40:
                            self.stop.set()


def test_a_full_disk_fails_writes_cleanly_and_the_service_recovers_when_space_returns(
    database: str, small_disk: Path
) -> None:
    path = small_disk / "register.sqlite"
    shutil.copy(database, path)
    env = {**server_env(str(path), auth=False), "ROPA_INTEGRATE_INTERVAL": "0.05"}
    env.pop("ROPA_SQLITE_SYNCHRONOUS", None)  # the production default (FULL)
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="ropa-disk-full-log-")) / "server.log"
    process = start(port, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            made = http.post(
                "/api/entities", json={"key": "ACME-DK", "legal_name": "Acme ApS", "country": "DK"}
            )
            assert made.status_code == 201, made.text
            filler = _fill(small_disk)

            writers = Writers(url)
            with ThreadPoolExecutor(WRITERS) as pool:
                for n in range(WRITERS):
                    pool.submit(writers.run, n)
                deadline = time.monotonic() + 60
                while not writers.stop.is_set() and time.monotonic() < deadline:
                    time.sleep(0.1)
                writers.stop.set()
            assert writers.acknowledged, "some writes fit before the disk filled"
            assert writers.failures, "the disk filled up"
            for failure in writers.failures:
                assert failure.status_code == 503, (failure.status_code, failure.text)
                assert failure.headers["content-type"].startswith("application/problem+json")
                assert "disk is full" in failure.json()["detail"]
                assert failure.headers["retry-after"] == "5"

            # Reads go on while the disk is full.
            listed = http.get("/api/processors?entity=ACME-DK&limit=5")
            assert listed.status_code == 200, listed.text
            assert http.get("/health").status_code == 200

            # Space comes back: the same process takes writes again, no restart.
            filler.unlink()
            after = None
            for attempt in range(50):
                after = http.post(
                    "/api/processors", json={"entity": "ACME-DK", "key": f"AFTER-{attempt}", "name": "after"}
                )
                if after.status_code == 201:
                    break
                time.sleep(0.2)
            assert after is not None and after.status_code == 201, after.text if after else None
            writers.acknowledged.append((after.json()["id"], after.json()["key"]))

            # The server's own integrator lived through the outage: it sequences everything written.
            _point_engine_at(str(path))
            deadline = time.monotonic() + 30
            while len(leaves()) < len(events()) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert len(leaves()) == len(events()), "the background integrator stopped"
    finally:
        stop(process)
    output = log.read_text(errors="replace")
    shutil.rmtree(log.parent, ignore_errors=True)
    assert "Traceback" not in output, output[-3000:]

    stored = {str(r["id"]): (r["key"], r["version"]) for r in sql("SELECT id, key, version FROM processor")}
    audited = {(e["entity_id"], e["entity_version"]) for e in events() if e["entity_type"] == "processor"}
    for record_id, key in writers.acknowledged:
        assert stored.get(record_id, ("", 0))[0] == key, f"acknowledged write {key} was lost"
        assert (record_id, 1) in audited, f"acknowledged write {key} has no audit event"
    assert len(audited) == len(stored), "a change without its audit event, or an event without its change"
    integrate()
    report = verify()
    assert report.ok, report.summary()
    assert report.tree_size == len(events())
