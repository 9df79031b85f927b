"""Every page route with every role: nothing reachable in the interface that the API would refuse.

The table below is the test's own statement of what each page needs, in the words of the API
matrix (tests/integration/access/test_access_matrix.py). A page route missing from it fails the
test, so a new page cannot ship without a rule.
"""

from __future__ import annotations

import uuid

from ropa.access.limiter import LIMITER

# What each role may do, and which entities it sees ("DK": Techem Danmark only; "all"; "NO").
ROLES = {
    # create: entities.create; manage: entities.manage (an entity's own record, not what it holds)
    "admin": ({"read", "create", "manage", "verify", "signed_in"}, "all"),
    "officer": ({"read", "write", "manage", "approve", "history", "export", "findings", "signed_in"}, "DK"),
    "auditor": ({"read", "history", "findings", "audit", "verify", "signed_in"}, "DK"),
    # (the findings page is for officers and auditors: "findings" here is reviewing them)
    # A regulator sees the read-only register and the export dialog of its authority's entities.
    "regulator_no": ({"read", "export", "signed_in"}, "NO"),
    "regulator_dk": ({"read", "export", "signed_in"}, "DK"),
    "anonymous": (set(), "none"),
}
PAGES = {
    ("GET", "/sign-in"): "public",
    ("POST", "/sign-in"): "public",
    ("POST", "/sign-out"): "signed_in",
    ("GET", "/"): "signed_in",
    ("GET", "/entities/{ref:str}"): "read",
    ("GET", "/entities/{ref:str}/activities/{activity:str}"): "read",
    ("GET", "/entities/{ref:str}/processors"): "read",
    ("GET", "/entities/{ref:str}/transfers"): "read",
    ("GET", "/entities/{ref:str}/retention"): "read",
    ("GET", "/entities/{ref:str}/activities/new"): "write",
    ("POST", "/entities/{ref:str}/activities/new"): "write",
    ("GET", "/entities/{ref:str}/activities/{activity:str}/edit"): "write",
    ("POST", "/entities/{ref:str}/activities/{activity:str}/edit"): "write",
    ("POST", "/entities/{ref:str}/activities/{activity:str}/approve"): "approve",
    ("GET", "/entities/{ref:str}/activities/wizard"): "write",
    ("POST", "/entities/{ref:str}/activities/wizard"): "write",
    ("GET", "/entities/{ref:str}/activities/{activity:str}/wizard/{step:str}"): "write",
    ("POST", "/entities/{ref:str}/activities/{activity:str}/wizard/{step:str}"): "write",
    ("GET", "/entities/{ref:str}/transfers/new"): "write",
    ("POST", "/entities/{ref:str}/transfers/new"): "write",
    ("GET", "/entities/{ref:str}/transfers/{record:str}/edit"): "write",
    ("POST", "/entities/{ref:str}/transfers/{record:str}/edit"): "write",
    ("POST", "/entities/{ref:str}/transfers/{record:str}/retire"): "write",
    ("POST", "/entities/{ref:str}/transfers/{record:str}/reactivate"): "write",
    ("GET", "/entities/{ref:str}/retention/new"): "write",
    ("POST", "/entities/{ref:str}/retention/new"): "write",
    ("GET", "/entities/{ref:str}/retention/{record:str}/edit"): "write",
    ("POST", "/entities/{ref:str}/retention/{record:str}/edit"): "write",
    ("POST", "/entities/{ref:str}/retention/{record:str}/retire"): "write",
    ("POST", "/entities/{ref:str}/retention/{record:str}/reactivate"): "write",
    ("GET", "/entities/{ref:str}/processors/new"): "write",
    ("POST", "/entities/{ref:str}/processors/new"): "write",
    ("GET", "/entities/{ref:str}/processors/{record:str}/edit"): "write",
    ("POST", "/entities/{ref:str}/processors/{record:str}/edit"): "write",
    ("POST", "/entities/{ref:str}/processors/{record:str}/retire"): "write",
    ("POST", "/entities/{ref:str}/processors/{record:str}/reactivate"): "write",
    ("GET", "/entities/{ref:str}/recipients/new"): "write",
    ("POST", "/entities/{ref:str}/recipients/new"): "write",
    ("GET", "/entities/{ref:str}/recipients/{record:str}/edit"): "write",
    ("POST", "/entities/{ref:str}/recipients/{record:str}/edit"): "write",
    ("POST", "/entities/{ref:str}/recipients/{record:str}/retire"): "write",
    ("POST", "/entities/{ref:str}/recipients/{record:str}/reactivate"): "write",
    ("GET", "/entities/{ref:str}/cookies"): "read",
    ("GET", "/entities/{ref:str}/cookies/new"): "write",
    ("POST", "/entities/{ref:str}/cookies/new"): "write",
    ("GET", "/entities/{ref:str}/cookies/{record:str}/edit"): "write",
    ("POST", "/entities/{ref:str}/cookies/{record:str}/edit"): "write",
    ("POST", "/entities/{ref:str}/cookies/{record:str}/retire"): "write",
    ("POST", "/entities/{ref:str}/cookies/{record:str}/reactivate"): "write",
    ("GET", "/entities/{ref:str}/findings"): "findings",
    ("POST", "/entities/{ref:str}/findings/accept"): "write",
    ("POST", "/entities/{ref:str}/findings/withdraw"): "write",
    ("GET", "/entities/new"): "create",
    ("POST", "/entities/new"): "create",
    ("GET", "/entities/{ref:str}/edit"): "manage",
    ("POST", "/entities/{ref:str}/edit"): "manage",
    ("POST", "/entities/{ref:str}/retire"): "manage",
    ("POST", "/entities/{ref:str}/reactivate"): "manage",
    ("GET", "/entities/{ref:str}/export"): "export",
    ("POST", "/entities/{ref:str}/export"): "export",
    ("GET", "/exports/{job_id:str}"): "export",
    ("GET", "/exports/{job_id:str}/status"): "export",
    ("GET", "/search"): "read",
    ("GET", "/audit"): "audit",
    ("GET", "/audit/events/{seq:int}"): "audit",
    ("GET", "/audit/verify"): "verify",
    ("POST", "/audit/verify"): "verify",
    ("GET", "/entities/{ref:str}/history"): "history",
    ("GET", "/entities/{ref:str}/activities/{activity:str}/history"): "history",
    ("GET", "/entities/{ref:str}/activities/{activity:str}/questionnaire"): "write",
    ("POST", "/entities/{ref:str}/activities/{activity:str}/questionnaire"): "write",
    ("GET", "/entities/{ref:str}/questionnaires"): "write",
    ("POST", "/entities/{ref:str}/questionnaires"): "write",
    ("GET", "/questionnaires/{link:str}"): "write",
    ("POST", "/questionnaires/{link:str}/revoke"): "write",
    ("POST", "/questionnaires/{link:str}/decide"): "write",
    ("GET", "/reviews/questionnaires"): "write",
    ("GET", "/reminders"): "write",
    ("POST", "/reminders/send"): "write",
    ("GET", "/q/{token:str}"): "public",
    ("POST", "/q/{token:str}"): "public",
    ("GET", "/static/{file_path:path}"): "public",
    ("HEAD", "/static/{file_path:path}"): "public",
}


