"""The served app renders exports in a worker process: the same bytes, its progress, a render that fails,
a worker that died."""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from exports import jobs, pdf, render_worker, xlsx
from tests.conftest import ENGINE
from tests.integration.exports.export_support import export, export_events


@pytest.fixture
def worker_client(demo_database: str) -> Iterator[Any]:
    """The app as ``ropa serve`` runs it: exports rendered in its worker process."""
    from litestar.testing import TestClient

    from ropa.app import create_app
    from ropa.settings import get_settings

    settings = dataclasses.replace(get_settings(), export_render_process=True)
    with TestClient(create_app(settings, pool=ENGINE == "sqlite", integrator=False)) as client:
        assert render_worker.running()
        yield client
    assert not render_worker.running()


def _refuse_here(*args: Any) -> bytes:
    raise AssertionError("rendered in the server's own process")


def test_the_worker_renders_the_same_bytes_as_a_thread_and_the_server_does_not_render(
    demo_client, worker_client, monkeypatch
):
    for fmt in ("pdf", "xlsx"):
        here = export(demo_client, "TECHEM-DK", fmt, lang="da")
        monkeypatch.setattr(pdf, "render_pdf", _refuse_here)  # the worker has its own, untouched
        monkeypatch.setattr(xlsx, "render_xlsx", _refuse_here)
        there = export(worker_client, "TECHEM-DK", fmt, lang="da")
        monkeypatch.undo()
        # Same state, same options: the worker's export is a reissue of the thread's, byte for byte.
        assert there.headers["x-export-id"] == here.headers["x-export-id"]
        assert there.content == here.content
        assert there.headers["x-export-sha256"] == here.headers["x-export-sha256"]
    ids = [e["export_id"] for e in export_events(worker_client)]
    assert ids.count(here.headers["x-export-id"]) == 2  # each render audited, the reissue too
    # The worker gives way to the server's requests when both want a core.
    priorities = {os.getpriority(os.PRIO_PROCESS, p.pid) for p in multiprocessing.active_children()}
    assert priorities and min(priorities) >= render_worker.NICENESS


def test_a_jobs_progress_comes_from_the_worker(worker_client, monkeypatch):
    stages: list[str] = []
    real = jobs.export

    async def watched(request: Any, integrator: Any, progress: Any) -> Any:
        def seen(stage: str, fraction: float) -> None:
            stages.append(stage)
            progress(stage, fraction)

        return await real(request, integrator, seen)

    monkeypatch.setattr(jobs, "export", watched)
    monkeypatch.setattr(pdf, "render_pdf", _refuse_here)
    started = worker_client.post("/api/exports", json={"entity": "TECHEM-NO", "format": "pdf"})
    assert started.status_code == 202
    for _ in range(600):
        status = worker_client.get(started.json()["status_url"]).json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert status["status"] == "done", status
    # html, layout and write are reported by the render, which ran in the worker.
    assert stages[0] == "prepare" and stages[-1] == "done"
    assert {"html", "layout", "write"} <= set(stages)


def test_a_worker_that_died_is_replaced_and_the_export_is_made(worker_client):
    export(worker_client, "TECHEM-DK", "xlsx")
    workers = multiprocessing.active_children()
    assert workers, "no worker process"
    for worker in workers:  # Ctrl-C in the terminal, SIGTERM to the group: the server stops it, not they
        os.kill(worker.pid, signal.SIGINT)
        os.kill(worker.pid, signal.SIGTERM)
    time.sleep(0.5)
    assert all(worker.is_alive() for worker in workers)
    assert export(worker_client, "TECHEM-DK", "xlsx").content.startswith(b"PK")
    for worker in workers:
        os.kill(worker.pid, signal.SIGKILL)  # as the kernel's OOM killer would
        worker.join(10)
    response = export(worker_client, "TECHEM-NO", "pdf")
    assert response.content.startswith(b"%PDF-")
    assert response.headers["x-export-id"] in [e["export_id"] for e in export_events(worker_client)]


