"""HTTP routes of the audit log: verify, query, download, proofs, checkpoints, entries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, Router, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter
from litestar.response import Stream

from audit import query
from ropa.access.model import SIGNED_IN, visible_entities
from ropa.auditing import services
from ropa.auditing.export import export_bundle
from ropa.auditing.integrator import verify_with_held
from ropa.auditing.schemas import (
    CheckpointOut,
    ConsistencyProofOut,
    EntryOut,
    EventPage,
    InclusionProofOut,
    PublicKeyOut,
    VerifyReportOut,
)
from ropa.errors import Forbidden
from ropa.openapi import CONTENT_DISPOSITION, file_answer
from ropa.params import Text

Count = Annotated[int, QueryParameter(ge=1, le=1000)]
MAX_INT = 2**63 - 1  # the largest sequence number or id a database column holds
Seq = Annotated[int, QueryParameter(ge=0, le=MAX_INT)]
Size = Annotated[int | None, QueryParameter(ge=1, le=MAX_INT)]
OptionalSeq = Annotated[int | None, QueryParameter(ge=0, le=MAX_INT)]


@get(
    "/verify",
    operation_id="verifyAuditLog",
    opt={"perm": "audit.verify"},
    summary="Verify every entry, body, checkpoint and trigger",
)
async def verify(request: Request[Any, Any, Any]) -> VerifyReportOut:
    state = request.app.state
    report = await verify_with_held(state["settings"], state["signer"].verifier_key())
    return msgspec.convert(report, VerifyReportOut, from_attributes=True)


async def event_filter(
    entity: FromQuery[Text] = None,
    actor: FromQuery[Text] = None,
    action: FromQuery[Text] = None,
    record_type: FromQuery[Text] = None,
    record_id: FromQuery[Text] = None,
    since: FromQuery[Text] = None,
    until: FromQuery[Text] = None,
) -> query.EventFilter:
    """The filter both the event list and the download take from the query string."""
    return query.EventFilter(
        within=visible_entities(),
        legal_entity_id=await services.entity_id_of(entity),
        actor_id=actor,
        action=action,
        entity_type=record_type,
        entity_id=record_id,
        since=services.parse_time(since, "since"),
        until=services.parse_time(until, "until"),
    )


@get(
    "/events",
    operation_id="listAuditEvents",
    opt={"perm": "audit.read"},
    summary="Query events (keyset pages, oldest first)",
)
async def events(
    f: NamedDependency[query.EventFilter],
    cursor: FromQuery[OptionalSeq] = None,
    limit: FromQuery[Count] = 100,
) -> EventPage:
    return msgspec.convert(await services.events_page(f, cursor, limit), EventPage)


@get(
    "/events/download",
    operation_id="downloadAuditEvents",
    opt={"perm": "audit.read"},
    summary="All matching events as CSV or JSON lines",
    operation_class=file_answer(
        "The matching events, oldest first, in the format asked for",
        {
            "text/csv": "format=csv: a header row, then one event a row (UTF-8)",
            "application/jsonl": "format=jsonl: one event a line, each a JSON object",
        },
        CONTENT_DISPOSITION,
    ),
)
async def download(
    f: NamedDependency[query.EventFilter],
    format: FromQuery[Literal["csv", "jsonl"]] = "jsonl",
) -> Stream:
    await services.record_read("download", {"filter": f.as_dict(), "format": format}, f.legal_entity_id or "")
    media = "text/csv" if format == "csv" else "application/jsonl"  # Litestar adds "; charset=utf-8" to text/
    return Stream(
        services.event_lines(f, format),
        media_type=media,
        headers={"content-disposition": f'attachment; filename="audit-events.{format}"'},
    )


@get(
    "/checkpoints/latest",
    operation_id="latestCheckpoint",
    opt={"perm": SIGNED_IN},
    summary="The latest signed checkpoint",
)
async def latest_checkpoint() -> CheckpointOut:
    return msgspec.convert(await services.latest_checkpoint(), CheckpointOut)


@get(
    "/public-key",
    operation_id="auditPublicKey",
    opt={"perm": SIGNED_IN},
    summary="The checkpoint verifier key (signed-note format)",
)
async def public_key(request: Request[Any, Any, Any]) -> PublicKeyOut:
    signer = request.app.state["signer"]
    return PublicKeyOut(verifier_key=signer.verifier_key(), pem=signer.public_key_pem().decode())


@get(
    "/proofs/inclusion",
    operation_id="inclusionProof",
    opt={"perm": "audit.read"},
    summary="RFC 6962 inclusion proof of entry seq",
)
async def inclusion(seq: FromQuery[Seq], tree_size: FromQuery[Size] = None) -> InclusionProofOut:
    return msgspec.convert(await services.inclusion(seq, tree_size), InclusionProofOut)


@get(
    "/proofs/consistency",
    operation_id="consistencyProof",
    opt={"perm": "audit.read"},
    summary="RFC 6962 consistency proof first -> second",
)
async def consistency(
    first: FromQuery[Annotated[int, QueryParameter(ge=1, le=MAX_INT)]], second: FromQuery[Size] = None
) -> ConsistencyProofOut:
    return msgspec.convert(await services.consistency(first, second), ConsistencyProofOut)


@get(
    "/export",
    operation_id="exportAuditBundle",
    opt={"perm": "audit.export"},
    summary="A ZIP bundle a regulator verifies offline",
    operation_class=file_answer(
        "The bundle: entries, a fresh signed checkpoint, proofs and a verifier",
        {"application/zip": "A ZIP archive"},
        CONTENT_DISPOSITION,
    ),
)
async def export(
    request: Request[Any, Any, Any],
    from_seq: FromQuery[OptionalSeq] = None,
    to_seq: FromQuery[OptionalSeq] = None,
) -> Response[bytes]:
    if visible_entities() is not None:
        raise Forbidden("the bundle holds the events of every entity: it needs a scope of all entities")
    bundle = await export_bundle(
        request.app.state["signer"], request.app.state["integrator"], from_seq, to_seq
    )
    return Response(
        bundle,
        media_type="application/zip",
        headers={"content-disposition": 'attachment; filename="audit-bundle.zip"'},
    )


@get(
    "/entries/{seq:int}",
    operation_id="auditEntry",
    opt={"perm": "audit.read"},
    summary="One entry: its leaf, leaf hash and body",
)
async def entry(seq: FromPath[Annotated[int, PathParameter(ge=0, le=MAX_INT)]]) -> EntryOut:
    return msgspec.convert(await services.entry(seq), EntryOut)


AUDIT_ROUTES = [
    Router(
        path="/api/audit",
        route_handlers=[
            verify,
            events,
            download,
            latest_checkpoint,
            public_key,
            inclusion,
            consistency,
            entry,
            export,
        ],
        tags=["Audit"],
        dependencies={"f": Provide(event_filter)},
    )
]
