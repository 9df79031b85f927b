"""Figure 10: time to serve the register page (and one activity's page) of a 1,000-activity entity, and
each step of the new-activity wizard (its page and its save) in that register (``bench/web_wizard.py``)."""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import pstats
import re
import time
from pathlib import Path
from typing import Any

from bench.common import (
    CpuMeter,
    args_for,
    cloned_register,
    format_stats,
    migrate,
    throwaway,
    write_result,
)
from bench.list_health import _free_port, _load, _start, _stop
from bench.web_wizard import measure as measure_wizard
from bench.web_wizard import summary

ACTIVITIES = 1000
WARMUP = 30
SAMPLES = 300
PROFILE_SAMPLES = 60
WIZARD_SAMPLES = 100  # per step and method; every save is an audited write
WIZARD_WARMUP = 10


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
    return summary(times, sizes)


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
    args = args_for(__doc__ or "", _options)
    samples, wizard_samples = args.samples or SAMPLES, args.samples or WIZARD_SAMPLES
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
                    pages[name] = _measure(client, paths[name], samples)
                pages[name]["cpu"] = cpu.as_dict()
            # After the pages: the wizard's saves add drafts to the register.
            entity = paths["register"].rsplit("/", 1)[1]
            with CpuMeter(process.pid) as cpu:
                wizard = measure_wizard(client, entity, wizard_samples, min(WIZARD_WARMUP, wizard_samples))
        finally:
            client.close()
            _stop(process)
        result: dict[str, Any] = {
            "figure": "web",
            "engine": args.engine,
            "activities": counts["activities"],
            "rows": rows,
            "pages": pages,
            "method": f"{WARMUP} warm-up then {samples} sequential requests per page",
            "wizard": wizard,
            "wizard_cpu": cpu.as_dict(),
            "wizard_method": f"{min(WIZARD_WARMUP, wizard_samples)} warm-up then {wizard_samples} "
            "sequential requests per step and method",
        }
        if args.profile:
            result["profile"] = _profile(
                {**env, "ROPA_AUTH": "off"}, paths["register"], Path(env["BENCH_WORK"])
            )
        write_result(args.out, result)


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", type=int, help="requests per page and wizard step (a smoke run: 3)")


if __name__ == "__main__":
    main()
