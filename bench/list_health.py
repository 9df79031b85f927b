"""Figure 1: requests/s of the register list endpoints against /health on a real uvicorn server."""

from __future__ import annotations

import asyncio
import json
import os
import pstats
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    CpuMeter,
    args_for,
    cloned_register,
    format_stats,
    migrate,
    throwaway,
    write_result,
)

ACTIVITIES = 1000
WARMUP_S = 3
DURATION_S = 10
CONNECTIONS = 16
PROFILE_S = 6
ENDPOINTS = {
    "health": "/health",
    "list": "/api/activities?limit=50",
    "list_full": "/api/activities?limit=50&view=full",
}
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _load(register: Any) -> dict[str, int]:
    from ropa import db
    from ropa.porting.services import import_register

    await db.open_pool()
    try:
        return await import_register(register, source="bench")
    finally:
        await db.close_pool()


def _start(
    port: int, env: dict[str, str], profile_to: Path | None = None, integrator: bool = False
) -> subprocess.Popen[bytes]:
    """`python -m ropa serve --port P`, or the same app and server under cProfile; the background
    audit integrator only when asked (the load figure runs it, as production does)."""
    command = [sys.executable, "-m", "ropa", "serve", "--port", str(port)]
    if profile_to:
        command = [sys.executable, "-m", "bench.list_health", "--serve-profiled", str(port), str(profile_to)]
    # This figure measures the list itself; the cost of authentication is figure 9 (bench/auth_cost.py).
    server_env = {
        "ROPA_AUTH": "off",
        **os.environ,
        **env,
        "ROPA_RUN_INTEGRATOR": "1" if integrator else "0",
        "ROPA_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(command, cwd=ROOT, env=server_env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not answer /health within 30 s")


def _serve_profiled(port: int, target: str) -> None:
    """What `ropa serve` runs (uvicorn defaults: uvloop, httptools), profiled once imports are done."""
    import cProfile

    import uvicorn

    from ropa.app import create_app

    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, access_log=False, log_level="warning")
    profile = cProfile.Profile()
    profile.enable()
    try:
        uvicorn.Server(config).run()
    finally:
        profile.disable()
        profile.dump_stats(target)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    assert match, text
    return float(match[1]) * _UNITS[match[2]]


def _wrk(url: str, seconds: int, latency: bool = True, headers: tuple[str, ...] = ()) -> dict[str, Any]:
    extra = [arg for header in headers for arg in ("-H", header)]
    command = [
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        *(["--latency"] if latency else []),
        *extra,
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])}  # type: ignore[index]
    result["requests"] = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = int(bad[1]) if bad else 0
    errors = re.search(r"Socket errors: (.*)", out)
    result["socket_errors"] = errors[1].strip() if errors else ""
    for q in ("50", "99"):
        found = re.search(rf"^\s+{q}%\s+(\S+)", out, re.MULTILINE)
        if found:
            result[f"p{q}_ms"] = _ms(found[1])
    return result


def _check(base: str) -> dict[str, int]:
    """One request per list endpoint: it must succeed and hold 50 items; the body size is reported."""
    sizes = {}
    for name, path in ENDPOINTS.items():
        with urllib.request.urlopen(base + path, timeout=10) as response:
            body = response.read()
        if name != "health":
            assert len(json.loads(body)["items"]) == 50, f"{path} did not return 50 items"
        sizes[name] = len(body)
    return sizes


def _profile(env: dict[str, str], work: Path) -> str:
    """The server under cProfile while wrk drives the summary list endpoint."""
    port = _free_port()
    target = work / "server.prof"
    process = _start(port, env, profile_to=target)
    try:
        _wrk(f"http://127.0.0.1:{port}{ENDPOINTS['list']}", PROFILE_S, latency=False)
    finally:
        _stop(process)
    stats = pstats.Stats(str(target))
    return (
        f"server process (same app, uvicorn with uvloop + httptools) under cProfile from the end of "
        f"start-up, {PROFILE_S} s of wrk on {ENDPOINTS['list']}; the profiler slows it down\n\n"
        "-- by own time --\n"
        + format_stats(stats, 25, "tottime")
        + "\n\n-- by cumulative time --\n"
        + format_stats(stats, 35, "cumulative")
    )


def main() -> None:
    if sys.argv[1:2] == ["--serve-profiled"]:
        _serve_profiled(int(sys.argv[2]), sys.argv[3])
        return
    args = args_for(__doc__ or "")
    with throwaway(args.engine, "list") as env:
        migrate(env)
        counts = asyncio.run(_load(cloned_register(ACTIVITIES)))
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        process = _start(port, env)
        try:
            sizes = _check(base)
            runs = {}
            for name, path in ENDPOINTS.items():
                _wrk(base + path, WARMUP_S, latency=False)
                with CpuMeter(process.pid) as cpu:
                    runs[name] = _wrk(base + path, DURATION_S)
                runs[name]["cpu"] = cpu.as_dict()
        finally:
            _stop(process)
        result: dict[str, Any] = {
            "figure": "list",
            "engine": args.engine,
            "activities": counts["activities"],
            "body_bytes": sizes,
            "runs": runs,
            "ratio_list": runs["list"]["rps"] / runs["health"]["rps"],
            "ratio_full": runs["list_full"]["rps"] / runs["health"]["rps"],
            "wrk": f"wrk -t1 -c{CONNECTIONS} -d{DURATION_S}s --latency (after a {WARMUP_S} s warm-up)",
        }
        if args.profile or result["ratio_list"] < 0.30:
            result["profile"] = _profile(env, Path(env["BENCH_WORK"]))
        write_result(args.out, result)


if __name__ == "__main__":
    main()
