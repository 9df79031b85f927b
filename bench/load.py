"""Figure 11: many concurrent clients mixing reads, writes, exports and audit queries against a real
server for a bounded time; then the checks: no 5xx, every acknowledged write stored once with its
audit event, and the log verifies. Throughput and p50/p95/p99 latency per kind of request.

Run by `make bench` (figure `load`), or alone against a throwaway database:
`.venv/bin/python -m bench.load --engine sqlite --out /tmp/load.json [--seconds 30 --clients 16]`.
`make soak` runs it longer (`--seconds 600`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.common import CpuMeter, args_for, migrate, percentile, ropa, throwaway, write_result
from bench.list_health import _free_port, _start, _stop

SECONDS = 30
CLIENTS = 16
SEED = 20261203

# kind -> weight: a compliance office's day, with internal audit querying the log
MIX = {
    "list_activities": 28,
    "read_activity": 18,
    "list_processors": 8,
    "findings": 3,
    "create_processor": 14,
    "update_processor": 10,
    "audit_events": 10,
    "audit_checkpoint": 4,
    "audit_proof": 2,
}
WRITES = ("create_processor", "update_processor")
# One more client is a regulator's export: PDF and Excel in turn, a pause between them. Exports are
# rare and heavy (seconds of CPU each); in the weighted mix they would be all the load measures.
EXPORTS = ("export_pdf", "export_xlsx")
EXPORT_PAUSE_S = 5.0


@dataclass
class Ledger:
    """What the server acknowledged, and how every request went."""

    created: dict[str, str] = field(default_factory=dict)  # id -> key
    updated: list[tuple[str, int]] = field(default_factory=list)  # (id, version) acknowledged
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter[str] = field(default_factory=Counter)  # transport errors by type
    server_errors: list[str] = field(default_factory=list)  # the first few 5xx answers


class Target:
    """The demo register's ids, read once before the load starts."""

    def __init__(self, http: httpx.Client) -> None:
        entities = http.get("/api/entities?limit=10").json()["items"]
        self.entities = [(e["id"], e["key"]) for e in entities]
        self.activities = [
            a["id"] for e, _ in self.entities for a in http.get(f"/api/activities?entity={e}").json()["items"]
        ]
        assert self.entities and self.activities, "the demo register is loaded"


async def _request(
    http: httpx.AsyncClient, ledger: Ledger, kind: str, method: str, path: str, body: Any = None
) -> httpx.Response | None:
    """One timed request, its status counted; None when no answer came."""
    started = time.perf_counter()
    try:
        response = await http.request(method, path, json=body)
    except httpx.HTTPError as exc:
        ledger.errors[type(exc).__name__] += 1
        return None
    ledger.latencies[kind].append((time.perf_counter() - started) * 1000)
    ledger.statuses[kind][response.status_code] += 1
    if response.status_code >= 500 and len(ledger.server_errors) < 5:
        ledger.server_errors.append(f"{method} {path}: {response.status_code} {response.text[:300]}")
    return response


