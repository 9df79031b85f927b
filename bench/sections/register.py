"""Figures 1-3: the register list, bulk import, audited writes."""

from __future__ import annotations

from typing import Any

from bench.markdown import ENGINE_NAMES, cells, first, met, n, ok, pct, table
from bench.sections.base import Runs, Section, profiles, wrk_row


def list_health(runs: Runs) -> Section:
    rows = []
    for engine, r in ok(runs).items():
        health = r["runs"]["health"]["rps"]
        for name, label in (
            ("health", "`GET /health`"),
            ("list", "`GET /api/activities?limit=50`"),
            ("reference", "reference: the list's bytes from a handler that does nothing"),
            ("list_full", "`GET /api/activities?limit=50&view=full`"),
        ):
            run = r["runs"][name]
            rows.append(wrk_row(engine, label, run, r["body_bytes"][name], run["rps"] / health))
    head = ["Engine", "Request", "req/s", "p50 ms", "p99 ms", "body B", "vs /health"]
    head += ["CPU cores: server / PostgreSQL / machine", "non-2xx"]
    verdict = cells(runs, lambda r: f"{pct(r['ratio_list'])}: {met(r['ratio_list'] >= 0.30)}")
    spread = [
        f"{ENGINE_NAMES[e]} {pct(min(r['round_ratios']['list']))} to {pct(max(r['round_ratios']['list']))}"
        for e, r in ok(runs).items()
    ]

    def cpu_us(run: dict[str, Any], key: str = "process_cores") -> float:
        return float(run["cpu"][key]) / run["rps"] * 1e6

    per_request = []
    for e, r in ok(runs).items():
        health, listed = r["runs"]["health"], r["runs"]["list"]
        line = (
            f"{ENGINE_NAMES[e]} {n(cpu_us(health))} µs for `/health`, {n(cpu_us(listed))} µs for the list "
            f"({pct(cpu_us(health) / cpu_us(listed))})"
        )
        if e == "postgres":
            line += f", and PostgreSQL {n(cpu_us(listed, 'postgres_cores'))} µs per list request"
        per_request.append(line)
    text = (
        "A register of 1,000 activities (the demo's first activity cloned under new keys, imported "
        "through `import_register`) in a freshly migrated database; one server process running what "
        "`python -m ropa serve` runs (its app, 1 uvicorn worker with uvloop and httptools, no access log; "
        "`ROPA_RUN_INTEGRATOR=0`, `ROPA_LOG_LEVEL=WARNING`) plus one reference route, "
        "`GET /bench/list-bytes?limit=50`: the list's parameters and access rule, answering the bytes "
        "of the list's first page as read once, so what serving that page costs without its query and "
        f"encoding. `{first(runs, 'wrk')}` on 127.0.0.1 after a {first(runs, 'warmup_s')} s warm-up per "
        f"endpoint, then {first(runs, 'rounds')} rounds in which every endpoint has its "
        f"{first(runs, 'round_s')} s in turn, so that the machine's drifting load falls on all of them "
        "alike; req/s are the rounds' requests over their time, p50 and p99 the median of the rounds'. "
        "wrk, the server and PostgreSQL share the 2 cores.\n\n"
        "The list reads its page with SQL built once per kind, engine and set of filters "
        "(`ropa/records/queries.py`; asyncpg keeps it prepared on each pooled connection, SQLite runs it "
        "on a pooled reader), in key order from the `(key, id)` index, and encodes the rows straight "
        "to the response's bytes with msgspec.\n\n"
        + table(head, rows)
        + "\n\n**Target** (issue): the summary list (the default view) at ≥ 30 % of the requests/s of "
        "`/health`, on both engines; a prototype got 2.7 % on SQLite and 14 % on PostgreSQL. The full "
        f"view has no target. **Result:** SQLite {verdict[0]}; PostgreSQL {verdict[1]}. The list's "
        f"ratio in single rounds: {'; '.join(spread)}. CPU time of the server process per request, "
        "which bounds the ratio where the server's core is the bottleneck (a quiet machine): "
        f"{'; '.join(per_request)}.\n" + profiles(runs, "server under wrk on the list endpoint")
    )
    return text, [["1. List / health req/s", "≥ 30 %", *verdict]]


