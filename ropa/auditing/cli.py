"""``ropa audit ...``: verify, integrate, print the public key (query and export follow)."""

from __future__ import annotations

import argparse
from typing import Any

from ropa.settings import get_settings


async def _verify(args: argparse.Namespace) -> int:
    return await verify_and_print()


async def verify_and_print() -> int:
    """Verify the configured database's log with the configured key; print the summary; exit code."""
    from audit.verify_db import verify_log
    from ropa.auditing.keys import get_signer

    settings = get_settings()
    report = await verify_log(get_signer(settings, create=False).verifier_key(), settings.audit_origin)
    print(report.summary())
    return 0 if report.ok else 1


async def _integrate(args: argparse.Namespace) -> int:
    from ropa.auditing.service import integrator

    count = await integrator().integrate_all(checkpoint=True)
    print(f"integrated {count} events")
    return 0


async def _public_key(args: argparse.Namespace) -> int:
    from ropa.auditing.keys import get_signer

    signer = get_signer(get_settings(), create=False)
    print(signer.verifier_key())
    if args.pem:
        print(signer.public_key_pem().decode(), end="")
    return 0


async def _bound(value: str | None, field: str) -> int | None:
    """A seq number as given, or the first seq integrated at or after an ISO 8601 time."""
    if value is None or value.isdigit():
        return None if value is None else int(value)
    from ropa.auditing.export import seq_at
    from ropa.auditing.services import parse_time

    moment = parse_time(value, field)
    assert moment is not None
    return await seq_at(moment)


async def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ropa.auditing.export import export_bundle
    from ropa.auditing.keys import get_signer
    from ropa.auditing.service import integrator

    first = await _bound(args.from_, "from")
    last = await _bound(args.to, "to")
    if args.to and not args.to.isdigit() and last is not None:
        last -= 1  # --to TIME is exclusive
    bundle = await export_bundle(
        get_signer(get_settings(), create=False), integrator(), first, last, args.consistency_from
    )
    Path(args.output).write_bytes(bundle)
    print(f"wrote {args.output}; check it with: python verify_bundle.py {args.output} (inside the bundle)")
    return 0


async def _query(args: argparse.Namespace) -> int:
    import sys

    from audit import query
    from ropa.auditing import services

    f = query.EventFilter(
        legal_entity_id=await services.entity_id_of(args.entity),
        actor_id=args.actor,
        action=args.action,
        entity_type=args.record_type,
        entity_id=args.record_id,
        since=services.parse_time(args.since, "since"),
        until=services.parse_time(args.until, "until"),
    )
    await services.record_read(
        "cli-query", {"filter": f.as_dict(), "format": args.format}, f.legal_entity_id or ""
    )
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115, ASYNC230
    try:
        async for chunk in query.lines(f, args.format):
            out.write(chunk)
    finally:
        if args.output:
            out.close()
    return 0


def add_audit_commands(sub: Any) -> None:
    audit = sub.add_parser("audit", help="the tamper-evident audit log")
    commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = commands.add_parser("verify", help="verify every entry, body, checkpoint and trigger")
    verify.set_defaults(handler=_verify)
    integrate = commands.add_parser("integrate", help="sequence pending events and sign a checkpoint")
    integrate.set_defaults(handler=_integrate)
    key = commands.add_parser("public-key", help="print the checkpoint verifier key")
    key.add_argument("--pem", action="store_true", help="also print the PEM public key")
    key.set_defaults(handler=_public_key)
    export = commands.add_parser("export", help="write a bundle a regulator can verify offline")
    export.add_argument("--from", dest="from_", help="first seq, or ISO 8601 time (inclusive)")
    export.add_argument("--to", help="last seq (inclusive), or ISO 8601 time (exclusive)")
    export.add_argument(
        "--consistency-from", type=int, action="append", help="tree size of a checkpoint the recipient holds"
    )
    export.add_argument("-o", "--output", required=True)
    export.set_defaults(handler=_export)
    query = commands.add_parser("query", help="events as JSON lines or CSV (the query is itself audited)")
    for name in ("entity", "actor", "action", "record-type", "record-id", "since", "until"):
        query.add_argument(f"--{name}")
    query.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    query.add_argument("-o", "--output")
    query.set_defaults(handler=_query)