async def _exporter(http: httpx.AsyncClient, target: Target, ledger: Ledger, until: float) -> None:
    turn = 0
    while time.monotonic() < until:
        kind = EXPORTS[turn % len(EXPORTS)]
        entity, _ = target.entities[turn // len(EXPORTS) % len(target.entities)]
        suffix = kind.removeprefix("export_")
        await _request(http, ledger, kind, "GET", f"/api/entities/{entity}/export.{suffix}")
        turn += 1
        await asyncio.sleep(min(EXPORT_PAUSE_S, max(0.0, until - time.monotonic())))


async def _client(n: int, http: httpx.AsyncClient, target: Target, ledger: Ledger, until: float) -> None:
    rng = random.Random(SEED + n)
    kinds, weights = list(MIX), list(MIX.values())
    mine: list[tuple[str, str, int]] = []  # (id, key, version) of this client's processors
    count = 0
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        if kind == "update_processor" and not mine:
            kind = "create_processor"
        entity, entity_key = rng.choice(target.entities)
        method, path, body = "GET", "", None
        if kind == "list_activities":
            path = f"/api/activities?entity={entity}&limit=50"
        elif kind == "read_activity":
            path = f"/api/activities/{rng.choice(target.activities)}"
        elif kind == "list_processors":
            path = f"/api/processors?entity={entity}&limit=50"
        elif kind == "findings":
            path = f"/api/findings?entity={entity}"
        elif kind == "create_processor":
            count += 1
            key = f"LOAD-{n}-{count}"
            method, path = "POST", "/api/processors"
            body = {"entity": entity_key, "key": key, "name": f"Load test processor {n}/{count}"}
        elif kind == "update_processor":
            index = rng.randrange(len(mine))
            record, key, version = mine[index]
            method, path = "PUT", f"/api/processors/{record}"
            body = {"key": key, "name": f"{key} v{version + 1}", "version": version}
        elif kind == "audit_events":
            path = f"/api/audit/events?limit=50&entity={entity}"
        elif kind == "audit_checkpoint":
            path = "/api/audit/checkpoints/latest"
        elif kind == "audit_proof":
            path = "/api/audit/proofs/inclusion?seq=0"
        response = await _request(http, ledger, kind, method, path, body)
        if response is None:
            continue
        if kind == "create_processor" and response.status_code == 201:
            made = response.json()
            ledger.created[made["id"]] = made["key"]
            mine.append((made["id"], made["key"], made["version"]))
        elif kind == "update_processor" and response.status_code == 200:
            version = response.json()["version"]
            ledger.updated.append((record, version))
            mine[index] = (record, key, version)


async def _drive(base: str, target: Target, clients: int, seconds: float) -> tuple[Ledger, float]:
    ledger = Ledger()
    limits = httpx.Limits(max_connections=clients + 1, max_keepalive_connections=clients + 1)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(
            _exporter(http, target, ledger, until),
            *(_client(n, http, target, ledger, until) for n in range(clients)),
        )
        return ledger, time.monotonic() - started


async def _stored() -> tuple[dict[str, tuple[str, int]], Counter[tuple[str, int]], int, int]:
    """The processors in the register, their audit events by (id, version), events and leaves."""
    from audit.tables import AuditEvent
    from ropa import db

    await db.open_pool()
    try:
        rows = await AuditEvent.raw("SELECT id, key, version FROM processor").run()
        events = await AuditEvent.raw(
            "SELECT entity_id, entity_version FROM audit_event WHERE entity_type = 'processor'"
        ).run()
        total = await AuditEvent.raw("SELECT COUNT(*) AS n FROM audit_event").run()
        leaves = await AuditEvent.raw("SELECT COUNT(*) AS n FROM audit_leaf").run()
    finally:
        await db.close_pool()
    stored = {str(r["id"]): (r["key"], int(r["version"])) for r in rows}
    audited = Counter((str(e["entity_id"]), int(e["entity_version"])) for e in events)
    return stored, audited, int(total[0]["n"]), int(leaves[0]["n"])


def check(ledger: Ledger, stored: dict[str, tuple[str, int]], audited: Counter[tuple[str, int]]) -> list[str]:
    """Every acknowledged write is in the register once and in the log once; no change without its event."""
    problems = [f"{n} × {error} (no answer)" for error, n in ledger.errors.items()]
    for kind, statuses in ledger.statuses.items():
        for status, count in statuses.items():
            if status >= 500:
                problems.append(f"{count} × {status} on {kind}")
    keys = Counter(key for key, _ in stored.values())
    problems += [f"processor {key} stored {n} times" for key, n in keys.items() if n > 1]
    for record, key in ledger.created.items():
        if stored.get(record, ("", 0))[0] != key:
            problems.append(f"acknowledged create {key} ({record}) is not in the register")
        elif audited[(record, 1)] != 1:
            problems.append(f"acknowledged create {key} has {audited[(record, 1)]} audit events")
    for record, version in ledger.updated:
        if stored.get(record, ("", 0))[1] < version:
            problems.append(f"acknowledged update {record} v{version} is not in the register")
        if (found := audited[(record, version)]) != 1:
            problems.append(f"acknowledged update {record} v{version} has {found} audit events")
    for record, (_, version) in stored.items():
        missing = [v for v in range(1, version + 1) if audited[(record, v)] != 1]
        if missing:
            problems.append(f"processor {record}: versions {missing} lack exactly one audit event")
    return problems


def _summary(ledger: Ledger, seconds: float) -> dict[str, Any]:
    """Per kind, and over the mixed clients' requests (the exports are reported on their own)."""
    kinds: dict[str, Any] = {}
    for kind in (*MIX, *EXPORTS):
        times = ledger.latencies.get(kind, [])
        if times:
            kinds[kind] = {
                "requests": len(times),
                "per_s": len(times) / seconds,
                "p50_ms": percentile(times, 50),
                "p95_ms": percentile(times, 95),
                "p99_ms": percentile(times, 99),
                "statuses": {str(s): n for s, n in sorted(ledger.statuses[kind].items())},
            }
    mixed = [t for kind in MIX for t in ledger.latencies.get(kind, [])]
    writes = [t for kind in WRITES for t in ledger.latencies.get(kind, [])]
    reads = [t for kind in MIX if kind not in WRITES for t in ledger.latencies.get(kind, [])]
    return {
        "requests": len(mixed),
        "per_s": len(mixed) / seconds,
        "p50_ms": percentile(mixed, 50),
        "p95_ms": percentile(mixed, 95),
        "p99_ms": percentile(mixed, 99),
        "writes_per_s": len(writes) / seconds,
        "write_p99_ms": percentile(writes, 99) if writes else None,
        "read_p99_ms": percentile(reads, 99) if reads else None,
        "kinds": kinds,
    }


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=SECONDS, help="how long the clients run")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent clients")


