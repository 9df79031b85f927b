"""Render the results of one bench/run.py run as docs/benchmarks.md (tables, targets, profiles)."""

from __future__ import annotations

from bench.markdown import Results, failed, table
from bench.sections import SECTIONS

Figure = tuple[str, str, list[list[str]]]  # section title, section body, summary rows


def figures(results: Results) -> dict[str, Figure]:
    """Each figure's section and summary rows, in figure order."""
    out = {}
    for name, (title, section) in SECTIONS.items():
        if name in results:
            text, rows = section(results[name])
            out[name] = (title, f"{text}{failed(results[name])}", rows)
    return out


def render(results: Results, machine: list[tuple[str, str]], notes: list[str]) -> str:
    rendered = figures(results).values()
    body = [f"## {title}\n\n{text}" for title, text, _ in rendered]
    summary = [row for _, _, rows in rendered for row in rows]
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
