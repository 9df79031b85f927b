"""The reminder outbox at ``/reminders``: the officer's due notices, newest first, and "send now".

Only compliance officers (``register.write``) see it, and only the notices of the entities in their
scope. "Send now" queues what is due and sends what is queued (``ropa.reminders.services``), the
same as ``ropa reminders run``; every notice queued, cancelled, sent or failed is audited.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from ropa.params import Text
from ropa.reminders import services as reminders
from ropa.web.pages import page

WRITE = {"perm": "register.write"}
RESULT = ("queued", "cancelled", "sent", "failed", "waiting")


@get("/reminders", opt=WRITE, include_in_schema=False, name="reminders")
async def outbox(
    request: Request[Any, Any, Any],
    status: FromQuery[Text] = None,
) -> Template:
    chosen = status if status in reminders.STATUSES else ""
    rows = await reminders.outbox(chosen or None)
    counts = {k: request.query_params.get(k, "") for k in RESULT}
    done = {k: int(v) for k, v in counts.items() if v.isdigit()}
    return page(
        request,
        "reminders.html",
        rows=rows,
        status=chosen,
        statuses=reminders.STATUSES,
        configured=request.app.state["settings"].mail_configured,
        max_attempts=reminders.MAX_ATTEMPTS,
        done=done if len(done) == len(RESULT) else None,
    )


@post("/reminders/send", opt=WRITE, include_in_schema=False)
async def send_now(request: Request[Any, Any, Any]) -> Response[Any]:
    queued = await reminders.queue()
    sent = await reminders.send(request.app.state["settings"])
    query = (
        f"queued={queued.queued}&cancelled={queued.cancelled}"
        f"&sent={sent.sent}&failed={sent.failed}&waiting={sent.waiting}"
    )
    return Redirect(f"/reminders?{query}", status_code=303)


REMINDER_PAGES = [outbox, send_now]
