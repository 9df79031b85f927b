"""Run the benchmarks (`make bench`), each in its own process and throwaway database; write the report."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/run.py` puts bench/, not the project, on the path
    sys.path.insert(0, str(ROOT))

from bench import merge, report  # noqa: E402
from bench.common import ENGINES, PG_URL, pg_admin_sync  # noqa: E402

# name -> (module, per-engine timeout in seconds)
FIGURES = {
    "list": ("bench.list_health", 420),
    "import": ("bench.bulk_import", 240),
    "writes": ("bench.audited_writes", 240),
    "appends": ("bench.appends", 240),
    "verify": ("bench.verifier", 300),
    "query": ("bench.query_latency", 300),
    "findings": ("bench.findings", 240),
    "exports": ("bench.exports", 2700),  # the 1,000-activity PDF takes ~12 min a process, twice
    "auth": ("bench.auth_cost", 600),
    "web": ("bench.web_register", 300),
    "load": ("bench.load", 600),
}
REPORT = ROOT / "docs" / "benchmarks.md"


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help=f"comma-separated subset of: {','.join(FIGURES)}")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: sqlite,postgres")
    parser.add_argument(
        "--profile", action="store_true", help="profile every figure, not just missed targets"
    )
    parser.add_argument(
        "--output",
        type=Path,
        help=f"report path (default: {REPORT.relative_to(ROOT)} for a full run or --merge, "
        "a temp file for a subset)",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="update the report (--output) in place: replace or add the sections and summary rows of "
        "the figures run, keep the others, and record this run beside the original one",
    )
    args = parser.parse_args()
    args.figures = args.only.split(",") if args.only else list(FIGURES)
    args.engine_list = args.engines.split(",")
    unknown = [f for f in args.figures if f not in FIGURES] + [
        e for e in args.engine_list if e not in ENGINES
    ]
    if unknown:
        parser.error(f"unknown figure or engine: {', '.join(unknown)}")
    if args.merge:
        if set(args.engine_list) != set(ENGINES):
            parser.error("--merge runs every engine: a section shows them side by side")
        target = args.output or REPORT
        try:
            merge.Report.parse(target.read_text())  # refuse now, not after the run
        except (OSError, merge.ReportError) as exc:
            parser.error(f"cannot merge into {target}: {exc}")
    return args


def _wrk() -> str:
    """wrk (Debian package `wrk`) drives the HTTP figure; installed with apt-get when we are root."""
    if not shutil.which("wrk"):
        if os.geteuid() != 0:
            sys.exit("figure 'list' needs wrk: sudo apt-get install wrk (Debian package `wrk`)")
        print("installing wrk (Debian package `wrk`)", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    found = shutil.which("wrk") or "wrk"
    probe = subprocess.run([found, "-v"], capture_output=True, text=True, check=False)
    version = (probe.stdout or probe.stderr).split("\n", 1)[0].strip()
    return f"`{found}` (Debian package `wrk`): {version}"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _versions() -> str:
    names = ("litestar", "piccolo", "uvicorn", "uvloop", "asyncpg", "aiosqlite", "msgspec", "rfc8785")
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def _machine(args: argparse.Namespace, wrk: str | None) -> list[tuple[str, str]]:
    rows = [
        ("Date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("Command", _command(args)),
        ("CPUs (nproc)", f"{len(os.sched_getaffinity(0))} × {_cpu_model()}"),
        ("Memory", f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB"),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("SQLite", f"{sqlite3.sqlite_version} (WAL, `synchronous=FULL`: the service default)"),
    ]
    if "postgres" in args.engine_list:
        names = ("shared_buffers", "synchronous_commit", "fsync", "max_connections")
        row = pg_admin_sync(
            "SELECT current_setting('server_version') AS server_version, "
            + ", ".join(f"current_setting('{n}') AS {n}" for n in names)
        )[0]
        settings = ", ".join(f"{n}={row[n]}" for n in names)
        rows.append(("PostgreSQL", f"{row['server_version']} on the same machine ({settings})"))
    rows.append(("Packages", _versions()))
    if wrk:
        rows.append(("wrk", wrk))
    return rows


def _command(args: argparse.Namespace) -> str:
    direct = shlex.join([".venv/bin/python", "bench/run.py", *sys.argv[1:]])
    if not os.environ.get("MAKELEVEL"):
        return f"`{direct}`"
    make = f"make bench-merge FIGURES={','.join(args.figures)}" if args.merge else "make bench"
    return f"`{make}` (runs `{direct}`)"


def _run_one(name: str, engine: str, work: Path, profile: bool) -> dict[str, Any]:
    module, timeout = FIGURES[name]
    out, log = work / f"{name}-{engine}.json", work / f"{name}-{engine}.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", module, "--engine", engine, "--out", str(out)]
    command += ["--profile"] if profile else []
    started = time.perf_counter()
    with log.open("w") as handle:
        try:
            process = subprocess.run(
                command,
                cwd=ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
            failed = process.returncode != 0 or not out.exists()
        except subprocess.TimeoutExpired:
            failed = True
            handle.write(f"\ntimed out after {timeout} s\n")
    seconds = time.perf_counter() - started
    if failed:
        tail = "\n".join(log.read_text().strip().splitlines()[-25:])
        print(f"  {name}/{engine}: FAILED after {seconds:.0f} s (log: {log})", flush=True)
        return {"error": tail, "wall_s": seconds}
    result = json.loads(out.read_text())
    result["wall_s"] = seconds
    print(f"  {name}/{engine}: done in {seconds:.0f} s", flush=True)
    return result


def main() -> int:
    args = _options()
    output = args.output or (REPORT if args.figures == list(FIGURES) else None)
    wrk = _wrk() if "list" in args.figures else None
    if "postgres" in args.engine_list:
        try:
            pg_admin_sync("SELECT 1")
        except Exception as exc:  # noqa: BLE001 - tell the user which server, then stop
            sys.exit(f"PostgreSQL at {PG_URL} is not reachable ({exc}); set ROPA_BENCH_POSTGRES_URL")
    work = Path(tempfile.mkdtemp(prefix="ropa-bench-results-"))
    machine = _machine(args, wrk)
    load_before = os.getloadavg()
    started = time.perf_counter()
    print(
        f"benchmarks: {', '.join(args.figures)} on {', '.join(args.engine_list)}; logs in {work}", flush=True
    )
    results: report.Results = {}
    for name in args.figures:
        results[name] = {engine: _run_one(name, engine, work, args.profile) for engine in args.engine_list}
    total = time.perf_counter() - started
    machine.append(
        ("Load average (1 min) before / after", f"{load_before[0]:.2f} / {os.getloadavg()[0]:.2f}")
    )
    machine.append(("Total run time", f"{total / 60:.1f} min"))
    notes = [
        "Each figure runs in its own process against its own throwaway database: a new PostgreSQL "
        f"database on the server at `{PG_URL}` (dropped `WITH (FORCE)` afterwards), or a SQLite file "
        "in a temp dir. Nothing under `var/` is read or written.",
        "The machine is shared: the benchmark client, the server under test and PostgreSQL all run on "
        "these cores, and other jobs may be running (see the load average). Absolute figures are lower "
        "bounds; the ratios are the comparison that holds.",
        "Profiles (cProfile, main thread only; time spent in SQLite's worker thread or in PostgreSQL "
        "shows up as waiting in `epoll`/`send`) are attached to every missed target.",
    ]
    text = report.render(results, machine, notes)
    (work / "results.json").write_text(json.dumps(results, indent=2, default=str))
    failed = [f"{n}/{e}" for n, runs in results.items() for e, r in runs.items() if "error" in r]
    if args.merge:
        (work / "benchmarks.md").write_text(text)  # this run alone, for reference
        path = args.output or REPORT
        _merge(path, results, machine, total, load_before)
    else:
        path = output or work / "benchmarks.md"
        path.write_text(text)
    print(f"report: {path}  ({total / 60:.1f} min)", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _merge(
    path: Path,
    results: report.Results,
    machine: list[tuple[str, str]],
    total: float,
    load_before: tuple[float, float, float],
) -> None:
    """Merge the figures that ran on every engine into the report at ``path``; keep the others' old text."""
    whole = {name: runs for name, runs in results.items() if not any("error" in r for r in runs.values())}
    skipped = sorted(set(results) - set(whole))
    if skipped:
        print(f"not merged (failed on an engine; their old sections kept): {', '.join(skipped)}", flush=True)
    if not whole:
        return
    rows = dict(machine)
    run = merge.Run(
        date=rows["Date"],
        command=rows["Command"],
        load=f"{load_before[0]:.2f} / {os.getloadavg()[0]:.2f}",
        minutes=total / 60,
        machine=machine,
    )
    path.write_text(merge.merge(path.read_text(), report.figures(whole), run))
    print(f"merged into {path}: {', '.join(whole)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
