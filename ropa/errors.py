"""Every exception class of ropa and exports, under one base, and their mapping to problem+json.

One module holds them all, so that a reader sees in one place what can go wrong and what the
caller (an HTTP client, the command line, an operator reading the log) is told. The hierarchy::

    RopaError                     base of every error ropa and exports raise on purpose
    ├── DomainError               a request the service refuses: RFC 9457 problem+json, 4xx
    │   ├── NotFound              404  no record, entity, user, token or job by that reference
    │   ├── Conflict              409  a key taken, a stale version, a record still in use
    │   ├── MalformedBody         400  a body that is not UTF-8, not JSON, or nested too deeply
    │   ├── Invalid               422  a value refused, naming the field (invalid_params)
    │   ├── Unauthorized          401  no valid session or API token (www-authenticate: Bearer)
    │   ├── Forbidden             403  the role may not do this, a route without a rule, a bad CSRF token
    │   ├── SignInFailed          401  wrong username or password, or a disabled account
    │   ├── CrossOriginSignIn     403  a sign-in posted from another site
    │   ├── TooManyAttempts       429  too many failed sign-ins (retry-after)
    │   └── TooManyJobs           429  a caller's export jobs are at their limit (retry-after)
    ├── BackupError               ``ropa backup``/``restore`` refused: a message and exit status 1
    ├── MissingKey                no audit signing key where the settings say: the command stops
    ├── WriteInReadSnapshot       a bug: a write inside read_snapshot(); a 500 if it reaches HTTP
    ├── LayoutError               an export layout file is wrong: a 500 when the layouts are first read
    └── FetchRefused              the PDF renderer asked for a non-packaged URL: WeasyPrint leaves it out

Every ``DomainError`` answers through ``domain_error_handler`` with ``type`` ``about:blank``,
its class's ``status`` and ``title``, the ``detail`` and any ``invalid_params``. The others never
reach a client as themselves: a command prints them, and anything unforeseen is the 500 of
``internal_error_handler``. Errors of the database drivers map here too (``EXCEPTION_HANDLERS``:
a constraint is a 409, an unreachable database a 503). The audit log keeps its own errors in
``audit.errors`` (it imports nothing of ropa); ropa meets them at start-up and on the command line,
and a log that no longer extends its checkpoint makes every request a 503 (``ropa.auditing.halt``).
"""

from __future__ import annotations

import re
import sqlite3
import traceback
from collections.abc import Callable
from typing import Any, cast

import asyncpg
import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


class InvalidParam(msgspec.Struct):
    name: str
    reason: str


