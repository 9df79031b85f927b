"""Figures 4-6: integrated appends, the verifier, audit query latency."""

from __future__ import annotations

from typing import Any

from bench.markdown import ENGINE_NAMES, cells, met, n, ok, table
from bench.sections.base import Runs, Section, cores, profiles

LOOP_NAMES = {"uvloop": "uvloop (as `ropa serve`)", "asyncio": "asyncio"}


def _append_row(engine: str, label: str, run: dict[str, Any]) -> list[str]:
    """One row of figure 4's table: one run of the writers and the integrator."""
    lag = run.get("event_to_leaf", {})
    return [
        engine,
        label,
        n(run["committed_per_s"]),
        n(run["integrated_per_s"]),
        f"{n(run['lag_at_end_events'])} events ({n(run['drain_s'], 2)} s to drain)",
        f"{n(lag.get('p50_ms', 0))} / {n(lag.get('p99_ms', 0))}",
        cores(run["cpu"]),
        str(run["errors"]),
    ]


def appends(runs: Runs) -> Section:
    rows, bound_rows = [], []
    for engine, r in ok(runs).items():
        for loop, run in r.get("loops", {r.get("loop", "asyncio"): r}).items():
            rows.append(_append_row(ENGINE_NAMES[engine], LOOP_NAMES.get(loop, loop), run))
            if loop == r.get("loop") and (tx := r.get("in_transaction")):
                label = f"{LOOP_NAMES.get(loop, loop)}; reference: a write transaction per event"
                rows.append(_append_row(ENGINE_NAMES[engine], label, tx))
            bound = r.get("bound", {}).get(loop)
            if bound:
                share = run["integrated_per_s"] / bound["committed_per_s"]
                bound_rows.append(
                    [ENGINE_NAMES[engine], LOOP_NAMES.get(loop, loop), n(bound["committed_per_s"])]
                    + [cores(bound["cpu"]), f"{n(run['integrated_per_s'])} ({share * 100:.0f} %)"]
                )
    head = [
        "Engine",
        "writers' event loop",
        "events committed/s",
        "leaves integrated/s",
        "lag when the writers stop",
        "event→leaf p50 / p99 ms",
        "CPU cores: bench process / PostgreSQL / machine",
        "errors",
    ]
    bound_head = [
        "Engine",
        "event loop",
        "raw asyncpg commits/s (the ceiling)",
        "CPU cores: bench process / PostgreSQL / machine",
        "integrated/s above (share of the ceiling)",
    ]

    def ceiling(r: dict[str, Any]) -> str:
        bound = r.get("bound", {}).get(r.get("loop", ""))
        return f" (a COMMIT per event, raw asyncpg: {n(bound['committed_per_s'])}/s)" if bound else ""

    verdict = cells(
        runs, lambda r: f"{n(r['integrated_per_s'])}/s: {met(r['integrated_per_s'] >= 5000)}{ceiling(r)}"
    )
    verdict[0] = cells(runs, lambda r: f"{n(r['integrated_per_s'])}/s (reference)")[0]
    pg = runs.get("postgres", {})
    headline = pg.get("bound", {}).get(pg.get("loop", ""))
    if headline is None:
        reach = ""
    elif pg.get("integrated_per_s", 0) >= 5000:
        reach = (
            " A COMMIT per event, with raw asyncpg and nothing else, reached "
            f"{n(headline['committed_per_s'])}/s "
            "on this machine in this run: group commit, which shares one COMMIT (and its fsync) among the "
            "events that wait together, is what takes the service past it."
        )
    elif headline["committed_per_s"] < 5000:
        reach = (
            f" Even the raw asyncpg writers reached only {n(headline['committed_per_s'])}/s on this machine "
            "in this run, so 5,000/s cannot be met here, whatever the service does; the ceiling, not the "
            "target, is the measure of what is left to gain."
        )
    else:
        reach = (
            f" The raw asyncpg writers reached {n(headline['committed_per_s'])}/s on this machine in this "
            "run with a COMMIT per event; group commit is how the service gets past that."
        )
    text = (
        "64 asyncio tasks, each committing one audit event at a time with `audit.log.append`, the path of "
        "every event that records no change of its own (a read of the log, an export, a sign-in, a refusal): "
        "the events that wait while a commit is under way are committed together, one transaction and one "
        "multi-row INSERT per group, up to 4 groups at once on pooled connections, and each writer goes on "
        "only after its group's COMMIT (`audit/log.py`, group commit). One `Integrator` loops "
        "`integrate_once` as the server does (whole batches back to back, then 0.2 s); a 2 s warm-up, then "
        "a 15 s window. The writers run on uvloop, the loop `ropa serve` runs (uvicorn's default with "
        "`uvicorn[standard]`), then again on asyncio's own loop, on the same database. For reference, the "
        "same writers each commit their event in a write transaction of its own (`ropa.db.write_transaction` "
        "+ `audit.log.record`), as a register change commits with its event: what this figure measured "
        "until issue 18. Lag = events committed but not yet integrated when the writers stop. Event→leaf = "
        "`integrated_at − created_at` over every event of the run. SQLite is for reference.\n\n"
        + table(head, rows)
        + "\n\n**The ceiling of this machine** (PostgreSQL): the same 64 writers with raw asyncpg, one "
        "connection each and no pool, ORM, event building or integrator, each looping BEGIN; one INSERT of "
        "an `audit.log.event_values` row (built once per writer) into a copy of `audit_event` with its "
        "indexes; COMMIT. Same warm-up and window, same run, same loops: the ceiling of a COMMIT per event. "
        "A write transaction per event does the same three round trips and more work around them, so it "
        "should not exceed this; group commit shares one COMMIT among many events, so it can.\n\n"
        + (table(bound_head, bound_rows) if bound_rows else "_Not measured in this run._")
        + "\n\n**Target** (G1): ≥ 5,000 integrated appends/s on PostgreSQL. "
        + f"**Result:** {verdict[1]}.{reach}\n"
        + profiles(runs, "64 writers + integrator (uvloop)")
    )
    return text, [["4. Integrated appends/s, 64 writers", "≥ 5,000 (PostgreSQL)", *verdict]]


