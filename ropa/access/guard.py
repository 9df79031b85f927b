"""The one guard every route passes: who is asking (bearer token or session cookie), and may they.

Deny by default: a route whose handler names no permission in ``opt["perm"]`` is refused. No
credentials get 401, a role without the permission 403. Every refusal of a signed-in caller is an
audit event; refusals of anonymous callers are counted per source and written as one summary event
per source and window (``ropa.access.denials``). Session requests that change something must carry
the session's CSRF token.
"""

from __future__ import annotations

import secrets
from typing import Any

import structlog
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from audit import log as audit_log
from audit.context import Actor, current_actor, set_actor
from ropa.access.denials import DENIALS
from ropa.access.model import PUBLIC, SIGNED_IN, Principal, set_principal
from ropa.access.principals import principal_for
from ropa.errors import DomainError, Forbidden, Unauthorized

SESSION_COOKIE = "ropa_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
log = structlog.get_logger("ropa.access")


async def _deny(connection: ASGIConnection[Any, Any, Any, Any], perm: str | None, exc: DomainError) -> None:
    """Record the refusal (its own transaction: nothing else of the request happens) and raise."""
    route = connection.scope.get("path_template") or connection.scope["path"]
    await audit_log.append(
        "auth.denied",
        entity_type="route",
        entity_id=str(route)[:64],
        outcome="denied",
        reason=exc.detail,
        details={"method": connection.scope.get("method", ""), "status": exc.status, "perm": perm},
    )
    raise exc


async def _principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    header = connection.headers.get("authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        return await principal_for(secret.strip(), "token")
    cookie = connection.cookies.get(SESSION_COOKIE)
    return await principal_for(cookie, "session") if cookie else None


async def _csrf_ok(connection: ASGIConnection[Any, Any, Any, Any], principal: Principal) -> bool:
    sent = connection.headers.get(CSRF_HEADER)
    if sent is None and connection.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await connection.form()  # type: ignore[attr-defined]
        sent = form.get(CSRF_FIELD)
    return bool(sent) and secrets.compare_digest(str(sent), principal.csrf)


async def access_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    if DENIALS.due():  # anonymous refusals whose window has closed: one summary event per source
        await DENIALS.flush_quietly()
    perm = handler.opt.get("perm")
    settings = connection.app.state["settings"]
    if perm is None and connection.scope["path"].startswith("/schema"):
        perm = SIGNED_IN  # Litestar's OpenAPI routes: the API's shape, for signed-in callers
    if perm is None:
        await _deny(connection, None, Forbidden("this route has no access rule; refused by default"))
    if perm == PUBLIC or not settings.auth_enabled:
        return
    principal = await _principal(connection)
    if principal is None:
        DENIALS.note(current_actor().source_ref, "unauthenticated")
        raise Unauthorized("sign in, or send a valid API token (Authorization: Bearer)")
    actor = current_actor()
    set_actor(
        Actor(
            id=principal.actor_id,
            type="user" if principal.via == "session" else "token",
            request_id=actor.request_id,
            source_ref=actor.source_ref,
        )
    )
    set_principal(principal)
    structlog.contextvars.bind_contextvars(actor=principal.actor_id)
    if principal.via == "session" and connection.scope.get("method") not in SAFE_METHODS:
        if not await _csrf_ok(connection, principal):
            await _deny(connection, perm, Forbidden("missing or wrong CSRF token"))
    if not principal.may(str(perm)):
        await _deny(connection, perm, Forbidden(f"the role {principal.role} may not do this ({perm})"))