class Problem(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem document, as every error answer carries it (for the OpenAPI schema)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    invalid_params: list[InvalidParam] | None = None


class RopaError(Exception):
    """The base of every exception ropa and exports define; catch it to catch any of them."""


class DomainError(RopaError):
    """A request the service refuses; the subclass gives the HTTP status and the problem title."""

    status = 400
    title = "Bad request"
    retry_after: int | None = None  # seconds, sent as retry-after when set

    def __init__(self, detail: str, invalid_params: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.invalid_params = invalid_params or []


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class MalformedBody(DomainError):
    """A request body that cannot be read at all: not UTF-8, not JSON, or nested past the limit."""

    status = 400
    title = "Malformed request body"

    def __init__(self, reason: str) -> None:
        super().__init__(f"The request body is malformed: {reason}", [{"name": "body", "reason": reason}])


class Invalid(DomainError):
    status = 422
    title = "Invalid input"

    @classmethod
    def of(cls, errors: list[tuple[str, str]]) -> Invalid:
        names = ", ".join(dict.fromkeys(name for name, _ in errors))
        return cls(
            f"Invalid value for {names}", [{"name": name, "reason": reason} for name, reason in errors]
        )


class Unauthorized(DomainError):
    """No valid session or API token (raised by the access guard)."""

    status = 401
    title = "Not signed in"


class Forbidden(DomainError):
    """The caller is known but may not do this; the guard records the refusal first."""

    status = 403
    title = "Forbidden"


class SignInFailed(DomainError):
    """A wrong username or password, or a disabled account: the answer does not say which."""

    status = 401
    title = "Sign-in failed"


class CrossOriginSignIn(DomainError):
    """A sign-in whose Origin or Referer is not this site (``ropa.access.origin``)."""

    status = 403
    title = "Cross-origin sign-in refused"


class TooManyAttempts(DomainError):
    """The sign-in limiter refuses the attempt (``ropa.access.limiter``)."""

    status = 429
    title = "Too many sign-in attempts"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class TooManyJobs(DomainError):
    """A caller has as many export jobs queued or running as one caller may (``exports.jobs``)."""

    status = 429
    title = "Too many export jobs"

    def __init__(self, active: int, retry_after: int) -> None:
        super().__init__(
            f"{active} of your export jobs are queued or running, as many as one caller may have; "
            "start another once one has finished"
        )
        self.retry_after = retry_after


class BackupError(RopaError):
    """The backup or restore could not be made; nothing was changed."""


class MissingKey(RopaError, RuntimeError):
    """No signing key where the settings say; making a new one would fork the log's signatures."""


class WriteInReadSnapshot(RopaError, RuntimeError):
    """A write inside a read snapshot: the caller must write in write_transaction(), outside it."""


class LayoutError(RopaError, ValueError):
    """An export layout names a field or language that does not exist, or has no columns."""


class FetchRefused(RopaError, ValueError):
    """The renderer asked for something that is not a packaged export file. WeasyPrint logs that and
    leaves the resource out; the message names no URL, since a URL could carry register text."""


def problem(status: int, title: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v})
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON)


def domain_error_handler(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    response = problem(exc.status, exc.title, exc.detail, invalid_params=exc.invalid_params)
    if exc.status == 401:
        response.headers["www-authenticate"] = 'Bearer realm="ropa"'
    if exc.retry_after:
        response.headers["retry-after"] = str(exc.retry_after)
    return response


_MSGSPEC_PATH = re.compile(r" - at `\$\.?([^`]*)`")
_FIELD_IN_MESSAGE = re.compile(r"(?:unknown|required) field `([^`]+)`")


def _param(message: dict[str, Any]) -> dict[str, str]:
    text = str(message.get("message", ""))
    key = str(message.get("key", ""))
    raw = text
    if match := _MSGSPEC_PATH.search(text):
        key = match.group(1) or key
        raw = text[: match.start()]
    # Litestar names the body parameter "data"; strip it, not the start of "data_subjects".
    key = "" if key == "data" else key.removeprefix("data.")
    # msgspec names the struct, not the field, when a field is unknown or missing.
    if match := _FIELD_IN_MESSAGE.search(raw):
        key = f"{key}.{match.group(1)}" if key else match.group(1)
    source = message.get("source", "body")
    return {"name": key or "body", "reason": raw, "in": str(getattr(source, "value", source))}


def validation_error_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    params = [_param(m) for m in extra if isinstance(m, dict)]
    names = ", ".join(p["name"] for p in params) or "request"
    return problem(400, "Invalid request", f"Invalid value for {names}", invalid_params=params)


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc.__cause__, SerializationException):  # Litestar's 400 for a body msgspec refused
        return domain_error_handler(request, MalformedBody(str(exc.detail)))
    title = {413: "Request body too large", 404: "Not found", 405: "Method not allowed"}.get(
        exc.status_code, "Error"
    )
    return problem(exc.status_code, title, str(exc.detail))


