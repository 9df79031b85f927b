"""Every page a person can reach, in Danish, through axe-core's WCAG 2.1 A/AA rules; one h1 and no skipped
heading level; and on a page with a form, its action within a bounded number of real Tab presses from
the top, following the in-page links that lead there (the skip link, "go to the filter", "go to the
buttons", ...). The bound depends on the kind of form:

- a form to fill in (FORMS): its primary button within 6 Tabs;
- a filter above a list (FILTERS): its button within 2 Tabs plus one per control of the filter, so
  nothing but the skip link, one in-page link and the filter's own fields stands before it;
- a list with an action per row (ROWS: the findings' accept/withdraw, the retired records): the first
  row's action within 5 Tabs: the skip link, a link to the list, then at most 3 Tabs into it;
- a retired record's page: Reactivate within 7 Tabs (the 6 of a form, plus the reason it asks for);
- the reminders' "send now": within 6 Tabs, like a form.

The pages come from the app's route table: a page route (GET, not the API) missing from PAGES fails
`test_every_page_route_is_checked`, so a new page cannot ship unchecked.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.keyboard import FILTER, PRIMARY, filter_controls, mark, tabs_to
from tests.e2e.support import activities

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FORM_TABS = 6
FILTER_LEAD = 2
ROW_TABS = 5
REACTIVATE_TABS = 7
# route -> (role that opens it, the key of its path in the `paths` fixture)
PAGES: dict[str, tuple[str | None, str]] = {
    "/sign-in": (None, "sign_in"),
    "/": ("officer", "dashboard"),
    "/entities/{ref:str}": ("officer", "register"),
    "/entities/{ref:str}/activities/{activity:str}": ("officer", "activity"),
    "/entities/{ref:str}/processors": ("officer", "processors"),
    "/entities/{ref:str}/transfers": ("officer", "transfers"),
    "/entities/{ref:str}/retention": ("officer", "retention"),
    "/entities/{ref:str}/cookies": ("officer", "cookies"),
    "/entities/{ref:str}/cookies/new": ("officer", "cookie_new"),
    "/entities/{ref:str}/cookies/{record:str}/edit": ("officer", "cookie_edit"),
    "/entities/{ref:str}/activities/new": ("officer", "activity_new"),
    "/entities/{ref:str}/activities/{activity:str}/edit": ("officer", "activity_edit"),
    "/entities/{ref:str}/activities/wizard": ("officer", "wizard_new"),
    "/entities/{ref:str}/activities/{activity:str}/wizard/{step:str}": ("officer", "wizard_step"),
    "/reviews/questionnaires": ("officer", "reviews"),
    "/q/{token:str}": (None, "owner"),
    "/entities/{ref:str}/activities/{activity:str}/questionnaire": ("officer", "questionnaire"),
    "/entities/{ref:str}/questionnaires": ("officer", "questionnaires"),
    "/questionnaires/{link:str}": ("officer", "answer"),
    "/entities/{ref:str}/processors/new": ("officer", "processor_new"),
    "/entities/{ref:str}/transfers/new": ("officer", "transfer_new"),
    "/entities/{ref:str}/recipients/new": ("officer", "recipient_new"),
    "/entities/{ref:str}/retention/new": ("officer", "retention_new"),
    "/entities/{ref:str}/recipients/{record:str}/edit": ("officer", "recipient_edit"),
    "/entities/{ref:str}/processors/{record:str}/edit": ("officer", "processor_edit"),
    "/entities/{ref:str}/transfers/{record:str}/edit": ("officer", "transfer_edit"),
    "/entities/{ref:str}/retention/{record:str}/edit": ("officer", "retention_edit"),
    "/entities/{ref:str}/findings": ("officer", "findings"),
    "/entities/{ref:str}/export": ("officer", "export"),
    "/exports/{job_id:str}": ("officer", "export_job"),
    "/audit": ("auditor", "audit"),
    "/audit/events/{seq:int}": ("auditor", "audit_event"),
    "/audit/verify": ("auditor", "verify"),
    "/entities/{ref:str}/history": ("officer", "history"),
    "/entities/{ref:str}/activities/{activity:str}/history": ("officer", "activity_history"),
    "/search": ("officer", "search"),
    "/entities/new": ("admin", "entity_new"),
    "/entities/{ref:str}/edit": ("officer", "entity_edit"),
    "/reminders": ("officer", "reminders"),
}
# Not pages: the export job's htmx fragment and the static files.
NOT_PAGES = {"/exports/{job_id:str}/status", "/static/{file_path:path}"}
# More pages than routes: every wizard step, and the error page.
WIZARD = ["purposes", "data", "recipients", "transfers", "retention", "security", "review"]
EXTRA: dict[str, tuple[str | None, str]] = {
    "error page": ("officer", "error"),
    "retired record": ("officer", "retired_record"),
}
EXTRA |= {f"wizard step {s}": ("officer", f"wizard_{s}") for s in [*WIZARD[1:], "controllers"]}

RECORDS = ("processor", "transfer", "retention", "recipient", "cookie")
# The pages that are a form to fill in (not a list with a filter or a form per row): their primary
# button must be reachable from the top by keyboard.
FORMS = {
    "sign_in", "activity_new", "activity_edit", "wizard_new", "wizard_step", "owner", "questionnaire",
    "questionnaires", "answer", "export", "verify", "search", "entity_new", "entity_edit",
    *(f"{kind}_{action}" for kind in RECORDS for action in ("new", "edit")),
    *(f"wizard_{s}" for s in [*WIZARD, "controllers"]),
}  # fmt: skip
FILTERS = {"register", "findings", "audit", "reminders"}
RETIRED_ROW = "#retired-records ~ ul li :is(a[href], button[type=submit])"
ROWS = {"findings": "#findings-list summary"} | {
    k: RETIRED_ROW for k in ("processors", "transfers", "retention", "cookies")
}
OTHERS = {
    "reminders": ("#send-form button[type=submit]", FORM_TABS),
    "retired_record": ("main form[action$='/reactivate'] button[type=submit]", REACTIVATE_TABS),
}
HEADINGS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter(h => h.getClientRects().length > 0).map(h => Number(h.tagName[1]))"""


