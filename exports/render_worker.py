"""The server's exports rendered in a process of their own, so that a render never holds its GIL.

WeasyPrint and openpyxl are pure Python for the most part: a PDF rendered in a thread of the server
holds the interpreter's lock for most of its seconds, and every request the server answers meanwhile
waits for it (the mixed load of bench/load.py: p99 of all requests 571 ms on SQLite while a regulator
exported, figure 11 in docs/benchmarks.md). The served app starts one worker process (``start``, in
its lifespan) and renders there; the render's progress comes back through a pipe. Only the served
app does: the CLI, the tests and the benchmarks of one export render in a thread, as before.

A large register's PDF (``exports.pdf_chunks``) is not rendered here: its chunks are laid out in a
pool of their own, and the server only merges them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

import structlog

from exports import pdf_chunks

if TYPE_CHECKING:
    from exports.document import Document

Progress = Callable[[str, float], None]

log = structlog.get_logger("ropa.exports")

_lock = threading.Lock()
_pool: concurrent.futures.ProcessPoolExecutor | None = None
WORKERS = 1  # renders take turns: the server keeps the other core


NICENESS = 10  # a render yields the processor to the server's requests when both want it


def _worker_started() -> None:
    """In the worker, before any render: lower priority; the server's log format; and no signals of
    the terminal or the service manager (Ctrl-C, SIGTERM to the group): the server stops the worker
    itself in its shutdown, after the render under way."""
    os.nice(NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from ropa.logging import configure
    from ropa.settings import get_settings

    settings = get_settings()
    configure(settings.log_level, settings.log_json)


class RenderFailed(RuntimeError):
    """The render raised in the worker: its exception's type and frames, not its message."""

    @property
    def kind(self) -> str:
        """The qualified name of the exception the render raised (``weasyprint....Error``)."""
        return str(self.args[0]).split(" in\n", 1)[0] if self.args else "unknown"


def _warm() -> None:
    """Import the renderers in the worker, so that the first export does not pay for it."""
    import exports.pdf  # noqa: F401
    import exports.xlsx  # noqa: F401


def _render(doc: Document, progress: Connection) -> bytes:
    from exports.service import render

    def report(stage: str, fraction: float) -> None:
        progress.send((stage, fraction))

    try:
        return render(doc, report)
    except Exception as exc:
        # What reaches the server must unpickle there: an exception whose __init__ takes other
        # arguments than its args would break the pool, as a dead worker does. It is named, with its
        # frames, but not its message, which may quote the register.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        raise RenderFailed(f"{type(exc).__module__}.{type(exc).__qualname__} in\n{frames}") from None
    finally:
        progress.close()


def start() -> None:
    """Start the worker process (it imports the renderers at once, in the background)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = _new_pool()
            _pool.submit(_warm)


def running() -> bool:
    return _pool is not None


def takes(doc: Document) -> bool:
    """Whether ``doc`` renders here: the worker runs, and it is not a PDF laid out in chunks (those
    have a pool of their own)."""
    return running() and not (doc.meta.format == "pdf" and pdf_chunks.wanted(len(doc.view.activities)))


def stop() -> None:
    """Stop the worker: a render under way is finished first, those waiting are dropped."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _new_pool() -> concurrent.futures.ProcessPoolExecutor:
    # spawn: the server has threads and an event loop, which a fork would copy mid-flight.
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=WORKERS, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_started
    )


def _in_service() -> concurrent.futures.ProcessPoolExecutor:
    with _lock:
        if _pool is None:
            raise RuntimeError("the export worker is not running")
        return _pool


def _replace(broken: concurrent.futures.ProcessPoolExecutor) -> None:
    """A worker that died (killed, out of memory) breaks its pool: the next export gets a new one."""
    global _pool
    with _lock:
        if _pool is broken:
            _pool = _new_pool()
            _pool.submit(_warm)
    broken.shutdown(wait=False, cancel_futures=True)


async def render(doc: Document, progress: Progress) -> bytes:
    """``exports.service.render(doc, progress)`` in the worker process."""
    loop = asyncio.get_running_loop()
    receiver, sender = multiprocessing.Pipe(duplex=False)

    def forward() -> None:
        try:
            while receiver.poll():
                stage, fraction = receiver.recv()
                progress(str(stage), float(fraction))
        except (EOFError, OSError):
            loop.remove_reader(receiver.fileno())

    loop.add_reader(receiver.fileno(), forward)
    try:
        # A worker that died (killed, out of memory) breaks its pool; whether it died before this
        # render or during it, the render is tried once more in a new worker.
        for attempt in (1, 2):
            pool = _in_service()
            try:
                return await loop.run_in_executor(pool, _render, doc, sender)
            except concurrent.futures.process.BrokenProcessPool:
                log.error("export.worker_died", attempt=attempt)
                _replace(pool)
        raise RuntimeError("the export worker stopped twice before the export was rendered")
    finally:
        loop.remove_reader(receiver.fileno())
        forward()  # the stages reported just before the worker returned
        receiver.close()
        sender.close()
