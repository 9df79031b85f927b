"""Figure 10, the wizard's part: each step of the new-activity wizard, its page (GET) and its save (POST).

Run by ``bench/web_register.py`` on the same server and register (1,000 activities, access control
off), after the register pages, since its saves add drafts to the register. Each save is what a
browser posts: a form, answered by a 303 to the next page, timed to the end of that answer.
"""

from __future__ import annotations

import re
import statistics
import time
from typing import Any
from urllib.parse import urlencode

from bench.common import percentile

STEPS = ("purposes", "data", "recipients", "transfers", "retention", "security", "review")
# The pickers a step posts: its first option on the page is ticked.
PICKS = {
    "data": ("data_subjects", "data_categories"),
    "recipients": ("recipients",),
    "transfers": ("transfers",),
    "retention": ("retention",),
    "security": ("security_measures",),
}
PURPOSE = [
    ("role", "controller"),
    ("description", "Benchmark draft"),
    ("purpose_count", "0"),
    ("purpose-0-description", "Answering customers"),
    ("purpose-0-legal_bases", "art6_1_b"),
]


def summary(times_ms: list[float], sizes: set[int]) -> dict[str, Any]:
    return {
        "samples": len(times_ms),
        "p50_ms": percentile(times_ms, 50),
        "p95_ms": percentile(times_ms, 95),
        "p99_ms": percentile(times_ms, 99),
        "mean_ms": statistics.fmean(times_ms),
        "max_ms": max(times_ms),
        "body_bytes": max(sizes),
    }


def _post(connection: Any, path: str, fields: list[tuple[str, str]]) -> tuple[float, int, str]:
    """One form post on the keep-alive connection: seconds, status, the redirect's target."""
    body = urlencode(fields).encode()
    headers = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}
    headers["accept-language"] = "en"
    started = time.perf_counter()
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    return time.perf_counter() - started, response.status, response.getheader("location") or ""


def _timed(calls: list[Any], expect: int) -> tuple[dict[str, Any], list[Any]]:
    """Each call once, in order: their times' summary and their answers (the last element)."""
    times, sizes, answers = [], set(), []
    for call in calls:
        seconds, status, answer = call()
        assert status == expect, (status, answer[:300])
        times.append(seconds * 1000)
        sizes.add(len(answer))
        answers.append(answer)
    return summary(times, sizes), answers


def _create(client: Any, entity: str, key: str) -> tuple[float, int, str]:
    fields = [("key", key), ("name", f"Wizard {key}"), *PURPOSE, ("go", "save")]
    return _post(client.connection, f"/entities/{entity}/activities/wizard", fields)


def _saved(location: str) -> tuple[str, int]:
    """The draft's step URL and its version, from a save's redirect."""
    match = re.fullmatch(r"(/entities/[^/]+/activities/[^/]+)/wizard/\w+\?saved=(\d+)", location)
    assert match, location
    return match[1], int(match[2])


def measure(client: Any, entity: str, samples: int, warmup: int) -> dict[str, Any]:
    """p50/p95/p99 of each step's page and save; ``client`` is web_register's keep-alive Client."""
    out: dict[str, Any] = {}
    new = f"/entities/{entity}/activities/wizard"
    for _ in range(warmup):
        client.get(new)
    out["get:new"] = _timed([lambda: client.get(new)] * samples, 200)[0]
    # The first step's save creates a draft each time: those drafts are submitted at the end.
    stamp = time.time_ns()
    creates = [lambda i=i: _create(client, entity, f"WIZ-{stamp}-{i}") for i in range(warmup + samples)]
    locations = [c()[2] for c in creates[:warmup]]
    out["post:new"], created = _timed(creates[warmup:], 303)
    drafts = [_saved(location)[0] for location in locations + created]
    draft, version = _saved(locations[0] if locations else created[0])
    for step in STEPS:
        path = f"{draft}/wizard/{step}"
        for _ in range(warmup):
            client.get(path)
        out[f"get:{step}"] = _timed([lambda path=path: client.get(path)] * samples, 200)[0]
        if step == "review":
            break
        _, _, page = client.get(path)
        fields = [("name", "Wizard draft"), *PURPOSE] if step == "purposes" else []
        for name in PICKS.get(step, ()):
            fields += [(name, v) for v in re.findall(rf'name="{name}" value="([^"]+)"'.encode(), page)[:1]]
        fields = [(k, v.decode() if isinstance(v, bytes) else v) for k, v in fields]
        if step == "security":
            fields.append(("security_description", "Access control"))

        def save(path: str = path, fields: list[tuple[str, str]] = fields) -> tuple[float, int, str]:
            nonlocal version
            answer = _post(client.connection, path, [*fields, ("version", str(version)), ("go", "save")])
            version = _saved(answer[2])[1] if answer[1] == 303 else version
            return answer

        for _ in range(warmup):
            save()
        out[f"post:{step}"] = _timed([save] * samples, 303)[0]
    # Submitting: each other draft once; every one of them is at version 1, as created.
    submit = [
        lambda d=d: _post(client.connection, f"{d}/wizard/review", [("version", "1")]) for d in drafts[1:]
    ]
    out["post:review"] = _timed(submit[:samples], 303)[0]
    return out
