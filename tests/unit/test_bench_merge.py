"""bench/run.py --merge: a later run's figures replace or join the report's, and the report says which run
each figure comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import merge
from bench.markdown import table

ROOT = Path(__file__).resolve().parents[2]
MACHINE = [
    ("Date", "2026-11-22 02:10 UTC"),
    ("Command", "`make bench`"),
    ("OS", "Linux-A"),
    ("Total run time", "5.9 min"),
]


def _report(figures: dict[int, str]) -> str:
    summary = [[f"{n}. Figure {n}", "≥ 1", f"{n}.0", f"{n}.1"] for n in figures]
    body = [f"## {n}. {title}\n\nOld text of {n}.\n" for n, title in figures.items()]
    return (
        "# Benchmarks\n\nWritten by `bench/run.py` (`make bench`) from the run described below.\n\n"
        "## Machine and command\n\n"
        + table(["", ""], [list(row) for row in MACHINE])
        + "\n\n- A note.\n\n## Summary\n\n"
        + table(["Figure", "Target", "SQLite", "PostgreSQL"], summary)
        + "\n\n"
        + "\n".join(body)
    )


def _run(date: str, os_name: str = "Linux-A") -> merge.Run:
    return merge.Run(date, f"`run at {date}`", "0.50 / 0.60", 2.0, [("OS", os_name)])


def _figure(n: int, title: str, rows: int = 1) -> tuple[str, str, list[list[str]]]:
    summary = [[f"{n}{'abc'[i]}. New {n}", "≤ 2", "new", "new"] for i in range(rows)]
    return f"{n}. {title}", f"New text of {n}.\n", summary


def test_the_report_in_the_repository_reads_back_as_it_is() -> None:
    text = (ROOT / "docs" / "benchmarks.md").read_text()
    assert merge.Report.parse(text).render() == text


def test_a_later_run_replaces_and_adds_figures_and_says_so() -> None:
    text = _report({1: "One", 2: "Two", 3: "Three"})
    out = merge.merge(text, {"two": _figure(2, "Two"), "four": _figure(4, "Four", rows=2)}, _run("D2"))
    report = merge.Report.parse(out)
    assert sorted(report.sections) == [1, 2, 3, 4]
    assert report.sections[1] == merge.Report.parse(text).sections[1]
    assert "New text of 2." in report.sections[2] and "Old text of 2." not in out
    figures = [row.split(" | ")[0] for row in report.summary]
    assert figures == ["| 1. Figure 1", "| 2a. New 2", "| 3. Figure 3", "| 4a. New 4", "| 4b. New 4"]
    machine = dict(report.machine)
    assert machine["Date"] == "2026-11-22 02:10 UTC"  # the original run keeps its rows
    assert machine[merge.ORIGINAL] == "1, 3"
    assert machine[merge.LATER + "2, 4"].startswith("D2: `run at D2`; load average (1 min) before / after")
    assert [label for label, _ in report.machine][:3] == ["Date", "Command", merge.ORIGINAL]
    assert "from the runs described below" in out


def test_merging_again_moves_figures_to_the_newest_run() -> None:
    once = merge.merge(
        _report({1: "One", 2: "Two", 3: "Three"}),
        {"a": _figure(2, "Two"), "b": _figure(3, "Three")},
        _run("D2"),
    )
    twice = merge.merge(
        once, {"b": _figure(3, "Three"), "a": _figure(1, "One")}, _run("D3", os_name="Linux-B")
    )
    machine = dict(merge.Report.parse(twice).machine)
    assert machine[merge.LATER + "2"].startswith("D2:")
    assert machine[merge.LATER + "1, 3"].startswith("D3:")
    assert "unlike the run above: OS: Linux-B" in machine[merge.LATER + "1, 3"]
    assert machine[merge.ORIGINAL] == "none (every figure is from a later run)"
    thrice = dict(merge.Report.parse(merge.merge(twice, {"b": _figure(3, "Three")}, _run("D4"))).machine)
    assert [k for k in thrice if k.startswith(merge.LATER)] == [merge.LATER + n for n in ("2", "1", "3")]
    assert thrice[merge.LATER + "1"].startswith("D3:") and thrice[merge.LATER + "3"].startswith("D4:")


def test_ranges_of_figures() -> None:
    assert merge._numbers({1, 2, 3, 5, 8, 9}) == "1–3, 5, 8, 9"
    assert merge._parse_numbers("1–3, 5, 8, 9") == {1, 2, 3, 5, 8, 9}


def test_a_file_that_is_no_report_is_refused() -> None:
    with pytest.raises(merge.ReportError):
        merge.Report.parse("# Notes\n\nNothing here.\n")
