"""An entity's findings in the browser, and a compliance officer's "accept the risk" form for each open one.

The list is the API's (``list_findings``); an acceptance is created through the same service as
``POST /api/finding-acceptances``, so it is validated, audited and shown exactly as the API's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from ropa.access.model import current_principal
from ropa.constraints import KEY_PATTERN
from ropa.errors import Conflict, Invalid
from ropa.findings.services import FindingOut
from ropa.params import Text
from ropa.records import services as records
from ropa.records.catalog import ACCEPTANCE
from ropa.web import reads
from ropa.web.pages import FieldErrors, UiTexts, language, page, texts

SEVERITIES = ("high", "medium", "low", "info")
STATUSES = ("open", "accepted")
REASON_MAX = 20_000
KEY_TRIES = 20
# A record kind -> the section page that shows it (activities have a page of their own).
SECTIONS = {"processor": "processors", "recipient": "processors", "transfer": "transfers"}
SECTIONS |= {"retention_rule": "retention", "cookie": "cookies"}


@dataclasses.dataclass
class AcceptForm(FieldErrors):
    """The accept form of one finding: what the user typed, and the messages per field."""

    rule_id: str = ""
    record_key: str = ""
    reason: str = ""
    until: str = ""

    def is_for(self, item: FindingOut) -> bool:
        return (self.rule_id, self.record_key) == (item.finding.rule_id, item.finding.record_key or "")


@dataclasses.dataclass
class Row:
    n: int
    item: FindingOut
    link: str | None
    form: AcceptForm


@dataclasses.dataclass
class Group:
    """The findings of one record (or of the register as a whole), in the list's order."""

    kind: str
    key: str
    name: str
    link: str | None
    rows: list[Row]


KIND_ORDER = ("entity", "activity", "processor", "recipient", "transfer", "retention_rule")


def _groups(rows: list[Row], names: dict[tuple[str, str], str]) -> list[Group]:
    """Rows grouped by the record they concern: the register first, then activities, processors …"""
    groups: dict[tuple[str, str], Group] = {}
    for row in rows:
        kind, key = row.item.finding.record_kind, row.item.finding.record_key or ""
        group = groups.get((kind, key))
        if group is None:
            group = groups[(kind, key)] = Group(kind, key, names.get((kind, key), key), row.link, [])
        group.rows.append(row)
    rank = {k: n for n, k in enumerate(KIND_ORDER)}
    return sorted(groups.values(), key=lambda g: (rank.get(g.kind, len(rank)), g.name.casefold(), g.key))


def _choice(value: str | None, allowed: tuple[str, ...]) -> str:
    """A filter's value if it is one of ``allowed``; anything else ("", "all", junk) is no filter."""
    return value if value in allowed else ""


def _link(entity_id: str, kind: str, key: str | None, activity_ids: dict[str, str]) -> str | None:
    """Where the record a finding concerns is shown, if it has a place of its own."""
    if not key:
        return None
    if kind == "activity":
        return f"/entities/{entity_id}/activities/{activity_ids[key]}" if key in activity_ids else None
    if kind in SECTIONS:
        anchor = {"processor": f"#p-{key}", "recipient": f"#r-{key}", "transfer": f"#x-{key}"}.get(kind, "")
        return f"/entities/{entity_id}/{SECTIONS[kind]}{anchor}"
    return None


async def _findings_page(
    request: Request[Any, Any, Any],
    ref: str,
    severity: str,
    status: str,
    form: AcceptForm | None = None,
    http_status: int = 200,
    notice: str = "",
) -> Template:
    got = await reads.entity_page(ref, language(request))
    activity_ids = {a.key: a.id or "" for a in got.view.entity.activities}
    items = await reads.entity_findings(got.id, severity, status)
    rows = [
        Row(
            n,
            item,
            _link(got.id, item.finding.record_kind, item.finding.record_key, activity_ids),
            form if form is not None and form.is_for(item) else AcceptForm(),
        )
        for n, item in enumerate(items, start=1)
    ]
    view = got.view
    names = {("entity", view.entity.key): view.entity.legal_name}
    names |= {("activity", a.key): a.name for a in view.entity.activities}
    names |= {("processor", k): p.name for k, p in view.processors.items()}
    names |= {("recipient", k): r.name for k, r in view.recipients.items()}
    names |= {("transfer", k): x.name for k, x in view.transfers.items()}
    return page(
        request,
        "findings.html",
        got.terms,
        http_status=http_status,
        entity=got.view.entity,
        entity_id=got.id,
        rows=rows,
        groups=_groups(rows, names),
        severity=severity,
        status=status,
        severities=SEVERITIES,
        statuses=STATUSES,
        form=form,
        form_row=next((r.n for r in rows if r.form is form), None),
        notice=notice,
        acceptances=await reads.acceptances(got.id),
        today=reads.today().isoformat(),
        tab="findings",
    )


