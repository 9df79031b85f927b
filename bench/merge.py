"""Merge the figures of a later, partial run into an existing docs/benchmarks.md (`bench/run.py --merge`).

The report is Markdown that bench/report.py wrote, with known level-2 headings: the introduction,
``## Machine and command`` (a two-column table, then notes), ``## Summary`` (a table whose rows start
with their figure's number: ``8d. Excel ...``) and one ``## N. Title`` section per figure. A merge
replaces the sections and summary rows of the figures it ran (adding those the report lacks, in figure
order), keeps every other one as it is, and records in the machine table which figures came from which
run: the original run's rows stay, one ``Later run: figures ...`` row is added for this run, and the
``Figures from this run`` row says which figures the original run still accounts for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bench.markdown import table

MACHINE = "Machine and command"
SUMMARY = "Summary"
LATER = "Later run: figures "
ORIGINAL = "Figures from this run"
FIGURE = re.compile(r"^(\d+)\. ")  # a section title: "8. PDF and Excel exports"
ROW_FIGURE = re.compile(r"^\|\s*(\d+)[a-z]?\. ")  # a summary row: "| 8d. Excel ... |"
SAME_MACHINE = ("CPUs (nproc)", "Memory", "OS", "Python", "SQLite", "PostgreSQL", "Packages", "wrk")


class ReportError(ValueError):
    """The file is not a report bench/run.py wrote: nothing is merged into it."""


@dataclass
class Report:
    intro: str  # everything before "## Machine and command"
    machine: list[tuple[str, str]]  # the machine table's rows
    notes: str  # the text after the machine table (a list of notes)
    summary: list[str]  # the summary table's rows, as lines
    sections: dict[int, str] = field(default_factory=dict)  # figure number -> "## N. ..." to its end

    @classmethod
    def parse(cls, text: str) -> Report:
        intro, parts = _split(text)
        if MACHINE not in parts or SUMMARY not in parts:
            raise ReportError(f"no '## {MACHINE}' and '## {SUMMARY}' sections: not a benchmark report")
        machine_rows, notes = _table(parts.pop(MACHINE))
        summary_rows, _ = _table(parts.pop(SUMMARY))
        sections = {}
        for title, body in parts.items():
            found = FIGURE.match(title)
            if not found:
                raise ReportError(f"unexpected section '## {title}'")
            sections[int(found.group(1))] = f"## {title}\n{body}"
        machine = []
        for line in machine_rows:
            label, _, value = line.strip().strip("|").partition(" | ")
            machine.append((label.strip(), value.strip()))
        return cls(intro, machine, notes, summary_rows, sections)

    def render(self) -> str:
        sections = [self.sections[n].rstrip("\n") + "\n" for n in sorted(self.sections)]
        return (
            self.intro
            + f"## {MACHINE}\n\n"
            + table(["", ""], [[k, v] for k, v in self.machine])
            + "\n"
            + self.notes
            + f"## {SUMMARY}\n\n"
            + "\n".join([*_head(["Figure", "Target", "SQLite", "PostgreSQL"]), *self.summary])
            + "\n\n"
            + "\n".join(sections)
        )


def _split(text: str) -> tuple[str, dict[str, str]]:
    """The text before the first level-2 heading, and each heading's title -> its body (fences skipped)."""
    intro: list[str] = []
    parts: dict[str, list[str]] = {}
    current = intro
    fenced = False
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            title = line[3:].strip()
            if title in parts:
                raise ReportError(f"two sections '## {title}'")
            current = parts[title] = []
            continue
        current.append(line)
    return "".join(intro), {title: "".join(lines) for title, lines in parts.items()}


def _table(body: str) -> tuple[list[str], str]:
    """The data rows of the first table in ``body`` (header and rule dropped), and the text after it."""
    lines = body.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("|")), None)
    if start is None:
        raise ReportError("a section lacks its table")
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    rows = [line.rstrip("\n") for line in lines[start + 2 : end]]
    return rows, "".join(lines[end:])


def _head(columns: list[str]) -> list[str]:
    return table(columns, []).splitlines()


def figure_number(title: str) -> int:
    found = FIGURE.match(title)
    if not found:
        raise ValueError(f"a figure's title starts with its number: {title!r}")
    return int(found.group(1))


def _numbers(numbers: set[int]) -> str:
    """{1, 2, 3, 5, 8, 9} as "1–3, 5, 8, 9"."""
    ordered = sorted(numbers)
    out: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        if j - i >= 2:
            out.append(f"{ordered[i]}–{ordered[j]}")
        else:
            out.extend(str(n) for n in ordered[i : j + 1])
        i = j + 1
    return ", ".join(out)


def _parse_numbers(text: str) -> set[int]:
    found: set[int] = set()
    for part in text.split(","):
        low, _, high = part.strip().partition("–")
        if low.isdigit():
            found.update(range(int(low), int(high or low) + 1))
    return found


@dataclass
class Run:
    """This run's provenance: when, how, and on what machine (the rows bench/run.py collects)."""

    date: str
    command: str
    load: str  # 1-minute load average before / after
    minutes: float
    machine: list[tuple[str, str]]


def merge(text: str, figures: dict[str, tuple[str, str, list[list[str]]]], run: Run) -> str:
    """``text`` (a report) with the figures of ``run`` merged in.

    ``figures`` maps a figure's name to (its section title, the section's Markdown, its summary rows),
    as bench/sections/ renders them.
    """
    report = Report.parse(text)
    merged = {figure_number(title) for title, _, _ in figures.values()}
    for title, body, _ in figures.values():
        report.sections[figure_number(title)] = f"## {title}\n\n{body}"
    new_rows = [line for _, _, rows in figures.values() for line in table(["x"] * 4, rows).splitlines()[2:]]
    kept = [line for line in report.summary if _row_figure(line) not in merged]
    report.summary = sorted([*kept, *new_rows], key=lambda line: _row_figure(line) or 10**6)
    report.machine = _provenance(report, merged, run)
    if "from the run described below" in report.intro:
        report.intro = report.intro.replace("from the run described below", "from the runs described below")
    return report.render()


def _row_figure(line: str) -> int | None:
    found = ROW_FIGURE.match(line)
    return int(found.group(1)) if found else None


def _provenance(report: Report, merged: set[int], run: Run) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    later: set[int] = set(merged)
    for label, value in report.machine:
        if label == ORIGINAL:
            continue
        if label.startswith(LATER):
            still = _parse_numbers(label.removeprefix(LATER)) - merged
            if not still:
                continue  # every figure of that run was measured again
            later |= still
            label = LATER + _numbers(still)
        rows.append((label, value))
    what = f"{run.date}: {run.command}; load average (1 min) before / after {run.load}; {run.minutes:.1f} min"
    old = dict(report.machine)
    differs = [f"{k}: {v}" for k, v in run.machine if k in SAME_MACHINE and k in old and old[k] != v]
    if differs:
        what += "; unlike the run above: " + "; ".join(differs)
    rows.append((LATER + _numbers(merged), what))
    original = set(report.sections) - later
    at = next((i + 1 for i, (label, _) in enumerate(rows) if label == "Command"), len(rows))
    rows.insert(at, (ORIGINAL, _numbers(original) if original else "none (every figure is from a later run)"))
    return rows