def test_every_page_route_is_checked():
    from ropa.app import create_app

    app = create_app(pool=False, integrator=False)
    routes = {
        str(route.path)
        for route in app.routes
        if not str(route.path).startswith(("/api", "/schema", "/health"))
        for handler in getattr(route, "route_handlers", [])
        if "GET" in handler.http_methods
    }
    assert sorted(routes - set(PAGES) - NOT_PAGES) == [], "a page route this test does not check"
    assert sorted(set(PAGES) - routes) == [], "a page in this test that no longer exists"


def _id(page: Any, api: str) -> str:
    response = page.request.get(f"/api/{api}?entity=TECHEM-DK&limit=1")
    assert response.ok, response.text()
    return str(response.json()["items"][0]["id"])


def _draft(page: Any, register: str, role: str) -> str:
    """A draft activity made with the wizard's first step; its id."""
    page.goto(f"{register}/activities/wizard?lang=da")
    page.locator("#f-key").fill(f"AXE-{uuid.uuid4().hex[:6]}")
    page.locator("#f-name").fill(f"Tilgængelighed {role}")
    page.locator("#f-role").select_option(role)
    page.locator("button[name=go][value=save]").click()
    expect(page).to_have_url(re.compile(r"/wizard/purposes\?saved=\d+$"))
    return page.url.split("/activities/")[1].split("/")[0]


def _issue(page: Any, activity_url: str) -> str:
    """A fresh owner's link for the activity, as the officer's form issues it."""
    page.goto(f"{activity_url}/questionnaire?lang=da")
    page.locator("#q-recipient").fill("Lønafdelingen")
    page.locator("main form button[type=submit]").first.click()
    return str(page.locator("#issued-url").input_value())


