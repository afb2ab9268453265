"""How long a change waits for the group's other changes (its row lock on PostgreSQL, the file's one
writer on SQLite), which depends on whether its answer must be given now.

Slack waits 3 s for a slash command's answer; an answer that is not ready by then can follow through
the command's response_url, which Slack keeps open for 30 minutes. A change whose answer can follow
waits its turn for longer: a burst of changes to one group is then saved one after another, each
told so, instead of the last ones in the queue being answered "the database is not answering"."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# A change whose answer follows later: long enough for a burst of changes to one group to be saved.
LATE_LOCK_WAIT = 20.0

_answer_may_follow: ContextVar[bool] = ContextVar("gmg_answer_may_follow", default=False)


def lock_wait(bound: float) -> float:
    """Seconds the current change may wait for the group's other changes, where `bound` is how long
    a change whose answer is awaited may."""
    return max(bound, LATE_LOCK_WAIT) if _answer_may_follow.get() else bound


@contextmanager
def answer_may_follow() -> Iterator[None]:
    """Within this, a change waits LATE_LOCK_WAIT for its turn: its answer need not be on time."""
    token = _answer_may_follow.set(True)
    try:
        yield
    finally:
        _answer_may_follow.reset(token)
