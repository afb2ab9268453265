"""Engines and migrations: the schema is created and changed only by Alembic.

A PostgreSQL server that stops answering must not hold the bot: connecting, each statement, and
waiting for a pooled connection all have a bound (see the timeouts below), and what fails for that
reason is told apart from other faults by `is_unavailable`."""

import math
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from psycopg.abc import RV, PQGen
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session
from sqlmodel import create_engine

from storage.lock_wait import lock_wait
from storage.sqlite_writers import QueuedConnection

MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number: replicas starting together take turns to migrate PostgreSQL.
_MIGRATION_LOCK = 4_711_042
# How long a statement may wait for the database. Serving Slack, which waits 3 s for a slash
# command's answer, "the database is not answering" must be that answer when it does not: every wait
# ends well within that. The command line and migrations are in no such hurry.
SERVING = 2.0
# How long a change waits for the group's other changes (its row lock) while Slack waits: longer than
# for a server that does not answer, since this one does; changes to one group are saved one after
# another, and a burst of them queues. What is left of Slack's 3 s covers the rest of the answer.
LOCK_WAIT = 2.2
BATCH = 60.0
# Seconds to open a PostgreSQL connection (psycopg's least: it counts in whole seconds and takes 1 for 2).
CONNECT_TIMEOUT = 2


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
        # Not the URL itself: it may hold a password, and this message is shown and logged.
        raise DatabaseURLError(
            "cannot parse it; write it like postgresql://user:password@host/db or sqlite:///gmg.db"
        ) from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseURLError(f"unsupported database {parsed.get_backend_name()!r}")
    if parsed.get_driver_name() not in ("pysqlite", "psycopg"):
        raise DatabaseURLError(
            f"unsupported driver {parsed.get_driver_name()!r}; use postgresql://... or sqlite:///..."
        )
    return url


def make_engine(url: str, *, answer_within: float = SERVING) -> Engine:
    """An engine whose every wait for the database (a lock, a statement, a pooled connection, a server
    that stops answering) ends within about `answer_within` seconds with an error."""
    url = normalize_database_url(url)
    if url.startswith("sqlite"):
        connect_args = {
            "check_same_thread": False,
            "timeout": answer_within,
            "factory": partial(QueuedConnection, wait=answer_within),
        }
        engine = create_engine(url, connect_args=connect_args)
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_ms=int(answer_within * 1000)))
        return engine
    engine = create_engine(
        url,
        # Up to one connection for each thread that may hold one at once: 16 request threads (the
        # replay guard), 16 answering threads (bot/capacity.py), 8 senders and the clock. Fewer, and a
        # burst of slow changes made the next requests wait for a connection past Slack's 3 s.
        pool_size=10,
        max_overflow=40,
        pool_timeout=answer_within,
        connect_args={"connect_timeout": CONNECT_TIMEOUT},
    )
    event.listen(engine, "do_connect", partial(_watched_connect, answer_within=answer_within))
    # The server cancels a statement first, so that a live server's cancel comes before the cut.
    event.listen(engine, "connect", partial(_statement_timeout, ms=int(answer_within * 750)))
    event.listen(engine, "checkout", _drop_if_closed)
    event.listen(engine, "checkin", partial(_serving_again, answer_within=answer_within))
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object, *, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # WAL lets readers (the web server) go on while the dispatcher writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    # In WAL mode NORMAL keeps the database consistent through a crash and skips an fsync per commit;
    # only a power cut can lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    # SQLite checks foreign keys (and cascades deletes) only when asked, connection by connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _watched_connect(
    _dialect: Any, _record: Any, cargs: Any, cparams: Any, *, answer_within: float
) -> psycopg.Connection[Any]:
    connection = _WatchedConnection.connect(*cargs, **cparams)
    connection.answer_within = answer_within
    return connection


def _statement_timeout(dbapi_connection: Any, _record: Any, *, ms: int) -> None:
    # Set per connection rather than as a startup option, which connection poolers (PgBouncer) refuse.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"SET statement_timeout = {ms}")
    cursor.close()
    dbapi_connection.commit()


@contextmanager
def waiting_for_the_group(connection: Connection) -> Iterator[None]:
    """Lets the statement within wait up to LOCK_WAIT for a lock, or longer where storage.lock_wait says
    so (PostgreSQL; SQLite's writers queue in storage/sqlite_writers.py), then puts the serving bound
    back for the rest of the transaction."""
    raw = connection.connection.dbapi_connection
    wait = lock_wait(LOCK_WAIT)
    if not isinstance(raw, _WatchedConnection) or raw.answer_within is None or raw.answer_within > wait:
        yield
        return
    serving = raw.answer_within
    connection.execute(text(f"SET LOCAL statement_timeout = {int(wait * 1000)}"))
    raw.answer_within = wait + 0.3  # the server cancels first, as below
    try:
        yield
    finally:
        raw.answer_within = serving
    # Not when the wait failed: the transaction is then aborted, and rolled back with this setting.
    connection.execute(text(f"SET LOCAL statement_timeout = {int(serving * 750)}"))


