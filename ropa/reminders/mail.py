"""A due notice as a mail, in the entity's language, and its delivery over SMTP (``smtplib``).

A mail says what is due, for which entity, and links to the page where it is acted on; it carries
no more of the register than a record's key and name. Register text in the subject (the entity's
name) has its line breaks and control characters turned into spaces: no header can be injected,
and ``EmailMessage`` refuses one anyway.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid

from ropa.i18n import Lang, Texts
from ropa.settings import Settings

TIMEOUT = 30.0  # seconds: one SMTP conversation
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


class MailTexts(Texts):
    """The mails' words: the ``reminders.*`` labels of the web's catalogue."""

    DOMAINS = ("web",)


class NoRecipients(Exception):
    """No compliance officer in the entity's scope has an e-mail address."""


def one_line(text: str) -> str:
    return _CONTROL.sub(" ", text).strip()


def compose(
    settings: Settings,
    lang: Lang,
    to: list[str],
    entity_name: str,
    reminder: dict[str, object],
) -> EmailMessage:
    """The mail of one outbox row (``reason``, ``record_key``, ``record_name``, ``href``, ``due_on``)."""
    t = MailTexts(lang, [])
    reason = str(reminder["reason"])
    entity = one_line(entity_name)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    # Officers of different entities must not learn each other's addresses: they go in Bcc, which
    # smtplib uses for the envelope and never transmits.
    message["To"] = "undisclosed-recipients:;"
    message["Bcc"] = ", ".join(to)
    message["Subject"] = t("reminders.mail.subject", reason=t(f"reminders.reason.{reason}"), entity=entity)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    line = t(
        f"reminders.line.{reason}",
        name=one_line(str(reminder["record_name"])),
        ref=one_line(str(reminder["record_key"])),
        date=t.date(reminder["due_on"]),  # type: ignore[arg-type]
    )
    link = f"{settings.base_url}{reminder['href']}"
    body = [
        t("reminders.mail.greeting"),
        "",
        f"{t('reminders.col.entity')}: {entity}",
        line,
        "",
        t("reminders.mail.open"),
        link,
        "",
        t("reminders.mail.why", entity=entity),
    ]
    message.set_content("\n".join(body))
    message["Content-Language"] = lang  # after set_content, which clears the Content-* headers
    return message


def _deliver(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message, to_addrs=[a for _, a in getaddresses(message.get_all("Bcc", []))])


async def deliver(settings: Settings, message: EmailMessage) -> None:
    """Send one mail; ``smtplib`` blocks, so it runs in a worker thread. Raises what the server or
    the network raised (``smtplib.SMTPException``, ``OSError``)."""
    await asyncio.to_thread(_deliver, settings, message)
