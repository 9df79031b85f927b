"""Figure 8: PDF and Excel exports: seconds, peak memory, and the cost over WeasyPrint / openpyxl alone."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    DEMO,
    ROOT,
    Timer,
    args_for,
    cloned_register,
    migrate,
    quiet_logs,
    throwaway,
    write_result,
)
from bench.exports.child import _child

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
