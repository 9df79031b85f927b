"""Figures 1-3: the register list, bulk import, audited writes."""

from __future__ import annotations

from bench.markdown import ENGINE_NAMES, cells, first, met, n, ok, pct, table
from bench.sections.base import Runs, Section, profiles, wrk_row


def list_health(runs: Runs) -> Section:
    rows = []
    for engine, r in ok(runs).items():
        health = r["runs"]["health"]["rps"]
        for name, label in (
            ("health", "`GET /health`"),
            ("list", "`GET /api/activities?limit=50`"),
            ("list_full", "`GET /api/activities?limit=50&view=full`"),
        ):
            run = r["runs"][name]
            rows.append(wrk_row(engine, label, run, r["body_bytes"][name], run["rps"] / health))
    head = ["Engine", "Request", "req/s", "p50 ms", "p99 ms", "body B", "vs /health"]
    head += ["CPU cores: server / PostgreSQL / machine", "non-2xx"]
    verdict = cells(runs, lambda r: f"{pct(r['ratio_list'])}: {met(r['ratio_list'] >= 0.30)}")
    text = (
        "A register of 1,000 activities (the demo's first activity cloned under new keys, imported "
        "through `import_register`) in a freshly migrated database; a real server "
        "`python -m ropa serve --port P` (1 uvicorn worker, `ROPA_RUN_INTEGRATOR=0`, "
        f"`ROPA_LOG_LEVEL=WARNING`); `{first(runs, 'wrk')}` on 127.0.0.1, one endpoint after the "
        "other. wrk, the server and PostgreSQL share the 2 cores.\n\n"
        + table(head, rows)
        + "\n\n**Target** (issue): the summary list (the default view) at ≥ 30 % of the requests/s of "
        "`/health`, on both engines; a prototype got 2.7 % on SQLite and 14 % on PostgreSQL. The full "
        f"view has no target. **Result:** SQLite {verdict[0]}; PostgreSQL {verdict[1]}.\n"
        + profiles(runs, "server under wrk on the list endpoint")
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
                + [n(m["p50_ms"], 2), n(m["p95_ms"], 2)]
            )
        rows.append([ENGINE_NAMES[engine], "**audited / unaudited**", "", f"**{r['ratio']:.2f}**", "", ""])
    verdict = cells(runs, lambda r: f"{r['ratio']:.2f}: {met(r['ratio'] >= 0.5)}")
    g4 = cells(
        runs, lambda r: f"{n(r['audited']['writes_per_s'])}/s: {met(r['audited']['writes_per_s'] >= 2000)}"
    )
    text = (
        f"{n(first(runs, 'per_mode') or 0)} `services.update` calls on the activities of a 100-activity "
        "register with `audit.log.ENABLED = True`, and as many with it `False`, in one process, in "
        f"alternating blocks of {first(runs, 'block')} after 50 warm-up calls, so that drifting machine "
        "load hits both modes alike. Each call is a whole service write committed on its own: read, "
        "lock, validate, UPDATE and, when on, the audit INSERT (SQLite `synchronous=FULL`, the service "
        "default).\n\n"
        + table(["Engine", "mode", "calls", "writes/s", "p50 ms", "p95 ms"], rows)
        + f"\n\n**Target:** audited ≥ 0.5 × unaudited writes/s. **Result:** SQLite {verdict[0]}; "
        f"PostgreSQL {verdict[1]}.\n\nFor reference, audit-log.md G4 asks SQLite for ≥ 2,000 audited "
        f"register writes/s with `synchronous=FULL`: measured {g4[0]}.\n"
        + profiles(runs, "audited services.update")
    )
    return text, [
        ["3. Audited / unaudited writes/s", "≥ 0.5", *verdict],
        ["3b. G4 (reference): audited writes/s, SQLite", "≥ 2,000", g4[0], "—"],
    ]
