"""Settings from the environment, read once into a frozen dataclass."""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Settings:
    database_url: str = ""
    sqlite_path: str = "var/ropa.sqlite"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True
    max_body_bytes: int = 2 * 1024 * 1024
    # The audit log: origin line of checkpoints, signing key, and how often to sign.
    audit_origin: str = "ropa.local/audit/v1"
    audit_key_file: str = "var/audit-signing-key.pem"
    audit_key_pem: str = ""
    audit_key_name: str = "ropa-audit"
    source_hash_key_file: str = "var/source-hash.key"
    # The last signed checkpoint, kept outside the database (default: beside the key file), and
    # the witnesses each new checkpoint is handed to: a directory (a file share) and/or a command
    # that reads the signed note on stdin (mail, a second database, a witness service).
    audit_checkpoint_file: str = ""
    audit_witness_dir: str = ""
    audit_witness_command: str = ""
    checkpoint_every: int = 1000
    checkpoint_seconds: float = 60.0
    integrate_interval: float = 0.2
    run_integrator: bool = True
    # Access control: switched off only for local experiments and the benchmark that measures its cost.
    auth_enabled: bool = True
    cookie_secure: bool = True
    cors_origins: tuple[str, ...] = ()
    # Reverse proxies (addresses or CIDRs) whose X-Forwarded-For/-Proto uvicorn honours; none by default.
    trusted_proxies: tuple[str, ...] = ()
    # Exports of entities with more activities than this run as background jobs.
    export_sync_limit: int = 200
    # The served app renders exports in a worker process of its own (exports.render_worker).
    export_render_process: bool = True
    # Reminders by mail: none until an SMTP host is set. The public address of the web interface is
    # the start of the links the mails carry.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_from: str = ""
    smtp_user: str = ""
    smtp_password: str = dataclasses.field(default="", repr=False)
    smtp_starttls: bool = True
    public_url: str = ""

    @property
    def anchor_path(self) -> str:
        """Where the integrator keeps its last signed checkpoint: the setting, or beside the key."""
        if self.audit_checkpoint_file:
            return self.audit_checkpoint_file
        return str(Path(self.audit_key_file).with_name("audit-checkpoint.txt"))

    @property
    def mail_configured(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @property
    def base_url(self) -> str:
        """Where the web interface is reached: the setting, or the address the service listens on."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def engine(self) -> str:
        return "postgres" if self.database_url.startswith(("postgres://", "postgresql://")) else "sqlite"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"ROPA_{name}", default)


@functools.cache
def get_settings() -> Settings:
    base = Settings()
    return Settings(
        database_url=_env("DATABASE_URL", base.database_url),
        sqlite_path=_env("SQLITE_PATH", base.sqlite_path),
        host=_env("HOST", base.host),
        port=int(_env("PORT", str(base.port))),
        log_level=_env("LOG_LEVEL", base.log_level).upper(),
        log_json=_env("LOG_FORMAT", "json") == "json",
        max_body_bytes=int(_env("MAX_BODY_BYTES", str(base.max_body_bytes))),
        audit_origin=_env("AUDIT_ORIGIN", base.audit_origin),
        audit_key_file=_env("AUDIT_KEY_FILE", base.audit_key_file),
        audit_key_pem=_env("AUDIT_KEY_PEM", base.audit_key_pem),
        audit_key_name=_env("AUDIT_KEY_NAME", base.audit_key_name),
        source_hash_key_file=_env("SOURCE_HASH_KEY_FILE", base.source_hash_key_file),
        audit_checkpoint_file=_env("AUDIT_CHECKPOINT_FILE", base.audit_checkpoint_file),
        audit_witness_dir=_env("AUDIT_WITNESS_DIR", base.audit_witness_dir),
        audit_witness_command=_env("AUDIT_WITNESS_COMMAND", base.audit_witness_command),
        checkpoint_every=int(_env("CHECKPOINT_EVERY", str(base.checkpoint_every))),
        checkpoint_seconds=float(_env("CHECKPOINT_SECONDS", str(base.checkpoint_seconds))),
        integrate_interval=float(_env("INTEGRATE_INTERVAL", str(base.integrate_interval))),
        run_integrator=_env("RUN_INTEGRATOR", "1") == "1",
        auth_enabled=_env("AUTH", "on") != "off",
        cookie_secure=_env("COOKIE_SECURE", "1") == "1",
        cors_origins=tuple(o for o in _env("CORS_ORIGINS", "").split(",") if o),
        trusted_proxies=tuple(p.strip() for p in _env("TRUSTED_PROXIES", "").split(",") if p.strip()),
        export_sync_limit=int(_env("EXPORT_SYNC_LIMIT", str(base.export_sync_limit))),
        export_render_process=_env("EXPORT_RENDER_PROCESS", "1") == "1",
        smtp_host=_env("SMTP_HOST", base.smtp_host),
        smtp_port=int(_env("SMTP_PORT", str(base.smtp_port))),
        smtp_from=_env("SMTP_FROM", base.smtp_from),
        smtp_user=_env("SMTP_USER", base.smtp_user),
        smtp_password=_env("SMTP_PASSWORD", base.smtp_password),
        smtp_starttls=_env("SMTP_STARTTLS", "1") == "1",
        public_url=_env("PUBLIC_URL", base.public_url),
    )


def secret_file(path: str, size: int = 32) -> bytes:
    """Read a random secret, creating it (mode 0600) on first use."""
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(os.urandom(size))
    return file.read_bytes()