def _page_routes(app) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if str(route.path).startswith(("/api", "/schema", "/health")):
            continue
        for handler in getattr(route, "route_handlers", []):
            found += [(m, str(route.path)) for m in handler.http_methods if m != "OPTIONS"]
    return sorted(found)


def test_every_page_route_has_a_rule_in_this_table(web):
    routes = _page_routes(web.client.app)
    assert [r for r in routes if r not in PAGES] == [], "a page route without an access rule in this test"
    assert [r for r in PAGES if r not in routes] == [], "a rule for a page that no longer exists"


def _fill(path: str, ids: dict[str, str]) -> str:
    return (
        path.replace("{ref:str}", ids["entity"])
        .replace("{activity:str}", ids["activity"])
        .replace("transfers/{record:str}", f"transfers/{ids['transfer']}")
        .replace("retention/{record:str}", f"retention/{ids['retention']}")
        .replace("processors/{record:str}", f"processors/{ids['processor']}")
        .replace("recipients/{record:str}", f"recipients/{ids['recipient']}")
        .replace("cookies/{record:str}", f"cookies/{ids['cookie']}")
        .replace("{file_path:path}", "app.css")
        .replace("{job_id:str}", str(uuid.uuid4()))
        .replace("{seq:int}", "1")
        .replace("{link:str}", str(uuid.uuid4()))
        .replace("{token:str}", "no-such-questionnaire-link")
        .replace("{step:str}", "purposes")
    )


def test_no_page_allows_what_the_role_or_its_scope_does_not(web):
    dk = web.ids["TECHEM-DK"]
    web.sign_in("admin")
    activity = web.get("/api/activities", params={"entity": dk, "limit": 1}).json()["items"][0]["id"]
    transfer = web.get("/api/transfers", params={"entity": dk, "limit": 1}).json()["items"][0]["id"]
    retention = web.get("/api/retention-rules", params={"entity": dk, "limit": 1}).json()["items"][0]["id"]
    processor = web.get("/api/processors", params={"entity": dk, "limit": 1}).json()["items"][0]["id"]
    recipient = web.get("/api/recipients", params={"entity": dk, "limit": 1}).json()["items"][0]["id"]
    ids = {"entity": dk, "activity": activity, "transfer": transfer, "retention": retention}
    cookie = web.get("/api/cookies", params={"entity": dk, "limit": 1}).json()["items"][0]["id"]
    ids |= {"processor": processor, "recipient": recipient, "cookie": cookie}
    surprises = []
    for role, (may, sees) in ROLES.items():
        LIMITER.hits.clear()
        if role == "anonymous":
            web.client.cookies.clear()
            web.csrf = ""
        else:
            web.sign_in(role)
        for method, template in sorted(PAGES, key=lambda r: r[1] == "/sign-out"):  # sign out last
            need = PAGES[(method, template)]
            path = _fill(template, ids)
            if method == "POST":
                response = web.post(path, {}, follow_redirects=False)
            else:
                response = web.client.request(method, path, follow_redirects=False)
            status = response.status_code
            scoped = "{ref:str}" in template
            if need == "public":
                ok = status < 400 or (method == "POST" and status in (401, 429))
                ok = ok or ("{token:str}" in template and status in (404, 429))  # no such link
            elif role == "anonymous":
                ok = status == 303 and response.headers["location"].startswith("/sign-in")
            elif need not in may:
                ok = status == 403
            elif scoped and sees not in ("all", "DK"):
                ok = status == 404
            elif "{job_id:str}" in template or "{seq:int}" in template or "{link:str}" in template:
                ok = status in (200, 404)  # someone else's job, an event outside the scope: not found
            else:
                ok = status < 400 or (method == "POST" and status in (409, 422))
            if not ok or status >= 500:
                surprises.append((role, method, template, status))
    assert surprises == []