def main() -> None:
    args = args_for(__doc__ or "", _options)
    with throwaway(args.engine, "load") as env:
        migrate(env)
        seeded = ropa(env, "seed", "--demo")
        assert seeded.returncode == 0, seeded.stderr
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        # The production set-up: access control on would only add figure 9's cost; the background
        # integrator runs, as it does in production, so appends and checkpoints happen under load.
        process = _start(port, env, integrator=True)
        try:
            with httpx.Client(base_url=base, timeout=30) as http:
                target = Target(http)
            load_before = os.getloadavg()[0]
            client_started = time.process_time()  # the load client's own processor time
            with CpuMeter(process.pid) as cpu:
                ledger, seconds = asyncio.run(_drive(base, target, args.clients, args.seconds))
            client_cores = (time.process_time() - client_started) / seconds
            load_after = os.getloadavg()[0]
        finally:
            _stop(process)
        integrated = ropa(env, "audit", "integrate")
        verified = ropa(env, "audit", "verify")
        stored, audited, events, leaves = asyncio.run(_stored())
        problems = check(ledger, stored, audited)
        if integrated.returncode:
            problems.append(f"ropa audit integrate failed: {integrated.stderr.strip()[-500:]}")
        if verified.returncode:
            problems.append(f"ropa audit verify failed: {(verified.stdout + verified.stderr).strip()[-500:]}")
        if leaves != events:
            problems.append(f"{events} audit events but {leaves} integrated leaves")
        result: dict[str, Any] = {
            "figure": "load",
            "engine": args.engine,
            "clients": args.clients,
            "seconds": seconds,
            "mix": MIX,
            "export_pause_s": EXPORT_PAUSE_S,
            "load": _summary(ledger, seconds),
            "transport_errors": dict(ledger.errors),
            "server_errors": ledger.server_errors,
            "acknowledged": {"creates": len(ledger.created), "updates": len(ledger.updated)},
            "events": events,
            "verify": verified.stdout.strip().splitlines()[-1:] if verified.stdout else [],
            "problems": problems,
            "cpu": cpu.as_dict(),
            "client_cores": client_cores,
            "load_average": [load_before, load_after],  # 1 min, of the machine: other jobs share it
        }
        write_result(args.out, result)
        if problems:
            print("\n".join(problems[:50]), file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
