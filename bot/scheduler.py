"""APScheduler as the clock: it wakes the dispatcher at the next due time, after every change, and
every half minute as a safety net; it re-plans every workspace hourly as handovers come into view."""

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.dispatcher import Dispatcher

SAFETY_NET = timedelta(seconds=30)
REPLAN_EVERY = timedelta(hours=1)
log = logging.getLogger("gmg.scheduler")


class DeliveryClock:
    def __init__(self, dispatcher: Dispatcher, *, safety_net: timedelta = SAFETY_NET) -> None:
        self.dispatcher = dispatcher
        self.scheduler = BackgroundScheduler(timezone=UTC)
        now = datetime.now(UTC)
        self.scheduler.add_job(
            self._dispatch,
            "interval",
            seconds=safety_net.total_seconds(),
            id="dispatch",
            next_run_time=now,
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.add_job(
            self._replan,
            "interval",
            seconds=REPLAN_EVERY.total_seconds(),
            id="replan",
            next_run_time=now,
            max_instances=1,
            coalesce=True,
        )

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        # Not waiting: a dispatch under way finishes on its own thread (its claims hold the leases).
        self.scheduler.shutdown(wait=False)

    def wake(self, at: datetime | None = None) -> None:
        """Runs the dispatcher at `at` (default: now) unless it is due to run sooner anyway."""
        job = self.scheduler.get_job("dispatch")
        at = at or datetime.now(UTC)
        if job is not None and (job.next_run_time is None or at < job.next_run_time):
            job.modify(next_run_time=at)

    def _dispatch(self) -> None:
        try:
            self.dispatcher.run_once()
            upcoming = self.dispatcher.next_due()
        except Exception:
            log.exception("dispatch failed; the safety net will try again")
            return
        if upcoming is not None:
            self.wake(max(upcoming, datetime.now(UTC)))

    def _replan(self) -> None:
        try:
            self.dispatcher.replan_all()
        except Exception:
            log.exception("re-planning failed; it runs again within the hour")
            return
        self.wake()