def integrity_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A constraint the services did not foresee: report it as a conflict, never as a 500."""
    log.warning("db.integrity_error", error_type=type(exc).__name__)
    return problem(409, "Conflict", "The change conflicts with the stored register")


# Reading a body, msgspec raises UnicodeDecodeError for a string that is not UTF-8 and RecursionError
# past its nesting limit (about 1,000 levels), and a multipart field that is not UTF-8 raises
# UnicodeDecodeError: Litestar maps neither to a 400. These are the frames that read a body.
_BODY_READERS = {Request.json.__code__, Request.msgpack.__code__, Request.form.__code__}
_Handler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


def body_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A body that could not be decoded is the client's 400 (a page for a page); anything else a 500."""
    route = request.scope.get("route_handler")  # absent when raised before routing
    handlers = route.resolve_exception_handlers() if route is not None else {}
    if not any(frame.f_code in _BODY_READERS for frame, _ in traceback.walk_tb(exc.__traceback__)):
        return cast(_Handler, handlers.get(Exception, internal_error_handler))(request, exc)
    reason = "not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else "nested too deeply"
    return cast(_Handler, handlers.get(DomainError, domain_error_handler))(request, MalformedBody(reason))


RETRY_AFTER_S = "5"  # what a 503 asks the client to wait, on either engine


def unavailable_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("db.unavailable", error_type=type(exc).__name__)
    response = problem(503, "Service unavailable", "The database is not reachable; try again")
    response.headers["retry-after"] = RETRY_AFTER_S
    return response


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("http.unhandled_error", error_type=type(exc).__name__, exc_info=exc)
    return problem(500, "Internal server error", "The server failed; the error has been logged")


# SQLite errors that say the storage, not the request, is at fault: the answer is 503 and the change
# is rolled back whole. Anything else SQLite raises is a bug, a 500.
_SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_FULL: "The database's disk is full; try again once space has been freed",
    sqlite3.SQLITE_IOERR: "The database cannot be read or written; try again",
    sqlite3.SQLITE_BUSY: "The database is busy; try again",
    sqlite3.SQLITE_LOCKED: "The database is busy; try again",
    sqlite3.SQLITE_CANTOPEN: "The database cannot be opened; try again",
    sqlite3.SQLITE_READONLY: "The database is read-only at the moment; try again",
}


def sqlite_operational_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    code = getattr(exc, "sqlite_errorcode", None)
    detail = _SQLITE_UNAVAILABLE.get(code & 0xFF) if isinstance(code, int) else None
    if detail is None:
        return internal_error_handler(request, exc)
    log.error(
        "db.unavailable", error_type=type(exc).__name__, sqlite_error=getattr(exc, "sqlite_errorname", "")
    )
    response = problem(503, "Service unavailable", detail)
    response.headers["retry-after"] = RETRY_AFTER_S
    return response


# What asyncpg says when PostgreSQL dropped the connection under a query (stopped, restarted,
# backend terminated); any other InterfaceError is a bug in the caller.
_LOST_CONNECTION = ("connection is closed", "released back to the pool")


def interface_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if any(text in str(exc) for text in _LOST_CONNECTION):
        return unavailable_handler(request, exc)
    return internal_error_handler(request, exc)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    Exception: internal_error_handler,
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    UnicodeDecodeError: body_error_handler,
    RecursionError: body_error_handler,
    sqlite3.IntegrityError: integrity_error_handler,
    sqlite3.OperationalError: sqlite_operational_error_handler,
    asyncpg.IntegrityConstraintViolationError: integrity_error_handler,
    asyncpg.exceptions.RaiseError: integrity_error_handler,
    ConnectionError: unavailable_handler,
    OSError: unavailable_handler,
    asyncpg.PostgresConnectionError: unavailable_handler,  # ConnectionDoesNotExistError, ...
    asyncpg.exceptions.CannotConnectNowError: unavailable_handler,  # starting up, shutting down
    asyncpg.exceptions.AdminShutdownError: unavailable_handler,  # pg_ctl stop -m fast
    asyncpg.exceptions.CrashShutdownError: unavailable_handler,
    asyncpg.exceptions.TooManyConnectionsError: unavailable_handler,
    asyncpg.InterfaceError: interface_error_handler,
    # A connection PostgreSQL dropped while idle can fail the next query this way (asyncpg #784).
    asyncpg.exceptions.InternalClientError: unavailable_handler,
    HTTPException: http_error_handler,
}
