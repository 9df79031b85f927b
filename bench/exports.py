"""Figure 8: PDF and Excel exports: seconds, peak memory, and the cost over WeasyPrint / openpyxl alone."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    DEMO,
    ROOT,
    Profiler,
    Timer,
    args_for,
    cloned_register,
    migrate,
    quiet_logs,
    throwaway,
    write_result,
)

DEMO_ENTITY = "TECHEM-DK"
PDF_RATIO = 1.2  # export / WeasyPrint alone
XLSX_RATIO = 1.5  # export / openpyxl write-only alone
XLSX_PEAK_MB = 200
PROFILED_PDF = 50  # the 1,000-activity PDF is profiled on a clone this size (cProfile doubles its time)
CHILD_TIMEOUT = 1800


@dataclass(frozen=True)
class Case:
    name: str
    label: str
    format: str  # pdf | xlsx
    activities: int | None  # None: the demo register's entity DEMO_ENTITY
    runs: int  # fresh processes for the export, and as many for the library alone


CASES = (
    Case("demo_pdf", "PDF, demo register", "pdf", None, 3),
    Case("xlsx_10k", "Excel, 10,000 activities", "xlsx", 10_000, 2),
    Case("pdf_1k", "PDF, 1,000 activities", "pdf", 1_000, 1),  # 6 to 12 min a process on this machine
)


def _cpu_s() -> float:
    """This process's processor time so far (user and system), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    """This process's peak resident set so far (ru_maxrss is in KiB on Linux), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


# --- the child process: one export, or the library alone, or a profile -------------------------


def _request(spec: dict[str, Any]) -> Any:
    from exports.service import ExportRequest

    return ExportRequest(entity=spec["entity"], format=spec["format"])


async def _prepared(spec: dict[str, Any]) -> Any:
    from exports.service import prepare
    from ropa import db
    from ropa.auditing.integrator import integrator

    await db.open_pool()
    try:
        return await prepare(_request(spec), integrator())
    finally:
        await db.close_pool()


async def _export(spec: dict[str, Any]) -> dict[str, Any]:
    """export() as the API runs it, with prepare and render timed through the module's own names."""
    import exports.service as service
    from ropa import db
    from ropa.auditing.integrator import integrator

    marks: dict[str, float] = {}
    stamps: list[tuple[str, float]] = []
    prepare, render = service.prepare, service.render

    async def timed_prepare(req: Any, chosen: Any) -> Any:
        doc = await prepare(req, chosen)
        marks["prepared"], marks["prepared_rss"] = time.perf_counter(), _rss_mb()
        return doc

    def timed_render(doc: Any, progress: Any) -> bytes:
        marks["render"] = time.perf_counter()
        content = render(doc, progress)
        marks["rendered"] = time.perf_counter()
        return content

    def progress(stage: str, fraction: float) -> None:
        stamps.append((stage, time.perf_counter()))

    service.prepare, service.render = timed_prepare, timed_render  # type: ignore[assignment]
    await db.open_pool()
    try:
        chosen = integrator()
        before, cpu = _rss_mb(), _cpu_s()
        started = time.perf_counter()
        result = await service.export(_request(spec), chosen, progress)
        finished = time.perf_counter()
        peak, cpu = _rss_mb(), _cpu_s() - cpu
    finally:
        await db.close_pool()
    inside = [(s, t) for s, t in stamps if marks["render"] <= t <= marks["rendered"]]
    ends = [t for _, t in inside[1:]] + [marks["rendered"]]
    return {
        "seconds": finished - started,
        "cpu_s": cpu,  # on a busy machine, the export's own share of it
        "prepare_s": marks["prepared"] - started,
        "render_s": marks["rendered"] - marks["render"],
        "after_s": finished - marks["rendered"],  # SHA-256 of the file and the audit event
        "stages": [[s, end - t] for (s, t), end in zip(inside, ends, strict=True)],
        "bytes": len(result.content),
        "reissue": result.reissue,
        "rss_before_mb": before,
        "rss_prepared_mb": marks["prepared_rss"],
        "rss_peak_mb": peak,
        # A PDF rendered in chunks (exports/pdf_chunks.py) lays them out in worker processes, all
        # ended when the render returns: the largest one's peak, and how many ran side by side.
        "worker_rss_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e6,
        "workers": os.cpu_count() or 1,
    }