def _retired(page: Any, register: str, plural: str) -> str:
    """A record of the kind made and retired through its pages; the path of its (frozen) edit page."""
    # Its own key (the site is shared), sorting last so a test taking the first record gets another one.
    key = f"ZZ-UDFASET-{uuid.uuid4().hex[:6].upper()}"
    try:
        page.goto(f"{register}/{plural}/new?lang=da")
    except PlaywrightError as exc:
        # Leaving the export job's page on a loaded machine, Chromium may abort the navigation that
        # replaces it (net::ERR_ABORTED, once, in a PostgreSQL run under load): navigate again.
        if "ERR_ABORTED" not in str(exc):
            raise
        page.goto(f"{register}/{plural}/new?lang=da")
    page.locator("#f-key").fill(key)
    page.locator("#f-name").fill(f"Udfaset {key}")
    if plural == "retention":  # a fixed period, its one more required field
        page.locator("#f-duration").fill("P5Y")
    page.locator("main form button[type=submit]:not(.secondary)").first.click()
    expect(page).to_have_url(re.compile(r"saved="))
    page.goto(f"{register}/{plural}/{key}/edit?lang=da")
    page.locator("form[action$='/retire'] input[name=reason]").fill("Ikke længere i brug")
    page.locator("form[action$='/retire'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"retired="))
    return f"{register}/{plural}/{key}/edit"


@pytest.fixture(scope="module")
def paths(site) -> dict[str, str]:
    """A path for every page, with what some of them need made first (drafts, links, an export)."""
    context = site.context("officer")
    try:
        page = context.new_page()
        dk = site.ids["TECHEM-DK"]
        register = f"/entities/{dk}"
        activity = activities(page, "TECHEM-DK")[0]["id"]
        records = {
            k: _id(page, k) for k in ("processors", "transfers", "retention-rules", "recipients", "cookies")
        }
        controller = _draft(page, register, "controller")
        processor = _draft(page, register, "processor")
        answered, token = (
            _issue(page, f"{register}/activities/{activity}"),
            _issue(page, f"{register}/activities/{activity}"),
        )
        owner = site.context(None).new_page()
        owner.goto(answered)
        # A name of its own: other tests find their owner's answer by name among the waiting ones.
        owner.locator("#q-owner_name").fill(f"Ejer {uuid.uuid4().hex[:6]}")
        owner.locator("main form button[type=submit]").click()
        expect(owner.locator("h1")).to_have_count(1)
        owner.context.close()
        page.goto("/reviews/questionnaires?lang=da")
        answer = str(page.locator("#waiting a[href^='/questionnaires/']").first.get_attribute("href"))
        page.goto(f"{register}/export?lang=da")
        page.locator("input[name=format][value=xlsx]").check()
        page.locator("main form button[type=submit]").first.click()
        expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]+$"))
        # Finished, so the page is checked as it stays (a running job's status is swapped in every second).
        expect(page.locator("#job-status a[download]")).to_be_visible(timeout=120_000)
        job = page.url.split("/exports/")[1]
        # Rows on the list pages' "retired records" and in the reminders' outbox.
        retired = {
            plural: _retired(page, register, plural)
            for plural in ("processors", "transfers", "retention", "cookies")
        }
        page.goto("/reminders?lang=da")
        page.locator("#send-form button[type=submit]").click()
        expect(page.locator("tr.reminder").first).to_be_visible()
    finally:
        context.close()
    auditor = site.context("auditor")
    try:
        page = auditor.new_page()
        page.goto("/audit")
        event = str(page.locator("main a[href^='/audit/events/']").first.get_attribute("href"))
    finally:
        auditor.close()
    drafts = {s: f"{register}/activities/{controller}/wizard/{s}" for s in WIZARD}
    drafts["controllers"] = f"{register}/activities/{processor}/wizard/controllers"
    forms = {
        f"{kind}_{action}": f"{register}/{plural}/{'new' if action == 'new' else records[api] + '/edit'}"
        for kind, plural, api in (
            ("processor", "processors", "processors"),
            ("transfer", "transfers", "transfers"),
            ("retention", "retention", "retention-rules"),
            ("recipient", "recipients", "recipients"),
            ("cookie", "cookies", "cookies"),
        )
        for action in ("new", "edit")
    }
    return (
        forms
        | {f"wizard_{s}": p for s, p in drafts.items()}
        | {
            "sign_in": "/sign-in",
            "dashboard": "/",
            "register": register,
            "activity": f"{register}/activities/{activity}",
            "processors": f"{register}/processors",
            "transfers": f"{register}/transfers",
            "retention": f"{register}/retention",
            "cookies": f"{register}/cookies",
            "activity_new": f"{register}/activities/new",
            "activity_edit": f"{register}/activities/{activity}/edit",
            "wizard_new": f"{register}/activities/wizard",
            "wizard_step": drafts["purposes"],
            "reviews": "/reviews/questionnaires",
            "owner": "/q/" + token.split("/q/", 1)[1],
            "questionnaire": f"{register}/activities/{activity}/questionnaire",
            "questionnaires": f"{register}/questionnaires",
            "answer": answer,
            "findings": f"{register}/findings",
            "export": f"{register}/export",
            "export_job": f"/exports/{job}",
            "audit": "/audit",
            "audit_event": event,
            "verify": "/audit/verify",
            "history": f"{register}/history",
            "activity_history": f"{register}/activities/{activity}/history",
            "search": "/search?q=løn",
            "entity_new": "/entities/new",
            "entity_edit": f"{register}/edit",
            "reminders": "/reminders",
            "error": f"/entities/{uuid.uuid4()}",
            "retired_record": retired["processors"],
        }
    )


