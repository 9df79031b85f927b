"""What every figure's renderer shares: the result and section types, CPU cells, wrk rows, profiles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.markdown import ENGINE_NAMES, n, ok, pct, profile

Runs = dict[str, dict[str, Any]]
Section = tuple[str, list[list[str]]]  # text, summary rows [figure, target, SQLite, PostgreSQL]


def profiles(runs: Runs, what: str, get: Callable[[dict[str, Any]], Any] = lambda r: r.get("profile")) -> str:
    return "".join(profile(f"Profile: {ENGINE_NAMES[e]}, {what}", get(r)) for e, r in ok(runs).items())


def cores(cpu: dict[str, float]) -> str:
    return f"{cpu['process_cores']:.2f} / {cpu['postgres_cores']:.2f} / {cpu['machine_cores']:.2f}"


def wrk_row(engine: str, label: str, run: dict[str, Any], body: int, ratio: float) -> list[str]:
    errors = str(run["non_2xx"]) + (f", socket: {run['socket_errors']}" if run["socket_errors"] else "")
    return [
        ENGINE_NAMES[engine],
        label,
        n(run["rps"]),
        n(run.get("p50_ms", 0), 2),
        n(run.get("p99_ms", 0), 2),
        n(body),
        pct(ratio),
        cores(run["cpu"]) if "cpu" in run else "",
        errors,
    ]