# Officers and auditors review findings here; a regulator gets them in the export, not as a page.
@get(
    "/entities/{ref:str}/findings", opt={"perm": "findings.review"}, include_in_schema=False, name="findings"
)
async def findings(
    request: Request[Any, Any, Any],
    ref: FromPath[str],
    severity: FromQuery[Text] = None,
    status: FromQuery[Text] = None,
    accepted: FromQuery[Text] = None,
    withdrawn: FromQuery[Text] = None,
) -> Template:
    """The entity's findings, filtered by severity and status, in the page's language."""
    t = texts(request)
    notice = t("find.accepted_notice", record=accepted) if accepted else ""
    notice = t("find.withdrawn_notice", record=withdrawn) if withdrawn else notice
    return await _findings_page(
        request, ref, _choice(severity, SEVERITIES), _choice(status, STATUSES), notice=notice
    )


def _checked(form: AcceptForm, t: UiTexts) -> dt.date | None:
    """The form's own checks, in the page's language; the date if it is a usable one."""
    if not form.reason.strip():
        form.errors.setdefault("reason", []).append(t("find.err.reason"))
    elif len(form.reason) > REASON_MAX:
        form.errors.setdefault("reason", []).append(t("find.err.reason_long", max=REASON_MAX))
    until = None
    if not form.until.strip():
        form.errors.setdefault("until", []).append(t("find.err.until"))
    else:
        try:
            until = dt.date.fromisoformat(form.until.strip())
        except ValueError:
            form.errors.setdefault("until", []).append(t("find.err.until_format"))
        else:
            if until < reads.today():
                form.errors.setdefault("until", []).append(t("find.err.until_past"))
    return until


def acceptance_key(rule_id: str, record_key: str, attempt: int) -> str:
    """``ACC-<rule>-<record>`` within the Key pattern; from the second attempt on, with a suffix."""
    base = re.sub(r"[^A-Za-z0-9._:-]+", "-", f"ACC-{rule_id}-{record_key}".rstrip("-"))
    suffix = f"-{attempt + 1}" if attempt else ""
    key = base[: 64 - len(suffix)] + suffix
    assert re.fullmatch(KEY_PATTERN, key)
    return key


async def _create(entity_id: str, form: AcceptForm, until: dt.date) -> str:
    """The acceptance, through the API's own service; a taken key gets the next suffix."""
    principal = current_principal()
    record = form.record_key or None
    for attempt in range(KEY_TRIES):
        body = {
            "entity": entity_id,
            "key": acceptance_key(form.rule_id, form.record_key, attempt),
            "name": f"{form.rule_id} · {record}" if record else form.rule_id,
            "rule_id": form.rule_id,
            "record_key": record,
            "reason": form.reason.strip(),
            "accepted_by": principal.username if principal else "anonymous",
            "expires_on": until.isoformat(),
        }
        try:
            payload = msgspec.convert(body, ACCEPTANCE.create)
        except msgspec.ValidationError as exc:
            match = re.search(r"at `\$\.([^`]+)`", str(exc))
            raise Invalid.of([(match[1] if match else "general", str(exc).split(" - at")[0])]) from None
        try:
            created = await records.create(ACCEPTANCE, payload)
        except Conflict as exc:
            if any(p.get("name") == "key" for p in exc.invalid_params):
                continue
            raise
        return str(created.key)
    raise Invalid.of([("general", "no free key for this acceptance")])