def _pdf_alone(doc: Any) -> dict[str, Any]:
    """WeasyPrint alone on the export's final HTML (made beforehand, not timed), with its options."""
    from weasyprint import HTML

    from exports.pdf import TEMPLATES, pdf_options, render_html

    html = render_html(doc)
    before = _rss_mb()
    with Timer() as timer:
        content = HTML(string=html, base_url=str(TEMPLATES)).write_pdf(**pdf_options(doc))
    return {"seconds": timer.seconds, "bytes": len(content), "html_bytes": len(html.encode())} | {
        "rss_before_mb": before,
        "rss_peak_mb": _rss_mb(),
    }


def _xlsx_alone(doc: Any) -> dict[str, Any]:
    """openpyxl write-only alone writing the export's cells, materialised beforehand (not timed)."""
    from openpyxl import Workbook

    from exports.xlsx import CHUNK, LIST_VOCABULARIES, LISTS_SHEET, REGISTER_SHEET, all_sheets

    tables = [(s.title[:31], list(s.headings), [list(r) for r in s.rows()]) for s in all_sheets(doc)]
    columns = [doc.t.vocabulary(v) for v in LIST_VOCABULARIES]
    depth = max((len(c) for c in columns), default=0)
    lists = [[c[i] if i < len(c) else None for c in columns] for i in range(depth)]
    text = doc.register_json.decode()
    register = [[text[i : i + CHUNK]] for i in range(0, len(text), CHUNK)]
    tables += [(LISTS_SHEET, [], lists), (REGISTER_SHEET, [], register)]
    before = _rss_mb()
    with Timer() as timer:
        wb = Workbook(write_only=True)
        for title, headings, rows in tables:
            ws = wb.create_sheet(title)
            if headings:
                ws.append(headings)
            for row in rows:
                ws.append(row)
        out = io.BytesIO()
        wb.save(out)
    cells = sum(len(r) for _, h, rows in tables for r in [h, *rows])
    return {"seconds": timer.seconds, "bytes": len(out.getvalue()), "cells": cells} | {
        "sheets": len(tables),
        "rss_before_mb": before,
        "rss_peak_mb": _rss_mb(),
    }


async def _alone(spec: dict[str, Any]) -> dict[str, Any]:
    doc = await _prepared(spec)
    return _pdf_alone(doc) if spec["format"] == "pdf" else _xlsx_alone(doc)


async def _profile(spec: dict[str, Any]) -> dict[str, Any]:
    """render(doc) in the main thread (export() runs it in a worker thread, unseen by cProfile)."""
    from exports.service import render

    doc = await _prepared(spec)
    with Profiler() as profiler:
        render(doc)
    text = f"render(doc) of {spec['entity']} ({spec['format']}) under cProfile\n\n" + profiler.top(25)
    return {"profile": text + "\n\nBy cumulative time:\n\n" + profiler.top(20, "cumulative")}


# Figure 8c's lower bounds: the same export's text with less and less for WeasyPrint to do.
NO_TABLES_CSS = "table, thead, tbody, tr, th, td { display: block; }"


def _layout_and_write(html: str, options: Any, finisher: Any = None) -> dict[str, Any]:
    """WeasyPrint's layout, then its PDF write, of ``html``, timed apart; pages and memory growth.

    ``options()`` gives WeasyPrint's options: each use needs its own (an attachment is read once)."""
    from exports.pdf import html_document

    before, cpu = _current_mb(), _cpu_s()
    with Timer() as layout:
        document = html_document(html).render(**options())
    laid_out = _current_mb()
    with Timer() as write:
        content = document.write_pdf(finisher=finisher, **options())
    pages, cpu = len(document.pages), _cpu_s() - cpu
    return {
        "cpu_s": cpu,
        "layout_s": layout.seconds,
        "write_s": write.seconds,
        "seconds": layout.seconds + write.seconds,
        "pages": pages,
        "bytes": len(content),
        "layout_mb": laid_out - before,  # the laid-out pages, all held until the PDF is written
        "mb_per_page": (laid_out - before) / pages,
    }


def _plain_text(html: str) -> str:
    """The export's text: every text node of the body, spaces collapsed, a line per block."""
    import html as html_module
    import re

    body = html.split("<body>", 1)[1]
    body = re.sub(r"<style>.*?</style>", "", body, flags=re.S)
    text = html_module.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"[ \t]*\n[ \t\n]*", "\n", re.sub(r"[ \t]+", " ", text)).strip()


