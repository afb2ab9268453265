"""Tells, without a round trip to the database, whether any group may have changed since a moment ago,
so that answers kept in memory are reused until something changes.

`generation()` returns a number that moves whenever a change may have been saved, by this process or
any other; None when that cannot be known (the watch is down), and the caller then reads the database.
- SQLite: `PRAGMA data_version` on a connection of the watch's own, which moves when any other
  connection (of any process) commits, a read of shared memory; only then the count that migration
  0012's triggers keep of the changes of groups and links (a delivery sent moves the first, not
  the second).
- PostgreSQL: a connection that LISTENs on `gmg_changes`, which the triggers of migration 0010 notify
  on every change of a group or of a workspace's links (in whatever process, even by hand in psql).
  Notices come a moment after the commit, so this process's own changes move the number at once."""

import itertools
import logging
import os
import select
import sqlite3
import threading
import time
import uuid
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

CHANNEL = "gmg_changes"
# A silent listening connection is checked this often, and its check must come back within PING_WAIT
# (see ChangeWatch._serve); the payload of a check starts with PING.
CHECK_EVERY = 5.0
PING_WAIT = 2.0
PING = "ping:"
TRIGGERS = "SELECT count(*) FROM pg_trigger WHERE tgname IN ('group_changed', 'grouplink_changed')"
# SQLite: the count, and none (so that answers read the database) while any of its 6 triggers is gone.
SQLITE_COUNT = (
    "SELECT n FROM gmg_change_count WHERE (SELECT count(*) FROM sqlite_master "
    "WHERE type = 'trigger' AND name LIKE 'gmg_change_%') = 6"
)
# How long to wait before listening again after the connection failed.
RETRY_AFTER = 1.0
# The kernel gives up on a server that stopped answering instead of waiting for ever: keepalives while
# the connection is idle, and a bound on unanswered data after a check is sent.
KEEPALIVES = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}
_CHANGED = "gmg_change_watch"
_local = {"generation": 0}
_local_lock = threading.Lock()
Generation = tuple[int, int]
log = logging.getLogger(__name__)


def mark_changed(session: Session) -> None:
    """Called with every audited change: once the transaction commits, every watch moves."""
    session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        with _local_lock:
            _local["generation"] += 1


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_CHANGED, None)


class NotHeard(Exception):
    """The listening connection cannot be trusted to hear changes."""


class ChangeWatch:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._remote: int | None = None
        self._sqlite: sqlite3.Connection | None = None
        # SQLite: the data_version at which the count was last read, and that count.
        self._sqlite_read: tuple[int, int | None] | None = None
        self._thread: threading.Thread | None = None
        # Written to by stop(), so that the listening thread, waiting on the socket, wakes at once.
        self._wake_read, self._wake_write = os.pipe()
        if engine.dialect.name == "sqlite":
            path = engine.url.database
            if path and path != ":memory:":
                # timeout=0: the pragma takes no lock, and a reader must never wait here.
                self._sqlite = sqlite3.connect(path, check_same_thread=False, timeout=0)
        else:
            self._thread = threading.Thread(target=self._listen, name="change-watch", daemon=True)
            self._thread.start()

    def generation(self) -> Generation | None:
        with self._lock:
            remote = self._sqlite_count(self._sqlite) if self._sqlite is not None else self._remote
        return None if remote is None else (_local["generation"], remote)

    def _sqlite_count(self, connection: sqlite3.Connection) -> int | None:
        try:
            version: int = connection.execute("PRAGMA data_version").fetchone()[0]
            if self._sqlite_read is None or self._sqlite_read[0] != version:
                # Read after the version: a commit in between moves it again, and is read next time.
                found = connection.execute(SQLITE_COUNT).fetchone()
                self._sqlite_read = (version, None if found is None else found[0])
        except sqlite3.Error:
            self._sqlite_read = None
            return None
        return self._sqlite_read[1]

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        os.write(self._wake_write, b"x")
        with self._lock:
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._thread is None or not self._thread.is_alive():  # else it still polls the pipe
            os.close(self._wake_read)
            os.close(self._wake_write)

    def _listen(self) -> None:
        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        conninfo = make_conninfo(url, **KEEPALIVES)
        moved = itertools.count(1)
        while not self._stopped.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    found = connection.execute(TRIGGERS).fetchone()
                    if not found or found[0] < 2:
                        raise NotHeard("the triggers of migration 0010 are missing")
                    connection.execute(f"LISTEN {CHANNEL}")
                    # Anything may have changed while nobody listened.
                    self._set(next(moved))
                    self._serve(connection, moved)
            except Exception as exc:  # whatever it is, nothing is heard until it listens again
                log.warning("change watch: not listening (%s); answers read the database", exc)
            self._set(None)
            self._stopped.wait(RETRY_AFTER)

    def _serve(self, connection: psycopg.Connection[Any], moved: "itertools.count[int]") -> None:
        """Hears changes until stopped. After CHECK_EVERY seconds of silence it sends a notice of its
        own and must hear it within PING_WAIT: a server gone without a word, or a connection pooler
        that does not pass notices on (PgBouncer in transaction mode), would otherwise pass for a
        database where nothing changes."""
        poller = select.poll()  # not select(): it takes no descriptor above 1023
        poller.register(connection.pgconn.socket, select.POLLIN)
        poller.register(self._wake_read, select.POLLIN)
        ping = f"{PING}{uuid.uuid4().hex}"
        pinged_at: float | None = None
        while not self._stopped.is_set():
            # What came: notices, kept aside by psycopg while it read other answers, or on the socket.
            for notice in connection.notifies(timeout=0):
                if notice.payload == ping:
                    pinged_at = None
                elif not notice.payload.startswith(PING):  # another replica's check is no change
                    self._set(next(moved))
            if pinged_at is not None and time.monotonic() - pinged_at > PING_WAIT:
                raise NotHeard("its own notice did not come back")
            if (
                not poller.poll((CHECK_EVERY if pinged_at is None else PING_WAIT / 4) * 1000)
                and pinged_at is None
            ):
                connection.execute(f"NOTIFY {CHANNEL}, '{ping}'")
                pinged_at = time.monotonic()

    def _set(self, remote: int | None) -> None:
        with self._lock:
            self._remote = remote
