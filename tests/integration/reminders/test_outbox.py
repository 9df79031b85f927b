"""The reminder outbox on the demo register: queued once, delivered to a local SMTP server in the
entity's language with a link, left queued without mail settings, failed and retried when refused."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import socket
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from audit.tables import AuditEvent
from ropa.access.users import add_user
from ropa.reminders import services as reminders
from ropa.reminders.tables import Reminder
from ropa.settings import Settings, get_settings
from ropa.tables import LegalEntity
from tests.conftest import run

PASSWORD = "correct horse battery staple"
DK_OFFICER = "anna@techem.example"
NO_OFFICER = "ola@techem.example"


class Inbox:
    """An SMTP server's handler that keeps what it receives, or refuses every message."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.mails: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.refuse:
            return "554 5.7.1 refused"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.mails.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server(inbox: Inbox) -> Iterator[tuple[Inbox, Settings]]:
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings = dataclasses.replace(
        get_settings(),
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="ropa@techem.example",
        smtp_starttls=False,
        public_url="https://ropa.techem.example/",
    )
    try:
        yield inbox, settings
    finally:
        controller.stop()


@pytest.fixture
def smtp(demo_database: str) -> Iterator[tuple[Inbox, Settings]]:
    yield from _server(Inbox())


@pytest.fixture
def refusing(demo_database: str) -> Iterator[tuple[Inbox, Settings]]:
    yield from _server(Inbox(refuse=True))


def _ids() -> dict[str, str]:
    return {r["key"]: str(r["id"]) for r in LegalEntity.select(LegalEntity.id, LegalEntity.key).run_sync()}


def _officers() -> dict[str, str]:
    """An officer per demo entity with an address, one without, and an auditor with an address."""
    dk = run(add_user("r-officer-dk", "compliance_officer", PASSWORD, ["TECHEM-DK"], email=DK_OFFICER))
    no = run(add_user("r-officer-no", "compliance_officer", PASSWORD, ["TECHEM-NO"], email=NO_OFFICER))
    run(add_user("r-officer-silent", "compliance_officer", PASSWORD, ["*"]))
    run(add_user("r-auditor", "auditor", PASSWORD, ["*"], email="auditor@techem.example"))
    return {"TECHEM-DK": dk.id, "TECHEM-NO": no.id}


def _rows(**where: Any) -> list[dict[str, Any]]:
    query = Reminder.select()
    for column, value in where.items():
        query = query.where(getattr(Reminder, column) == value)
    return list(query.run_sync())


def _events(action: str) -> list[dict[str, Any]]:
    return list(AuditEvent.select().where(AuditEvent.action == action).run_sync())


def test_queueing_twice_queues_nothing_twice(demo_database: str) -> None:
    first = run(reminders.queue())
    assert first.queued > 0
    again = run(reminders.queue())
    assert (again.queued, again.cancelled) == (0, 0)
    rows = _rows()
    assert len(rows) == first.queued == len({r["dedupe_key"] for r in rows})
    assert {r["status"] for r in rows} == {"queued"}
    assert {r["entity"] for r in rows} <= {uuid.UUID(i) for i in _ids().values()}
    assert len(_events("reminder.queue")) == first.queued


def test_a_settled_notice_is_cancelled(demo_database: str) -> None:
    run(reminders.queue())
    dk = _ids()["TECHEM-DK"]
    stale = Reminder(
        id=uuid.uuid4(), entity=dk, reason="overdue", record_kind="activity", record_key="PA-GONE",
        href=f"/entities/{dk}/activities/PA-GONE", due_on=dt.date.today(), dedupe_key="0" * 64,
    )  # fmt: skip
    Reminder.insert(stale).run_sync()
    assert run(reminders.queue()).cancelled == 1
    assert _rows(dedupe_key="0" * 64)[0]["status"] == "cancelled"


def test_without_mail_settings_notices_stay_queued(demo_database: str) -> None:
    _officers()
    queued = run(reminders.queue()).queued
    result = run(reminders.send(dataclasses.replace(get_settings(), smtp_host="", smtp_from="")))
    assert (result.sent, result.failed, result.waiting) == (0, 0, queued)
    assert {(r["status"], r["attempts"]) for r in _rows()} == {("queued", 0)}


