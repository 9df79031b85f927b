"""X-Forwarded-For on a real server (`ropa serve`): ignored unless the peer is a trusted proxy."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ropa.access.users import add_user
from tests.conftest import ROOT, run
from tests.live import free_port, server_env, start, stop

PASSWORD = "correct horse battery staple"


@pytest.fixture
def serve(demo_database: str, tmp_path: Path) -> Iterator[object]:
    """Start `ropa serve` on the demo register with extra settings; stops it after the test."""
    run(add_user("p-officer", "compliance_officer", PASSWORD, ["TECHEM-DK"]))
    started = []

    def go(**settings: str) -> str:
        port = free_port()
        env = {**server_env(demo_database), **settings}
        started.append(start(port, env, tmp_path / f"server-{port}.log"))
        return f"http://127.0.0.1:{port}"

    yield go
    for process in started:
        stop(process)


def _wrong(url: str, forwarded_for: str, i: int) -> int:
    """A wrong password for an account of its own (so only the per-source limit can apply)."""
    response = httpx.post(
        f"{url}/api/auth/sign-in",
        json={"username": f"nobody-{i}", "password": "guess"},
        headers={"x-forwarded-for": forwarded_for},
        timeout=30,
    )
    return response.status_code


def test_a_forged_forwarded_for_does_not_escape_the_sign_in_limit(serve):
    url = serve()
    # Each attempt claims another address; the server counts them all against 127.0.0.1.
    statuses = [_wrong(url, f"203.0.113.{i}", i) for i in range(21)]
    assert statuses == [401] * 20 + [429]
    response = httpx.post(
        f"{url}/api/auth/sign-in",
        json={"username": "p-officer", "password": PASSWORD},
        headers={"x-forwarded-for": "198.51.100.99"},
    )
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0


def test_a_trusted_proxy_names_the_client(serve):
    url = serve(ROPA_TRUSTED_PROXIES="10.9.8.0/24, 127.0.0.1")
    statuses = [_wrong(url, "203.0.113.7", i) for i in range(21)]
    assert statuses == [401] * 20 + [429]  # that client is limited ...
    assert _wrong(url, "203.0.113.8", 99) == 401  # ... and another one behind the same proxy is not
    signed = httpx.post(
        f"{url}/api/auth/sign-in",
        json={"username": "p-officer", "password": PASSWORD},
        headers={"x-forwarded-for": "203.0.113.9"},
    )
    assert signed.status_code == 200


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ROPA_TRUSTED_PROXIES": "10.0.0.0/33"}, "ROPA_TRUSTED_PROXIES: '10.0.0.0/33' is not an IP address"),
        ({"FORWARDED_ALLOW_IPS": "10.0.0.5"}, "name the proxies in ROPA_TRUSTED_PROXIES"),
    ],
)
def test_serve_refuses_a_proxy_setting_it_cannot_honour(env, message):
    result = subprocess.run(
        [sys.executable, "-m", "ropa", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env={**server_env("unused.sqlite"), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and message in result.stderr
