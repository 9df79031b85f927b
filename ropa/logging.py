"""structlog configured once: JSON lines with request id, method, path, status and duration only."""

from __future__ import annotations

import logging
import sys
import time
import uuid
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from audit.context import Actor, reset_actor, set_actor, source_ref
from ropa.access.model import reset_principal, set_principal


def configure(level: str = "INFO", json: bool = True) -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level)
    # Font subsetting logs a line per glyph table at INFO; it says nothing a user needs.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # Tracebacks without local variables (those hold register contents): structured for
            # JSON, plain text for the console renderer, which expects a string.
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            )
            if json
            else structlog.processors.ExceptionRenderer(),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"cache-control", b"no-store"),
]
CSP = (
    b"content-security-policy",
    b"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
)


def _loggable(path: str) -> str:
    """A path as logged: an owner's questionnaire link (``/q/<secret>``) without its secret."""
    return "/q/…" if path.startswith("/q/") else path


def request_middleware(source_key: bytes) -> Any:
    """Give each request an id and an audit actor, and log one line when it ends. No bodies."""

    def factory(app: ASGIApp) -> ASGIApp:
        log = structlog.get_logger("ropa.http")

        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            request_id = uuid.uuid4().hex
            client = scope.get("client") or ("", 0)
            actor = Actor(
                id="anonymous",
                type="user",
                request_id=request_id,
                source_ref=source_ref(client[0], source_key),
            )
            token = set_actor(actor)
            principal_token = set_principal(None)
            structlog.contextvars.bind_contextvars(request_id=request_id)
            status = 500
            started = time.perf_counter()

            async def send_wrapper(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message.setdefault("headers", [])
                    # A response that sets its own caching (the static files) keeps it; the rest: no-store.
                    own = {name.lower() for name, _ in message["headers"]}
                    extra = [(b"x-request-id", request_id.encode())]
                    extra += [h for h in SECURITY_HEADERS if h[0] not in own]
                    if not scope["path"].startswith("/schema"):  # its viewer loads scripts from a CDN
                        extra.append(CSP)
                    message["headers"] = [*message["headers"], *extra]
                await send(message)

            try:
                await app(scope, receive, send_wrapper)
            finally:
                log.info(
                    "http.request",
                    method=scope.get("method", ""),
                    path=_loggable(scope["path"]),
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
                structlog.contextvars.unbind_contextvars("request_id", "actor")
                reset_principal(principal_token)
                reset_actor(token)

        return middleware

    return factory