def bulk_import(runs: Runs) -> Section:
    rows = [
        [
            ENGINE_NAMES[engine],
            n(r["counts"]["activities"]),
            n(sum(r["counts"].values())),
            n(r["seconds"], 1),
            n(r["activities_per_s"]),
            n(r["audit_events"]),
        ]
        for engine, r in ok(runs).items()
    ]
    text = (
        "10,000 activities (plus the entity, its 4 processors, 4 recipients, 3 transfers and 3 retention "
        "rules they refer to) imported into an empty migrated database by `import_register`: one "
        "transaction, every record validated and audited.\n\n"
        + table(["Engine", "activities", "records", "seconds", "activities/s", "audit events"], rows)
        + "\n\n**Target:** none was set for this figure; it is reported for reference.\n"
        + profiles(runs, "import")
    )
    return text, [["2. Import, activities/s", "none", *cells(runs, lambda r: n(r["activities_per_s"]))]]


def audited_writes(runs: Runs) -> Section:
    rows = []
    for engine, r in ok(runs).items():
        for label in ("audited", "unaudited"):
            m = r[label]
            rows.append(
                [ENGINE_NAMES[engine], label, n(m["calls"]), n(m["writes_per_s"])]
                + [n(m["p50_ms"], 2), n(m["p95_ms"], 2), n(m["cpu_ms"], 2) if "cpu_ms" in m else ""]
            )
        rows.append(
            [ENGINE_NAMES[engine], "**audited / unaudited**", "", f"**{r['ratio']:.2f}**", "", "", ""]
        )
    verdict = cells(runs, lambda r: f"{r['ratio']:.2f}: {met(r['ratio'] >= 0.5)}")
    g4 = cells(runs, _g4_cell)
    text = (
        f"{n(first(runs, 'per_mode') or 0)} `services.update` calls on the activities of a 100-activity "
        "register, and as many with `audit.log.record` replaced by a no-op (the service has no switch "
        "that turns auditing off), in one process, in "
        f"alternating blocks of {first(runs, 'block')} after 50 warm-up calls, so that drifting machine "
        "load hits both modes alike. Each call is a whole service write committed on its own: read, "
        "lock, validate, UPDATE and, when on, the audit INSERT (SQLite `synchronous=FULL`, the service "
        "default). CPU ms is the process's CPU time (all threads) per call.\n\n"
        + table(["Engine", "mode", "calls", "writes/s", "p50 ms", "p95 ms", "CPU ms"], rows)
        + f"\n\n**Target:** audited ≥ 0.5 × unaudited writes/s. **Result:** SQLite {verdict[0]}; "
        f"PostgreSQL {verdict[1]}.\n\nFor reference, audit-log.md G4 asks SQLite for ≥ 2,000 audited "
        f"register writes/s with `synchronous=FULL`: measured {g4[0]}.\n"
        + _write_bounds(runs)
        + profiles(runs, "audited services.update")
    )
    return text, [
        ["3. Audited / unaudited writes/s", "≥ 0.5", *verdict],
        ["3b. G4 (reference): audited writes/s, SQLite", "≥ 2,000", g4[0], "—"],
    ]


def _g4_cell(r: dict[str, Any]) -> str:
    rate = r["audited"]["writes_per_s"]
    ceiling = r.get("ceiling", {}).get("FULL")
    cpu = r["audited"].get("cpu_ms")
    bounds = []
    if cpu:
        bounds.append(f"CPU: ≤ {n(1000 / cpu)}/s a core")
    if ceiling:
        bounds.append(f"disk: ≤ {n(ceiling['commits_per_s'])} COMMIT/s")
    if floor := r.get("schema_floor"):
        bounds.append(f"raw sqlite3 on ropa's schema: ≤ {n(floor['schema']['writes_per_s'])}/s")
    return f"{n(rate)}/s" + (f" ({'; '.join(bounds)})" if bounds else "") + f": {met(rate >= 2000)}"