def _axe(page: Any) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
    ]


def _headings(page: Any) -> list[str]:
    levels = page.evaluate(HEADINGS)
    problems = [] if levels.count(1) == 1 else [f"{levels.count(1)} h1 elements"]
    if levels and levels[0] != 1:
        problems.append(f"the first heading is h{levels[0]}")
    problems += [f"h{b} after h{a}" for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    return problems


def _reach(page: Any, key: str, url: str) -> list[str]:
    """Each action the page's kind asks for, walked to by Tab from the top of a freshly opened page."""
    checks = [(PRIMARY, FORM_TABS)] if key in FORMS else []
    if key in FILTERS:
        checks.append((FILTER, FILTER_LEAD + filter_controls(page)))
    if key in ROWS:
        checks.append((ROWS[key], ROW_TABS))
    if key in OTHERS:
        checks.append(OTHERS[key])
    problems: list[str] = []
    for n, (find, tabs) in enumerate(checks):
        if n:
            page.goto(url)  # the top again: a followed link moved where the next Tab starts
        problems += tabs_to(page, find, tabs)
    return problems


@pytest.mark.parametrize("name", [*PAGES, *EXTRA])
def test_the_page_passes_axe_and_its_headings_and_primary_button_are_in_order(name, site, open_as, paths):
    role, key = (PAGES | EXTRA)[name]
    page = open_as(role)
    path = paths[key]
    url = path + ("&" if "?" in path else "?") + "lang=da"
    response = page.goto(url)
    assert response.status == (404 if key == "error" else 200), path  # the page itself, not a refusal
    expect(page.locator("html")).to_have_attribute("lang", "da")
    problems = _axe(page) + _headings(page) + _reach(page, key, url)
    assert problems == [], f"{path}:\n" + "\n".join(problems)


# Forms sent empty: the page again with its error summary and fields marked, which must pass as well.
REFUSED = [
    "activity_new",
    "wizard_new",
    "entity_new",
    *(f"{kind}_new" for kind in ("processor", "transfer", "retention", "cookie")),
]


@pytest.mark.parametrize("key", REFUSED)
def test_a_refused_form_passes_axe_with_its_errors_shown(key, site, open_as, paths):
    role = {k: r for r, k in (PAGES | EXTRA).values()}[key]
    page = open_as(role)
    page.goto(paths[key] + "?lang=da")
    mark(page, PRIMARY)
    page.locator("[data-primary]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("[aria-invalid=true]").first).to_be_attached()
    problems = _axe(page) + _headings(page)
    assert problems == [], f"{paths[key]} refused:\n" + "\n".join(problems)


def test_the_check_sees_what_it_should_refuse(site, open_as, paths):
    """The checks are not blind: an unnamed field, grey on white, a skipped heading, a far button, and
    a filter or a list's first action without the link that leads to it."""
    page = open_as("officer")
    page.goto("/search?lang=da")
    page.evaluate(
        """() => {
      document.querySelector('h1').insertAdjacentHTML('afterend',
        '<h3>x</h3><p id="axe-grey">lys tekst</p><input type="text">' +
        '<a href="/">1</a><a href="/">2</a><a href="/">3</a><a href="/">4</a><a href="/">5</a>');
      document.getElementById('axe-grey').style.color = '#bbb';  // CSSOM: allowed by the CSP
    }"""
    )
    rules = {problem.split(" ")[0] for problem in _axe(page)}
    assert {"label", "color-contrast"} <= rules, rules
    assert _headings(page) == ["h3 after h1"]
    assert tabs_to(page, PRIMARY, FORM_TABS) == ["'Søg' is not reached in 6 Tab presses"]
    # Without its "go to the filter" link, the register's filter is too far down to count as reachable.
    register = f"/entities/{site.ids['TECHEM-DK']}?lang=da"
    page.goto(register)
    page.evaluate("() => document.querySelector('a.skip[href=\"#filter\"]').remove()")
    tabs = FILTER_LEAD + filter_controls(page)
    assert tabs_to(page, FILTER, tabs) == [f"'Filtrér' is not reached in {tabs} Tab presses"]
    # Nor a list's retired records without "go to the retired records": the tables stand before them.
    page.goto(f"{paths['processors']}?lang=da")
    page.evaluate("() => document.querySelector('a.skip[href=\"#retired-records\"]').remove()")
    problems = tabs_to(page, ROWS["processors"], ROW_TABS)
    assert len(problems) == 1 and problems[0].endswith(f"not reached in {ROW_TABS} Tab presses"), problems
