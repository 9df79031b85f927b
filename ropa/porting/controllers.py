"""HTTP routes for the whole register: dump, import, and an entity as of a moment."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from ropa.auditing.services import parse_time
from ropa.errors import Invalid
from ropa.porting import as_of, services
from ropa.porting.schemas import EntityIn, RegisterFile


@get(
    "/dump",
    operation_id="dumpRegister",
    opt={"perm": "register.dump"},
    summary="The whole register in the ropa-register format",
)
async def dump() -> RegisterFile:
    return await services.dump_register()


@post(
    "/import",
    operation_id="importRegister",
    opt={"perm": "register.import"},
    summary="Import a register file: all of it or nothing",
)
async def import_(data: JSONBody[RegisterFile]) -> dict[str, int]:
    return await services.import_register(data, source="api")


@get(
    "/entities/{ref:str}/as-of",
    operation_id="entityAsOf",
    opt={"perm": "register.history"},
    summary="An entity's register as it stood at a moment, rebuilt from the audit log",
)
async def entity_as_of(
    ref: FromPath[str], at: FromQuery[Annotated[str, QueryParameter(max_length=40)]]
) -> EntityIn:
    moment = parse_time(at, "at")
    if moment is None:
        raise Invalid.of([("at", "required")])
    return await as_of.entity_as_of(ref, moment)


PORTING_ROUTES = [
    Router(path="/api/register", route_handlers=[dump, import_, entity_as_of], tags=["Register"])
]