def _write_bounds(runs: Runs) -> str:
    """What the disk and the process allow: the raw sqlite3 ceiling, NORMAL, concurrent writers."""
    rows = []
    for engine, r in ok(runs).items():
        name = ENGINE_NAMES[engine]
        for mode, c in r.get("ceiling", {}).items():
            note = "the ceiling of one COMMIT per write" if mode == "FULL" else "reference only: not durable"
            rows.append(
                [name, f"raw sqlite3: BEGIN IMMEDIATE; 2 INSERTs; COMMIT (`synchronous={mode}`)"]
                + [n(c["commits"]), n(c["commits_per_s"]), n(c["p50_ms"], 2), n(c["p95_ms"], 2), "", note]
            )
        if m := r.get("schema_floor"):
            rows.append(
                [name, "raw sqlite3 on ropa's schema: BEGIN IMMEDIATE; read; UPDATE; the event; COMMIT"]
                + [f"{m['rounds']} × {n(m['writes'])}", n(m["schema"]["writes_per_s"]), "", ""]
                + [n(m["schema"]["cpu_ms"], 3), "no event loop, no ORM (best round): the floor"]
            )
            rows.append(
                [name, f"the same, the audit log's {m['dropped_indexes']} query indexes dropped"]
                + [f"{m['rounds']} × {n(m['writes'])}", n(m["no_event_indexes"]["writes_per_s"]), "", ""]
                + [
                    n(m["no_event_indexes"]["cpu_ms"], 3),
                    "reference only: history and page queries need them",
                ]
            )
        if m := r.get("transaction"):
            rows.append(
                [
                    name,
                    "ropa's write transaction: read, UPDATE (fixed SQL), `audit.log.record`; no validation",
                ]
                + [
                    n(m["writes"]),
                    n(m["writes_per_s"]),
                    "",
                    "",
                    n(m["cpu_ms"], 3),
                    "the service's write less its own work",
                ]
            )
        if m := r.get("event"):
            rows.append(
                [name, "the audit event's canonical JSON and SHA-256 (`audit.log.event_values`)"]
                + [n(m["calls"]), "", "", "", n(m["cpu_ms"], 3), "CPU only, no database"]
            )
        if "normal" in r:
            m = r["normal"]
            rows.append(
                [name, "audited `services.update`, one at a time, `synchronous=NORMAL`"]
                + [n(m["calls"]), n(m["writes_per_s"]), "", "", "", "reference only: not durable"]
            )
        for mode, m in r.get("concurrent", {}).items():
            per_commit = m.get("writes_per_commit")
            note = f"{per_commit:.1f} writes per COMMIT" if per_commit else "a connection each (pool of 10)"
            rows.append(
                [name, f"audited `services.update`, {m['writers']} writers at once, {mode}"]
                + [n(m["calls"]), n(m["writes_per_s"]), n(m["p50_ms"], 1), n(m["p95_ms"], 1)]
                + [n(m["cpu_ms"], 2), note]
            )
    if not rows:
        return ""
    sqlite = ok(runs).get("sqlite", {})
    load = first(runs, "load_average")
    cpu = sqlite.get("audited", {}).get("cpu_ms")
    ceiling = sqlite.get("ceiling", {}).get("FULL", {}).get("commits_per_s")
    head = ["Engine", "what", "calls", "writes/s", "p50 ms", "p95 ms", "CPU ms", "note"]
    reading = ""
    modes = sqlite.get("concurrent", {})
    grouping = ""
    if "grouped" in modes and "one COMMIT per write" in modes:
        grouped, single = modes["grouped"]["writes_per_s"], modes["one COMMIT per write"]["writes_per_s"]
        shared = modes["grouped"]["writes_per_commit"] or 0
        grouping = (
            f" In this run 32 writers got {n(grouped)}/s grouped ({shared:.1f} "
            f"writes per COMMIT) and {n(single)}/s with one COMMIT per write ({grouped / single:.2f}×): "
            + (
                "grouping paid off."
                if grouped > 1.1 * single
                else "no gain from grouping here, where an fsync costs little next to a write's CPU."
            )
        )
    schema = sqlite.get("schema_floor", {}).get("schema", {}).get("writes_per_s")
    if cpu and ceiling:
        cpu_bound = 1000 / cpu
        if schema and schema < 2000:
            needed = "more than a leaner service: even with none of its code, ropa's schema on this disk "
            needed += "stays under it (the floor below)"
        elif cpu_bound < 2000 and ceiling < 2000:
            needed = "a faster disk (or `synchronous=NORMAL`, which gives up durability) and a fraction of "
            needed += "the service's CPU per write"
        elif cpu_bound < 2000:
            needed = "a fraction of the service's CPU per write, not a faster disk"
        else:
            needed = "a faster disk, or more writers at once to share each COMMIT"
        reading = (
            f"\n\nTwo bounds. With `synchronous=FULL` every COMMIT waits for an fsync of the WAL, so one "
            f"COMMIT per write cannot pass {n(ceiling)}/s on this disk (in this run; a shared virtual "
            f"disk varies), whatever the code around it. And each audited write costs the process "
            f"{n(cpu, 2)} ms of CPU, so at most {n(cpu_bound)}/s on a whole core; the profile below shows "
            "where (validation, Piccolo building its queries, JSON, the audit event). Concurrent writers "
            "on SQLite take turns on one writer connection, and those that queue while one runs are "
            "committed together (a SAVEPOINT each, every one acknowledged after the shared COMMIT): that "
            f"can lift only the disk's bound, not the CPU's.{grouping} 2,000/s here would need {needed}."
        )
    if floor := sqlite.get("schema_floor"):
        best, bare = floor["schema"], floor["no_event_indexes"]
        reading += (
            "\n\n**A floor under any audited write here.** The least an audited update is, on ropa's own "
            "tables, indexes and triggers (a copy of this run's database): BEGIN IMMEDIATE; read the record, "
            "the event's *before*; UPDATE it; the event's canonical JSON and SHA-256 "
            f"({n(sqlite['event']['cpu_ms'], 3)} ms of CPU alone); INSERT the event; COMMIT. Run with raw "
            "sqlite3, no event loop, no ORM, no validation, `synchronous=FULL`, one at a time, it made "
            f"{n(best['writes_per_s'])}/s in its best round. That is the disk's fsync and the pages one "
            "audited write touches (the record, the event and their indexes); dropped, the audit log's "
            f"{floor['dropped_indexes']} query indexes (what keeps history and page queries under 10 ms, "
            f"figure 6) would give {n(bare['writes_per_s'])}/s. "
            + (
                "So 2,000 durable audited writes a second, one at a time, are not reachable on this "
                "machine with this schema, whatever the code around them."
                if best["writes_per_s"] < 2000
                else "The disk and the schema allow 2,000/s; the code around them does not, yet."
            )
        )
        if m := sqlite.get("transaction"):
            reading += (
                f" Through ropa's own write transaction (the writer connection and its group commit, "
                f"Piccolo's transaction), with the same two statements and the real event, a write "
                f"made {n(m['writes_per_s'])}/s at {n(m['cpu_ms'], 3)} ms of CPU: "
                + (
                    "ropa's transaction layer costs about as much again as the floor, and the service's "
                    "validation and queries the rest."
                    if m["writes_per_s"] < 2000
                    else "the transaction layer allows 2,000/s; the service's validation and queries do not."
                )
            )
    return (
        "\nWhat bounds it: the disk, measured without ropa, and concurrent writers in one process "
        + (f"(load average, 1 min, before / after: {load[0]:.2f} / {load[1]:.2f} on 2 cores)" if load else "")
        + ".\n\n"
        + table(head, rows)
        + reading
        + "\n"
    )
