"""Sends due deliveries through the Slack Web API. The database decides what is due and who sends it:
each process claims rows under a lease, so extra replicas and restarts neither lose nor double one.

Claiming never waits for Slack: claimed deliveries go to long-lived senders (bot/scheduler.py's
Senders), one queue per target, so a channel whose posts hang holds up no other channel."""

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlmodel import Session

from bot.posts import message_payload, topic_text
from bot.scheduler import Senders
from bot.slack_client import NOT_IN_CHANNEL, Fault, error_code, fault, needed_scope, retry_after
from bot.slack_users import SlackUsers
from bot.workspace_clients import NotInstalled, WorkspaceClients
from handlers import notices, reasons
from messages.languages import DEFAULT
from storage import access, deliveries, groups, queries
from storage.deliveries import FAILED, SENT, SKIPPED
from storage.models import Delivery

LEASE = timedelta(minutes=2)
# Leases of held deliveries are extended this often, well before they run out.
RENEW_EVERY = LEASE / 4
# The most deliveries one process holds (queued or being sent) at a time.
BATCH = 100
SENDERS = 8
MAX_ATTEMPTS = 6
# Slack takes about one message per second per channel.
CHANNEL_INTERVAL = 1.0
# A paused workspace's token is tried again (auth.test) at most this often.
RECHECK_PAUSED = timedelta(minutes=1)
# What network faults and answers that are not Slack's JSON raise: they may pass.
NETWORK_ERRORS = (SlackClientError, OSError, ValueError)
log = logging.getLogger("gmg.deliveries")


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def nothing_to_wake(at: datetime | None) -> None:
    """The default when no clock drives the dispatcher (run_once)."""


def is_channel(target: str) -> bool:
    return target.startswith(("C", "G"))


def transient_reason(code: str, status: int) -> str:
    if status >= 500:
        return reasons.slack_status(status)
    if code.endswith("_not_json"):
        return reasons.not_json(status)
    return code


# How long a direct message waits to learn its reader's language before it goes out in English.
DM_LANGUAGE_WAIT = 5.0


