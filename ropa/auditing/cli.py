"""``ropa audit ...``: verify, integrate, print the public key (query and export follow)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ropa.settings import get_settings


async def _verify(args: argparse.Namespace) -> int:
    return await verify_and_print(args.checkpoint or (), args.witness or "")


async def verify_and_print(files: Sequence[str] = (), witness_dir: str = "") -> int:
    """Verify the configured database's log with the configured key, against its own checkpoints and
    every checkpoint held outside it (the anchor file, witnesses, `files`); print the summary."""
    from ropa.auditing.integrator import verify_with_held
    from ropa.auditing.keys import get_signer

    settings = get_settings()
    key = get_signer(settings, create=False).verifier_key()
    report = await verify_with_held(settings, key, files, witness_dir)
    print(report.summary())
    return 0 if report.ok else 1


async def _witness(args: argparse.Namespace) -> int:
    """Copy the latest signed checkpoint into a witness directory, if it extends what the directory holds."""
    from audit import db as audit_db
    from audit.anchor import LogInconsistent, check_extends
    from audit.checkpoint import parse_and_verify
    from audit.errors import VerificationError
    from audit.integrator import store_witnessed
    from audit.tables import AuditCheckpoint
    from ropa.auditing.integrator import witnessed
    from ropa.auditing.keys import get_signer

    settings = get_settings()
    key = get_signer(settings, create=False).verifier_key()
    directory = Path(args.dir or settings.audit_witness_dir)
    if not str(directory) or str(directory) == ".":
        print("name the witness directory: ropa audit witness --dir DIR (or set ROPA_AUDIT_WITNESS_DIR)")
        return 2
    directory.mkdir(parents=True, exist_ok=True)
    latest = await (
        AuditCheckpoint.select(AuditCheckpoint.note)
        .order_by(AuditCheckpoint.tree_size, ascending=False)
        .first()
    )
    if latest is None:
        print("no signed checkpoint yet: nothing to witness")
        return 0
    try:
        cp = parse_and_verify(latest["note"], key)
        for held in witnessed(str(directory), key, settings.audit_origin):
            await check_extends(held, cp.size, cp.root, audit_db.fetch_nodes)
    except (LogInconsistent, VerificationError) as exc:
        print(f"REFUSED: {exc.reason}")
        return 1
    path = store_witnessed(directory, latest["note"])
    print(f"witnessed tree size {cp.size} in {path}")
    return 0


async def _verifier(args: argparse.Namespace) -> int:
    """Write the offline bundle verifier, as published, and print its SHA-256."""
    from audit import verifier

    Path(args.output).write_bytes(verifier.source())
    print(f"wrote {args.output}")
    print(f"SHA-256 {verifier.sha256()}")
    return 0


async def _anchor(args: argparse.Namespace) -> int:
    """Show the checkpoint kept outside the database or, after an intended restore, move it aside."""
    import datetime as dt

    from audit.anchor import AnchorFile

    settings = get_settings()
    anchor = AnchorFile(settings.anchor_path)
    if not anchor.exists():
        print(f"no anchored checkpoint at {anchor.path}: the next start adopts the database's latest")
        return 0
    if not args.reset:
        for path in (anchor.path, anchor.head_path):
            if path.exists():
                print(f"{path}:")
                print(path.read_text(), end="")
        return 0
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in (anchor.path, anchor.head_path):
        if path.exists():
            kept = path.with_name(f"{path.name}.superseded-{stamp}")
            path.rename(kept)
            print(f"moved {path} to {kept}; keep it: it proves what the log held before the restore")
    return 0


async def _integrate(args: argparse.Namespace) -> int:
    from ropa.auditing.integrator import integrator

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
    from ropa.auditing.integrator import integrator
    from ropa.auditing.keys import get_signer

    first = await _bound(args.from_, "from")
    last = await _bound(args.to, "to")
    if args.to and not args.to.isdigit() and last is not None:
        last -= 1  # --to TIME is exclusive
    bundle = await export_bundle(
        get_signer(get_settings(), create=False), integrator(), first, last, args.consistency_from
    )
    Path(args.output).write_bytes(bundle)
    print(
        f"wrote {args.output}; check it with the published verifier (ropa audit verifier -o FILE), "
        f"never a copy from a bundle: python verify_bundle.py {args.output} --key KEY"
    )
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
        async for chunk in services.event_lines(f, args.format):
            out.write(chunk)
    finally:
        if args.output:
            out.close()
    return 0


def add_audit_commands(sub: Any) -> None:
    audit = sub.add_parser("audit", help="the tamper-evident audit log")
    commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = commands.add_parser("verify", help="verify every entry, body, checkpoint and trigger")
    verify.add_argument(
        "--checkpoint",
        action="append",
        metavar="FILE",
        help="a checkpoint you hold (signed note from a bundle or witness, or '<size> <root>' from an "
        "export footer): the log must extend it; repeatable",
    )
    verify.add_argument(
        "--witness", metavar="DIR", help="a witness directory whose checkpoints the log must extend"
    )
    verify.set_defaults(handler=_verify)
    witness = commands.add_parser("witness", help="copy the latest checkpoint to a witness directory")
    witness.add_argument("--dir", help="the witness directory (default ROPA_AUDIT_WITNESS_DIR)")
    witness.set_defaults(handler=_witness)
    verifier = commands.add_parser("verifier", help="write the offline bundle verifier and print its SHA-256")
    verifier.add_argument("-o", "--output", required=True)
    verifier.set_defaults(handler=_verifier)
    anchor = commands.add_parser("anchor", help="show the checkpoint kept outside the database")
    anchor.add_argument(
        "--reset", action="store_true", help="move it aside after restoring an older backup on purpose"
    )
    anchor.set_defaults(handler=_anchor)
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
