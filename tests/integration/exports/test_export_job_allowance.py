"""Export jobs are held per caller: another caller's burst neither evicts your file nor goes unbounded."""

from __future__ import annotations

import asyncio
import time

from exports import jobs as export_jobs
from ropa.errors import Invalid

PROBLEM = "application/problem+json"


def _start(secured, role, entity):
    return secured.client.post(
        "/api/exports", headers=secured.as_(role), json={"entity": entity, "format": "xlsx", "lang": "en"}
    )


def _finished(secured, role, url):
    for _ in range(600):
        status = secured.client.get(url, headers=secured.as_(role)).json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.02)
    raise AssertionError(f"job did not finish: {status}")


def _officers_finished_job(secured):
    started = _start(secured, "officer", "TECHEM-DK")
    assert started.status_code == 202, started.text
    done = _finished(secured, "officer", started.json()["status_url"])
    assert done["status"] == "done"
    return done


def test_a_burst_beyond_the_cap_is_429_and_leaves_other_callers_files(secured, monkeypatch):
    mine = _officers_finished_job(secured)

    async def never_finishes(*args, **kwargs):
        await asyncio.sleep(3600)  # cancelled when the app stops

    monkeypatch.setattr(export_jobs, "export", never_finishes)
    answers = [_start(secured, "regulator", "TECHEM-NO") for _ in range(60)]
    # The officer's file is still there, and the officer may still start jobs of its own.
    status = secured.client.get(mine["status_url"], headers=secured.as_("officer"))
    assert status.status_code == 200 and status.json()["status"] == "done"
    download = secured.client.get(mine["download_url"], headers=secured.as_("officer"))
    assert download.status_code == 200 and download.headers["x-export-sha256"] == mine["sha256"]
    assert _start(secured, "officer", "TECHEM-DK").status_code == 202
    # The regulator's burst got its allowance, then 429s that say when to try again.
    accepted = [a for a in answers if a.status_code == 202]
    refused = [a for a in answers if a.status_code != 202]
    assert refused and {a.status_code for a in refused} == {429}
    assert refused[0].headers["content-type"].startswith(PROBLEM)
    assert int(refused[0].headers["retry-after"]) > 0
    assert "queued or running" in refused[0].json()["detail"]
    assert len(accepted) == export_jobs.MAX_ACTIVE_PER_ACTOR


def test_a_callers_many_finished_jobs_push_out_only_its_own_oldest(secured, monkeypatch):
    mine = _officers_finished_job(secured)

    async def fails_at_once(*args, **kwargs):
        raise Invalid.of([("entity", "nothing to export")])

    monkeypatch.setattr(export_jobs, "export", fails_at_once)
    urls = []
    for _ in range(60):  # each finishes before the next starts: never more than one unfinished
        started = _start(secured, "regulator", "TECHEM-NO")
        assert started.status_code == 202, started.text
        urls.append(started.json()["status_url"])
        assert _finished(secured, "regulator", urls[-1])["status"] == "failed"
    get = secured.client.get
    assert get(mine["status_url"], headers=secured.as_("officer")).status_code == 200
    kept = [u for u in urls if get(u, headers=secured.as_("regulator")).status_code == 200]
    assert kept == urls[-export_jobs.KEEP_FINISHED_PER_ACTOR :]
