"""The checkpoint signing key: from ROPA_AUDIT_KEY_PEM or a key file, generated on first run."""

from __future__ import annotations

import os
from pathlib import Path

from audit.checkpoint import Signer, load_signer
from ropa.errors import MissingKey
from ropa.settings import Settings


def get_signer(settings: Settings, create: bool = True) -> Signer:
    if settings.audit_key_pem:
        return load_signer(settings.audit_key_name, settings.audit_key_pem.encode())
    path = Path(settings.audit_key_file)
    if not path.exists():
        if not create:
            raise MissingKey(
                f"no audit signing key at {path.resolve()}: run from the directory `ropa migrate` ran in, "
                "or set ROPA_AUDIT_KEY_FILE or ROPA_AUDIT_KEY_PEM"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        signer = Signer.generate(settings.audit_key_name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(signer.to_pem())
        return signer
    return load_signer(settings.audit_key_name, path.read_bytes())
