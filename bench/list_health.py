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
ROUNDS = 8  # each endpoint ROUNDS x ROUND_S seconds, in turns: drifting machine load falls on all alike
ROUND_S = 2
CONNECTIONS = 16
PROFILE_S = 6
ENDPOINTS = {
    "health": "/health",
    "list": "/api/activities?limit=50",
    "reference": "/bench/list-bytes?limit=50",
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
    port: int,
    env: dict[str, str],
    profile_to: Path | None = None,
    integrator: bool = False,
    reference: bool = False,
) -> subprocess.Popen[bytes]:
    """`python -m ropa serve --port P`, or (``reference``) the same app and server options with the
    reference route added, or that under cProfile; the background audit integrator only when asked
    (the load figure runs it, as production does)."""
    command = [sys.executable, "-m", "ropa", "serve", "--port", str(port)]
    if reference or profile_to:
        command = [sys.executable, "-m", "bench.list_health", "--serve", str(port), str(profile_to or "")]
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


def _reference_route() -> Any:
    """GET /bench/list-bytes: the list's parameters and access rule, answering the bytes of the list's
    first page as read once; what serving that page costs without the query and its encoding."""
    from typing import Literal

    from litestar import MediaType, Response, get
    from litestar.params import FromQuery

    from ropa.params import Text
    from ropa.records import listing
    from ropa.records.catalog import ACTIVITY
    from ropa.records.controllers import Limit

    page: list[bytes] = []

    names = {"FromQuery": FromQuery, "Limit": Limit, "Literal": Literal, "Response": Response, "Text": Text}

    @get(
        "/bench/list-bytes", opt={"perm": "register.read"}, include_in_schema=False, signature_namespace=names
    )
    async def list_bytes(
        entity: FromQuery[Text] = None,
        status: FromQuery[Text] = None,
        q: FromQuery[Text] = None,
        vocabulary: FromQuery[Text] = None,
        limit: FromQuery[Limit] = 50,
        cursor: FromQuery[Text] = None,
        view: FromQuery[Literal["summary", "full"]] = "summary",
    ) -> Response[bytes]:
        if not page:
            page.append(await listing.list_json(ACTIVITY, limit=limit))
        return Response(page[0], media_type=MediaType.JSON)

    return list_bytes


def _serve(port: int, profile_to: str) -> None:
    """What `ropa serve` runs (its app; uvicorn with uvloop and httptools, no proxy headers, no access
    log) plus the reference route; under cProfile from the end of start-up when ``profile_to`` is set.
    SIGINT (``_stop``) ends it as it ends `ropa serve`: quietly."""
    import cProfile

    import uvicorn

    from ropa.app import create_app

    app = create_app()
    app.register(_reference_route())
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, proxy_headers=False, access_log=False, log_level="warning"
    )
    profile = cProfile.Profile() if profile_to else None
    if profile:
        profile.enable()
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:
        pass
    finally:
        if profile:
            profile.disable()
            profile.dump_stats(profile_to)


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
    sizes, bodies = {}, {}
    for name, path in ENDPOINTS.items():
        with urllib.request.urlopen(base + path, timeout=10) as response:
            bodies[name] = body = response.read()
        if name != "health":
            assert len(json.loads(body)["items"]) == 50, f"{path} did not return 50 items"
        sizes[name] = len(body)
    assert bodies["reference"] == bodies["list"], "the reference route must answer the list's bytes"
    return sizes


def _combined(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one endpoint as one run: requests over their total time; p50 and p99 the
    median of the rounds'; CPU the mean of the rounds' (they last alike)."""
    seconds = sum(r["requests"] / r["rps"] for r in runs)
    requests = sum(r["requests"] for r in runs)
    result: dict[str, Any] = {
        "rps": requests / seconds,
        "requests": requests,
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "socket_errors": "; ".join(r["socket_errors"] for r in runs if r["socket_errors"]),
        "rounds_rps": [r["rps"] for r in runs],
    }
    for key in ("p50_ms", "p99_ms"):
        values = sorted(r[key] for r in runs if key in r)
        if values:
            result[key] = values[len(values) // 2]
    result["cpu"] = {key: sum(r["cpu"][key] for r in runs) / len(runs) for key in runs[0]["cpu"]}
    return result


def _measure(base: str, pid: int) -> dict[str, dict[str, Any]]:
    """A warm-up per endpoint, then ROUNDS rounds in which each endpoint has ROUND_S seconds in turn."""
    for path in ENDPOINTS.values():
        _wrk(base + path, WARMUP_S, latency=False)
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in ENDPOINTS}
    for _ in range(ROUNDS):
        for name, path in ENDPOINTS.items():
            with CpuMeter(pid) as cpu:
                run = _wrk(base + path, ROUND_S)
            run["cpu"] = cpu.as_dict()
            rounds[name].append(run)
    return {name: _combined(runs) for name, runs in rounds.items()}


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
    if sys.argv[1:2] == ["--serve"]:
        _serve(int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "")
        return
    args = args_for(__doc__ or "")
    with throwaway(args.engine, "list") as env:
        migrate(env)
        counts = asyncio.run(_load(cloned_register(ACTIVITIES)))
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        process = _start(port, env, reference=True)
        try:
            sizes = _check(base)
            runs = _measure(base, process.pid)
        finally:
            _stop(process)
        health = runs["health"]["rounds_rps"]
        result: dict[str, Any] = {
            "figure": "list",
            "engine": args.engine,
            "activities": counts["activities"],
            "body_bytes": sizes,
            "runs": runs,
            "ratio_list": runs["list"]["rps"] / runs["health"]["rps"],
            "ratio_reference": runs["reference"]["rps"] / runs["health"]["rps"],
            "ratio_full": runs["list_full"]["rps"] / runs["health"]["rps"],
            "round_ratios": {
                name: [rps / h for rps, h in zip(runs[name]["rounds_rps"], health, strict=True)]
                for name in ENDPOINTS
                if name != "health"
            },
            "wrk": f"wrk -t1 -c{CONNECTIONS} -d{ROUND_S}s --latency",
            "rounds": ROUNDS,
            "round_s": ROUND_S,
            "warmup_s": WARMUP_S,
        }
        if args.profile or result["ratio_list"] < 0.30:
            result["profile"] = _profile(env, Path(env["BENCH_WORK"]))
        write_result(args.out, result)


if __name__ == "__main__":
    main()
