"""One renderer per figure: the text, the table and the summary rows of docs/benchmarks.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.markdown import ENGINE_NAMES, cells, first, met, n, ok, pct, profile, table

Runs = dict[str, dict[str, Any]]
Section = tuple[str, list[list[str]]]  # text, summary rows [figure, target, SQLite, PostgreSQL]


def _profiles(
    runs: Runs, what: str, get: Callable[[dict[str, Any]], Any] = lambda r: r.get("profile")
) -> str:
    return "".join(profile(f"Profile: {ENGINE_NAMES[e]}, {what}", get(r)) for e, r in ok(runs).items())


def cores(cpu: dict[str, float]) -> str:
    return f"{cpu['process_cores']:.2f} / {cpu['postgres_cores']:.2f} / {cpu['machine_cores']:.2f}"


def _row(engine: str, label: str, run: dict[str, Any], body: int, ratio: float) -> list[str]:
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
            rows.append(_row(engine, label, run, r["body_bytes"][name], run["rps"] / health))
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
        + _profiles(runs, "server under wrk on the list endpoint")
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
        + _profiles(runs, "import")
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
        + _profiles(runs, "audited services.update")
    )
    return text, [
        ["3. Audited / unaudited writes/s", "≥ 0.5", *verdict],
        ["3b. G4 (reference): audited writes/s, SQLite", "≥ 2,000", g4[0], "—"],
    ]


def appends(runs: Runs) -> Section:
    rows = []
    for engine, r in ok(runs).items():
        lag, cpu = r.get("event_to_leaf", {}), r["cpu"]
        rows.append(
            [
                ENGINE_NAMES[engine],
                n(r["committed_per_s"]),
                n(r["integrated_per_s"]),
                f"{n(r['lag_at_end_events'])} events ({n(r['drain_s'], 2)} s to drain)",
                f"{n(lag.get('p50_ms', 0))} / {n(lag.get('p99_ms', 0))}",
                cores(cpu),
                str(r["errors"]),
            ]
        )
    head = [
        "Engine",
        "events committed/s",
        "leaves integrated/s",
        "lag when the writers stop",
        "event→leaf p50 / p99 ms",
        "CPU cores: bench process / PostgreSQL / machine",
        "errors",
    ]
    verdict = cells(runs, lambda r: f"{n(r['integrated_per_s'])}/s: {met(r['integrated_per_s'] >= 5000)}")
    verdict[0] = cells(runs, lambda r: f"{n(r['integrated_per_s'])}/s (reference)")[0]
    text = (
        "64 asyncio tasks, each committing one audit event per transaction (`ropa.db.write_transaction` + "
        "`audit.log.record`), on a pool with a connection per writer (PostgreSQL), while one `Integrator` "
        "loops `integrate_once` as the server does (whole batches back to back, then 0.2 s); a 2 s warm-up, "
        "then a 15 s window. Lag = events committed but not yet integrated when the writers stop. "
        "Event→leaf = `integrated_at − created_at` over every event of the run. SQLite is for reference.\n\n"
        + table(head, rows)
        + f"\n\n**Target** (G1): ≥ 5,000 integrated appends/s on PostgreSQL. **Result:** {verdict[1]}.\n"
        + _profiles(runs, "64 writers + integrator")
    )
    return text, [["4. Integrated appends/s, 64 writers", "≥ 5,000 (PostgreSQL)", *verdict]]


def verifier(runs: Runs) -> Section:
    rows, db_rows = [], []
    for engine, r in ok(runs).items():
        b, v, build = r["bundle"], r["verify_log"], r["build"]
        rows.append(
            [
                ENGINE_NAMES[engine],
                n(b["entries"]),
                f"{n(b['entries_mb'], 1)} MB ({n(b['bundle_mb'], 1)} MB zip)",
            ]
            + [n(b["verify_per_s"]), n(b["raw_sha256_per_s"]), f"**{b['ratio']:.3f}**"]
        )
        checked = "ok" if v["ok"] else "FAILED: " + v.get("error", "")
        db_rows.append(
            [ENGINE_NAMES[engine], n(build["insert_events_per_s"]), n(build["integrate_per_s"])]
            + [n(r["export_s"], 1), f"{n(v['entries_per_s'])} ({checked})"]
        )
    verdict = cells(runs, lambda r: f"{r['bundle']['ratio']:.3f}: {met(r['bundle']['ratio'] >= 0.25)}")
    g6 = cells(
        runs, lambda r: f"{n(r['bundle']['verify_per_s'])}/s: {met(r['bundle']['verify_per_s'] >= 1e5)}"
    )
    head = ["Log built on", "entries", "entries.jsonl", "verify entries/s", "raw sha256 lines/s", "ratio"]
    text = (
        "A real log: 100,000 audit events built by `audit.log.event_row`, bulk-inserted with `record_many`, "
        "integrated by `Integrator.integrate_all`, then a full bundle exported by "
        "`ropa.auditing.export.export_bundle`. `audit.verify_bundle.verify(path, key)` is timed against a "
        "loop of `hashlib.sha256(line).digest()` over the lines of the bundle's `entries.jsonl` (split "
        "beforehand), in the same process, interleaved, median of 3 each.\n\n"
        + table(head, rows)
        + "\n\nBuilding the log, and checking it in the database with `audit.verify_db.verify_log`:\n\n"
        + table(
            ["Engine", "bulk insert events/s", "integrate leaves/s", "export s", "verify_log entries/s"],
            db_rows,
        )
        + f"\n\n**Target:** `verify` ≥ 0.25 × raw `hashlib.sha256` over the same bytes. **Result:** bundle "
        f"from SQLite {verdict[0]}; from PostgreSQL {verdict[1]}. For reference, G6 asks ≥ 100,000 "
        f"entries/s: {g6[0]} and {g6[1]}. No target was set for `verify_log`.\n"
        + _profiles(runs, "audit.verify_bundle.verify", lambda r: r["bundle"].get("profile"))
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
        + _profiles(runs, "queries")
    )
    return text, summary


def findings(runs: Runs) -> Section:
    rows = [
        [ENGINE_NAMES[e], n(r["activities"]), n(r["findings"]), n(r["seconds"], 3), n(r["rules_seconds"], 3)]
        for e, r in ok(runs).items()
    ]
    text = (
        "A register of 1,000 activities (the demo's first activity cloned under new keys) in a freshly "
        "migrated database. `list_findings()` reads the register in one snapshot and runs every rule, as "
        "`GET /api/findings` does on each request; the median of 5 runs. The rules alone (over a snapshot "
        "already in memory) are timed apart.\n\n"
        + table(["Engine", "activities", "findings", "full evaluation s", "rules only s"], rows)
        + "\n\n**Target** (issue 5): full evaluation ≤ 1 s.\n"
        + _profiles(runs, "list_findings")
    )
    verdict = cells(runs, lambda r: f"{n(r['seconds'], 2)} s: {met(r['seconds'] <= 1.0)}")
    return text, [["7. Findings, 1,000 activities", "≤ 1 s", *verdict]]


def _stages(case: dict[str, Any]) -> str:
    """Where render() spent its time, from the export's own progress stages (medians)."""
    stages = case["export"]["stages"]
    if case["format"] == "pdf":
        names = {"html": "HTML", "layout": "layout", "write": "PDF write"}
        return " · ".join(f"{names.get(k, k)} {n(v, 2)}" for k, v in stages.items())
    sheets = {k.removeprefix("sheet "): v for k, v in stages.items() if k.startswith("sheet ")}
    top = max(sheets, key=sheets.__getitem__, default="")
    heaviest, zipped = f"“{top}” {n(sheets.get(top, 0), 2)}", n(stages.get("write", 0), 2)
    return f"{len(sheets)} sheets {n(sum(sheets.values()), 2)} ({heaviest}) · zip {zipped}"


