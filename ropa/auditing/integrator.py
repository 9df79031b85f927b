"""The process-wide integrator, built from the settings with its anchor file and witnesses, and the
checkpoints kept outside the database (anchor file, witness directories) that it and a verification
of the log answer to."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from audit.anchor import AnchorFile, Held, read_held
from audit.checkpoint import Signer
from audit.errors import VerificationError
from audit.integrator import Integrator
from audit.verify_db import Report, verify_log
from ropa.auditing.keys import get_signer
from ropa.settings import Settings, get_settings


def make_integrator(settings: Settings, signer: Signer) -> Integrator:
    return Integrator(
        signer,
        settings.audit_origin,
        settings.checkpoint_every,
        settings.checkpoint_seconds,
        anchor=AnchorFile(settings.anchor_path),
        witness_dir=settings.audit_witness_dir,
        witness_command=settings.audit_witness_command,
    )


@functools.cache
def integrator() -> Integrator:
    settings = get_settings()
    return make_integrator(settings, get_signer(settings, create=False))


def witnessed(directory: str, verifier_key: str, origin: str) -> list[Held]:
    """Every checkpoint a witness directory holds (files checkpoint-*.txt)."""
    return [
        read_held(path, verifier_key, origin) for path in sorted(Path(directory).glob("checkpoint-*.txt"))
    ]


def trusted_heads(
    settings: Settings, verifier_key: str, files: Sequence[str] = (), witness_dir: str = ""
) -> list[Held]:
    """The checkpoints kept outside the database that the log must extend: the anchor file, the
    configured witness directory and any files given; VerificationError if one does not verify."""
    held = [read_held(f, verifier_key, settings.audit_origin) for f in files]
    held += AnchorFile(settings.anchor_path).load(verifier_key, settings.audit_origin)
    for directory in dict.fromkeys(d for d in (witness_dir, settings.audit_witness_dir) if d):
        held += witnessed(directory, verifier_key, settings.audit_origin)
    return held


async def verify_with_held(
    settings: Settings, verifier_key: str, files: Sequence[str] = (), witness_dir: str = ""
) -> Report:
    """verify_log against the database's own checkpoints and every trusted head outside it."""
    try:
        held = trusted_heads(settings, verifier_key, files, witness_dir)
    except VerificationError as exc:
        return Report(ok=False, error=exc.reason)
    return await verify_log(verifier_key, settings.audit_origin, held)
