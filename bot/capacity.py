"""How much work the bot takes on at once, and on which threads."""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

# Threads that run requests; the Bolt app runs its listeners on as many, and works out as many answers
# at once. While the database does not answer, each waits up to storage.db.SERVING seconds: this many
# commands at once still get an answer.
REQUEST_THREADS = 16
P = ParamSpec("P")
T = TypeVar("T")
_request = threading.local()


@contextmanager
def listeners_on_this_thread() -> Iterator[None]:
    """Within: the listeners that the request's thread starts run on that thread (a slash command's,
    whose acknowledgement is its answer: the request waits for it anyway)."""
    _request.inline = True
    try:
        yield
    finally:
        _request.inline = False


class ListenerThreads(ThreadPoolExecutor):
    """Bolt's listener executor. Bolt runs a listener on another thread and looks every 10 ms whether
    it has acknowledged; that suits an event or a click, acknowledged at once and worked on after,
    but it adds up to 10 ms to every answer to a command, which is the acknowledgement itself."""

    def __init__(self) -> None:
        super().__init__(max_workers=REQUEST_THREADS, thread_name_prefix="bolt-listener")

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        if not getattr(_request, "inline", False):
            return super().submit(fn, *args, **kwargs)
        done: Future[T] = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # as a pool thread would: kept in the future
            done.set_exception(exc)
        return done
