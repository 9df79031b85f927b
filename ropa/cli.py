"""The ``ropa`` command line: migrate, serve, seed, import, dump, the audit log tools and the reminders."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from ropa import register_cli
from ropa.settings import get_settings

Command = Callable[[argparse.Namespace], Awaitable[int]]


async def _migrate(args: argparse.Namespace) -> int:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from ropa import db
    from ropa.vocabulary.services import builtin_terms, ensure_terms

    for app in ("ropa", "audit"):
        response = await run_forwards(app_name=app, migration_id="all", fake=False)
        if not response.success:
            print(f"migration of {app} failed: {response.message}", file=sys.stderr)
            return 1
    from ropa.auditing.keys import get_signer

    get_signer(get_settings())  # the first migrate makes the checkpoint signing key
    await db.open_pool()  # sets WAL on SQLite
    try:
        async with db.write_transaction():
            created = await ensure_terms(builtin_terms())
    finally:
        await db.close_pool()
    print(f"migrated; {created} built-in vocabulary terms added or completed")
    return 0


async def _findings(args: argparse.Namespace) -> int:
    import msgspec

    from ropa.findings.services import list_findings

    found = await list_findings(entity=args.entity, severity=args.severity, status=args.status)
    if args.format == "json":
        sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(found)) + b"\n")
        return 0
    for item in found:
        f = item.finding
        where = f.record_key or f.entity_key
        status = (
            f" [accepted until {item.acceptance.expires_on}]"
            if item.status == "accepted" and item.acceptance
            else ""
        )
        print(f"{f.severity.upper():6} {f.entity_key:12} {where:24} {f.rule_id} ({f.article}){status}")
        print(f"       {f.message[args.lang]}")
    print(f"{len(found)} findings")
    return 0


async def _backup(args: argparse.Namespace) -> int:
    from ropa.backup import backup
    from ropa.errors import BackupError

    try:
        made = await backup(Path(args.file))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"backup of the {made.engine} database written to {made.path} ({made.size:,} bytes)")
    print("the checkpoint signing key is not in it: keep ROPA_AUDIT_KEY_FILE's key safe apart")
    return 0


async def _restore(args: argparse.Namespace) -> int:
    """Restore, then verify the restored log; no pool first: on SQLite it would create the file."""
    from ropa.auditing.cli import verify_and_print
    from ropa.backup import restore
    from ropa.errors import BackupError, MissingKey

    try:
        made = await restore(Path(args.file))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.file} into the {made.engine} database")
    try:
        code = await verify_and_print()
        if code:
            print(
                "if this backup is older than the log's last signed checkpoint and you restore it on "
                "purpose, move the anchored checkpoint aside with `ropa audit anchor --reset` (and keep it)",
                file=sys.stderr,
            )
        return code
    except MissingKey as exc:
        print(f"not verified: {exc}", file=sys.stderr)
        return 1


def _trusted_proxies(entries: tuple[str, ...]) -> list[str]:
    """ROPA_TRUSTED_PROXIES checked: each an IP address or network (CIDR), or * for any peer."""
    import ipaddress

    for entry in entries:
        if entry != "*":
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"'{entry}' is not an IP address or network (CIDR)") from None
    return list(entries)


def _serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    settings = get_settings()
    try:
        proxies = _trusted_proxies(settings.trusted_proxies)
    except ValueError as exc:
        print(f"ROPA_TRUSTED_PROXIES: {exc}", file=sys.stderr)
        return 2
    if os.environ.get("FORWARDED_ALLOW_IPS") and not proxies:
        # uvicorn's own setting used to decide this; refuse rather than silently trust no proxy.
        print(
            "FORWARDED_ALLOW_IPS is not read by ropa serve: name the proxies in ROPA_TRUSTED_PROXIES",
            file=sys.stderr,
        )
        return 2
    config = uvicorn.Config(
        "ropa.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        # X-Forwarded-For/-Proto replace the client address and scheme only from these peers; by
        # default from none, so no client can choose the address the sign-in limits and audit see.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
        access_log=False,
        log_level="warning",
    )
    try:
        _server_class()(config).run()
    except KeyboardInterrupt:  # Ctrl-C: a clean stop, as uvicorn.run() would make it
        pass
    return 0


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, saying where it listens once the socket is bound (its own line is at
        info level, which ropa does not log)."""

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                for server in self.servers:
                    for sock in server.sockets:
                        host, port = sock.getsockname()[:2]
                        shown = f"[{host}]" if ":" in host else host
                        print(f"ropa: listening on http://{shown}:{port}/ (sign in at /sign-in)", flush=True)

    return Server