def test_delivered_in_the_entity_language_to_its_officers_with_a_link(smtp: tuple[Inbox, Settings]) -> None:
    inbox, settings = smtp
    accounts = _officers()
    ids = _ids()
    queued = run(reminders.queue()).queued
    result = run(reminders.send(settings))
    assert (result.sent, result.failed) == (queued, 0)
    assert len(inbox.mails) == queued
    rows = {str(r["id"]): r for r in _rows()}
    by_entity: dict[str, list[tuple[list[str], EmailMessage]]] = {"TECHEM-DK": [], "TECHEM-NO": []}
    for to, mail in inbox.mails:
        by_entity["TECHEM-DK" if to == [DK_OFFICER] else "TECHEM-NO"].append((to, mail))
    assert by_entity["TECHEM-DK"] and by_entity["TECHEM-NO"]
    for key, lang, word in (("TECHEM-DK", "da", "Påmindelse: "), ("TECHEM-NO", "nb", "Påminnelse: ")):
        for to, mail in by_entity[key]:
            assert to == [DK_OFFICER if key == "TECHEM-DK" else NO_OFFICER]  # not the auditor, not the other
            # one officer never sees another's address: they are blind copies
            assert mail["To"] == "undisclosed-recipients:;" and mail["Bcc"] is None
            assert mail["From"] == "ropa@techem.example"
            assert mail["Subject"].startswith(word)
            assert mail["Content-Language"] == lang
            body = mail.get_content()
            assert f"https://ropa.techem.example/entities/{ids[key]}/" in body or (
                "https://ropa.techem.example/questionnaires/" in body
            )
    danish = by_entity["TECHEM-DK"][0][1].get_content()
    assert "Du modtager dette som compliance officer" in danish
    for row in rows.values():
        assert row["status"] == "sent" and row["attempts"] == 1 and row["sent_at"] is not None
        entity_key = next(k for k, v in ids.items() if v == str(row["entity"]))
        assert row["recipients"] == f'["{accounts[entity_key]}"]'
    sent = _events("reminder.send")
    assert len(sent) == queued
    assert not [e for e in sent if "@" in e["body"]]  # no address in the log
    assert run(reminders.send(settings)).sent == 0  # nothing is sent twice


def test_register_text_cannot_inject_a_header(smtp: tuple[Inbox, Settings]) -> None:
    inbox, settings = smtp
    _officers()
    dk = _ids()["TECHEM-DK"]
    hostile = "Techem\r\nBcc: thief@evil.example\r\n\r\nfake body"
    LegalEntity.update({LegalEntity.name: hostile}).where(LegalEntity.id == dk).run_sync()
    run(reminders.queue())
    assert run(reminders.send(settings)).failed == 0
    danish = [mail for to, mail in inbox.mails if to == [DK_OFFICER]]
    assert danish
    for to, mail in inbox.mails:
        assert "thief@evil.example" not in to
        assert mail["Bcc"] is None
    subject = danish[0]["Subject"]
    assert "Techem Bcc: thief@evil.example fake body" in subject and "\n" not in subject


def test_a_refusing_server_fails_the_notice_and_a_later_run_retries_it(
    refusing: tuple[Inbox, Settings],
) -> None:
    _, settings = refusing
    _officers()
    queued = run(reminders.queue()).queued
    assert run(reminders.send(settings)).failed == queued
    rows = _rows()
    assert {(r["status"], r["attempts"], r["last_error"]) for r in rows} == {("failed", 1, "SMTPDataError")}
    failed = _events("reminder.fail")
    assert len(failed) == queued and not [e for e in failed if "refused" in e["body"] or "@" in e["body"]]
    for _ in range(reminders.MAX_ATTEMPTS):
        run(reminders.send(settings))
    assert {r["attempts"] for r in _rows()} == {reminders.MAX_ATTEMPTS}  # bounded: no sixth attempt


def test_no_officer_with_an_address_is_a_failure_that_is_not_an_attempt(smtp: tuple[Inbox, Settings]) -> None:
    inbox, settings = smtp
    queued = run(reminders.queue()).queued
    assert run(reminders.send(settings)).failed == queued
    assert not inbox.mails
    assert {(r["status"], r["attempts"], r["last_error"]) for r in _rows()} == {("failed", 0, "NoRecipients")}
    assert len(_events("reminder.fail")) == queued
    assert run(reminders.send(settings)).failed == queued  # still waiting for an address ...
    assert len(_events("reminder.fail")) == queued  # ... said once in the audit log, not on every run
    _officers()
    assert run(reminders.send(settings)).sent == queued  # an officer with an address: delivered


def test_two_runs_at_once_deliver_each_notice_once(smtp: tuple[Inbox, Settings]) -> None:
    inbox, settings = smtp
    _officers()
    queued = run(reminders.queue()).queued

    async def both() -> list[reminders.Sent]:
        return list(await asyncio.gather(reminders.send(settings), reminders.send(settings)))

    first, second = run(both())
    assert first.sent + second.sent == queued == len(inbox.mails)
    assert {(r["status"], r["attempts"]) for r in _rows()} == {("sent", 1)}


def test_a_rule_reporting_one_record_for_several_activities_queues_one_notice(demo_database: str) -> None:
    from ropa.records import services as records
    from ropa.records.catalog import COOKIE

    dk = _ids()["TECHEM-DK"]
    cookie = COOKIE.create(
        entity=dk,
        key="C-TWICE",
        name="_twice",
        party="first",
        consent_category="marketing",
        activities=["PA-DK-01", "PA-DK-02"],
    )
    run(records.create(COOKIE, cookie))  # without consent on either activity: one finding per activity
    run(reminders.queue())
    notices = _rows(record_key="C-TWICE")
    assert [(n["reason"], n["status"]) for n in notices] == [("high", "queued")]