def _plain_text_html(text: str) -> str:
    """``text`` as one pre-wrapped block in the export's font, size and page: no other element."""
    import html as html_module

    style = (
        '@page { size: A4; margin: 22mm 16mm; } html { font-family: "DejaVu Sans", sans-serif; '
        "font-size: 9pt; line-height: 1.35; } pre { font-family: inherit; white-space: pre-wrap; margin: 0; }"
    )
    head = f'<!doctype html><html lang="en"><head><style>{style}</style></head>'
    return f"{head}<body><pre>{html_module.escape(text)}</pre></body></html>"


async def _bounds(spec: dict[str, Any]) -> dict[str, Any]:
    """Figure 8c's bounds on a small clone: the export's render, then WeasyPrint with less to do.

    1. the export as shipped (layout, tagged write with the finisher);
    2. the same, untagged: what PDF/UA tagging costs;
    3. the same HTML with no table layout at all (every table part a block), untagged;
    4. the export's text alone, as one pre-wrapped block: Pango shaping and line breaking, about
       nothing else; no time on this machine can be below it for this much text."""
    from exports.pdf import finish, pdf_options, render_html

    doc = await _prepared(spec)
    html = render_html(doc)

    def tagged() -> dict[str, Any]:
        return pdf_options(doc)

    def untagged() -> dict[str, Any]:
        return {**pdf_options(doc), "pdf_tags": False}

    text = _plain_text(html)
    variants = {
        "export": _layout_and_write(html, tagged, finish),
        "untagged": _layout_and_write(html, untagged),
        "no_tables": _layout_and_write(html.replace("</style>", NO_TABLES_CSS + "\n</style>", 1), untagged),
        "text_only": _layout_and_write(_plain_text_html(text), untagged),
    }
    return {"activities": int(spec["activities"]), "text_chars": len(text), "variants": variants}


def _timed_render(doc: Any, above: str) -> dict[str, Any]:
    """render_pdf(doc) with ROPA_PDF_CHUNKED_ABOVE at ``above``: seconds, processor time, pages, memory.

    Processor time is this process's and its worker processes' (all ended when the render returns);
    peak memory is this process's and the largest of any worker's."""
    from pypdf import PdfReader

    from exports import pdf_chunks
    from exports.pdf import render_pdf

    os.environ[pdf_chunks.ABOVE_ENV] = above
    stamps: list[tuple[str, float]] = []
    before, cpu = _rss_mb(), _cpu_s()
    started = time.perf_counter()
    content = render_pdf(doc, lambda stage, fraction: stamps.append((stage, time.perf_counter())))
    finished = time.perf_counter()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    ends = [t for _, t in stamps[1:]] + [finished]
    return {
        "seconds": finished - started,
        "cpu_s": _cpu_s() - cpu,
        "workers_cpu_s": children.ru_utime + children.ru_stime,
        "stages": [[s, end - t] for (s, t), end in zip(stamps, ends, strict=True)],
        "pages": len(PdfReader(io.BytesIO(content)).pages),
        "bytes": len(content),
        "rss_before_mb": before,
        "rss_peak_mb": _rss_mb(),
        "worker_rss_peak_mb": children.ru_maxrss * 1024 / 1e6,
        "load": os.getloadavg(),
    }


async def _chunked(spec: dict[str, Any]) -> dict[str, Any]:
    """Figure 8c: the export's render in chunks (exports/pdf_chunks.py), forced on whatever the size."""
    from exports import pdf_chunks

    doc = await _prepared(spec)
    chunks = {"chunk_activities": pdf_chunks.chunk_activities(), "workers": os.cpu_count()}
    return {"activities": int(spec["activities"]), **chunks, **_timed_render(doc, "1")}


async def _single(spec: dict[str, Any]) -> dict[str, Any]:
    """Figure 8c: the same render in one WeasyPrint document (chunks never), for the comparison."""
    doc = await _prepared(spec)
    return {"activities": int(spec["activities"]), **_timed_render(doc, "0")}


