"""``ropa user email`` and ``ropa reminders``: an officer's address set from the shell, the outbox
queued once and delivered to a local SMTP server by the command a timer runs."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from aiosmtpd.controller import Controller

from ropa.access.users import add_user
from tests.conftest import ENGINE, ROOT, _pg_url, run
from tests.integration.reminders.test_outbox import PASSWORD, Inbox, _free_port


def _ropa(database: str, *args: str, **env: str) -> Any:
    base = (
        {"ROPA_DATABASE_URL": _pg_url(database)} if ENGINE == "postgres" else {"ROPA_SQLITE_PATH": database}
    )
    return subprocess.run(
        [sys.executable, "-m", "ropa", *args],
        cwd=ROOT,
        env={**os.environ, **base, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_commands_set_an_address_then_queue_once_and_send(demo_database: str) -> None:
    run(add_user("c-officer-no", "compliance_officer", PASSWORD, ["TECHEM-NO"]))
    refused = _ropa(demo_database, "user", "email", "c-officer-no", "not an address")
    assert refused.returncode == 1 and "email:" in refused.stderr
    done = _ropa(demo_database, "user", "email", "c-officer-no", "kari@techem.example")
    assert done.returncode == 0, done.stderr

    unconfigured = _ropa(demo_database, "reminders", "run", ROPA_SMTP_HOST="")
    assert unconfigured.returncode == 0, unconfigured.stderr
    queued = int(unconfigured.stdout.split("reminders: ")[1].split(" queued")[0])
    assert queued > 0 and "mail is not configured" in unconfigured.stdout
    assert "reminders: 0 queued, 0 cancelled" in _ropa(demo_database, "reminders", "queue").stdout

    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = {
            "ROPA_SMTP_HOST": "127.0.0.1",
            "ROPA_SMTP_PORT": str(port),
            "ROPA_SMTP_FROM": "ropa@techem.example",
            "ROPA_SMTP_STARTTLS": "0",
            "ROPA_PUBLIC_URL": "https://ropa.techem.example",
        }
        sent = _ropa(demo_database, "reminders", "send", **smtp)
    finally:
        controller.stop()
    # Only the Norwegian entity has an officer with an address: the Danish notices failed, the
    # Norwegian ones arrived in Norwegian.
    assert sent.returncode == 1 and " sent, " in sent.stdout, sent.stderr
    assert inbox.mails and {tuple(to) for to, _ in inbox.mails} == {("kari@techem.example",)}
    assert all(mail["Subject"].startswith("Påminnelse: ") for _, mail in inbox.mails)
    assert all("https://ropa.techem.example/" in mail.get_content() for _, mail in inbox.mails)
