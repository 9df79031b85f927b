"""The interface's routes, its templates and its static files, for the application factory."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import jinja2
from litestar import Request, Router
from litestar.datastructures import CacheControlHeader, FormMultiDict
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from ropa.access.model import PUBLIC
from ropa.web.audit_pages import AUDIT_PAGES
from ropa.web.editor import EDITOR_PAGES
from ropa.web.entity_pages import ENTITY_PAGES
from ropa.web.export_pages import EXPORT_PAGES
from ropa.web.findings_pages import FINDINGS_PAGES
from ropa.web.labels import Values, path_label
from ropa.web.pages import HERE, PAGE_ERRORS
from ropa.web.proposal_pages import PROPOSAL_PAGES
from ropa.web.questionnaire_pages import QUESTIONNAIRE_PAGES
from ropa.web.record_pages import RECORD_PAGES
from ropa.web.register_pages import REGISTER_PAGES
from ropa.web.reminder_pages import REMINDER_PAGES
from ropa.web.review_pages import REVIEW_PAGES
from ropa.web.search_pages import SEARCH_PAGES
from ropa.web.session_pages import SESSION_PAGES
from ropa.web.stated import activity_rows, entity_rows, transfer_claimed, transfer_region
from ropa.web.wizard import WIZARD_PAGES


def _term(context: Any, key: str, vocabulary: str) -> str:
    return str(context["t"].term(vocabulary, key))


def _path_label(context: Any, path: str | None) -> str:
    return path_label(context["t"], path) or str(context["t"]("wf.general"))


def _shown_at(context: Any, value: Any, path: str, kind: str) -> str:
    """A diff's value at ``path`` of a ``kind`` record: vocabulary keys as labels, objects as fields."""
    return Values(context["t"], kind)(path, value)


def _with_lang(context: Any, code: str) -> str:
    """This page's query string with ``lang`` set: switching language keeps the filters and the page."""
    request = context.get("request")
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] if request else []
    return "?" + urlencode([*pairs, ("lang", code)])


def _configure(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.filters["term"] = jinja2.pass_context(_term)
    env.globals["with_lang"] = jinja2.pass_context(_with_lang)
    env.filters["path_label"] = jinja2.pass_context(_path_label)
    env.filters["shown_at"] = jinja2.pass_context(_shown_at)
    # What a document states, as it states it (issue 19), in the page's words.
    env.globals["stated_activity"] = jinja2.pass_context(lambda c, a: activity_rows(c["t"], a))
    env.globals["stated_entity"] = jinja2.pass_context(lambda c, e: entity_rows(c["t"], e))
    env.globals["transfer_region"] = jinja2.pass_context(lambda c, x: transfer_region(c["t"], x))
    env.globals["transfer_claimed"] = jinja2.pass_context(lambda c, x: transfer_claimed(c["t"], x))
    env.undefined = jinja2.StrictUndefined  # a typo in a template is an error in the tests, not a blank


TEMPLATES = TemplateConfig(
    directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_configure
)


class PageRequest(Request[Any, Any, Any]):
    """A page's request: a form's text with its line breaks as "\\n". A browser sends a text area's
    lines joined by "\\r\\n" (HTML's form submission does), which the register would otherwise keep
    where the API's clients write "\\n": XML (the Excel export) reads it back as "\\n", a YAML dump
    quotes it, a diff shows every line changed."""

    async def form(self) -> FormMultiDict:
        form = await super().form()
        return FormMultiDict(
            [
                (k, v.replace("\r\n", "\n").replace("\r", "\n") if isinstance(v, str) else v)
                for k, v in form.multi_items()
            ]
        )


WEB_ROUTES = [
    Router(
        path="/",
        request_class=PageRequest,
        route_handlers=[
            *SESSION_PAGES,
            *REGISTER_PAGES,
            *EDITOR_PAGES,
            *WIZARD_PAGES,
            *REVIEW_PAGES,
            *QUESTIONNAIRE_PAGES,
            *PROPOSAL_PAGES,
            *RECORD_PAGES,
            *FINDINGS_PAGES,
            *EXPORT_PAGES,
            *AUDIT_PAGES,
            *SEARCH_PAGES,
            *ENTITY_PAGES,
            *REMINDER_PAGES,
        ],
        exception_handlers=PAGE_ERRORS,
        include_in_schema=False,
    ),
    create_static_files_router(
        path="/static",
        directories=[HERE / "static"],
        opt={"perm": PUBLIC},
        cache_control=CacheControlHeader(max_age=3600, public=True),
    ),
]