def _rest_ratio(b: dict[str, Any]) -> float:
    """The raw loop's time over verify's, less the inflate and SHA-256 of entries.jsonl."""
    raw_s, verify_s = b["entries"] / b["raw_sha256_per_s"], b["entries"] / b["verify_per_s"]
    return float(raw_s / (verify_s - b["floor_parts_s"]["unzip_sha"]))


def verifier(runs: Runs) -> Section:
    rows, db_rows, time_rows = [], [], []
    for engine, r in ok(runs).items():
        b, v, build = r["bundle"], r["verify_log"], r["build"]
        rows.append(
            [
                ENGINE_NAMES[engine],
                n(b["entries"]),
                f"{n(b['entries_mb'], 1)} MB ({n(b['bundle_mb'], 1)} MB zip)",
            ]
            + [n(b["verify_per_s"]), n(b["raw_sha256_per_s"]), f"**{b['ratio']:.3f}**"]
            + [
                f"{n(b['floor_per_s'])} ({b['floor_ratio']:.3f})",
                f"{b['cpu_ratio']:.3f} ({n(b['verify_cpu_s'], 2)} s)",
            ]
        )
        parts, ms = b["floor_parts_s"], 1e3 * b["entries"]
        time_rows.append(
            [ENGINE_NAMES[engine], n(ms / b["raw_sha256_per_s"]), n(1e3 * parts["inflate"])]
            + [n(1e3 * (parts["unzip_sha"] - parts["inflate"])), n(1e3 * parts["bodies"])]
            + [n(1e3 * parts["leaves"]), n(1e3 * parts["nodes"])]
            + [f"{n(ms / b['floor_per_s'])} ({b['floor_ratio']:.3f})", n(1e3 * b["slice_s"])]
            + [f"{n(ms / b['bound_per_s'])} ({b['bound_ratio']:.3f})"]
            + [f"{n(ms / b['verify_per_s'])} ({b['ratio']:.3f})"]
        )
        checked = "ok" if v["ok"] else "FAILED: " + v.get("error", "")
        db_rows.append(
            [ENGINE_NAMES[engine], n(build["insert_events_per_s"]), n(build["integrate_per_s"])]
            + [n(r["export_s"], 1), f"{n(v['entries_per_s'])} ({checked})"]
        )
    verdict = cells(
        runs,
        lambda r: (
            f"{r['bundle']['ratio']:.3f}: {met(r['bundle']['ratio'] >= 0.25)} "
            f"(in CPU time: {r['bundle']['cpu_ratio']:.3f}; hashing floor, one process: "
            f"{r['bundle']['floor_ratio']:.3f}; "
            f"floor + slicing the lines: {r['bundle']['bound_ratio']:.3f})"
        ),
    )
    bound = cells(runs, lambda r: f"{r['bundle']['bound_ratio']:.3f}")
    rest = cells(runs, lambda r: f"{_rest_ratio(r['bundle']):.3f}")
    bounded = [r["bundle"]["bound_ratio"] < 0.25 for r in ok(runs).values()]
    reach = (
        "So the target is out of reach for a verifier written in Python running in one process on this "
        "machine, whatever its per-line code."
        if bounded and all(bounded)
        else "In this run that bound is not below the target everywhere: the rest of the gap is `verify`'s "
        "checks."
    )
    g6 = cells(
        runs, lambda r: f"{n(r['bundle']['verify_per_s'])}/s: {met(r['bundle']['verify_per_s'] >= 1e5)}"
    )
    head = ["Log built on", "entries", "entries.jsonl", "verify entries/s", "raw sha256 lines/s", "ratio"]
    head += ["hashing floor, one process: entries/s (ratio)", "ratio in CPU time (verify CPU s, one thread)"]
    text = (
        "A real log: 100,000 audit events built by `audit.log.event_row`, bulk-inserted with `record_many`, "
        "integrated by `Integrator.integrate_all`, then a full bundle exported by "
        "`ropa.auditing.export.export_bundle`. `audit.verify_bundle.verify(path, key)` is timed against a "
        "loop of `hashlib.sha256(line).digest()` over the lines of the bundle's `entries.jsonl` (split "
        "beforehand), in the same process, interleaved, median of 5 each. `verify` runs in this one "
        "process and one thread (no worker process or thread), so the ratio compares one core's work "
        "with one core's.\n\n"
        + table(head, rows)
        + "\n\nThe hashing floor times only the hashlib and zlib work that any verifier of the bundle must "
        "do, on bytes sliced beforehand, in one process: decompress `entries.jsonl` (with its CRC) and "
        "SHA-256 it, SHA-256 each body and each 0x00‖leaf, and the N − 1 node hashes of the Merkle tree. "
        "No check, parse or bookkeeping is in it, so no verifier running in one process can reach a ratio "
        "above the floor's: what `verify` adds to it is finding the leaf, body, seq and body_sha256 in "
        "each line (`bytes.find`, slices) and comparing them. The machine is shared (the machine table "
        "gives the load average): memory-bound work (zlib, copies) slows more than the raw loop under "
        "load, so the floor's ratio, and `verify`'s, move with it; the ratio within one run is the "
        "comparison. The last column divides the raw loop's CPU time by `verify`'s (medians), the same "
        "ratio with the time this process waited for a CPU on the shared machine left out; both run in "
        "one thread, so it too compares one core with one core.\n\n"
        "Where the time goes: milliseconds for the whole log, each part timed alone in the same run "
        "(medians of 5), with the ratio to the raw loop in brackets. The hashing floor is made of the "
        "five parts before it (the inflate column is the floor's decompression without its SHA-256); "
        "each column is its own median, so the floor, the median of the runs' sums, is near their sum "
        "but not exactly it. "
        "The slicing column splits `entries.jsonl` into lines and copies each line's 0x00‖leaf and "
        "body out (two `find`s, two slices and a concatenation a line, no check); floor + slicing is "
        "therefore what a one-process verifier of this format pays before it checks anything.\n\n"
        + table(
            [
                "Log built on",
                "raw sha256 loop",
                "inflate + CRC-32",
                "SHA-256 of entries.jsonl",
                "SHA-256 of bodies",
                "SHA-256 of 0x00‖leaves",
                "node hashes",
                "hashing floor (ratio)",
                "split lines, slice leaf and body",
                "floor + slicing (ratio)",
                "verify (ratio)",
            ],
            time_rows,
        )
        + "\n\n**What bounds it.** Every entry costs three SHA-256 calls (body, 0x00‖leaf, node) against "
        "the raw loop's one, each paying OpenSSL's fixed cost of a new hash context, on top of inflating "
        "and hashing the whole member: that is the hashing floor. Splitting the member into lines and "
        "copying each line's leaf and body out, with no check yet, already takes a one-process verifier "
        f"to {bound[0]} (SQLite) and {bound[1]} (PostgreSQL) of the raw loop, below the 0.25 target "
        "before the checks that make `verify` a verifier (each line's seq, its leaf's seq and "
        f"body_sha256, the layout) and the folding of the tree. {reach} The profile agrees: "
        "`_leaf_hashes` (one loop over the lines: two `find`s, a `startswith`, an `rfind`, three slices, "
        "a concatenation and two hashes a line, no JSON parse and no call of ours) and the hashlib "
        "calls are the time. Rewriting that loop as `map` pipelines over whole chunks (`bytes.partition`, "
        "C-level slices and comparisons, no Python code per line), as memoryview slices of a bytearray, "
        "or with the leaf's end found by `memchr` measured no faster than the loop, within the noise of "
        "this shared machine: the cost is the hash contexts and the bytes copied and allocated, not the "
        "interpreter. A second thread (zlib and hashlib release the GIL on large buffers) could take the "
        "inflate and SHA-256 of the member off the wall clock, but the ratio would then compare two "
        "cores with one, and the rest of `verify` alone (its time less those two columns) would still "
        f"run at {rest[0]} (SQLite) and {rest[1]} (PostgreSQL) of the raw loop. `verify` stays in one "
        "thread, and the ratio compares one core with one core.\n\n"
        "Building the log, and checking it in the database with `audit.verify_db.verify_log`:\n\n"
        + table(
            ["Engine", "bulk insert events/s", "integrate leaves/s", "export s", "verify_log entries/s"],
            db_rows,
        )
        + f"\n\n**Target:** `verify` ≥ 0.25 × raw `hashlib.sha256` over the same bytes. **Result:** bundle "
        f"from SQLite {verdict[0]}; from PostgreSQL {verdict[1]}. For reference, G6 asks ≥ 100,000 "
        f"entries/s: {g6[0]} and {g6[1]}. No target was set for `verify_log`.\n"
        + profiles(runs, "audit.verify_bundle.verify", lambda r: r["bundle"].get("profile"))
    )
    return text, [
        ["5. Bundle verify / raw sha256", "≥ 0.25", *verdict],
        ["5b. G6 (reference): verify entries/s", "≥ 100,000", *g6],
    ]