def _current_mb() -> float:
    """This process's resident set now (not the high-water mark), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    return _rss_mb()


MODES = {
    "export": _export,
    "alone": _alone,
    "profile": _profile,
    "bounds": _bounds,
    "chunked": _chunked,
    "single": _single,
}


def _child(spec: dict[str, Any]) -> None:
    """One measurement in a fresh process; the renderer's libraries are imported before the clock."""
    quiet_logs()
    if spec["format"] == "pdf":
        import weasyprint  # noqa: F401

        import exports.pdf  # noqa: F401
    else:
        import openpyxl  # noqa: F401

        import exports.xlsx  # noqa: F401
    import exports.service  # noqa: F401

    write_result(spec["out"], asyncio.run(MODES[spec["mode"]](spec)))


# --- the benchmark process: load the registers, start the children, sum up ----------------------


async def _load(cases: tuple[Case, ...]) -> tuple[dict[str, tuple[str, int]], float]:
    """The demo register as `ropa seed --demo` loads it, and the cases' cloned registers; entity per case."""
    from ropa import db
    from ropa.auditing.integrator import integrator
    from ropa.porting.services import decode, import_register

    demo = decode(DEMO.read_bytes(), yaml=True)
    dk = next(e for e in demo.entities if e.key == DEMO_ENTITY)
    registers = [(demo, "demo")]
    entities = {"demo_pdf": (DEMO_ENTITY, len(dk.activities))}
    for case in cases:
        if case.activities:
            clone = cloned_register(case.activities, prefix=case.name, entity_key=f"BENCH-{case.name}")
            registers.append((clone, "bench"))
            entities[case.name] = (clone.entities[0].key, case.activities)
    if any(case.name == "pdf_1k" for case in cases):
        small = cloned_register(PROFILED_PDF, prefix="PROFILE", entity_key="BENCH-PROFILE")
        registers.append((small, "bench"))
        entities["profile_pdf"] = (small.entities[0].key, PROFILED_PDF)
    await db.open_pool()
    try:
        with Timer() as timer:
            for register, source in registers:
                await import_register(register, source=source)
            await integrator().integrate_all(checkpoint=True)  # as `ropa seed` does after an import
    finally:
        await db.close_pool()
    return entities, timer.seconds