def exports(runs: Runs) -> Section:
    times, memory, profiles = [], [], []
    for engine, r in ok(runs).items():
        for name, case in r["cases"].items():
            x, alone = case["export"], case["alone"]
            library = "WeasyPrint" if case["format"] == "pdf" else "openpyxl"
            size = f" ({case['entity']}: {case['activities']} activities)" if name == "demo_pdf" else ""
            label = [ENGINE_NAMES[engine], case["label"] + size]
            times.append(
                [*label, str(case["runs"]), f"{n(x['bytes'] / 1e6, 2)} MB", n(x["seconds"], 2)]
                + [n(x["prepare_s"], 2), n(x["render_s"], 2), f"{n(alone['seconds'], 2)} ({library})"]
                + [f"**{case['ratio']:.2f}**", f"{case['render_ratio']:.2f}", _stages(case)]
            )
            peak = x["rss_peak_mb"]
            memory.append(
                [*label, n(x["rss_before_mb"]), n(x["rss_prepared_mb"]), f"**{n(peak)}**"]
                + [n(peak - x["rss_before_mb"])]
                + [n(alone["rss_before_mb"]), n(alone["rss_peak_mb"])]
            )
            what = f"render(doc), {case['label']}"
            if name == "pdf_1k":
                what += f" (profiled on a {r['profiled_pdf_activities']}-activity clone)"
            profiles.append(profile(f"Profile: {ENGINE_NAMES[engine]}, {what}", case.get("profile")))

    def case(name: str, cell: Callable[[dict[str, Any]], str]) -> list[str]:
        return cells(runs, lambda r: cell(r["cases"][name]))

    def ratio(target: float) -> Callable[[dict[str, Any]], str]:
        return lambda c: f"{c['ratio']:.2f}: {met(c['ratio'] <= target)}"

    head = ["Engine", "export", "runs", "file", "export() s", "prepare s", "render s", "library alone s"]
    head += ["export / alone", "render / alone", "render stages s"]
    mem_head = ["Engine", "export", "export: before", "after prepare", "peak", "growth"]
    mem_head += ["library alone: before", "peak"]
    peak = case(
        "xlsx_10k", lambda c: f"{n(c['export']['rss_peak_mb'])} MB: {met(c['export']['rss_peak_mb'] <= 200)}"
    )
    big = case("pdf_1k", lambda c: f"{n(c['export']['seconds'])} s, {n(c['export']['rss_peak_mb'])} MB")
    rows = [
        ["8a. PDF, demo register: export / WeasyPrint alone", "≤ 1.2", *case("demo_pdf", ratio(1.2))],
        ["8b. PDF, 1,000 activities: export / WeasyPrint alone", "≤ 1.2", *case("pdf_1k", ratio(1.2))],
        ["8c. PDF, 1,000 activities: seconds, peak memory", "none", *big],
        ["8d. Excel, 10,000 activities: peak memory", "≤ 200 MB", *peak],
        ["8e. Excel, 10,000 activities: export / openpyxl alone", "≤ 1.5", *case("xlsx_10k", ratio(1.5))],
    ]
    text = (
        "A freshly migrated database holding the demo register, loaded as `ropa seed --demo` loads it "
        "(`decode` of `ropa/demo/techem.yaml`, `import_register`, a signed checkpoint), and two more "
        "entities of the demo's first activity cloned under new keys (1,000 and 10,000 activities). "
        "Every measurement runs in a fresh process that imports the renderer's libraries and opens the "
        "pool before the clock starts. **export()** is `exports.service.export(ExportRequest(entity, "
        "format), integrator())` as the API runs it: `prepare` (one read of the register, findings, "
        "checkpoint), `render` in a worker thread, then the file's SHA-256 and its audit event; "
        "`prepare` and `render` are timed through the module's own names, the render stages by its "
        "progress calls. The **library alone** gets the same input, prepared beforehand and not timed: "
        "WeasyPrint `HTML(string=render_html(doc), base_url=TEMPLATES).write_pdf(**pdf_options(doc))`, "
        "or a plain openpyxl `Workbook(write_only=True)` appending the same cells (every sheet of "
        "`all_sheets(doc)` materialised as lists, the vocabulary lists and the register sheet; no "
        "styles, widths, filters, validations or formula guard) and saving to memory. The two alternate; "
        "times are medians of the runs, memory the highest of them. Memory is the process's peak "
        "resident set (`ru_maxrss`, a high-water mark) after the work; *before* is the same just before "
        "the clock (interpreter, imports, pool; for the library alone also the prepared document and its "
        "HTML or cells), *after prepare* when `prepare` returned inside `export()`. "
        f"{first(runs, 'libraries')}.\n\n"
        + table(head, times)
        + "\n\nPeak resident memory of each process, MB (10⁶ bytes):\n\n"
        + table(mem_head, memory)
        + "\n\n**Targets** (issue): each PDF export ≤ 1.2 × WeasyPrint alone; the Excel export of 10,000 "
        "activities ≤ 200 MB peak (the whole process) and ≤ 1.5 × openpyxl alone. The PDFs' seconds "
        "and memory have no target. **Result:** "
        + "; ".join(f"{row[0][4:]}: SQLite {row[2]}, PostgreSQL {row[3]}" for row in rows if row[1] != "none")
        + ".\n"
        + "".join(profiles)
    )
    return text, rows


