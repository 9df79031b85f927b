"""``ropa reminders queue|send|run``: the outbox from the command line (cron, a systemd timer)."""

from __future__ import annotations

import argparse
from typing import Any

from ropa.settings import get_settings


async def _queue(args: argparse.Namespace) -> int:
    from ropa.reminders.services import queue

    done = await queue()
    print(f"reminders: {done.queued} queued, {done.cancelled} cancelled")
    return 0


async def _send(args: argparse.Namespace) -> int:
    from ropa.reminders.services import send

    settings = get_settings()
    done = await send(settings)
    if not settings.mail_configured:
        print(
            f"reminders: mail is not configured (ROPA_SMTP_HOST, ROPA_SMTP_FROM); {done.waiting} stay queued"
        )
        return 0
    print(f"reminders: {done.sent} sent, {done.failed} failed")
    return 0 if not done.failed else 1


async def _run(args: argparse.Namespace) -> int:
    await _queue(args)
    return await _send(args)


def add_reminder_commands(sub: Any) -> None:
    reminders = sub.add_parser("reminders", help="the reminder outbox: queue due notices, send them by mail")
    commands = reminders.add_subparsers(dest="reminders_command", required=True)
    commands.add_parser("queue", help="queue a notice for everything due (once per notice)").set_defaults(
        handler=_queue
    )
    commands.add_parser("send", help="send queued notices by SMTP, retrying failed ones").set_defaults(
        handler=_send
    )
    commands.add_parser("run", help="queue, then send").set_defaults(handler=_run)