def _spawn(mode: str, entity: str, fmt: str, work: Path, activities: int = 0) -> dict[str, Any]:
    out = work / f"child-{mode}-{entity}.json"
    spec = {"mode": mode, "entity": entity, "format": fmt, "out": str(out), "activities": activities}
    command = [sys.executable, "-m", "bench.exports", "child", json.dumps(spec)]
    process = subprocess.run(
        command, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=CHILD_TIMEOUT
    )
    if process.returncode or not out.exists():
        raise RuntimeError(f"{mode} of {entity} failed:\n{process.stdout[-4000:]}\n{process.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    print(f"  {mode} {entity} {fmt}: {result.get('seconds', 0):.2f} s", flush=True)
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _measure(case: Case, entity: str, activities: int, work: Path) -> dict[str, Any]:
    """Export and library alone in alternating fresh processes; medians of the times, max of the peaks."""
    exports, alone = [], []
    for _ in range(case.runs):
        exports.append(_spawn("export", entity, case.format, work))
        alone.append(_spawn("alone", entity, case.format, work))
    stages: dict[str, list[float]] = {}
    for run in exports:
        for stage, seconds in run["stages"]:
            stages.setdefault(stage, []).append(seconds)
    result: dict[str, Any] = {
        "label": case.label,
        "format": case.format,
        "entity": entity,
        "activities": activities,
        "runs": case.runs,
        "export": {
            "seconds": _median(exports, "seconds"),
            "prepare_s": _median(exports, "prepare_s"),
            "render_s": _median(exports, "render_s"),
            "after_s": _median(exports, "after_s"),
            "stages": {stage: statistics.median(values) for stage, values in stages.items()},
            "bytes": exports[-1]["bytes"],
            "rss_before_mb": max(r["rss_before_mb"] for r in exports),
            "rss_prepared_mb": max(r["rss_prepared_mb"] for r in exports),
            "rss_peak_mb": max(r["rss_peak_mb"] for r in exports),
            "runs": exports,
        },
        "alone": {
            "seconds": _median(alone, "seconds"),
            "bytes": alone[-1]["bytes"],
            "rss_before_mb": max(r["rss_before_mb"] for r in alone),
            "rss_peak_mb": max(r["rss_peak_mb"] for r in alone),
            "runs": alone,
        },
    }
    result["ratio"] = result["export"]["seconds"] / result["alone"]["seconds"]
    result["render_ratio"] = result["export"]["render_s"] / result["alone"]["seconds"]
    return result


def _missed(case: Case, result: dict[str, Any]) -> bool:
    if case.format == "pdf":
        return result["ratio"] > PDF_RATIO
    return result["ratio"] > XLSX_RATIO or result["export"]["rss_peak_mb"] > XLSX_PEAK_MB


def _libraries() -> str:
    import importlib.metadata
    import importlib.util

    found = [f"{name} {importlib.metadata.version(name)}" for name in ("weasyprint", "pydyf", "openpyxl")]
    if importlib.util.find_spec("lxml") is None:
        found[-1] += f" (no lxml: pure-Python et_xmlfile {importlib.metadata.version('et_xmlfile')})"
    return ", ".join(found)


def _cases_option(parser: argparse.ArgumentParser) -> None:
    names = [c.name for c in CASES]

    def names_of(text: str) -> list[str]:
        found = text.split(",")
        if unknown := [x for x in found if x not in names]:
            raise argparse.ArgumentTypeError(f"unknown case {', '.join(unknown)}; one of {', '.join(names)}")
        return found

    parser.add_argument(
        "--chunked",
        type=int,
        metavar="ACTIVITIES",
        help="figure 8c alone: the PDF in chunks, then in one document, of ACTIVITIES cloned activities",
    )
    parser.add_argument(
        "--chunked-only",
        action="store_true",
        help="with --chunked: the render in chunks alone (the single render of 1,000 takes ten minutes)",
    )
    parser.add_argument(
        "--cases",
        type=names_of,
        default=names,
        help=f"comma-separated subset of {','.join(names)} (default: all; a full report needs all)",
    )


def main() -> None:
    if sys.argv[1:2] == ["child"]:
        _child(json.loads(sys.argv[2]))
        return
    args = args_for(__doc__ or "", _cases_option)
    if args.chunked:
        _chunked_only(args)
        return
    chosen = tuple(c for c in CASES if c.name in args.cases)
    with throwaway(args.engine, "exports") as env:
        migrate(env)
        quiet_logs()
        entities, load_s = asyncio.run(_load(chosen))
        work = Path(env["BENCH_WORK"])
        cases = {}
        for case in chosen:
            entity, activities = entities[case.name]
            result = _measure(case, entity, activities, work)
            if args.profile or _missed(case, result):
                profiled = entities["profile_pdf"][0] if case.name == "pdf_1k" else entity
                result["profile"] = _spawn("profile", profiled, case.format, work)["profile"]
            if case.name == "pdf_1k":  # figure 8c: what bounds the time and memory of a large PDF
                small, size = entities["profile_pdf"]
                result["bounds"] = _spawn("bounds", small, case.format, work, size)
            cases[case.name] = result
        write_result(
            args.out,
            {
                "figure": "exports",
                "engine": args.engine,
                "load_s": load_s,
                "libraries": _libraries(),
                "profiled_pdf_activities": PROFILED_PDF,
                "cpus": os.cpu_count(),
                "cases": cases,
            },
        )


async def _load_clone(activities: int) -> tuple[str, int, float]:
    """A clone of ``activities`` activities alone, imported and integrated: its key, size, seconds."""
    from ropa import db
    from ropa.auditing.integrator import integrator
    from ropa.porting.services import import_register

    clone = cloned_register(activities, prefix="CHUNKED", entity_key="BENCH-CHUNKED")
    await db.open_pool()
    try:
        with Timer() as timer:
            await import_register(clone, source="bench")
            await integrator().integrate_all(checkpoint=True)
    finally:
        await db.close_pool()
    return clone.entities[0].key, activities, timer.seconds


def _chunked_only(args: argparse.Namespace) -> None:
    """Figure 8c on a register of ``--chunked`` cloned activities: the render in chunks, then in one
    document, each in a fresh process (the chunks' workers are its children)."""
    with throwaway(args.engine, "exports") as env:
        migrate(env)
        quiet_logs()
        entity, activities, load_s = asyncio.run(_load_clone(args.chunked))
        work = Path(env["BENCH_WORK"])
        modes = ("chunked",) if args.chunked_only else ("chunked", "single")
        result = {mode: _spawn(mode, entity, "pdf", work, activities) for mode in modes}
        summary = {"figure": "exports", "engine": args.engine, "load_s": load_s, "activities": activities}
        write_result(args.out, summary | result)


if __name__ == "__main__":
    main()
