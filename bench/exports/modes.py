"""Figure 8's measurements in a child process: one export, or the library alone, or a profile."""

from __future__ import annotations

import io
import os
import resource
import time
from typing import Any

from bench.common import Profiler, Timer
from bench.exports.usage import _cpu_s, _rss_mb


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
