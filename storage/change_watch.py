"""Tells, without a round trip to the database, whether any group may have changed since a moment ago,
so that answers kept in memory are reused until something changes.

`generation()` returns a number that moves whenever a change may have been saved, by this process or
any other; None when that cannot be known (the watch is down), and the caller then reads the database.
- SQLite: `PRAGMA data_version` on a connection of the watch's own, which moves when any other
  connection (of any process) commits. A read of shared memory, no I/O.
- PostgreSQL: a connection that LISTENs on `gmg_changes`, which the triggers of migration 0010 notify
  on every change of a group or of a workspace's links (in whatever process, even by hand in psql).
  Notices come a moment after the commit, so this process's own changes move the number at once."""

import itertools
import logging
import os
import select
import sqlite3
import threading
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

CHANNEL = "gmg_changes"
# A silent listening connection is checked this often: a server that went away without closing it
# (a failover) would otherwise leave the watch believing nothing changes.
CHECK_EVERY = 10.0
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


class ChangeWatch:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._remote: int | None = None
        self._sqlite: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        # Written to by stop(), so that the listening thread, waiting on the socket, wakes at once.
        self._wake_read, self._wake_write = os.pipe()
        if engine.dialect.name == "sqlite":
            path = engine.url.database
            if path and path != ":memory:":
                self._sqlite = sqlite3.connect(path, check_same_thread=False)
        else:
            self._thread = threading.Thread(target=self._listen, name="change-watch", daemon=True)
            self._thread.start()

    def generation(self) -> Generation | None:
        with self._lock:
            if self._sqlite is not None:
                try:
                    remote: int | None = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
                except sqlite3.Error:
                    remote = None
            else:
                remote = self._remote
        return None if remote is None else (_local["generation"], remote)

    def stop(self) -> None:
        self._stopped.set()
        os.write(self._wake_write, b"x")
        with self._lock:
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None
        if self._thread is not None:
            self._thread.join(timeout=5)
        os.close(self._wake_read)
        os.close(self._wake_write)

    def _listen(self) -> None:
        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        conninfo = make_conninfo(url, **KEEPALIVES)
        moved = itertools.count(1)
        while not self._stopped.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    # Anything may have changed while nobody listened.
                    self._set(next(moved))
                    self._serve(connection, moved)
            except psycopg.Error as exc:
                log.warning("change watch: not listening (%s); answers read the database", type(exc).__name__)
            self._set(None)
            self._stopped.wait(RETRY_AFTER)

    def _serve(self, connection: psycopg.Connection[Any], moved: "itertools.count[int]") -> None:
        poller = select.poll()  # not select(): it takes no descriptor above 1023
        poller.register(connection.pgconn.socket, select.POLLIN)
        poller.register(self._wake_read, select.POLLIN)
        while not self._stopped.is_set():
            if not poller.poll(CHECK_EVERY * 1000):
                connection.execute("SELECT 1")  # is the server still there?
            # A notice, or the server closing the connection (which raises here).
            for _ in connection.notifies(timeout=0):
                self._set(next(moved))

    def _set(self, remote: int | None) -> None:
        with self._lock:
            self._remote = remote
