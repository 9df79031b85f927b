"""The owner's questionnaire by link: issued by an officer, answered without an account, decided by one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from typing import Any

import msgspec
from litestar.testing import TestClient

from audit.tables import AuditEvent
from ropa.app import create_app
from ropa.records.questionnaire_tables import QuestionnaireLink
from ropa.settings import get_settings
from ropa.tables import VocabularyTerm
from ropa.vocabulary.schemas import TermData
from ropa.web.questionnaire_pages import LINK_LIMITER
from tests.integration.web.web_support import parse_form


def _issue(w: Any, path: str, **form: str) -> tuple[str, str]:
    """Issue a link as the signed-in officer: (the secret in its URL, the link's id)."""
    response = w.post(path, {"days": "14", **form})
    assert response.status_code == 200, response.text
    url = re.search(r'id="issued-url" type="text" readonly value="([^"]+)"', response.text)
    assert url, "the new link is shown once"
    secret = html.unescape(url[1]).split("/q/")[1]
    row = QuestionnaireLink.select(QuestionnaireLink.id).order_by(
        QuestionnaireLink.created_at, ascending=False
    )
    newest = row.first().run_sync()
    assert newest is not None
    return secret, str(newest["id"])


def _events(link_id: str) -> list[dict[str, Any]]:
    return list(
        AuditEvent.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.actor_type, AuditEvent.body)
        .where((AuditEvent.entity_type == "questionnaire") & (AuditEvent.entity_id == link_id))
        .order_by(AuditEvent.event_id)
        .run_sync()
    )


def _anonymous(w: Any) -> Any:
    w.client.cookies.clear()
    return w.client


def _first_activity(w: Any, entity_id: str) -> dict[str, Any]:
    return w.get("/api/activities", params={"entity": entity_id, "limit": 1, "view": "full"}).json()["items"][
        0
    ]


