"""Figure 9: the cost of authentication: GET /api/activities?limit=50 with a bearer token vs auth off."""

from __future__ import annotations

import asyncio
import urllib.request
from typing import Any

from bench.common import CpuMeter, args_for, cloned_register, migrate, throwaway, write_result
from bench.list_health import _free_port, _load, _start, _stop, _wrk

ACTIVITIES = 1000
WARMUP_S = 3
DURATION_S = 10
ROUNDS = 2  # on, off, on, off: the machine's drift falls on both
PATH = "/api/activities?limit=50"


async def _token() -> str:
    from ropa import db
    from ropa.access.credentials import create_token
    from ropa.access.users import add_user

    await db.open_pool()
    try:
        await add_user("bench-officer", "compliance_officer", None, ["*"])
        token = await create_token("bench-officer", "bench")
        assert token.secret
        return token.secret
    finally:
        await db.close_pool()


def _get(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def main() -> None:
    args = args_for(__doc__ or "")
    with throwaway(args.engine, "auth") as env:
        migrate(env)
        asyncio.run(_load(cloned_register(ACTIVITIES)))
        secret = asyncio.run(_token())
        header = f"Authorization: Bearer {secret}"
        runs: dict[str, list[dict[str, Any]]] = {"token": [], "off": []}
        for _ in range(ROUNDS):
            for mode in ("token", "off"):
                port = _free_port()
                server = _start(port, {**env, "ROPA_AUTH": "on" if mode == "token" else "off"})
                try:
                    url = f"http://127.0.0.1:{port}{PATH}"
                    headers = (header,) if mode == "token" else ()
                    if mode == "token":  # the guard is on: without the token it is refused
                        assert _get(url, {}) == 401
                        assert _get(url, {"Authorization": f"Bearer {secret}"}) == 200
                    _wrk(url, WARMUP_S, latency=False, headers=headers)
                    with CpuMeter(server.pid) as cpu:
                        run = _wrk(url, DURATION_S, headers=headers)
                    run["cpu"] = cpu.as_dict()
                    runs[mode].append(run)
                finally:
                    _stop(server)
        rps = {mode: sum(r["rps"] for r in rs) / len(rs) for mode, rs in runs.items()}
        write_result(
            args.out,
            {
                "figure": "auth",
                "engine": args.engine,
                "activities": ACTIVITIES,
                "runs": runs,
                "rps": rps,
                "ratio": rps["token"] / rps["off"],
                "wrk": f"wrk -t1 -c16 -d{DURATION_S}s --latency, {ROUNDS} rounds of token then off",
            },
        )


if __name__ == "__main__":
    main()
