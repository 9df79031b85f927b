"""One Litestar router per kind of record, built from its description in the catalog."""

from typing import Annotated, Literal

import msgspec
from litestar import MediaType, Response, Router, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from ropa.auditing import services as audit_services
from ropa.auditing.services import HistoryEntry
from ropa.params import Text
from ropa.records import listing, services
from ropa.records.kinds import Kind

Limit = Annotated[int, QueryParameter(ge=1, le=500, description="Page size")]


class Reactivation(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Why a retired record comes back (kept in the audit log), and the version the caller saw."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=r"\S")]
    version: Annotated[int, msgspec.Meta(ge=1)] | None = None


def make_router(kind: Kind) -> Router:
    """Handlers parse, call one service function and return its struct; nothing else."""
    Create, Update, Out, Page = kind.create, kind.update, kind.out, kind.page  # noqa: N806
    SummaryPage = kind.summary_page  # noqa: N806
    label = kind.name.replace("_", " ")
    op = kind.title
    # Who may do what (ropa/access/model.py): entities are created by admins and kept by admins and
    # their officers, vocabularies are reference data, everything else is the register of an entity.
    write = {"perm": kind.write_perm}
    make = {"perm": kind.create_perm or kind.write_perm}
    reading = {"perm": "register.read"}
    past = {"perm": "register.history"}

    @post("/", operation_id=f"create{op}", summary=f"Create a {label}", opt=make)
    async def create(data: JSONBody[Create]) -> Out:  # type: ignore[valid-type]
        return await services.create(kind, data)

    @get("/", operation_id=f"list{op}s", summary=f"List {kind.path.replace('-', ' ')}", opt=reading)
    async def list_(
        entity: FromQuery[Text] = None,
        status: FromQuery[Text] = None,
        q: FromQuery[Text] = None,
        vocabulary: FromQuery[Text] = None,
        limit: FromQuery[Limit] = 50,
        cursor: FromQuery[Text] = None,
        view: FromQuery[Literal["summary", "full"]] = "summary",
    ) -> Page | SummaryPage:  # type: ignore[valid-type]
        # The annotation is what the schema documents; the body comes encoded from the rows.
        body = await listing.list_json(
            kind,
            entity=entity,
            status=status,
            q=q,
            limit=limit,
            cursor=cursor,
            vocabulary=vocabulary,
            full=view == "full",
        )
        return Response(body, media_type=MediaType.JSON)

    @get("/{record_id:str}", operation_id=f"get{op}", summary=f"Read a {label}", opt=reading)
    async def read(record_id: FromPath[str]) -> Out:  # type: ignore[valid-type]
        return await services.get(kind, record_id)

    @put(
        "/{record_id:str}",
        operation_id=f"update{op}",
        summary=f"Update a {label} (send its version)",
        opt=write,
    )
    async def update(record_id: FromPath[str], data: JSONBody[Update]) -> Out:  # type: ignore[valid-type]
        return await services.update(kind, record_id, data)

    @delete(
        "/{record_id:str}",
        operation_id=f"retire{op}",
        opt=write,
        summary=f"Retire a {label}; it is kept and marked {kind.retired_status}",
        status_code=200,
    )
    async def retire(
        record_id: FromPath[str],
        version: FromQuery[Annotated[int | None, QueryParameter(ge=1)]] = None,
    ) -> Out:  # type: ignore[valid-type]
        return await services.retire(kind, record_id, version)

    @post(
        "/{record_id:str}/reactivate",
        operation_id=f"reactivate{op}",
        opt=write,
        summary=f"Bring a {kind.retired_status} {label} back (send a reason, and its version)",
        status_code=200,
    )
    async def reactivate(record_id: FromPath[str], data: JSONBody[Reactivation]) -> Out:  # type: ignore[valid-type]
        return await services.reactivate(kind, record_id, data.version, data.reason.strip())

    @get(
        "/{record_id:str}/history",
        operation_id=f"history{op}",
        summary=f"Every version of a {label}",
        opt=past,
    )
    async def history(record_id: FromPath[str]) -> list[HistoryEntry]:
        return await audit_services.history(kind, record_id)

    handlers = [create, list_, read, update, retire, history]
    if kind.reactivatable:
        handlers.append(reactivate)
    return Router(
        path=f"/api/{kind.path}",
        route_handlers=handlers,
        tags=[kind.title],
    )