def query(runs: Runs) -> Section:
    rows = []
    labels = {"history": "`history(entity_type, entity_id)`", "actor_month": "`page(actor, month)`"}
    for engine, r in ok(runs).items():
        for key, label in labels.items():
            q = r[key]
            rows.append(
                [ENGINE_NAMES[engine], label, n(q["samples"]), n(q["mean_rows"])]
                + [n(q["p50_ms"], 2), n(q["p95_ms"], 2), n(q["p99_ms"], 2)]
            )
    loads = "; ".join(
        f"{ENGINE_NAMES[e]}: {n(r['events'])} events loaded in {n(r['load_s'])} s, "
        f"{n(r['bytes_per_event'])} B/event including indexes"
        for e, r in ok(runs).items()
    )
    summary = [
        [f"6{'ab'[i]}. {label} p95", "≤ 10 ms"]
        + cells(runs, lambda r, k=key: f"{n(r[k]['p95_ms'], 2)} ms: {met(r[k]['p95_ms'] <= 10)}")
        for i, (key, label) in enumerate(labels.items())
    ]
    text = (
        "1,000,000 `audit_event` rows bulk-loaded by one SQL statement (PostgreSQL `generate_series`, "
        "SQLite a recursive CTE) into a migrated database with all its indexes and append-only triggers: "
        "500 actors, 20,000 records of 50 events each, `created_at` spread over 12 months, bodies of "
        "~250 B with real SHA-256 digests; then ANALYZE. Timed through `audit.query` on the service's "
        "engine (pool on PostgreSQL), 30 warm-up queries then 300 samples each: (a) `history` of a random "
        "record, (b) `page(EventFilter(actor_id, since=month start, until=month end), limit=1000)` for a "
        f"random actor and month. {loads}.\n\n"
        + table(["Engine", "query", "samples", "rows", "p50 ms", "p95 ms", "p99 ms"], rows)
        + "\n\n**Target:** p95 ≤ 10 ms for both queries on both engines. **Result:** "
        + "; ".join(f"{s[0][4:]}: SQLite {s[2]}, PostgreSQL {s[3]}" for s in summary)
        + ".\n"
        + profiles(runs, "queries")
    )
    return text, summary