def auth(runs: Runs) -> Section:
    rows = []
    for engine, r in ok(runs).items():
        for mode, label in (("token", "bearer token"), ("off", "`ROPA_AUTH=off`")):
            for i, run in enumerate(r["runs"][mode], 1):
                p99 = n(run.get("p99_ms", 0), 2)
                rows.append(
                    [ENGINE_NAMES[engine], label, str(i), n(run["rps"]), n(run.get("p50_ms", 0), 2), p99]
                )
    verdict = cells(runs, lambda r: f"{r['ratio']:.2f}: {met(r['ratio'] >= 0.9)}")
    text = (
        "The register list `GET /api/activities?limit=50` of a 1,000-activity register (as in figure 1), "
        "served by a real server (`python -m ropa serve`, 1 worker, integrator off) started once per run: "
        "with access control on and a compliance officer's bearer token (the guard hashes the token, looks "
        "it up through its 2-second credential cache, checks role and scope, and the list is filtered to "
        "the officer's entities), and with `ROPA_AUTH=off`. The two alternate, each mode run "
        f"twice; `{first(runs, 'wrk')}`. The ratio is the mean req/s with the token over the mean "
        "without.\n\n"
        + table(["Engine", "mode", "run", "req/s", "p50 ms", "p99 ms"], rows)
        + "\n\n**Target** (issue 6): with a token ≥ 0.9 × without authentication. **Result:** "
        f"SQLite {verdict[0]}; PostgreSQL {verdict[1]}.\n"
    )
    return text, [["9. Bearer token / auth off, req/s", "≥ 0.9", *verdict]]


