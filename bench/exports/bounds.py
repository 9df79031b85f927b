"""Figure 8c in a child process: what bounds a large PDF's render, and the render in chunks."""

from __future__ import annotations

import io
import os
import resource
import time
from typing import Any

from bench.common import Timer
from bench.exports.modes import _prepared
from bench.exports.usage import _cpu_s, _current_mb, _rss_mb

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
