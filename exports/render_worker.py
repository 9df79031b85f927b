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
import contextlib
import itertools
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

import structlog

from exports import pdf_chunks

if TYPE_CHECKING:
    from exports.document import Document

Progress = Callable[[str, float], None]

log = structlog.get_logger("ropa.exports")

_lock = threading.Lock()
_running: _Worker | None = None  # the worker in service, if any
WORKERS = 1  # renders take turns: the server keeps the other core
PROGRESS_WAIT = 5.0  # seconds a finished render's last stages may take to come through
_ids = itertools.count(1)
# The renders under way: their event loop, progress callback, and the event set when their last
# stage has come through.
_listeners: dict[int, tuple[asyncio.AbstractEventLoop, Progress, asyncio.Event]] = {}
_progress: Connection | None = None  # in the worker: where its renders report their stages


NICENESS = 10  # a render yields the processor to the server's requests when both want it


def _worker_started(progress: Connection) -> None:
    """In the worker, before any render: where its renders report their stages; lower priority; the
    server's log format; and no signals of the terminal or the service manager (Ctrl-C, SIGTERM to
    the group): the server stops the worker itself in its shutdown, after the render under way."""
    global _progress
    _progress = progress
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


def _render(doc: Document, render_id: int) -> bytes:
    from exports.service import render

    assert _progress is not None, "started by _worker_started"
    sink = _progress

    def report(stage: str, fraction: float) -> None:
        sink.send((render_id, stage, fraction))

    try:
        return render(doc, report)
    except Exception as exc:
        # What reaches the server must unpickle there: an exception whose __init__ takes other
        # arguments than its args would break the pool, as a dead worker does. It is named, with its
        # frames, but not its message, which may quote the register.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        raise RenderFailed(f"{type(exc).__module__}.{type(exc).__qualname__} in\n{frames}") from None
    finally:
        sink.send((render_id, None, None))  # the last stage: sent before the result is


class _Worker:
    """The worker's pool, and the pipe its renders report their stages through.

    The pipe's sending end is handed to the worker process once, as it is spawned. Handing one to
    each render instead (a ``Connection`` among the call's arguments) left the server holding a
    copy of its descriptor for the worker to fetch (``multiprocessing.resource_sharer``) for good
    when the worker died before it took a render waiting for it. A thread of the server reads the
    stages and passes each to its render's event loop."""

    def __init__(self) -> None:
        # spawn: the server has threads and an event loop, which a fork would copy mid-flight.
        context = multiprocessing.get_context("spawn")
        self.stages, self.sender = context.Pipe(duplex=False)
        self.closing = threading.Lock()
        self.pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=WORKERS, mp_context=context, initializer=_worker_started, initargs=(self.sender,)
        )
        threading.Thread(target=self._read, name="ropa-render-stages", daemon=True).start()
        self.pool.submit(_warm)  # imports the renderers in the worker at once, in the background

    def _read(self) -> None:
        try:
            while (message := self.stages.recv()) is not None:
                render_id, stage, fraction = message
                with _lock:
                    listener = _listeners.get(render_id)
                if listener is None:
                    continue
                loop, progress, last = listener
                try:
                    if stage is None:
                        loop.call_soon_threadsafe(last.set)
                    else:
                        loop.call_soon_threadsafe(progress, str(stage), float(fraction))
                except RuntimeError:  # the render's event loop has closed
                    continue
        except (EOFError, OSError):
            pass
        finally:
            self.stages.close()

    def shutdown(self, wait: bool) -> None:
        """Shut the pool down; then end the reading thread, after the stages sent before. Each of
        the renders a dead worker broke shuts its pool down: the second time does nothing more."""
        self.pool.shutdown(wait=wait, cancel_futures=True)
        with self.closing:  # not _lock, which the reading thread may be waiting for
            if self.sender.closed:
                return
            try:
                self.sender.send(None)
            finally:
                self.sender.close()


def start() -> None:
    """Start the worker process (it imports the renderers at once, in the background)."""
    global _running
    with _lock:
        if _running is None:
            _running = _Worker()


def running() -> bool:
    return _running is not None


def takes(doc: Document) -> bool:
    """Whether ``doc`` renders here: the worker runs, and it is not a PDF laid out in chunks (those
    have a pool of their own)."""
    return running() and not (doc.meta.format == "pdf" and pdf_chunks.wanted(len(doc.view.activities)))


def stop() -> None:
    """Stop the worker: a render under way is finished first, those waiting are dropped."""
    global _running
    with _lock:
        worker, _running = _running, None
    if worker is not None:
        worker.shutdown(wait=True)


def _in_service() -> _Worker:
    with _lock:
        if _running is None:
            raise RuntimeError("the export worker is not running")
        return _running


def _replace(broken: _Worker) -> None:
    """A worker that died (killed, out of memory) breaks its pool: the next export gets a new one."""
    global _running
    with _lock:
        if _running is broken:
            _running = _Worker()
    broken.shutdown(wait=False)


async def _last_stage(last: asyncio.Event) -> None:
    """Wait for a finished render's last stage: sent before its result, so it is on its way."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(last.wait(), PROGRESS_WAIT)


async def render(doc: Document, progress: Progress) -> bytes:
    """``exports.service.render(doc, progress)`` in the worker process; its stages reported here."""
    loop = asyncio.get_running_loop()
    render_id, last = next(_ids), asyncio.Event()
    with _lock:
        _listeners[render_id] = (loop, progress, last)
    try:
        # A worker that died (killed, out of memory) breaks its pool; whether it died before this
        # render or during it, the render is tried once more in a new worker.
        for attempt in (1, 2):
            worker = _in_service()
            try:
                content = await loop.run_in_executor(worker.pool, _render, doc, render_id)
            except BrokenProcessPool:
                log.error("export.worker_died", attempt=attempt)
                _replace(worker)
                continue
            except RenderFailed:
                await _last_stage(last)
                raise
            await _last_stage(last)
            return content
        raise RuntimeError("the export worker stopped twice before the export was rendered")
    finally:
        with _lock:
            del _listeners[render_id]
