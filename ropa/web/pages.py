"""What every page shares: its language, the signed-in principal, the CSRF token and the error pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template

from exports.i18n import Texts
from ropa.access.model import Principal, current_principal
from ropa.errors import DomainError, http_error_handler, internal_error_handler
from ropa.i18n import LANGUAGES, Lang
from ropa.vocabulary.schemas import TermData

LANG_COOKIE = "ropa_lang"
HERE = Path(__file__).parent


class UiTexts(Texts):
    """The export's words (fields, statuses, terms) and the interface's own, in one language."""

    DOMAINS: ClassVar[tuple[str, ...]] = (*Texts.DOMAINS, "web", "audit", "findings")

    def count(self, key: str, count: int) -> str:
        """A label with a number: ``<key>.one`` for exactly one, where the language needs it."""
        one = f"{key}.one"
        return self(one if count == 1 and self.has(one) else key, count=count)

    def value(self, value: Any) -> str:
        """A field's value as shown: dates in the page's language, the rest as text."""
        if isinstance(value, dt.datetime):
            return self.datetime(value)
        return self.date(value) if isinstance(value, dt.date) else str(value)


def language(request: Request[Any, Any, Any]) -> Lang:
    """``?lang=`` (remembered in a cookie), then the cookie, then the browser's preference, then English."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        code = "nb" if code in ("no", "nn") else code
        if code in LANGUAGES:
            return code
    return "en"


@functools.cache
def asset_version() -> str:
    """A digest of the static files, in their URLs: a new release is never served a stale cached copy."""
    digest = hashlib.sha256()
    for path in sorted((HERE / "static").iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def texts(request: Request[Any, Any, Any], terms: list[TermData] | None = None) -> UiTexts:
    return UiTexts(language(request), terms or [])


def may(principal: Principal | None, permission: str) -> bool:
    """With access control off (no principal) every page is open, as every API route is."""
    return principal is None or principal.may(permission)


def page(
    request: Request[Any, Any, Any],
    template: str,
    terms: list[TermData] | None = None,
    http_status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    lang = language(request)
    principal = current_principal()
    t = texts(request, terms)
    base = {
        "t": t,
        "lang": lang,
        "languages": LANGUAGES,
        "me": principal,
        "may": functools.partial(may, principal),
        "csrf": principal.csrf if principal else "",
        "path": request.url.path,
        "query": request.url.query,
        "auth_on": request.app.state["settings"].auth_enabled,
        "asset": asset_version(),
    }
    cookies = []
    if request.query_params.get("lang") in LANGUAGES:
        cookies.append(Cookie(key=LANG_COOKIE, value=lang, samesite="lax", path="/", max_age=365 * 86400))
    return Template(
        template_name=template,
        context={**base, **context},
        status_code=http_status,
        cookies=cookies,
        headers=headers or {},
    )


def error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A page's errors as pages: not signed in goes to the sign-in form, the rest an error page."""
    if isinstance(exc, DomainError):
        status, detail = exc.status, exc.detail
    elif isinstance(exc, ValidationException):
        status, detail = 400, "; ".join(str(e.get("message", "")) for e in (exc.extra or [])) or exc.detail  # type: ignore[union-attr]
    elif isinstance(exc, HTTPException):
        status, detail = exc.status_code, exc.detail
    else:
        raise exc
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/sign-in?next={quote(target, safe='')}", status_code=303)
    return page(request, "error.html", http_status=status, status_code=status, detail=detail)


@dataclasses.dataclass
class FieldErrors:
    """A form's messages per field, shown beside the field (the editor, the export dialog, accepts)."""

    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict, kw_only=True)

    def error(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def failure_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A page that failed: logged as the API logs it, shown as a page (never the traceback)."""
    internal_error_handler(request, exc)
    return page(request, "error.html", http_status=500, status_code=500, detail=texts(request)("error.title"))


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """A browser asking for a page (not the API): it gets an HTML error page, not problem+json."""
    path = request.url.path
    accept = request.headers.get("accept", "")
    return not path.startswith(("/api/", "/schema", "/static/")) and "text/html" in accept


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """App-wide: an unknown path or method is a page for a browser and problem+json for the API."""
    return error_page(request, exc) if wants_page(request) else http_error_handler(request, exc)


PAGE_ERRORS: dict[Any, Any] = {DomainError: error_page, HTTPException: error_page, Exception: failure_page}