class _Odd(Exception):
    """An exception whose __init__ takes other arguments than its args: it does not unpickle."""

    def __init__(self, first: int, second: int) -> None:
        super().__init__(f"register text {first}{second}")


class _Exploding:
    """A document whose render raises _Odd in the worker."""

    @property
    def meta(self) -> Any:
        raise _Odd(1, 2)


def test_a_render_that_raises_fails_alone_without_its_message_and_the_worker_stays():
    render_worker.start()
    try:
        workers = {p.pid for p in multiprocessing.active_children()}
        for _ in range(2):
            with pytest.raises(render_worker.RenderFailed) as failed:
                asyncio.run(render_worker.render(_Exploding(), lambda stage, fraction: None))  # type: ignore[arg-type]
            assert "_Odd" in str(failed.value) and "register text" not in str(failed.value)
            assert failed.value.kind == f"{__name__}._Odd"
        assert {p.pid for p in multiprocessing.active_children()} == workers, "the worker was not replaced"
    finally:
        render_worker.stop()


def test_a_failed_job_logs_what_the_worker_raised_not_its_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """Internal audit reading the log of a failed export job sees the exception raised in the worker,
    not RenderFailed, the wrapper every failed render comes back as; and never the register's text."""
    from exports.service import ExportRequest

    logged: list[dict[str, Any]] = []

    class Log:  # the job runner's logger (structlog's capture misses a logger cached before it)
        def error(self, event: str, **fields: Any) -> None:
            logged.append({"event": event, **fields})

        info = warning = error

    async def export_in_worker(request: Any, integrator: Any, progress: Any) -> Any:
        return await render_worker.render(_Exploding(), progress)  # type: ignore[arg-type]

    async def scenario() -> jobs.Job:
        runner = jobs.Jobs(integrator=None)  # type: ignore[arg-type]
        job = runner.submit(ExportRequest(entity="TECHEM-DK"), actor="officer")
        await asyncio.gather(*runner.tasks)
        return job

    monkeypatch.setattr(jobs, "export", export_in_worker)
    monkeypatch.setattr(jobs, "log", Log())
    render_worker.start()
    try:
        job = asyncio.run(scenario())
    finally:
        render_worker.stop()
    assert job.status == "failed" and job.error == {"status": 500, "detail": "the export failed"}
    failed = [e for e in logged if e["event"] == "export.job_failed"]
    assert [e["error"] for e in failed] == [f"{__name__}._Odd"]
    assert "register text" not in repr(logged)


class _Slow:
    """A document whose render, in the worker, takes a while and then raises: a render in flight."""

    @property
    def meta(self) -> Any:
        time.sleep(1.5)
        raise _Odd(3, 4)


def test_a_worker_killed_with_a_render_waiting_leaks_nothing_of_the_server():
    """The worker dies (the kernel's OOM killer) while one render runs and another waits: both are
    tried again in a new worker, and the server keeps no descriptor or handle of the lost ones."""
    from multiprocessing import resource_sharer

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    async def scenario() -> list[Any]:
        slow: Any = _Slow()
        started = [asyncio.create_task(render_worker.render(slow, lambda s, f: None)) for _ in range(2)]
        await asyncio.sleep(0.8)  # the first render is in the worker, the second waits for it
        for worker in multiprocessing.active_children():
            assert worker.pid is not None
            os.kill(worker.pid, signal.SIGKILL)
        return await asyncio.gather(*started, return_exceptions=True)

    render_worker.start()
    try:
        before = open_fds()
        outcomes = asyncio.run(scenario())
        assert all(isinstance(o, render_worker.RenderFailed) for o in outcomes), outcomes
        shared = getattr(resource_sharer._resource_sharer, "_cache", {})
        assert not shared, "a descriptor handed to the dead worker is still held for it"
    finally:
        render_worker.stop()
    for _ in range(100):  # the broken pool's threads let go of their pipes as they end
        if open_fds() <= before:
            break
        time.sleep(0.05)
    assert open_fds() <= before
