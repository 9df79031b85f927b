"""Figure 10: time to serve the register page (and one activity's page) of a 1,000-activity entity."""

from __future__ import annotations

import asyncio
import http.client
import json
import pstats
import re
import statistics
import time
from pathlib import Path
from typing import Any

from bench.common import (
    CpuMeter,
    args_for,
    cloned_register,
    format_stats,
    migrate,
    percentile,
    throwaway,
    write_result,
)
from bench.list_health import _free_port, _load, _start, _stop

ACTIVITIES = 1000
WARMUP = 30
SAMPLES = 300
PROFILE_SAMPLES = 60


class Client:
    """One keep-alive HTTP/1.1 connection, as a browser holds it; each request timed on the client."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> tuple[float, int, bytes]:
        started = time.perf_counter()
        self.connection.request("GET", path, headers={"accept": "text/html", "accept-language": "en"})
        response = self.connection.getresponse()
        body = response.read()
        return time.perf_counter() - started, response.status, body

    def json(self, path: str) -> Any:
        _, status, body = self.get(path)
        assert status == 200, (path, status, body[:300])
        return json.loads(body)

    def close(self) -> None:
        self.connection.close()


def _measure(client: Client, path: str, samples: int = SAMPLES) -> dict[str, Any]:
    for _ in range(WARMUP):
        client.get(path)
    times, sizes = [], set()
    for _ in range(samples):
        seconds, status, body = client.get(path)
        assert status == 200, (path, status, body[:300])
        times.append(seconds * 1000)
        sizes.add(len(body))
    return {
        "samples": samples,
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "p99_ms": percentile(times, 99),
        "mean_ms": statistics.fmean(times),
        "max_ms": max(times),
        "body_bytes": max(sizes),
    }


def _paths(client: Client) -> dict[str, str]:
    entity = client.json("/api/entities?limit=10")["items"][0]["id"]
    first = client.json(f"/api/activities?entity={entity}&limit=1")["items"][0]["id"]
    return {
        "health": "/health",
        "register": f"/entities/{entity}",
        "activity": f"/entities/{entity}/activities/{first}",
    }


def _profile(env: dict[str, str], path: str, work: Path) -> str:
    port = _free_port()
    target = work / "web.prof"
    process = _start(port, env, profile_to=target)
    client = Client(port)
    try:
        for _ in range(PROFILE_SAMPLES):
            client.get(path)
    finally:
        client.close()
        _stop(process)
    stats = pstats.Stats(str(target))
    return (
        f"server process under cProfile, {PROFILE_SAMPLES} sequential requests of `{path}`; the profiler "
        "slows it down\n\n-- by own time --\n"
        + format_stats(stats, 25, "tottime")
        + "\n\n-- by cumulative time --\n"
        + format_stats(stats, 35, "cumulative")
    )


def main() -> None:
    args = args_for(__doc__ or "")
    with throwaway(args.engine, "web") as env:
        migrate(env)
        counts = asyncio.run(_load(cloned_register(ACTIVITIES)))
        port = _free_port()
        process = _start(port, {**env, "ROPA_AUTH": "off"})
        client = Client(port)
        try:
            paths = _paths(client)
            _, _, page = client.get(paths["register"])
            rows = len(re.findall(rb'/activities/[0-9a-f-]{36}"', page))
            assert rows == 100, f"the register page shows {rows} activities, not the first 100"
            pages: dict[str, Any] = {}
            for name in ("health", "register", "activity"):
                with CpuMeter(process.pid) as cpu:
                    pages[name] = _measure(client, paths[name])
                pages[name]["cpu"] = cpu.as_dict()
        finally:
            client.close()
            _stop(process)
        result: dict[str, Any] = {
            "figure": "web",
            "engine": args.engine,
            "activities": counts["activities"],
            "rows": rows,
            "pages": pages,
            "method": f"{WARMUP} warm-up then {SAMPLES} sequential requests per page",
        }
        if args.profile:
            result["profile"] = _profile(
                {**env, "ROPA_AUTH": "off"}, paths["register"], Path(env["BENCH_WORK"])
            )
        write_result(args.out, result)


if __name__ == "__main__":
    main()
