"""Markdown helpers for the benchmark report: numbers, tables, verdicts, profiles."""

from __future__ import annotations

from typing import Any

Results = dict[str, dict[str, dict[str, Any]]]  # figure -> engine -> result
ENGINE_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def met(ok: bool) -> str:
    return "**met**" if ok else "**NOT met**"


def table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def profile(title: str, text: str | None) -> str:
    if not text:
        return ""
    return f"\n<details><summary>{title}</summary>\n\n```text\n{text}\n```\n</details>\n"


def failed(runs: dict[str, dict[str, Any]]) -> str:
    return "".join(
        f"\n**{ENGINE_NAMES[e]}: the benchmark failed.**\n\n```text\n{r['error']}\n```\n"
        for e, r in runs.items()
        if "error" in r
    )


def ok(runs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e: r for e, r in runs.items() if "error" not in r}


def first(runs: dict[str, dict[str, Any]], key: str) -> Any:
    return next((r[key] for r in runs.values() if key in r), "")


def cells(runs: dict[str, dict[str, Any]], cell: Any) -> list[str]:
    """One summary cell per engine: cell(result), or what went wrong, or that it did not run."""
    out = []
    for engine in ENGINE_NAMES:
        result = runs.get(engine)
        out.append("not run" if result is None else "FAILED" if "error" in result else cell(result))
    return out
