"""``ropa audit ...``: verify, integrate, print the public key (query and export follow)."""

from __future__ import annotations

import argparse
from typing import Any

from ropa.settings import get_settings


async def _verify(args: argparse.Namespace) -> int:
    from audit.verify_db import verify_log
    from ropa.auditing.keys import get_signer

    report = await verify_log(get_signer(get_settings(), create=False).verifier_key())
    print(report.summary())
    return 0 if report.ok else 1


async def _integrate(args: argparse.Namespace) -> int:
    from ropa.auditing.service import integrator

    count = await integrator().integrate_all(checkpoint=True)
    print(f"integrated {count} events")
    return 0


async def _public_key(args: argparse.Namespace) -> int:
    from ropa.auditing.keys import get_signer

    signer = get_signer(get_settings())
    print(signer.verifier_key())
    if args.pem:
        print(signer.public_key_pem().decode(), end="")
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
