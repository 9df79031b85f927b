"""Render the results of one bench/run.py run as docs/benchmarks.md (tables, targets, profiles)."""

from __future__ import annotations

from bench.markdown import Results, failed, table
from bench.sections import SECTIONS


def render(results: Results, machine: list[tuple[str, str]], notes: list[str]) -> str:
    body, summary = [], []
    for name, (title, section) in SECTIONS.items():
        if name in results:
            text, rows = section(results[name])
            body.append(f"## {title}\n\n{text}{failed(results[name])}")
            summary += rows
    return (
        "# Benchmarks\n\n"
        "Written by `bench/run.py` (`make bench`) from the run described below; rerun it rather than "
        "editing by hand. Every comparison is a ratio measured within one run, in one process or against "
        "one server. Timings are never asserted in tests.\n\n"
        "## Machine and command\n\n"
        + table(["", ""], [[k, v] for k, v in machine])
        + "\n\n"
        + "".join(f"- {note}\n" for note in notes)
        + "\n## Summary\n\n"
        + table(["Figure", "Target", "SQLite", "PostgreSQL"], summary)
        + "\n\n"
        + "\n".join(body)
    )
