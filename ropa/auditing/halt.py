"""Halt the service when the audit log no longer extends the checkpoint kept outside the database."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

from audit.integrator import Integrator
from ropa.errors import PROBLEM_JSON


def halt_middleware(integrator: Integrator) -> Any:
    """Every request answers 503 once the integrator found the log rolled back or rewritten.

    Serving on would show sequence numbers that no longer mean what they meant in earlier exports
    and pages; an operator must look (docs/audit-log.md, "When the log does not extend its anchor").
    """

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP or integrator.failure is None:
                await app(scope, receive, send)
                return
            body = msgspec.json.encode(
                {
                    "type": "about:blank",
                    "title": "The audit log does not extend its trusted checkpoint",
                    "status": 503,
                    "detail": integrator.failure,
                }
            )
            start: HTTPResponseStartEvent = {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
            await send(start)
            done: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
            await send(done)

        return middleware

    return factory