def web(runs: Runs) -> Section:
    rows = []
    labels = {
        "register": "register page `GET /entities/{id}` (first 100 of 1,000 rows)",
        "activity": "activity page `GET /entities/{id}/activities/{activity}`",
        "health": "`GET /health` (the connection's own cost)",
    }
    for engine, r in ok(runs).items():
        for key, label in labels.items():
            page = r["pages"][key]
            rows.append(
                [ENGINE_NAMES[engine], label, n(page["samples"]), n(page["body_bytes"])]
                + [n(page[f"p{q}_ms"], 1 if key != "health" else 2) for q in (50, 95, 99)]
                + [n(page["max_ms"], 1), cores(page["cpu"])]
            )
    head = ["Engine", "page", "requests", "body B", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    head += ["CPU cores: server / PostgreSQL / machine"]
    register = cells(runs, lambda r: f"{n(r['pages']['register']['p95_ms'], 1)} ms")
    activity = cells(runs, lambda r: f"{n(r['pages']['activity']['p95_ms'], 1)} ms")
    text = (
        "A register of 1,000 activities (the demo's first activity cloned under new keys, as in figure 1) "
        "in a freshly migrated database; a real server `python -m ropa serve --port P` (1 uvicorn worker, "
        "`ROPA_AUTH=off`, integrator off). One client on one keep-alive HTTP/1.1 connection, as a browser "
        f"holds it: {first(runs, 'method')}, each timed on the client from sending the request to the "
        "last byte of the HTML (no browser: no CSS, script or layout time). The register page is the "
        "entity's first page of 100 activities with the search form and status filter; the activity page "
        "shows every Art. 30 element of the entity's first activity as the canonical export lays it out "
        "(it builds the entity's export view, so it grows with the register).\n\n"
        + table(head, rows)
        + "\n\n**Target:** none stated (issue 7 asks for the figure). **Result** (p95): register page "
        f"SQLite {register[0]}, PostgreSQL {register[1]}; activity page SQLite {activity[0]}, "
        f"PostgreSQL {activity[1]}.\n" + _profiles(runs, "register page")
    )
    return text, [
        ["10. Register page, 1,000 activities, p95", "none stated (issue 7 asks for the figure)", *register],
        ["10b. Activity page in that register, p95", "none stated", *activity],
    ]


SECTIONS: dict[str, tuple[str, Callable[[Runs], Section]]] = {
    "list": ("1. Register list vs /health", list_health),
    "import": ("2. Import of 10,000 activities", bulk_import),
    "writes": ("3. Audited vs unaudited writes", audited_writes),
    "appends": ("4. Integrated appends, 64 concurrent writers", appends),
    "verify": ("5. Verifier throughput", verifier),
    "query": ("6. Query latency at 1,000,000 events", query),
    "findings": ("7. Findings evaluation of 1,000 activities", findings),
    "exports": ("8. PDF and Excel exports", exports),
    "auth": ("9. Cost of authentication", auth),
    "web": ("10. Register page render time", web),
}