def test_an_owner_attests_by_link_in_danish_and_the_officer_records_the_review(web: Any) -> None:
    LINK_LIMITER.hits.clear()
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    officer = web.get("/api/auth/me").json()
    activity = _first_activity(web, dk)
    page = web.get(f"/entities/{dk}/activities/{activity['id']}?lang=en").text
    assert f'href="/entities/{dk}/activities/{activity["id"]}/questionnaire"' in page
    secret, link_id = _issue(web, f"/entities/{dk}/activities/{activity['id']}/questionnaire", recipient="HR")

    owner = _anonymous(web)
    form = owner.get(f"/q/{secret}")
    text = html.unescape(form.text)
    assert form.status_code == 200 and '<html lang="da">' in text  # the entity's language
    assert "Er dette stadig korrekt?" in text and "Ja, det er stadig korrekt" in text
    assert activity["purposes"][0]["description"] in text  # what the record says now
    refused = owner.post(f"/q/{secret}", data={"kind": "attest", "owner_name": " "})
    assert refused.status_code == 422 and "Udfyld feltet." in html.unescape(refused.text)
    done = owner.post(
        f"/q/{secret}",
        data={"kind": "attest", "owner_name": "Hanne Holm", "version": str(activity["version"])},
    )
    assert done.status_code == 200 and "Dit svar er modtaget" in html.unescape(done.text)
    again = owner.get(f"/q/{secret}", headers={"accept-language": "da"})
    assert again.status_code == 404 and "Linket kan ikke bruges" in html.unescape(again.text)

    web.sign_in("officer")
    unchanged = web.get(f"/api/activities/{activity['id']}").json()
    assert unchanged["version"] == activity["version"]  # an answer changes nothing by itself
    waiting = html.unescape(web.get("/reviews/questionnaires?lang=da").text)
    assert "Hanne Holm" in waiting and f'href="/questionnaires/{link_id}"' in waiting
    todo = html.unescape(web.get("/?lang=da").text)  # the dashboard's to-do list names the answer
    assert "Ejeres svar, der venter på dig" in todo
    assert f'<a href="/questionnaires/{link_id}">Hanne Holm har svaret for {activity["name"]}' in todo
    answer = web.get(f"/questionnaires/{link_id}").text
    assert 'value="accept"' in answer
    decided = web.post(
        f"/questionnaires/{link_id}/decide",
        {"action": "accept", "version": str(activity["version"])},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    assert f'href="/questionnaires/{link_id}"' not in web.get("/?lang=da").text  # decided: off the list
    stored = web.get(f"/api/activities/{activity['id']}").json()
    assert stored["last_reviewed_at"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert stored["reviewed_by"] == "Hanne Holm" and stored["version"] == activity["version"] + 1

    events = _events(link_id)
    assert [e["action"] for e in events] == [
        "questionnaire.issue",
        "questionnaire.submit",
        "questionnaire.accepted",
    ]
    me = f"user:{officer['user_id']}"
    assert events[0]["actor_id"] == me and events[2]["actor_id"] == me
    assert events[1]["actor_id"] == f"questionnaire:{link_id}" and events[1]["actor_type"] == "link"
    assert '"owner_name":"Hanne Holm"' in events[1]["body"]
    update = (
        AuditEvent.select(AuditEvent.actor_id)
        .where((AuditEvent.entity_id == activity["id"]) & (AuditEvent.action == "activity.update"))
        .order_by(AuditEvent.event_id, ascending=False)
        .first()
        .run_sync()
    )
    assert update is not None and update["actor_id"] == me  # the review is the officer's audited edit


def _label(vocabulary: str, lang: str, not_in: list[str]) -> tuple[str, str]:
    for row in VocabularyTerm.select(VocabularyTerm.data).output(load_json=False).run_sync():
        term = msgspec.json.decode(row["data"], type=TermData)
        if term.vocabulary == vocabulary and not term.deprecated and term.key not in not_in:
            return term.key, str(getattr(term.labels, lang))
    raise AssertionError(f"no term of {vocabulary}")


def test_proposed_changes_wait_for_the_officer_who_applies_them(web: Any) -> None:
    LINK_LIMITER.hits.clear()
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    activity = _first_activity(web, dk)
    secret, link_id = _issue(web, f"/entities/{dk}/activities/{activity['id']}/questionnaire")
    owner = _anonymous(web)
    form = owner.get(f"/q/{secret}?lang=nb").text
    assert "Er dette fortsatt riktig?" in html.unescape(form)
    subjects = re.search(
        r'<textarea id="q-data_subjects" name="data_subjects"[^>]*>(.*?)</textarea>', form, re.S
    )
    assert subjects is not None
    key, label = _label("data_subject_category", "nb", activity["data_subjects"])
    purposes = "\n".join(p["description"] for p in activity["purposes"]) + "\nKvalitetskontroll av lønn"
    sent = owner.post(
        f"/q/{secret}?lang=nb",
        data=parse_form(form)  # every field as the browser sends it, the rest in Norwegian words
        | {
            "kind": "changes",
            "owner_name": "Ola Nordmann",
            "purposes": purposes,
            "data_subjects": html.unescape(subjects[1]) + f"\n{label}\nNoe helt ukjent",
            "comment": "Ny kontroll fra januar",
        },
    )
    assert sent.status_code == 200 and "Svaret ditt er mottatt" in html.unescape(sent.text)
    web.sign_in("officer")
    assert web.get(f"/api/activities/{activity['id']}").json()["version"] == activity["version"]

    answer = html.unescape(web.get(f"/questionnaires/{link_id}?lang=da").text)
    assert "Kvalitetskontroll av lønn" in answer and "Ny kontroll fra januar" in answer
    changes = answer[answer.index('id="changes"') : answer.index("</table>", answer.index('id="changes"'))]
    # Two elements changed; the owner's Norwegian labels of the rest name what the record holds.
    assert changes.count("<tr>") == 1 + 2 and "Kategorier af personoplysninger" not in changes
    unmatched = answer[answer.index('id="unmatched"') :]
    assert "Noe helt ukjent" in unmatched and label not in unmatched
    applied = web.post(
        f"/questionnaires/{link_id}/decide",
        {"action": "apply", "version": str(activity["version"])},
        follow_redirects=False,
    )
    assert applied.status_code == 303, applied.text
    stored = web.get(f"/api/activities/{activity['id']}").json()
    assert stored["purposes"][-1]["description"] == "Kvalitetskontroll av lønn"
    assert stored["purposes"][: len(activity["purposes"])] == activity["purposes"]  # kept whole
    assert stored["data_subjects"] == [*activity["data_subjects"], key]
    assert (
        stored["status"] == activity["status"] and stored["last_reviewed_at"] == activity["last_reviewed_at"]
    )
    assert [e["action"] for e in _events(link_id)][-1] == "questionnaire.applied"
    again = web.post(f"/questionnaires/{link_id}/decide", {"action": "reject"})
    assert again.status_code == 409  # decided once


def test_expired_revoked_used_and_unknown_links_get_one_page(web: Any) -> None:
    LINK_LIMITER.hits.clear()
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    activity = _first_activity(web, dk)
    path = f"/entities/{dk}/activities/{activity['id']}/questionnaire"
    too_long = web.post(path, {"days": "91"})
    assert too_long.status_code == 422 and "Between 1 and 90 days." in too_long.text
    expired, expired_id = _issue(web, path)
    revoked, revoked_id = _issue(web, path)
    QuestionnaireLink.update(
        {QuestionnaireLink.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}
    ).where(QuestionnaireLink.id == expired_id).run_sync()
    assert web.post(f"/questionnaires/{revoked_id}/revoke", follow_redirects=False).status_code == 303
    assert [e["action"] for e in _events(revoked_id)] == ["questionnaire.issue", "questionnaire.revoke"]
    links_page = html.unescape(web.get(f"{path}?lang=da").text)
    assert "Tilbagekaldt" in links_page and "Udløbet" in links_page

    owner = _anonymous(web)
    answers = [owner.get(f"/q/{s}?lang=en") for s in (expired, revoked, "not-a-link-at-all")]
    assert {a.status_code for a in answers} == {404}
    bodies = {re.sub(r'name="[^"]*"|x-request-id', "", a.text) for a in answers}
    assert len(bodies) == 1 and "This link cannot be used" in answers[0].text  # nothing tells which
    post = owner.post(f"/q/{revoked}", data={"kind": "attest", "owner_name": "Mallory"})
    assert post.status_code == 404
    assert [e["action"] for e in _events(revoked_id)][-1] == "questionnaire.revoke"  # nothing stored


def test_a_link_for_a_new_activity_becomes_a_draft_when_applied(web: Any) -> None:
    LINK_LIMITER.hits.clear()
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    secret, link_id = _issue(web, f"/entities/{dk}/questionnaires")
    owner = _anonymous(web)
    assert "Ny aktivitet" in html.unescape(owner.get(f"/q/{secret}").text)
    sent = owner.post(
        f"/q/{secret}",
        data={"owner_name": "Kim Lund", "name": "Kantineordning", "purposes": "Betaling for frokost"},
    )
    assert sent.status_code == 200, sent.text
    web.sign_in("officer")
    applied = web.post(
        f"/questionnaires/{link_id}/decide", {"action": "apply", "version": "0"}, follow_redirects=False
    )
    assert applied.status_code == 303, applied.text
    created = web.get(
        "/api/activities/" + applied.headers["location"].split("/activities/")[1].split("?")[0]
    ).json()
    assert (
        created["name"] == "Kantineordning"
        and created["status"] == "draft"
        and created["owner"] == "Kim Lund"
    )
    assert [p["description"] for p in created["purposes"]] == ["Betaling for frokost"]


def test_failed_link_lookups_are_limited_per_source(web: Any) -> None:
    LINK_LIMITER.hits.clear()
    owner = _anonymous(web)
    statuses = [owner.get(f"/q/guess-{i}").status_code for i in range(21)]
    assert statuses[:20] == [404] * 20 and statuses[20] == 429
    LINK_LIMITER.hits.clear()


def test_the_link_never_appears_in_the_request_log(database: Any, capsys: Any) -> None:
    LINK_LIMITER.hits.clear()
    settings = dataclasses.replace(get_settings(), log_level="INFO", log_json=True)
    secret = "Zq8v-not-a-real-link-but-shaped-like-one-0123456789"
    with TestClient(create_app(settings, pool=False, integrator=False)) as client:
        capsys.readouterr()
        assert client.get(f"/q/{secret}").status_code == 404
        assert client.post(f"/q/{secret}", data={"owner_name": "x"}).status_code == 404
    out = capsys.readouterr()
    text = out.out + out.err
    assert secret not in text
    assert text.count('"path": "/q/\\u2026"') + text.count('"path": "/q/…"') == 2
    LINK_LIMITER.hits.clear()


def test_fields_an_answer_leaves_out_are_no_change(web: Any) -> None:
    LINK_LIMITER.hits.clear()
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    activity = _first_activity(web, dk)
    secret, link_id = _issue(web, f"/entities/{dk}/activities/{activity['id']}/questionnaire")
    owner = _anonymous(web)
    sent = owner.post(f"/q/{secret}", data={"kind": "changes", "owner_name": "Per", "retention": ""})
    assert sent.status_code == 200
    web.sign_in("officer")
    answer = web.get(f"/questionnaires/{link_id}").text
    changes = answer[answer.index('id="changes"') : answer.index("</table>", answer.index('id="changes"'))]
    assert changes.count("<tr>") == 1 + 1 and "Retention" in changes  # emptied; the others not sent
