"""The dashboard's to-do list beside its counts: one evaluation of the rules serves both, and each
activity waiting for a second person says whether the reader made its last change."""

from __future__ import annotations

import html
import re
from typing import Any

from tests.integration.web.web_support import parse_form


def _save(w: Any, entity_id: str, activity_id: str, **changes: str) -> Any:
    path = f"/entities/{entity_id}/activities/{activity_id}/edit"
    return w.post(path, parse_form(w.get(path).text) | changes, follow_redirects=False)


def _waiting(page: str) -> dict[str, bool]:
    """The waiting group's items: activity id -> marked as the reader's own change."""
    group = page[page.index('id="todo-waiting"') :].split("</ul>")[0]
    items = re.findall(r'<li><a href="/entities/[^/]+/activities/([^"]+)">.*?</li>', group, re.S)
    lines = re.findall(r"<li>.*?</li>", group, re.S)
    return {i: "anden godkender den" in line for i, line in zip(items, lines, strict=True)}


def test_each_waiting_activity_says_whose_change_it_was(web: Any) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    first, second, third = web.get("/api/activities", params={"entity": dk, "limit": 3}).json()["items"]
    assert _save(web, dk, first["id"], description="Checked by HR", status="in_review").status_code == 303
    assert _save(web, dk, second["id"], status="in_review").status_code == 303
    web.sign_in("officer_all")
    assert _save(web, dk, second["id"], description="Checked by IT").status_code == 303
    assert _save(web, dk, third["id"], description="Checked by legal", status="in_review").status_code == 303

    web.sign_in("officer")
    page = html.unescape(web.get("/?lang=da").text)
    # The first is the reader's own change; the second and third were last changed by someone else.
    assert _waiting(page) == {first["id"]: True, second["id"]: False, third["id"]: False}
    web.sign_in("officer_all")
    page = html.unescape(web.get("/?lang=da").text)
    assert _waiting(page) == {first["id"]: False, second["id"]: True, third["id"]: True}


def test_the_to_do_list_and_the_counts_show_the_same_open_high_findings(web: Any) -> None:
    web.sign_in("officer_all")
    page = html.unescape(web.get("/?lang=nb").text)
    todo = page[page.index('id="todo-title"') : page.index('id="entities-title"')]
    shown = int(re.search(r'id="todo-high">[^<]*<span class="count">\((\d+)\)', todo)[1])  # type: ignore[index]
    high = web.get("/api/findings", params={"status": "open", "severity": "high"}).json()
    own_groups = ("review.overdue", "transfer.dpf_check_stale")  # listed in their own groups
    listed = [f for f in high if f["finding"]["rule_id"] not in own_groups]
    assert shown == len(listed) > 0
    # The entity cards count the same open findings.
    counted = sum(int(n) for n in re.findall(r'severity=high&status=open">(\d+)</a>', page))
    assert counted == len(high)
