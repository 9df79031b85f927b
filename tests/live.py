"""A real server process (`python -m ropa serve`) over a test database, for the tests that need one:
the end-to-end browser tests and the API fuzzing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import ENGINE, ROOT, _pg_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database: str, auth: bool = True) -> dict[str, str]:
    """The server's environment: access control on (or off, for the fuzzing), integrator signing."""
    env = {
        **os.environ,
        "ROPA_AUTH": "on" if auth else "off",
        "ROPA_COOKIE_SECURE": "0",  # plain http on 127.0.0.1
        "ROPA_RUN_INTEGRATOR": "1",
        "ROPA_CHECKPOINT_SECONDS": "2",
        "ROPA_LOG_LEVEL": "WARNING",
    }
    if ENGINE == "postgres":
        env["ROPA_DATABASE_URL"] = _pg_url(database)
    else:
        env.pop("ROPA_DATABASE_URL", None)
        env["ROPA_SQLITE_PATH"] = database
    return env


def start(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ropa", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    process.wait()
    raise RuntimeError(f"the server did not answer /health:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