class Dispatcher:
    def __init__(
        self,
        *,
        engine: Engine,
        clients: WorkspaceClients,
        operators: frozenset[str] = frozenset(),
        clock: Callable[[], datetime] = utc_now,
        worker: str | None = None,
        recheck_paused: timedelta = RECHECK_PAUSED,
    ) -> None:
        self.engine = engine
        self.clients = clients
        self.operators = operators
        # Direct messages are in each recipient's language: Slack says which, asked once in a while.
        self.users = SlackUsers(clients=clients, operators=operators)
        self.clock = clock
        self.worker = worker or worker_name()
        self.recheck_paused = recheck_paused
        # Asks the clock to claim again at the given time (None: now); set by DeliveryClock.
        self.on_due: Callable[[datetime | None], None] = nothing_to_wake
        self.senders = Senders(self._deliver_claimed, threads=SENDERS, interval=CHANNEL_INTERVAL)
        self._renewed = time.monotonic()
        # Set when claims stopped at BATCH: the senders then call for more once they have room.
        self._starved = threading.Event()

    def replan_all(self) -> None:
        """Plans the coming handovers of every group (time moves new ones into view). Each group is
        loaded when its turn comes: with every group held in the session, each group's commit expired
        all of them, a cost that grew with the square of their number (10,000 workspaces)."""
        now = self.clock()
        with Session(self.engine) as session:
            for group_id in groups.all_group_ids(session=session):
                # Changes to the group wait until its plan is written: a plan read before a change
                # and written after it would undo the change's own re-planning.
                queries.lock_for_planning(session=session, group_id=group_id)
                group = queries.get_group(session=session, group_id=group_id)
                if group is not None:  # not removed meanwhile
                    notices.replan(session=session, group=group, now=now)
                session.commit()

    def next_due(self) -> datetime | None:
        with Session(self.engine) as session:
            return deliveries.next_due_at(session=session)

    # -- claiming ---------------------------------------------------------------------------------

    def start(self) -> None:
        self.senders.start()

    def dispatch(self) -> datetime | None:
        """Claims what is due, as much as the senders have room for, and hands it to them without
        waiting; returns when to claim next (None: when the senders have room again)."""
        self._renew_leases()
        self._claim()
        return None if self._starved.is_set() else self.next_due()

    def stop(self, timeout: float) -> None:
        """Stops taking deliveries: those not yet sent are released at once, each sender finishes and
        records the one it is sending (within `timeout` seconds; one still unanswered then stays
        leased, as it may have gone out)."""
        self._release(self.senders.stop())
        stuck = self.senders.join(timeout)
        if stuck:
            log.warning("stopping with %d deliveries in flight; they stay leased", len(stuck))

    def run_once(self) -> int:
        """Sends everything due now and waits until it is sent or rescheduled; returns how many
        deliveries that was. For one-off workers and tests; `gmg-bot run` keeps the senders running."""
        before = self.senders.finished
        self.start()
        try:
            while self._claim():
                while not self.senders.wait_idle(RENEW_EVERY.total_seconds()):
                    self._renew_leases()
        finally:
            self.stop(timeout=30)
        return self.senders.finished - before

    def _claim(self) -> int:
        room = BATCH - self.senders.held_count()
        if room <= 0:
            self._starved.set()
            return 0
        with Session(self.engine) as session:
            claimed = deliveries.claim_due(
                session=session, now=self.clock(), worker=self.worker, lease=LEASE, limit=room
            )
        if len(claimed) == room:  # more may be due than there was room for
            self._starved.set()
        else:
            self._starved.clear()
        self._release(self.senders.submit(claimed))
        return len(claimed)

    def _renew_leases(self) -> None:
        if time.monotonic() - self._renewed < RENEW_EVERY.total_seconds():
            return
        self._renewed = time.monotonic()
        held = {d.id for d in self.senders.held() if d.id is not None}
        with Session(self.engine) as session:
            kept = deliveries.renew(
                session=session, ids=sorted(held), worker=self.worker, until=self.clock() + LEASE
            )
        lost = held - kept
        if lost:
            # Taken over by another worker after the lease ran out, or skipped since: not ours to send.
            self.senders.drop(lambda d: d.id in lost)
            log.warning("dropped %d deliveries this worker no longer holds", len(lost))

    def _release(self, unsent: Sequence[Delivery]) -> None:
        ids = [d.id for d in unsent if d.id is not None]
        if ids:
            with Session(self.engine) as session:
                deliveries.release(session=session, ids=ids, worker=self.worker)
            log.info("released %d deliveries unsent", len(ids))

    # -- sending ----------------------------------------------------------------------------------

    def _deliver_claimed(self, delivery: Delivery) -> bool:
        """Runs on a sender thread; returns whether Slack was called (the pace counts those)."""
        with Session(self.engine) as session:
            called = self._deliver(session, delivery)
        if self._starved.is_set() and self.senders.held_count() <= BATCH // 2:
            self._starved.clear()
            self.on_due(None)
        return called

    def _deliver(self, session: Session, claimed: Delivery) -> bool:
        assert claimed.id is not None
        delivery = deliveries.still_held(session=session, delivery_id=claimed.id, worker=self.worker)
        if delivery is None:
            log.info("delivery=%s skipped or taken over since it was claimed; not sent", claimed.key)
            return False
        if self.clock() >= delivery.expires_at:
            self._finish(session, delivery, SKIPPED, reason=reasons.too_late(delivery.due_at))
            return False
        try:
            ts = self._post(delivery)
        except NotInstalled:
            self._pause(session, delivery, "app_uninstalled")
        except SlackApiError as exc:
            self._refused(session, delivery, exc)
        except NETWORK_ERRORS as exc:
            self._retry(session, delivery, reasons.connection_error(type(exc).__name__))
        else:
            self._finish(session, delivery, SENT, ts=ts)
        return True

    def _post(self, delivery: Delivery) -> str:
        try:
            return self._call(delivery)
        except SlackApiError as exc:
            if error_code(exc) != NOT_IN_CHANNEL:
                raise
            refused = exc
        # A public channel the bot is not in yet: join it and post once more.
        try:
            self.clients.for_team(delivery.team_id).conversations_join(channel=delivery.target)
        except SlackApiError as exc:
            # Slack cannot join a private channel for the bot: it must be invited, the channel is not gone.
            if fault(exc) is Fault.CHANNEL_GONE:
                raise refused from exc
            raise
        return self._call(delivery)

    def _call(self, delivery: Delivery) -> str:
        language = self._language(delivery)
        # The token of the workspace the channel or person is in.
        client = self.clients.for_team(delivery.team_id)
        if delivery.kind == "topic":
            client.conversations_setTopic(channel=delivery.target, topic=topic_text(delivery, language))
            return ""
        text, blocks = message_payload(delivery, language)
        response = client.chat_postMessage(
            channel=delivery.target, text=text, blocks=blocks, unfurl_links=False
        )
        return str(response.get("ts", ""))

    def _language(self, delivery: Delivery) -> str:
        """The channel's language, planned with the post; a direct message is in its reader's. A post
        to a channel recorded before channels had languages is in English, as it was written."""
        if delivery.language is not None:
            return delivery.language
        if is_channel(delivery.target):
            return DEFAULT
        return self.users.language(delivery.team_id, delivery.target, wait=DM_LANGUAGE_WAIT)

    def _refused(self, session: Session, delivery: Delivery, exc: SlackApiError) -> None:
        """Acts on Slack's refusal by its class: retry, pause the workspace, fail, or end a subscription."""
        kind, code, status = fault(exc), error_code(exc), exc.response.status_code
        if kind is Fault.RATE_LIMITED:
            # Slack's own request to wait is no failure: the attempt is not counted (the message's
            # expiry still bounds how long it waits).
            at = self.clock() + timedelta(seconds=retry_after(exc))
            self._retry(session, delivery, reasons.RATE_LIMITED, at, counted=False)
        elif kind is Fault.TRANSIENT:
            self._retry(session, delivery, transient_reason(code, status))
        elif kind is Fault.ACCESS_GONE:
            self._pause(session, delivery, code)
        elif kind is Fault.MISSING_SCOPE:
            self._fail(session, delivery, reasons.missing_scope(code, needed_scope(exc)), kind)
        elif kind is Fault.CHANNEL_GONE and is_channel(delivery.target):
            self._fail(session, delivery, code, kind)
            self._end_subscriptions(session, delivery, code)
        else:
            self._fail(session, delivery, code, Fault.UNDELIVERABLE)

    def _retry(
        self,
        session: Session,
        delivery: Delivery,
        reason: str,
        at: datetime | None = None,
        *,
        counted: bool = True,
    ) -> None:
        """Tries again later (by default with exponential backoff), a bounded number of counted times."""
        if counted and delivery.attempts >= MAX_ATTEMPTS:
            self._fail(session, delivery, reasons.still_failing(reason, delivery.attempts), Fault.TRANSIENT)
            return
        at = at or self.clock() + timedelta(seconds=min(2**delivery.attempts, 300))
        deliveries.retry_later(
            session=session, delivery=delivery, worker=self.worker, at=at, reason=reason, counted=counted
        )
        log.info("delivery=%s retry_at=%s reason=%s", delivery.key, at.isoformat(), reason)
        self.on_due(at)

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

    def _fail(self, session: Session, delivery: Delivery, reason: str, kind: Fault) -> None:
        """Fails the delivery and alerts the admins, once per target, class of error and day."""
        delivery.reason = reason
        self._finish(session, delivery, FAILED, reason=reason)
        if delivery.kind == "alert":  # an alert that fails alerts nobody: that way lies a storm
            return
        now = self.clock()
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        admins = sorted(
            set(queries.list_admins(session=session, group_id=delivery.group_id)) | self.operators
        )
        failed_today = deliveries.failed_since(
            session=session, group_id=delivery.group_id, target=delivery.target, since=day
        )
        deliveries.record_alerts(
            session=session,
            group_id=delivery.group_id,
            planned=notices.failure_alerts(
                delivery=delivery,
                admins=admins,
                # Not the failed post's workspace: that one's token does not reach the admins.
                team_id=(groups.teams_of(session=session, group_id=delivery.group_id) or [delivery.team_id])[
                    0
                ],
                cause=kind.name.lower(),
                failed_today=failed_today,
                now=now,
            ),
        )
        session.commit()
        self.on_due(None)

    def _pause(self, session: Session, delivery: Delivery, code: str) -> None:
        """Slack refuses the app's token: the workspace's deliveries wait, all kept, without alerts (no
        message could reach anyone); the ones held here go back unsent, their attempt not counted."""
        # Its token is read again when the workspace is checked: a reinstall gives a new one.
        self.clients.forget(delivery.team_id)
        if access.pause(session=session, team_id=delivery.team_id, error=code, now=self.clock()):
            log.warning(
                "team=%s deliveries paused: Slack refuses the app's token (%s)", delivery.team_id, code
            )
        session.commit()
        held = self.senders.drop(lambda d: d.team_id == delivery.team_id)
        self._release([delivery, *held])

    def _end_subscriptions(self, session: Session, delivery: Delivery, code: str) -> None:
        """A channel that is gone or archived stops being posted to, with an entry in the audit log."""
        now = self.clock()
        access.end_subscriptions(
            session=session,
            group_id=delivery.group_id,
            team_id=delivery.team_id,
            channel_id=delivery.target,
            code=code,
            now=now,
        )
        deliveries.skip_pending_to(
            session=session,
            group_id=delivery.group_id,
            target=delivery.target,
            reason=reasons.subscription_ended(code),
            now=now,
        )
        session.commit()
        self.senders.drop(lambda d: d.team_id == delivery.team_id and d.target == delivery.target)

    # -- paused workspaces ------------------------------------------------------------------------

    def check_paused(self) -> None:
        """Asks Slack, at most once per `recheck_paused` for each paused workspace, whether it accepts
        the app's token again; resumes the deliveries of those it does."""
        with Session(self.engine) as session:
            teams = access.take_checks(session=session, now=self.clock(), every=self.recheck_paused)
            session.commit()
        for team_id in teams:
            self.clients.forget(team_id)
            try:
                self.clients.for_team(team_id).auth_test()
            except NotInstalled:
                log.info("team=%s still paused: the app is not installed there", team_id)
                continue
            except SlackApiError as exc:
                log.info("team=%s still paused: %s", team_id, error_code(exc))
                continue
            except NETWORK_ERRORS as exc:
                log.info("team=%s still paused: Slack could not be asked (%s)", team_id, type(exc).__name__)
                continue
            with Session(self.engine) as session:
                if access.resume(session=session, team_id=team_id, now=self.clock()):
                    log.warning("team=%s deliveries resumed: Slack accepts the app's token again", team_id)
                session.commit()
            self.on_due(None)
