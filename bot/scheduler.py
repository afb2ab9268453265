"""When deliveries go out. APScheduler is the clock: it wakes the dispatcher at the next due time, after
every change, and every half minute as a safety net; it re-plans every workspace hourly as handovers
come into view, and asks Slack about paused workspaces. The senders are long-lived threads over one
queue per target: a target's posts go out in order at Slack's pace, and a target whose posts hang holds
up only itself."""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler

from storage.db import is_unavailable
from storage.models import Delivery

if TYPE_CHECKING:
    from bot.dispatcher import Dispatcher

SAFETY_NET = timedelta(seconds=30)
REPLAN_EVERY = timedelta(hours=1)
# How often paused workspaces are looked at; Slack is asked about each at most once a minute.
PAUSED_TICK = timedelta(seconds=30)
log = logging.getLogger("gmg.scheduler")


class DeliveryClock:
    def __init__(self, dispatcher: Dispatcher, *, safety_net: timedelta = SAFETY_NET) -> None:
        self.dispatcher = dispatcher
        dispatcher.on_due = self.wake
        self.scheduler = BackgroundScheduler(timezone=UTC)
        # A wake-up during a dispatch makes that dispatch run once more, rather than being dropped by
        # APScheduler as one instance too many; a second instance only passes that on.
        self._state = threading.Lock()
        self._running = False
        self._again = False
        now = datetime.now(UTC)
        for job, every, instances in (
            (self._dispatch, safety_net, 2),
            (self._replan, REPLAN_EVERY, 1),
            (self._check_paused, PAUSED_TICK, 1),
        ):
            self.scheduler.add_job(
                job,
                "interval",
                seconds=every.total_seconds(),
                id=job.__name__.strip("_"),
                next_run_time=now,
                max_instances=instances,
                coalesce=True,
            )

    def start(self) -> None:
        self.dispatcher.start()
        self.scheduler.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stops claiming, then stops the senders within `timeout` seconds (see Dispatcher.stop)."""
        self.scheduler.shutdown(wait=False)
        self.dispatcher.stop(timeout)

    def wake(self, at: datetime | None = None) -> None:
        """Runs the dispatcher at `at` (default: now) unless it is due to run sooner anyway."""
        if not self.scheduler.running:
            return
        at = at or datetime.now(UTC)
        if at <= datetime.now(UTC):
            with self._state:
                if self._running:
                    self._again = True
                    return
        job = self.scheduler.get_job("dispatch")
        if job is not None and (job.next_run_time is None or at < job.next_run_time):
            job.modify(next_run_time=at)

    def _dispatch(self) -> None:
        with self._state:
            if self._running:
                self._again = True
                return
            self._running = True
        try:
            upcoming = self._dispatch_until_quiet()
        except Exception as exc:
            with self._state:
                self._running = False
            _log_failure(exc, "dispatch failed; the safety net will try again")
            return
        if upcoming is not None:
            self.wake(max(upcoming, datetime.now(UTC)))

    def _dispatch_until_quiet(self) -> datetime | None:
        while True:
            upcoming = self.dispatcher.dispatch()
            with self._state:  # checked and cleared with the wake-ups, so that none slips between
                if not self._again:
                    self._running = False
                    return upcoming
                self._again = False

    def _replan(self) -> None:
        try:
            self.dispatcher.replan_all()
        except Exception as exc:
            _log_failure(exc, "re-planning failed; it runs again within the hour")
            return
        self.wake()

    def _check_paused(self) -> None:
        try:
            self.dispatcher.check_paused()
        except Exception as exc:
            _log_failure(exc, "checking paused workspaces failed; it runs again shortly")


def _log_failure(exc: Exception, what: str) -> None:
    """A database that is down or does not answer is one line each time, not a traceback."""
    if is_unavailable(exc):
        log.warning("%s (database unreachable: %s)", what, type(exc).__name__)
    else:
        log.exception(what)


class Senders:
    """Threads that send deliveries, over one FIFO queue per target: one target's deliveries go out in
    order, one at a time, each at least `interval` seconds after the previous call to Slack for it."""

    def __init__(self, send: Callable[[Delivery], bool], *, threads: int, interval: float) -> None:
        self._send = send  # sends one; returns whether it called Slack
        self._size = threads
        self._interval = interval
        self._cond = threading.Condition()
        self._queues: dict[str, deque[Delivery]] = {}
        # A target with queued deliveries is in exactly one of: ready (it may go now), paced (a heap of
        # when it may go), sending (one of its deliveries is being sent).
        self._ready: deque[str] = deque()
        self._paced: list[tuple[float, str]] = []
        self._waiting: set[str] = set()  # the targets in ready or paced
        self._sending: dict[str, Delivery] = {}
        self._last_call: dict[str, float] = {}
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self.finished = 0

    def start(self) -> None:
        with self._cond:
            self._stopping = False
            # A sender still stuck in a call from before a stop carries on as one of them.
            self._threads = [t for t in self._threads if t.is_alive()]
            new = [
                threading.Thread(target=self._work, name="sender", daemon=True)
                for _ in range(self._size - len(self._threads))
            ]
            self._threads += new
        for thread in new:
            thread.start()

    def submit(self, items: list[Delivery]) -> list[Delivery]:
        """Queues deliveries; returns those refused because the senders are stopping."""
        with self._cond:
            if self._stopping or not self._threads:
                return items
            for delivery in items:
                self._queues.setdefault(delivery.target, deque()).append(delivery)
                if delivery.target not in self._sending and delivery.target not in self._waiting:
                    self._schedule(delivery.target)
            self._forget_old_calls()
            self._cond.notify_all()
        return []

    def held(self) -> list[Delivery]:
        """Every delivery queued or being sent."""
        with self._cond:
            return [*self._sending.values(), *(d for q in self._queues.values() for d in q)]

    def held_count(self) -> int:
        with self._cond:
            return len(self._sending) + sum(len(q) for q in self._queues.values())

    def drop(self, matches: Callable[[Delivery], bool]) -> list[Delivery]:
        """Takes the queued deliveries that match out of the queues (not the ones being sent)."""
        dropped: list[Delivery] = []
        with self._cond:
            for queue in self._queues.values():
                dropped += [d for d in queue if matches(d)]
                kept = [d for d in queue if not matches(d)]
                queue.clear()
                queue.extend(kept)
            self._cond.notify_all()
        return dropped

    def wait_idle(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: not self._sending and not self._has_queued(), timeout)

    def stop(self) -> list[Delivery]:
        """Takes no more; returns the deliveries queued and not started. Senders finish their current one."""
        with self._cond:
            self._stopping = True
            unsent = [d for q in self._queues.values() for d in q]
            for queue in self._queues.values():
                queue.clear()
            self._cond.notify_all()
        return unsent

    def join(self, timeout: float) -> list[Delivery]:
        """Waits up to `timeout` seconds for the senders to end; returns what is still being sent."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._cond:
            self._threads = [t for t in self._threads if t.is_alive()]
            return list(self._sending.values())

    def _has_queued(self) -> bool:
        return any(self._queues.values())

    def _schedule(self, target: str) -> None:
        """Makes a target with queued deliveries ready, now or once its pace allows (lock held)."""
        self._waiting.add(target)
        at = self._last_call.get(target, float("-inf")) + self._interval
        if at <= time.monotonic():
            self._ready.append(target)
        else:
            heapq.heappush(self._paced, (at, target))

    def _forget_old_calls(self) -> None:
        if len(self._last_call) > 10_000:
            edge = time.monotonic() - self._interval
            self._last_call = {t: at for t, at in self._last_call.items() if at > edge}

    def _take(self) -> Delivery | None:
        """The next delivery whose target may go now; waits for one; None once stopping (lock held)."""
        while not self._stopping:
            now = time.monotonic()
            while self._paced and self._paced[0][0] <= now:
                self._ready.append(heapq.heappop(self._paced)[1])
            while self._ready:
                target = self._ready.popleft()
                self._waiting.discard(target)
                queue = self._queues.get(target)
                if queue:  # a drop or a stop may have emptied it
                    self._sending[target] = queue.popleft()
                    return self._sending[target]
                self._queues.pop(target, None)
            self._cond.wait(self._paced[0][0] - now if self._paced else None)
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                delivery = self._take()
            if delivery is None:
                return
            called = True
            try:
                called = self._send(delivery)
            except Exception as exc:  # a sender outlives any one delivery; its lease brings it back
                _log_failure(exc, f"delivery={delivery.key} could not be handled")
            with self._cond:
                self._done(delivery.target, called)

    def _done(self, target: str, called: bool) -> None:
        del self._sending[target]
        self.finished += 1
        if called:
            self._last_call[target] = time.monotonic()
        if self._queues.get(target):
            self._schedule(target)
        else:
            self._queues.pop(target, None)
        self._cond.notify_all()
