"""Figure 7: full findings evaluation of a 1,000-activity register (read snapshot + every rule)."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from bench.common import Profiler, args_for, cloned_register, migrate, throwaway, write_result

ACTIVITIES = 1_000
RUNS = 5


async def _evaluate(register: Any, profile: bool) -> dict[str, Any]:
    import datetime as dt

    from ropa import db
    from ropa.findings.services import list_findings
    from ropa.porting.services import import_register, snapshot_register
    from ropa.rules.engine import evaluate
    from ropa.rules.model import Context

    await db.open_pool()
    try:
        await import_register(register, source="bench")
        totals, rules_only, count = [], [], 0
        for _ in range(RUNS):
            started = time.perf_counter()
            count = len(await list_findings())
            totals.append(time.perf_counter() - started)
            snapshot = await snapshot_register()
            started = time.perf_counter()
            evaluate(snapshot, Context.build(snapshot.vocabularies, dt.date.today()))
            rules_only.append(time.perf_counter() - started)
        result: dict[str, Any] = {
            "activities": ACTIVITIES,
            "findings": count,
            "seconds": statistics.median(totals),
            "rules_seconds": statistics.median(rules_only),
        }
        if profile:
            with Profiler() as profiler:
                await list_findings()
            result["profile"] = "list_findings() under cProfile (main thread)\n\n" + profiler.top(25)
    finally:
        await db.close_pool()
    return result


def main() -> None:
    args = args_for(__doc__ or "")
    with throwaway(args.engine, "findings") as env:
        migrate(env)
        result = asyncio.run(_evaluate(cloned_register(ACTIVITIES), args.profile))
        write_result(args.out, {"figure": "findings", "engine": args.engine, **result})


if __name__ == "__main__":
    main()