def _openapi(args: argparse.Namespace) -> int:
    from ropa.app import schema_document

    text = schema_document()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ropa", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations and load built-in vocabularies")
    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    seed = sub.add_parser("seed", help="load the demo register (idempotent)")
    seed.add_argument("--demo", action="store_true", help="the Techem DK/NO demo register")
    seed.add_argument("--if-empty", action="store_true", help="only when the database holds no entity")
    imp = sub.add_parser("import", help="import a register file: YAML, JSON, an .xlsx export or template")
    imp.add_argument("file")
    imp.add_argument("--apply", action="store_true", help="import an authority template (else: a dry run)")
    dump = sub.add_parser("dump", help="dump the whole register (YAML, or JSON for -o *.json)")
    dump.add_argument("-o", "--output")
    dump.add_argument("--as-of", help="rebuild from the audit log as of this ISO 8601 time (needs --entity)")
    dump.add_argument("--entity", help="key or id of the entity for --as-of")
    backup = sub.add_parser("backup", help="write a consistent copy of the database while it serves")
    backup.add_argument("file", help="the backup file to write (never overwritten)")
    restore = sub.add_parser("restore", help="restore a backup into a new, empty database, then verify")
    restore.add_argument("file")
    findings = sub.add_parser("findings", help="check the register against the law")
    findings.add_argument("--entity", help="key or id of one entity")
    findings.add_argument("--severity", choices=("high", "medium", "low", "info"))
    findings.add_argument("--status", choices=("open", "accepted"))
    findings.add_argument("--format", choices=("text", "json"), default="text")
    findings.add_argument("--lang", choices=("en", "da", "nb"), default="en")
    schema = sub.add_parser("openapi", help="print the served OpenAPI document (docs/openapi.json)")
    schema.add_argument("-o", "--output", help="write it to this file instead")
    from exports.cli import add_export_command
    from ropa.access.cli import add_access_commands
    from ropa.auditing.cli import add_audit_commands
    from ropa.reminders.cli import add_reminder_commands

    add_export_command(sub)
    add_access_commands(sub)
    add_audit_commands(sub)
    add_reminder_commands(sub)
    return parser


async def _export(args: argparse.Namespace) -> int:
    from exports.cli import run_export

    return await run_export(args)


COMMANDS: dict[str, Command] = {
    "migrate": _migrate,
    "import": register_cli.import_,
    "dump": register_cli.dump,
    "findings": _findings,
    "backup": _backup,
    "export": _export,
}


async def _run(command: Command, args: argparse.Namespace) -> int:
    from audit.integrator import KeyMismatch
    from ropa import db
    from ropa.errors import DomainError, MissingKey

    await db.open_pool()
    try:
        return await command(args)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        for param in exc.invalid_params:
            print(f"  {param['name']}: {param['reason']}", file=sys.stderr)
        return 1
    except (MissingKey, KeyMismatch) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.close_pool()


def main(argv: Sequence[str] | None = None) -> int:
    from ropa.logging import configure

    # What the commands write (databases, backups, dumps, exports, audit bundles via -o) holds the
    # register: owner only, whatever umask the shell had.
    os.umask(0o077)
    settings = get_settings()
    configure(settings.log_level if settings.log_level != "INFO" else "WARNING", json=False)
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "migrate":
        return asyncio.run(_migrate(args))
    if args.command == "restore":
        return asyncio.run(_restore(args))
    if args.command == "openapi":
        return _openapi(args)
    if args.command == "seed":
        command: Any = register_cli.seed_if_empty if args.if_empty else register_cli.seed
    else:
        command = COMMANDS.get(args.command) or args.handler
    return asyncio.run(_run(command, args))
