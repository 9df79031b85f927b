"""Background export jobs: large registers render outside the request, with status and download.

Jobs live in the process that started them (a restart forgets them; the export itself, once
finished, is in the audit log and can be made again with the same bytes). Finished files are
kept in memory for ``KEEP_SECONDS``. Each caller has its own allowance, so one caller's burst
never pushes out another's files: at most ``MAX_ACTIVE_PER_ACTOR`` jobs queued or running (the
next one is refused with 429 and Retry-After), and the last ``KEEP_FINISHED_PER_ACTOR`` finished.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog

from audit.integrator import Integrator
from exports.render_worker import RenderFailed
from exports.service import ExportRequest, ExportResult, export
from ropa.errors import DomainError, TooManyJobs

MAX_ACTIVE_PER_ACTOR = 10
KEEP_FINISHED_PER_ACTOR = 10
KEEP_SECONDS = 3600
RETRY_AFTER_S = 30  # an export of a large register takes about that long
log = structlog.get_logger("ropa.exports")


@dataclass
class Job:
    id: str
    request: ExportRequest
    actor: str
    status: Literal["queued", "running", "done", "failed"] = "queued"
    stage: str = "queued"
    progress: float = 0.0
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    finished_at: dt.datetime | None = None
    result: ExportResult | None = None
    error: dict[str, Any] | None = None

    def public(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "stage": self.stage,
            "progress": round(self.progress, 3),
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "entity": self.request.entity,
            "format": self.request.format,
            "status_url": f"/api/exports/{self.id}",
        }
        if self.result is not None:
            out |= {
                "download_url": f"/api/exports/{self.id}/download",
                "filename": self.result.filename,
                "sha256": self.result.sha256,
                "export_id": self.result.meta.export_id,
                "bytes": len(self.result.content),
            }
        if self.error is not None:
            out["error"] = self.error
        return out


class Jobs:
    def __init__(self, integrator: Integrator) -> None:
        self.integrator = integrator
        self.jobs: dict[str, Job] = {}  # every caller's, by id, oldest first
        self.tasks: set[asyncio.Task[None]] = set()

    def submit(self, req: ExportRequest, actor: str) -> Job:
        """Queue an export for ``actor``; refused (429) while it has ``MAX_ACTIVE_PER_ACTOR`` unfinished."""
        self._forget_old(actor)
        active = sum(1 for j in self.jobs.values() if j.actor == actor and j.finished_at is None)
        if active >= MAX_ACTIVE_PER_ACTOR:
            log.info("export.job_refused", actor=actor, active=active)
            raise TooManyJobs(active, RETRY_AFTER_S)
        job = Job(str(uuid.uuid4()), req, actor)
        self.jobs[job.id] = job
        task = asyncio.create_task(self._run(job))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return job

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    async def _run(self, job: Job) -> None:
        def progress(stage: str, fraction: float) -> None:
            job.stage, job.progress = stage, fraction

        job.status = "running"
        try:
            job.result = await export(job.request, self.integrator, progress)
            job.status = "done"
        except DomainError as exc:
            job.status, job.error = "failed", {"status": exc.status, "detail": exc.detail}
        except Exception as exc:  # the job reports failure; the log has the type, never the content
            # A render in the worker process names what it raised there (render_worker.RenderFailed).
            error = exc.kind if isinstance(exc, RenderFailed) else type(exc).__name__
            log.error("export.job_failed", job=job.id, error=error)
            job.status, job.error = "failed", {"status": 500, "detail": "the export failed"}
        job.finished_at = dt.datetime.now(dt.UTC)
        self._forget_old(job.actor)

    def _forget_old(self, actor: str) -> None:
        """Drop anyone's files past ``KEEP_SECONDS``, and ``actor``'s finished jobs but the last few."""
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=KEEP_SECONDS)
        expired = [i for i, j in self.jobs.items() if j.finished_at is not None and j.finished_at < cutoff]
        finished = sorted(
            (j for j in self.jobs.values() if j.actor == actor and j.finished_at is not None),
            key=lambda j: j.finished_at or cutoff,
        )
        surplus = [j.id for j in finished[: max(len(finished) - KEEP_FINISHED_PER_ACTOR, 0)]]
        for job_id in {*expired, *surplus}:
            self.jobs.pop(job_id, None)

    async def wait(self) -> None:
        """Wait for every running job."""
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def cancel(self) -> None:
        """Stop every running job (at shutdown): nothing half-made is recorded as exported."""
        for task in self.tasks:
            task.cancel()
        await self.wait()
