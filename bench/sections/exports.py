"""Figures 7-8: findings evaluation, PDF and Excel exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.markdown import ENGINE_NAMES, cells, first, met, n, ok, profile, table
from bench.sections.base import Runs, Section, profiles


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
        + profiles(runs, "list_findings")
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


_BOUNDS = {
    "export": "the export as shipped (tagged, finished)",
    "untagged": "the same HTML, untagged",
    "no_tables": "the same HTML, no table layout (every table part a block), untagged",
    "text_only": "the export's text alone, one pre-wrapped block, untagged",
}


def _bounds(runs: Runs) -> str:
    """Figure 8c: WeasyPrint with less and less to do on a small clone, scaled to 1,000 activities."""
    rows = []
    for engine, r in ok(runs).items():
        bounds = r["cases"].get("pdf_1k", {}).get("bounds")
        if not bounds:
            continue
        size = bounds["activities"]
        for name, label in _BOUNDS.items():
            v = bounds["variants"][name]
            memory = f"{n(v['mb_per_page'], 2)}" if name == "export" else "–"
            rows.append(
                [ENGINE_NAMES[engine], label, n(v["pages"]), n(v["layout_s"], 2), n(v["write_s"], 2)]
                + [n(v["cpu_s"], 2), n(v["cpu_s"] / size, 3), f"**{n(v['cpu_s'] / size * 1000)}**", memory]
            )
    if not rows:
        return ""
    head = ["Engine", f"{first(runs, 'profiled_pdf_activities')} activities", "pages", "layout s", "write s"]
    head += ["processor s", "per activity", "× 1,000 activities", "layout MB per page"]
    return (
        "\n**8c: what bounds a large PDF.** The export of a small clone, then WeasyPrint with less and "
        "less to do on the same content (`bench/exports/bounds.py`, mode `bounds`), each scaled linearly to "
        "1,000 activities (time is linear in pages once tagging is linear; see docs/exports.md, "
        "*Large PDFs*). WeasyPrint lays out and draws on one core; *processor s* is the process's "
        "own processor time (user and system), which a busy machine inflates less than the clock "
        "(*layout s*, *write s*). *Layout MB per page* is the "
        "growth of the resident set over the layout: WeasyPrint keeps every laid-out page until the "
        "PDF is written (the footer's page count and the contents' page numbers need them all).\n\n"
        + table(head, rows)
        + "\n"
    )


def _big(c: dict[str, Any]) -> str:
    """Figure 8c: the export's time and its memory at its peak, its chunks' workers (exports/pdf_chunks.py)
    counted as all running at their largest at once."""
    x = c["export"]
    worker = x.get("worker_rss_peak_mb", 0.0)
    total = x["rss_peak_mb"] + (x.get("workers", 1) * worker if worker else 0.0)
    memory = f"{n(total)} MB" + (
        f" ({n(x['rss_peak_mb'])} MB + {x['workers']} workers × {n(worker)} MB)" if worker else ""
    )
    return f"{n(x['seconds'])} s, {memory}: " + met(x["seconds"] <= 90 and total <= 600)


def exports(runs: Runs) -> Section:
    times, memory, attached = [], [], []
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
            attached.append(profile(f"Profile: {ENGINE_NAMES[engine]}, {what}", case.get("profile")))

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
    big = case("pdf_1k", _big)
    rows = [
        ["8a. PDF, demo register: export / WeasyPrint alone", "≤ 1.2", *case("demo_pdf", ratio(1.2))],
        ["8b. PDF, 1,000 activities: export / WeasyPrint alone", "≤ 1.2", *case("pdf_1k", ratio(1.2))],
        ["8c. PDF, 1,000 activities: seconds, peak memory", "≤ 90 s and ≤ 600 MB", *big],
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
        + _bounds(runs)
        + "".join(attached)
    )
    return text, rows