@event.listens_for(Session, "after_begin")
def _patient_transaction(_session: Session, _transaction: Any, connection: Connection) -> None:
    """A change whose answer may follow (storage.lock_wait) gets as long for each of its statements,
    not only for the group's lock: a server slow for a moment (a checkpoint's writes, a burst of
    commits) is waited out rather than answered "the database is not answering"."""
    raw = connection.connection.dbapi_connection
    if not isinstance(raw, _WatchedConnection) or raw.answer_within is None:
        return
    wait = lock_wait(raw.answer_within)
    if wait > raw.answer_within:
        connection.execute(text(f"SET LOCAL statement_timeout = {int(wait * 1000)}"))
        raw.answer_within = wait + 0.3  # the server cancels first; back to serving at checkin


def _serving_again(dbapi_connection: Any, _record: Any, *, answer_within: float) -> None:
    if isinstance(dbapi_connection, _WatchedConnection) and dbapi_connection.answer_within is not None:
        dbapi_connection.answer_within = answer_within


def _drop_if_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Stands for a pre-ping, which is a round trip and hangs with a server that does not answer: an
    idle connection has nothing to read unless the server closed it (a restart), and such a one is
    replaced at once."""
    poller = select.poll()  # not select(): it takes no descriptor above 1023
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the database closed the connection")


class _Watchdog:
    """Cuts a PostgreSQL connection that has waited its deadline for the server: the waiting thread
    gets an error instead of hanging, and SQLAlchemy discards the connection (a broken one).

    The hot path is one dict insert and one removal under a lock; the thread wakes at the earliest
    deadline, and is woken only when a wait starts while none is being watched."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._waits: dict[int, tuple[float, int]] = {}  # id(connection) -> (deadline, socket)
        self._wake_at = math.inf
        self._thread: threading.Thread | None = None

    def watch(self, key: int, fd: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with self._cond:
            self._waits[key] = (deadline, fd)
            if deadline < self._wake_at:
                self._wake_at = deadline
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                    self._thread.start()
                self._cond.notify()

    def release(self, key: int) -> None:
        with self._cond:
            self._waits.pop(key, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for key, (deadline, fd) in list(self._waits.items()):
                    if deadline <= now:
                        # Under the lock: the connection is still waiting, so `fd` is still its socket.
                        del self._waits[key]
                        _cut(fd)
                self._wake_at = min((deadline for deadline, _ in self._waits.values()), default=math.inf)
                self._cond.wait(None if self._wake_at == math.inf else self._wake_at - now)


def _cut(fd: int) -> None:
    """Nothing is logged here: the request that waited logs one line as it fails."""
    try:
        with socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM) as sock:  # a duplicate descriptor
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # closed meanwhile


_watchdog = _Watchdog()


class _WatchedConnection(psycopg.Connection[Any]):
    """psycopg waits here for every answer from the server: statements, and also the pool's COMMIT and
    ROLLBACK, which SQLAlchemy's statement events do not see. `answer_within` None: no deadline."""

    answer_within: float | None = None

    def wait(self, gen: PQGen[RV], *args: Any, **kwargs: Any) -> RV:
        if self.answer_within is None:
            return super().wait(gen, *args, **kwargs)
        _watchdog.watch(id(self), self.pgconn.socket, self.answer_within)
        try:
            return super().wait(gen, *args, **kwargs)
        finally:
            _watchdog.release(id(self))


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database is down, unreachable, too slow, or out of connections, rather
    than that a statement is wrong: "try again in a minute" is then the right answer."""
    if isinstance(exc, OperationalError | PoolTimeoutError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def unavailable_reason(exc: BaseException) -> str:
    """The driver's name for what went wrong (QueryCanceled, LockNotAvailable, PoolTimeout...), for
    the log: never the message, which quotes the statement and its parameters."""
    original = exc.orig if isinstance(exc, DBAPIError) else None
    return type(original or exc).__name__


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Brings the schema to the newest migration (or to `revision`)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection, _unhurried(connection):
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def _unhurried(connection: Connection) -> Iterator[None]:
    """No statement timeout and no deadline for a migration, which may take long (a constraint over
    many rows, waiting for another replica's migration): those bounds are for serving requests."""
    raw = connection.connection.dbapi_connection
    if not isinstance(raw, _WatchedConnection):
        yield
        return
    connection.execute(text("SET LOCAL statement_timeout = 0"))
    deadline, raw.answer_within = raw.answer_within, None
    try:
        yield
    finally:
        raw.answer_within = deadline


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
