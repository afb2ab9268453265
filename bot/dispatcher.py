"""Sends due deliveries through the Slack Web API. The database decides what is due and who sends it:
each process claims rows under a lease, so extra replicas and restarts neither lose nor double one."""

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlmodel import Session

from bot.slack_client import CHANNEL_GONE, NOT_IN_CHANNEL, error_code
from handlers import notices
from handlers.text import instant
from storage import deliveries, queries
from storage.deliveries import FAILED, SENT, SKIPPED
from storage.models import Delivery
from storage.schedule import zone

LEASE = timedelta(minutes=2)
BATCH = 100
SENDERS = 8
MAX_ATTEMPTS = 6
# Slack takes about one message per second per channel.
CHANNEL_INTERVAL = 1.0
log = logging.getLogger("gmg.deliveries")


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Retry(Exception):
    """Try again at `at`; `reason` says why."""

    def __init__(self, at: datetime, reason: str) -> None:
        super().__init__(reason)
        self.at = at
        self.reason = reason


class Dispatcher:
    def __init__(
        self,
        *,
        engine: Engine,
        client: WebClient,
        operators: frozenset[str] = frozenset(),
        clock: Callable[[], datetime] = utc_now,
        worker: str | None = None,
    ) -> None:
        self.engine = engine
        self.client = client
        self.operators = operators
        self.clock = clock
        self.worker = worker or worker_name()
        self._last_post: dict[str, float] = {}

    def replan_all(self) -> None:
        """Plans the coming handovers of every workspace (time moves new ones into view)."""
        now = self.clock()
        with Session(self.engine) as session:
            for team_id in queries.list_team_ids(session=session):
                group = queries.get_group(session=session, team_id=team_id)
                if group is not None:
                    notices.replan(session=session, group=group, now=now)
                    session.commit()

    def next_due(self) -> datetime | None:
        with Session(self.engine) as session:
            return deliveries.next_due_at(session=session)

    def run_once(self) -> int:
        """Sends everything due now; returns how many deliveries it finished or rescheduled."""
        handled = 0
        with Session(self.engine) as session:
            while claimed := deliveries.claim_due(
                session=session, now=self.clock(), worker=self.worker, lease=LEASE, limit=BATCH
            ):
                by_target: dict[str, list[Delivery]] = {}
                for delivery in claimed:
                    by_target.setdefault(delivery.target, []).append(delivery)
                # Targets in parallel (Slack answers in tens of milliseconds); one target's messages in
                # order, one at a time, so that its pace stays within Slack's rate per channel.
                with ThreadPoolExecutor(max_workers=SENDERS) as pool:
                    handled += sum(pool.map(self._deliver_in_order, by_target.values()))
        return handled

    def _deliver_in_order(self, batch: list[Delivery]) -> int:
        with Session(self.engine) as session:
            for delivery in batch:
                self._deliver(session, delivery)
        return len(batch)

    def _deliver(self, session: Session, delivery: Delivery) -> None:
        now = self.clock()
        if now >= delivery.expires_at:
            group = queries.get_group(session=session, team_id=delivery.team_id)
            due = instant(delivery.due_at, zone(group)) if group else delivery.due_at.isoformat()
            self._finish(
                session, delivery, SKIPPED, reason=f"too late: it was due {due} and is no longer useful"
            )
            return
        try:
            ts = self._send(delivery)
        except Retry as retry:
            if delivery.attempts >= MAX_ATTEMPTS:
                self._fail(session, delivery, f"{retry.reason}, still after {delivery.attempts} attempts")
            else:
                deliveries.retry_later(
                    session=session, delivery=delivery, worker=self.worker, at=retry.at, reason=retry.reason
                )
                log.info(
                    "delivery=%s retry_at=%s reason=%s", delivery.key, retry.at.isoformat(), retry.reason
                )
            return
        except SlackApiError as exc:
            code = error_code(exc)
            self._fail(session, delivery, code)
            if code in CHANNEL_GONE and delivery.target.startswith(("C", "G")):
                self._end_subscriptions(session, delivery, code)
            return
        self._finish(session, delivery, SENT, ts=ts)

    def _send(self, delivery: Delivery) -> str:
        """Posts the delivery; raises Retry for what may pass (429, 5xx, the network)."""
        self._pace(delivery.target)
        try:
            return self._call(delivery)
        except SlackApiError as exc:
            if error_code(exc) != NOT_IN_CHANNEL:
                raise self._retry_or_raise(exc, delivery) from exc
        # A public channel the bot is not in yet: join it and post once more.
        self.client.conversations_join(channel=delivery.target)
        try:
            return self._call(delivery)
        except SlackApiError as exc:
            raise self._retry_or_raise(exc, delivery) from exc
        except SlackClientError as exc:
            raise self._backoff(delivery, type(exc).__name__) from exc

    def _call(self, delivery: Delivery) -> str:
        try:
            if delivery.kind == "topic":
                self.client.conversations_setTopic(channel=delivery.target, topic=delivery.text)
                ts = ""
            else:
                response = self.client.chat_postMessage(
                    channel=delivery.target,
                    text=delivery.text,
                    blocks=delivery.blocks or None,
                    unfurl_links=False,
                )
                ts = str(response.get("ts", ""))
        except SlackApiError:
            raise
        except (SlackClientError, OSError) as exc:
            raise self._backoff(delivery, f"connection error ({type(exc).__name__})") from exc
        self._last_post[delivery.target] = time.monotonic()
        return ts

    def _retry_or_raise(self, exc: SlackApiError, delivery: Delivery) -> Exception:
        status = exc.response.status_code
        if status == 429:
            wait = int(exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1)))
            return Retry(self.clock() + timedelta(seconds=max(wait, 1)), "rate limited by Slack")
        if status >= 500:
            return self._backoff(delivery, f"Slack answered {status}")
        return exc

    def _backoff(self, delivery: Delivery, reason: str) -> Retry:
        delay = min(2**delivery.attempts, 300)
        return Retry(self.clock() + timedelta(seconds=delay), reason)

    def _pace(self, target: str) -> None:
        last = self._last_post.get(target)
        if last is not None:
            wait = CHANNEL_INTERVAL - (time.monotonic() - last)
            if wait > 0:
                time.sleep(wait)

    def _finish(
        self, session: Session, delivery: Delivery, state: str, *, ts: str = "", reason: str = ""
    ) -> None:
        deliveries.finish(
            session=session,
            delivery=delivery,
            worker=self.worker,
            state=state,
            now=self.clock(),
            ts=ts,
            reason=reason,
        )
        log.info(
            "delivery=%s team=%s state=%s%s",
            delivery.key,
            delivery.team_id,
            state,
            f" reason={reason}" if reason else "",
        )

    def _fail(self, session: Session, delivery: Delivery, reason: str) -> None:
        delivery.reason = reason
        self._finish(session, delivery, FAILED, reason=reason)
        if delivery.kind == "alert":
            return
        admins = sorted(set(queries.list_admins(session=session, team_id=delivery.team_id)) | self.operators)
        deliveries.record_events(
            session=session,
            team_id=delivery.team_id,
            planned=notices.failure_alerts(delivery=delivery, admins=admins, now=self.clock()),
        )
        session.commit()

    def _end_subscriptions(self, session: Session, delivery: Delivery, code: str) -> None:
        """A channel that is gone or archived stops being posted to, with an entry in the audit log."""
        subscriptions = [
            s
            for s in queries.list_subscriptions(session=session, team_id=delivery.team_id)
            if s.channel_id == delivery.target
        ]
        for subscription in subscriptions:
            session.delete(subscription)
        now = self.clock()
        deliveries.skip_pending_to(
            session=session,
            team_id=delivery.team_id,
            target=delivery.target,
            reason=f"the channel's subscription ended ({code})",
            now=now,
        )
        if subscriptions:
            queries.add_audit_entry(
                session=session,
                team_id=delivery.team_id,
                at=now,
                user_id="gmg-bot",
                action=f"unsubscribe {delivery.target} ({code})",
                before={"channel": delivery.target, "kinds": sorted(s.kind for s in subscriptions)},
                after={"channel": delivery.target, "kinds": []},
            )
        session.commit()