FORM_FIELDS = {"reason": "reason", "expires_on": "until"}
FORM_INPUTS = ("rule_id", "record_key", "reason", "until")


@post(
    "/entities/{ref:str}/findings/accept",
    opt={"perm": "register.write"},
    include_in_schema=False,
    name="accept_finding",
)
async def accept_finding(request: Request[Any, Any, Any], ref: FromPath[str]) -> Response[Any]:
    """Accept one open finding's risk until a date, with a reason; back to the list with a notice."""
    entity = await reads.entity_summary(ref)
    submitted = await request.form()
    field = {k: str(submitted.get(k, ""))[: REASON_MAX + 1] for k in FORM_INPUTS}
    form = AcceptForm(field["rule_id"], field["record_key"], field["reason"], field["until"])
    severity = _choice(str(submitted.get("severity", "")), SEVERITIES)
    status = _choice(str(submitted.get("status", "")), STATUSES)
    t = texts(request)
    until = _checked(form, t)
    candidates = await reads.entity_findings(entity.id, None, None)
    matching = [c for c in candidates if form.is_for(c)]
    if not matching:
        form.errors.setdefault("general", []).append(t("find.err.no_finding"))
    elif all(c.status == "accepted" for c in matching):
        form.errors.setdefault("general", []).append(t("find.err.already"))
    if not form.errors and until is not None:
        try:
            key = await _create(entity.id, form, until)
        except Invalid as exc:
            for param in exc.invalid_params or [{"name": "general", "reason": exc.detail}]:
                name = FORM_FIELDS.get(param["name"], "general")
                form.errors.setdefault(name, []).append(param["reason"])
        else:
            query = urlencode({k: v for k, v in (("severity", severity), ("status", status)) if v})
            target = f"/entities/{entity.id}/findings?{query + '&' if query else ''}accepted={key}"
            return Redirect(target, status_code=303)
    return await _findings_page(request, entity.id, severity, status, form=form, http_status=422)


def _back(entity_id: str, severity: str, status: str, **notice: str) -> Redirect:
    query = urlencode({k: v for k, v in (("severity", severity), ("status", status)) if v} | notice)
    return Redirect(f"/entities/{entity_id}/findings?{query}", status_code=303)


@post(
    "/entities/{ref:str}/findings/withdraw",
    opt={"perm": ACCEPTANCE.write_perm},  # as DELETE /api/finding-acceptances/{id}
    include_in_schema=False,
    name="withdraw_acceptance",
)
async def withdraw_acceptance(request: Request[Any, Any, Any], ref: FromPath[str]) -> Response[Any]:
    """Withdraw a risk acceptance: the API's retire of it, audited with the reason; the finding it
    covered is open again."""
    entity = await reads.entity_summary(ref)
    submitted = await request.form()
    field = {k: str(submitted.get(k, ""))[: REASON_MAX + 1] for k in (*FORM_INPUTS, "key", "version")}
    form = AcceptForm(field["rule_id"], field["record_key"], field["reason"])
    severity = _choice(str(submitted.get("severity", "")), SEVERITIES)
    status = _choice(str(submitted.get("status", "")), STATUSES)
    t = texts(request)
    held = (await reads.acceptances(entity.id)).get(field["key"])
    http_status = 422
    if held is None:
        form.fail("general", t("find.err.withdrawn"))
        http_status = 409
    elif not form.reason.strip():
        form.fail("withdraw_reason", t("find.err.reason"))
    elif len(form.reason) > REASON_MAX:
        form.fail("withdraw_reason", t("find.err.reason_long", max=REASON_MAX))
    elif not field["version"].isdigit():
        form.fail("general", t("find.err.withdraw_stale"))
    else:
        try:
            await records.retire(ACCEPTANCE, held.id, int(field["version"]), form.reason.strip())
        except Conflict:  # changed or withdrawn meanwhile
            form.fail("general", t("find.err.withdraw_stale"))
            http_status = 409
        else:
            return _back(entity.id, severity, status, withdrawn=str(held.key))
    return await _findings_page(request, entity.id, severity, status, form=form, http_status=http_status)


FINDINGS_PAGES = [findings, accept_finding, withdraw_acceptance]
