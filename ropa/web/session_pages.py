"""Sign-in and sign-out for people: a form, the session cookie, and back where they were going."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from audit.context import current_actor
from ropa.access import sign_in as signing
from ropa.access.controllers import session_cookie
from ropa.access.denials import DENIALS
from ropa.access.model import PUBLIC, SIGNED_IN, current_principal
from ropa.access.origin import check_sign_in_origin
from ropa.errors import CrossOriginSignIn, Invalid, SignInFailed, TooManyAttempts
from ropa.web.pages import page, texts

Next = Annotated[str | None, QueryParameter(max_length=500)]
# Under the site-wide ``Referrer-Policy: no-referrer`` a browser sends ``Origin: null`` with the
# form's POST, which the login-CSRF check cannot tell from a sandboxed attacker frame. This page
# lets the browser name this site as the origin (and still sends no referrer to other sites).
SIGN_IN_HEADERS = {"referrer-policy": "same-origin"}


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never an absolute or protocol-relative URL (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


@get("/sign-in", opt={"perm": PUBLIC}, include_in_schema=False, name="sign_in_form")
async def sign_in_form(
    request: Request[Any, Any, Any], next: FromQuery[Next] = None, out: FromQuery[bool] = False
) -> Template:
    message = texts(request)("sign_in.signed_out") if out else ""
    return page(
        request,
        "sign_in.html",
        headers=SIGN_IN_HEADERS,
        next=_safe_next(next),
        username="",
        error="",
        message=message,
    )


@post("/sign-in", opt={"perm": PUBLIC}, include_in_schema=False, name="sign_in_submit")
async def sign_in_submit(request: Request[Any, Any, Any]) -> Response[Any]:
    form = await request.form()
    username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))[:1024]
    target = _safe_next(str(form.get("next", "")))
    client = request.scope.get("client") or ("", 0)  # the peer, or what a trusted proxy forwarded
    t = texts(request)
    headers = dict(SIGN_IN_HEADERS)
    try:
        check_sign_in_origin(request, allow_missing=False)  # login CSRF; browsers send Origin
        if not username or not password:
            raise SignInFailed("wrong username or password")
        secret, _ = await signing.sign_in(username, password, client[0])
    except CrossOriginSignIn:
        DENIALS.note(current_actor().source_ref, "cross_origin_sign_in")
        error, status = t("sign_in.cross_origin"), 403
    except SignInFailed:
        error, status = t("sign_in.failed"), 401
    except TooManyAttempts as exc:
        error, status = t("sign_in.limited", seconds=exc.retry_after), 429
        headers["retry-after"] = str(exc.retry_after)
    else:
        secure = request.app.state["settings"].cookie_secure
        return Redirect(target, status_code=303, cookies=[session_cookie(secret, secure)])
    return page(
        request,
        "sign_in.html",
        http_status=status,
        headers=headers,
        next=target,
        username=username,
        error=error,
    )


@post("/sign-out", opt={"perm": SIGNED_IN}, include_in_schema=False, name="sign_out_submit")
async def sign_out_submit() -> Response[Any]:
    principal = current_principal()
    if principal is None or principal.via != "session":
        raise Invalid.of([("session", "only a session signs out")])
    await signing.sign_out(principal)
    return Redirect("/sign-in?out=true", status_code=303, cookies=[session_cookie("", secure=False)])


SESSION_PAGES = [sign_in_form, sign_in_submit, sign_out_submit]
