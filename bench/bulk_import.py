"""Figure 2: import of 10,000 activities into an empty migrated database through import_register."""

from __future__ import annotations

import asyncio
from typing import Any

from bench.common import Profiler, Timer, args_for, cloned_register, migrate, throwaway, write_result

ACTIVITIES = 10_000
PROFILED = 1_000


async def _import(register: Any, profile: bool) -> dict[str, Any]:
    from audit.tables import AuditEvent
    from ropa import db
    from ropa.porting.services import import_register

    await db.open_pool()
    try:
        events_before = await AuditEvent.count()
        with Timer() as timer:
            counts = await import_register(register, source="bench")
        events = await AuditEvent.count() - events_before
        result: dict[str, Any] = {
            "counts": counts,
            "seconds": timer.seconds,
            "activities_per_s": counts["activities"] / timer.seconds,
            "records_per_s": sum(counts.values()) / timer.seconds,
            "audit_events": events,
            "audit_events_per_s": events / timer.seconds,
        }
        if profile:  # a second, smaller import under a second entity, profiled apart from the timing
            other = cloned_register(PROFILED, prefix="PROF", entity_key="BENCH-PROFILE")
            with Profiler() as profiler:
                await import_register(other, source="bench-profile")
            result["profile"] = (
                f"import_register of {PROFILED} more activities under cProfile (main thread)\n\n"
                + profiler.top(30)
            )
    finally:
        await db.close_pool()
    return result


def main() -> None:
    args = args_for(__doc__ or "")
    with throwaway(args.engine, "import") as env:
        migrate(env)
        result = asyncio.run(_import(cloned_register(ACTIVITIES), args.profile))
        write_result(args.out, {"figure": "import", "engine": args.engine, **result})


if __name__ == "__main__":
    main()
