"""SQLite's writers, queued in turn within the process.

SQLite lets one transaction write at a time. A writer that finds the file taken polls for it
(`busy_timeout`), sleeping longer between tries, so under a burst of changes one writer can lose
every round and wait out its whole timeout while later ones get in: "the database is not answering"
to an admin whose change was simply next. Here the writers of one process queue on a lock, taken
at a transaction's first write and given back when it ends, and the next one is let in as soon as
the one before commits. Another process on the same file (a second `gmg-bot run`) still meets
them at SQLite's own lock."""

import sqlite3
import threading
from collections.abc import Iterable
from typing import Any

from storage.lock_wait import lock_wait

_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"})
_queues: dict[str, threading.Lock] = {}
_queues_lock = threading.Lock()


def _queue_of(database: str) -> threading.Lock:
    with _queues_lock:
        return _queues.setdefault(database, threading.Lock())


class QueuedConnection(sqlite3.Connection):
    """A connection whose first write in a transaction waits for the process's other writers of the
    same file, at most `wait` seconds (longer for a change whose answer may follow, as
    storage.lock_wait says), and then fails as SQLite does ("database is locked")."""

    def __init__(self, database: str, *args: Any, wait: float, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._queue = _queue_of(str(database))
        self._wait = wait
        # SQLite's busy timeout, set to `wait` when connected (storage.db).
        self._busy = wait
        self._writing = False

    def cursor(self, factory: Any = None) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory or QueuedCursor)

    def take_turn(self, statement: str) -> None:
        if self._writing or statement.lstrip()[:7].split(" ", 1)[0].upper() not in _WRITES:
            return
        wait = lock_wait(self._wait)
        if not self._queue.acquire(timeout=wait):
            raise sqlite3.OperationalError("database is locked")
        self._writing = True
        self._busy_timeout(wait)  # another process's writer, met at SQLite's own lock, as long

    def end_turn(self) -> None:
        """After a commit, a rollback, or a write outside a transaction (autocommit)."""
        if self._writing and not self.in_transaction:
            self._writing = False
            self._busy_timeout(self._wait)
            self._queue.release()

    def _busy_timeout(self, seconds: float) -> None:
        if seconds == self._busy:
            return
        # A plain cursor: this is no statement of the transaction's, and takes no turn.
        sqlite3.Cursor(self).execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        self._busy = seconds

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._writing:
                self._writing = False
                self._queue.release()


class QueuedCursor(sqlite3.Cursor):
    connection: QueuedConnection

    def execute(self, sql: str, parameters: Any = (), /) -> "QueuedCursor":
        self.connection.take_turn(sql)
        try:
            super().execute(sql, parameters)
        finally:
            self.connection.end_turn()
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> "QueuedCursor":
        self.connection.take_turn(sql)
        try:
            super().executemany(sql, seq_of_parameters)
        finally:
            self.connection.end_turn()
        return self
