"""Engines and migrations: the schema is created and changed only by Alembic."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlmodel import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number: replicas starting together take turns to migrate PostgreSQL.
_MIGRATION_LOCK = 4_711_042


class DatabaseURLError(ValueError):
    pass


def normalize_database_url(url: str) -> str:
    """Accepts the `postgres://` and `postgresql://` URLs hosting platforms hand out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseURLError(f"cannot parse {url!r}") from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseURLError(f"unsupported database {parsed.get_backend_name()!r}")
    return url


def make_engine(url: str) -> Engine:
    url = normalize_database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # WAL lets readers (the web server) go on while the dispatcher writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # In WAL mode NORMAL keeps the database consistent through a crash and skips an fsync per commit;
    # only a power cut can lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def upgrade(engine: Engine) -> None:
    """Brings the schema to the newest migration."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


# PostgreSQL's codes for "another transaction got there first": unique or exclusion violation,
# serialization failure, deadlock. SQLite says "database is locked" (or "busy") instead.
_CONFLICT_CODES = frozenset({"23505", "23P01", "40001", "40P01"})


def is_write_conflict(exc: DBAPIError) -> bool:
    """Whether `exc` is a clash with a concurrent writer, so that the same change, tried again on
    fresh data, is either saved or refused with its reason (not a fault of the database itself)."""
    if isinstance(exc, IntegrityError):
        return True
    code = getattr(exc.orig, "sqlstate", None)
    if code in _CONFLICT_CODES:
        return True
    message = str(exc.orig).lower()
    return isinstance(exc, OperationalError) and ("database is locked" in message or "busy" in message)
