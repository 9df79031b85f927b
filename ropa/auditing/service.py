"""The process-wide integrator, built from the settings."""

from __future__ import annotations

import functools

from audit.integrator import Integrator
from ropa.auditing.keys import get_signer
from ropa.settings import get_settings


@functools.cache
def integrator() -> Integrator:
    settings = get_settings()
    return Integrator(
        get_signer(settings, create=False),
        settings.audit_origin,
        settings.checkpoint_every,
        settings.checkpoint_seconds,
    )
