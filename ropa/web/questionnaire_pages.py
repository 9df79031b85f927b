"""The owner's questionnaire at ``/q/{token}``: no account, the entity's language, one answer per link.

The page shows the activity's purposes, data subjects, data categories, recipients, retention and
security measures, and asks the owner to confirm them ("still correct") or to propose changes in
plain fields, one value a line; a link for a new activity asks for its name and the same fields.
The answer changes nothing in the register: it waits for an officer (``ropa.web.proposal_pages``).

An expired, revoked, used or unknown link gets one and the same page (404): nothing tells which.
Failed link lookups are limited per source like sign-ins (``ropa.access.limiter``), and the
token is never logged: the request log shows ``/q/…`` (``ropa.logging``).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from audit.context import current_actor
from exports.service import vocabulary_terms
from ropa.access.denials import DENIALS
from ropa.access.limiter import PER_SOURCE, Limiter
from ropa.access.model import PUBLIC
from ropa.access.principals import digest
from ropa.errors import Invalid, NotFound, TooManyAttempts
from ropa.i18n import LANGUAGES, Lang
from ropa.records import proposals
from ropa.records import questionnaire as links
from ropa.records import services as records
from ropa.records.catalog import ACTIVITY, ENTITY
from ropa.web.messages import friendly
from ropa.web.pages import FieldErrors, UiTexts, asset_version, language

PUBLIC_OPT = {"perm": PUBLIC}
# Failed lookups per source (20 in 15 minutes, as sign-in); a valid link takes its attempt back.
LINK_LIMITER = Limiter(per_account=PER_SOURCE, per_source=PER_SOURCE)
LABELS = {
    "purposes": "field.purposes",
    "data_subjects": "field.data_subjects",
    "data_categories": "field.data_categories",
    "recipients": "field.recipients",
    "retention": "tab.retention",
    "security_measures": "field.security_measures",
    "name": "field.name",
    "description": "field.description",
    "comment": "q.comment",
    "owner_name": "q.your_name",
    "kind": "q.choice",
}


def _lang(request: Request[Any, Any, Any], entity: Any) -> Lang:
    """``?lang=`` when the owner switched; otherwise the entity's own language."""
    asked = str(request.query_params.get("lang") or "")
    if asked in LANGUAGES:
        return asked
    own: Lang = entity.default_language if entity and entity.default_language in LANGUAGES else "en"
    return own


def _page(
    request: Request[Any, Any, Any], template: str, lang: Lang, t: UiTexts, status: int = 200, **context: Any
) -> Template:
    """A page for someone without an account: no principal, no session, no CSRF token."""
    base = {
        "t": t,
        "lang": lang,
        "languages": LANGUAGES,
        "me": None,
        "may": lambda _permission: False,
        "csrf": "",
        "path": "/q/",
        "query": "",
        "auth_on": True,  # never the navigation of the signed-in pages
        "asset": asset_version(),
    }
    return Template(template_name=template, context={**base, **context}, status_code=status)


def _gone(request: Request[Any, Any, Any], status: int = 404, retry_after: int | None = None) -> Template:
    lang = language(request)  # no link, no entity: the owner's browser decides
    t = UiTexts(lang, [])
    message = t("q.limited") if status == 429 else t("q.gone")
    page = _page(request, "questionnaire_gone.html", lang, t, status, message=message)
    if retry_after is not None:
        page.headers["retry-after"] = str(retry_after)
    return page


async def _link(request: Request[Any, Any, Any], token: str) -> links.Link:
    """The link the token stands for, counted against the source's limit unless it is valid."""
    client = request.scope.get("client") or ("", 0)
    try:
        attempt = LINK_LIMITER.acquire(digest(token)[:16], client[0])
    except TooManyAttempts:
        DENIALS.note(current_actor().source_ref, "rate_limited")
        raise
    try:
        link = await links.open_link(token[:200])
    except NotFound:
        DENIALS.note(current_actor().source_ref, "questionnaire_link")
        raise
    LINK_LIMITER.succeeded(attempt)
    return link


async def _questionnaire(
    request: Request[Any, Any, Any],
    token: str,
    link: links.Link,
    values: dict[str, str] | None = None,
    errors: FieldErrors | None = None,
    status: int = 200,
) -> Template:
    entity = await records.get(ENTITY, link.entity)
    lang = _lang(request, entity)
    t = UiTexts(lang, await vocabulary_terms())
    activity = await records.get(ACTIVITY, link.activity) if link.activity else None
    known = await proposals.names(link.entity, lang)
    now = proposals.current_lines(msgspec.to_builtins(activity) if activity else {}, known)
    if values is None:
        values = {field: "\n".join(items) for field, items in now.items()}
        values |= {"owner_name": "", "comment": "", "name": "", "description": "", "kind": "attest"}
    return _page(
        request,
        "questionnaire.html",
        lang,
        t,
        status,
        token=token,
        link=link,
        entity=entity,
        activity=activity,
        now=now,
        fields=links.FIELDS,
        labels=LABELS,
        values=values,
        form=errors or FieldErrors(),
    )


def _reason(reason: str, t: UiTexts) -> str:
    """The service's reason in the owner's language."""
    if reason.startswith("at most "):
        return str(t("err.too_long", n=reason.split()[2]))
    if reason.startswith("one of "):
        return str(t("err.choice"))
    return str(t("err.required")) if "required" in reason or "needs" in reason else friendly(reason, t)


@get("/q/{token:str}", opt=PUBLIC_OPT, include_in_schema=False, name="questionnaire")
async def questionnaire(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    try:
        link = await _link(request, token)
    except NotFound:
        return _gone(request)
    except TooManyAttempts as exc:
        return _gone(request, 429, exc.retry_after)
    return await _questionnaire(request, token, link)


@post("/q/{token:str}", opt=PUBLIC_OPT, include_in_schema=False, name="questionnaire-submit")
async def questionnaire_submit(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    try:
        link = await _link(request, token)
    except NotFound:
        return _gone(request)
    except TooManyAttempts as exc:
        return _gone(request, 429, exc.retry_after)
    form = await request.form()
    names = (*links.FIELDS, *links.DRAFT_FIELDS, "comment")
    values = {name: str(form[name]) for name in names if name in form}  # a field not sent is no change
    kind = "draft" if link.activity is None else str(form.get("kind", ""))
    values |= {"owner_name": str(form.get("owner_name", ""))[:1000], "kind": kind}
    version = str(form.get("version", ""))
    try:
        await links.submit(
            token[:200], kind, values["owner_name"], values, int(version) if version.isdigit() else None
        )
    except NotFound:
        return _gone(request)
    except Invalid as exc:
        entity = await records.get(ENTITY, link.entity)
        t = UiTexts(_lang(request, entity), [])
        errors = FieldErrors()
        for param in exc.invalid_params:
            errors.fail(str(param["name"]), _reason(str(param["reason"]), t))
        shown = dict.fromkeys((*names, "owner_name", "kind"), "") | values
        return await _questionnaire(request, token, link, shown, errors, 422)
    entity = await records.get(ENTITY, link.entity)
    lang = _lang(request, entity)
    return _page(request, "questionnaire_done.html", lang, UiTexts(lang, []), entity=entity)


QUESTIONNAIRE_PAGES = [questionnaire, questionnaire_submit]
