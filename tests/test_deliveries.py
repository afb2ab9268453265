"""Reminders, announcements, theme posts and change notices: planned as rows, sent once, never lost."""

import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.dispatcher import Dispatcher
from bot.posts import message_payload
from bot.scheduler import DeliveryClock
from bot.slack_client import make_web_client
from bot.workspace_clients import WorkspaceClients
from handlers import Response, handle_command
from storage import deliveries, groups, queries
from storage.change_watch import ChangeWatch
from storage.documents import parse_document
from storage.models import Delivery, Group
from storage.transfer import import_document
from tests.fakeslack import FakeSlack

ADMIN = "UADMIN01"
GROUP = """
group: {name: Test Group, short_name: TG, timezone: Europe/Zurich, term_months: 6, handover_time: "09:00"}
members:
  - {code: AAA, name: Agency A, focal_points: [UFOCALA1]}
  - {code: BBB, name: Agency B, focal_points: [UFOCALB1, UFOCALB2]}
  - {code: CCC, name: Agency C}
terms:
  - {first_day: 2027-01-01, last_day: 2027-06-30, chairs: [AAA], theme: Water}
  - {first_day: 2027-07-01, last_day: 2027-12-31, chairs: [BBB], theme: Land, description: All of it}
rotation: [AAA, BBB, CCC]
reminders: {lead_times: [7d, 1d]}
subscriptions:
  - {channel: CREMIND1, kinds: [reminders]}
  - {channel: CTHEMES1, kinds: [themes]}
admins: [UADMIN01]
"""
# 09:00 in Zurich in summer is 07:00 UTC.
HANDOVER = datetime(2027, 7, 1, 7, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Env:
    def __init__(self, engine: Engine, slack: FakeSlack, clock: Clock, group_id: int) -> None:
        self.engine = engine
        # The test group, workspace T1's default group.
        self.group_id = group_id
        self.slack = slack
        self.clock = clock
        self.client = make_web_client(
            token=slack.bot_token, base_url=slack.base_url, retry_server_errors=False
        )
        self.dispatcher = Dispatcher(
            engine=engine, clients=WorkspaceClients.single(self.client), clock=clock, worker="test-1"
        )

    def ask(self, text: str, user: str = ADMIN) -> Response:
        with Session(self.engine) as session:
            return handle_command(
                session=session,
                team_id="T1",
                text=text,
                user_id=user,
                is_admin=False,
                now=self.clock.now,
                channel_id="CREMIND1",
            )

    def run_at(self, now: datetime) -> None:
        self.clock.now = now
        self.dispatcher.replan_all()
        self.dispatcher.run_once()

    def rows(self, **where: str) -> list[Delivery]:
        with Session(self.engine) as session:
            query = select(Delivery).where(Delivery.group_id == self.group_id)
            for name, value in where.items():
                query = query.where(getattr(Delivery, name) == value)
            return list(session.exec(query.order_by(Delivery.id)).all())

    def posts(self) -> list[tuple[str, str]]:
        return [(c.body["channel"], c.body["text"]) for c in self.slack.calls_to("chat.postMessage")]


@pytest.fixture
def env(engine: Engine, slack: FakeSlack) -> Env:
    return make_env(engine, slack)


def make_env(engine: Engine, slack: FakeSlack) -> Env:
    """Workspace T1 with the test group (its default group) and the clock at 1 Jun 2027, 12:00 UTC."""
    now = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
    doc = parse_document(GROUP)
    with Session(engine) as session:
        # The group is added (audited, so planned while still empty), then its data is written as an
        # import does, without an audit entry: nothing is planned until a test's clock says so.
        group = groups.add_group(
            session=session,
            team_id="T1",
            group=Group(**doc.group.model_dump()),
            user_id=ADMIN,
            now=now,
            action="add the test group",
        )
        session.commit()
        import_document(session=session, group=group, team_id="T1", doc=doc, replace=True)
        session.commit()
        assert group.id is not None
        assert groups.default_group(session=session, team_id="T1") == group
        assert session.exec(select(Delivery)).all() == []
        return Env(engine, slack, Clock(now), group.id)


def test_reminders_go_at_each_lead_time_to_channels_and_focal_points(env: Env) -> None:
    env.run_at(HANDOVER - timedelta(days=7, seconds=1))
    assert env.posts() == []
    env.run_at(HANDOVER - timedelta(days=7))
    posts = env.posts()
    assert sorted(channel for channel, _ in posts) == ["CREMIND1", "UFOCALA1", "UFOCALB1", "UFOCALB2"]
    text = posts[0][1]
    assert "handover in 7 days" in text and "*AAA* hands over to *BBB*" in text
    assert "1 Jul 2027 at 09:00 CEST (Europe/Zurich)" in text and "*Land*" in text
    env.run_at(HANDOVER - timedelta(days=1))
    assert len(env.posts()) == 8 and "handover in 1 day" in env.posts()[-1][1]
    env.run_at(HANDOVER - timedelta(hours=1))
    assert len(env.posts()) == 8, "each reminder is sent once"
    sent = env.rows(kind="reminder", state="sent")
    assert len(sent) == 8 and all(d.ts for d in sent)


def test_announcement_at_the_handover_goes_to_theme_channels(env: Env) -> None:
    env.run_at(HANDOVER - timedelta(seconds=1))
    assert not [p for p in env.posts() if p[0] == "CTHEMES1"]
    env.run_at(HANDOVER)
    announcements = [text for channel, text in env.posts() if channel == "CTHEMES1"]
    assert len(announcements) == 1
    assert (
        "*BBB* now chairs the TG, 1 Jul to 31 Dec 2027" in announcements[0] and "*Land*" in announcements[0]
    )


def test_undecided_next_chair_and_theme_tell_admins_the_command(env: Env) -> None:
    handover = datetime(2028, 1, 1, 8, 0, tzinfo=UTC)  # 09:00 CET
    env.run_at(handover - timedelta(days=7))
    text = [t for c, t in env.posts() if c == "CREMIND1"][-1]
    assert "*BBB* hands over to *CCC*" in text
    assert "`/gmg term set 2028-01-01..2028-06-30 CCC`" in text
    assert "`/gmg theme set 2028-01-01..2028-06-30 TITLE | DESCRIPTION`" in text


def test_theme_set_posts_to_theme_channels_at_once(env: Env) -> None:
    assert env.ask("theme set 2027-H2 Land and sea | Coasts too").ok
    env.dispatcher.run_once()
    posts = [t for c, t in env.posts() if c == "CTHEMES1"]
    assert len(posts) == 1 and "*Land and sea*" in posts[0] and "Coasts too" in posts[0]
    assert "<@UADMIN01>" in posts[0]


def test_changes_replan_pending_reminders(env: Env) -> None:
    env.clock.now = HANDOVER - timedelta(days=5)
    env.dispatcher.replan_all()
    # Three handovers ahead: AAA to BBB (4 targets; its 7d reminders already past), BBB to CCC (3 targets),
    # CCC to AAA (2 targets); two lead times each.
    assert len(env.rows(kind="reminder", state="pending")) == 4 + 3 * 2 + 2 * 2
    assert env.ask("term clear 2027-H2").ok
    assert env.ask("rotation clear").ok
    assert not [d for d in env.rows(state="pending") if d.kind == "reminder"]
    skipped = env.rows(kind="reminder", state="skipped")
    assert skipped and all(d.reason == deliveries.REPLANNED for d in skipped)
    change = env.rows(kind="change")
    assert [d.target for d in change] == ["CREMIND1"] and "cleared" in message_payload(change[0], "en")[0]
    assert env.ask("term set 2027-H2 CCC").ok
    assert env.ask("reminders 2d").ok
    pending = [d for d in env.rows(state="pending") if d.kind == "reminder"]
    assert {d.key.split(":")[2] for d in pending} == {str(2 * 86400)}
    assert {d.due_at for d in pending} == {HANDOVER - timedelta(days=2)}
    assert env.ask("unsubscribe #CREMIND1".replace("#", "")).ok
    assert {d.target for d in env.rows(state="pending") if d.kind == "reminder"} == {"UFOCALA1"}


def test_a_crash_mid_run_loses_nothing_and_doubles_nothing(env: Env) -> None:
    env.clock.now = HANDOVER - timedelta(days=7)
    env.dispatcher.replan_all()
    with Session(env.engine) as session:
        # A first process claims the due reminders and dies before sending any.
        claimed = deliveries.claim_due(
            session=session, now=env.clock.now, worker="dead", lease=timedelta(minutes=2), limit=50
        )
    assert len(claimed) == 4
    env.dispatcher.run_once()
    assert env.posts() == [], "a leased delivery is not taken by another process"
    env.run_at(HANDOVER - timedelta(days=7) + timedelta(minutes=3))
    assert len(env.posts()) == 4
    restarted = Dispatcher(
        engine=env.engine, clients=WorkspaceClients.single(env.client), clock=env.clock, worker="test-2"
    )
    restarted.run_once()
    assert len(env.posts()) == 4


def test_downtime_sends_what_is_still_useful_and_skips_the_rest(env: Env) -> None:
    env.run_at(HANDOVER - timedelta(days=8))
    # Down from 8 days before the handover until 2 days after it: the 7d and 1d reminders are past their
    # handover, the announcement is more than 24 hours late.
    env.run_at(HANDOVER + timedelta(days=2))
    assert env.posts() == []
    skipped = env.rows(state="skipped")
    assert {d.kind for d in skipped} == {"reminder", "announcement"}
    assert all(d.reason.startswith("too late: it was due") for d in skipped)


def test_downtime_catch_up_sends_a_reminder_before_its_handover(env: Env) -> None:
    env.run_at(HANDOVER - timedelta(days=8))
    env.run_at(HANDOVER - timedelta(days=3))
    assert len(env.posts()) == 4 and "handover in 7 days" in env.posts()[0][1]


def test_rate_limited_delivery_waits_for_retry_after(env: Env) -> None:
    # One target only, so that the refusals all fall on the same delivery.
    assert env.ask("focal AAA clear").ok and env.ask("focal BBB clear").ok
    env.slack.fail_next("chat.postMessage", status=429, retry_after=1, times=3)
    env.clock.now = HANDOVER - timedelta(days=7)
    env.dispatcher.replan_all()
    env.dispatcher.run_once()
    waiting = [d for d in env.rows(kind="reminder") if d.reason == "rate limited by Slack"]
    assert len(waiting) == 1 and waiting[0].state == "pending"
    assert waiting[0].next_attempt_at == env.clock.now + timedelta(seconds=1)
    # No thread sleeps out a Retry-After: each refusal puts the delivery back for after it, with no
    # attempt counted against it.
    for _ in range(3):
        env.run_at(env.clock.now + timedelta(seconds=1))
    assert len(env.rows(kind="reminder", state="sent")) == 1
    assert len(env.posts()) == 3 + 1
    assert env.rows(kind="reminder", state="sent")[0].attempts == 1


def test_server_errors_back_off_then_fail_and_alert_admins(env: Env) -> None:
    env.slack.fail_next("chat.postMessage", status=500, times=100)
    env.clock.now = HANDOVER - timedelta(days=1)
    env.dispatcher.replan_all()
    for _ in range(8):
        env.dispatcher.run_once()
        env.clock.now += timedelta(minutes=10)
    failed = env.rows(state="failed")
    assert failed and all("Slack answered 500" in d.reason for d in failed)
    env.slack.clear_failures()
    env.dispatcher.run_once()
    alerts = [t for c, t in env.posts() if c == ADMIN]
    assert alerts and "could not be delivered" in alerts[0]


def test_not_in_channel_joins_and_posts(env: Env) -> None:
    env.slack.set_not_in_channel("CREMIND1")
    env.run_at(HANDOVER - timedelta(days=7))
    assert [c.body["channel"] for c in env.slack.calls_to("conversations.join")] == ["CREMIND1"]
    assert len(env.rows(kind="reminder", state="sent")) == 4


def test_channel_not_found_ends_the_subscription(env: Env) -> None:
    env.slack.fail_channel("CREMIND1", error="channel_not_found")
    env.run_at(HANDOVER - timedelta(days=7))
    failed = env.rows(state="failed")
    assert [(d.target, d.reason) for d in failed] == [("CREMIND1", "channel_not_found")]
    with Session(env.engine) as session:
        subscriptions = queries.list_subscriptions(session=session, group_id=env.group_id)
        assert [s.channel_id for s in subscriptions] == ["CTHEMES1"]
        entry = queries.list_audit_entries(session=session, group_id=env.group_id, limit=1)[0]
    assert entry.user_id == "gmg-bot" and "channel_not_found" in entry.action
    assert not [d for d in env.rows(state="pending") if d.target == "CREMIND1"]
    assert any(c == ADMIN and "channel_not_found" in t for c, t in env.posts())
    assert len(env.slack.calls_to("chat.postMessage")) == 5 - 1 + 1  # 3 DMs, 1 refused post, 1 alert


def test_reminders_keep_the_clock_time_across_daylight_saving(env: Env) -> None:
    # Zurich moves to summer time on 28 Mar 2027: a 09:00 handover on 29 Mar (07:00 UTC) has its 1d
    # reminder at 09:00 on the 28th, which is 07:00 UTC too, and its 7d one at 09:00 CET, 08:00 UTC.
    assert env.ask("term clear 2027-H1").ok
    assert env.ask("term set 2027-01-01..2027-03-28 AAA").ok
    assert env.ask("term set 2027-03-29..2027-06-30 CCC").ok
    env.clock.now = datetime(2027, 3, 1, tzinfo=UTC)
    env.dispatcher.replan_all()
    due = {
        d.key.split(":")[2]: d.due_at
        for d in env.rows(kind="reminder")
        if d.target == "CREMIND1" and d.key.startswith("reminder:2027-03-29")
    }
    assert due == {
        "86400": datetime(2027, 3, 28, 7, 0, tzinfo=UTC),
        "604800": datetime(2027, 3, 22, 8, 0, tzinfo=UTC),
    }
    env.run_at(datetime(2027, 3, 28, 6, 59, tzinfo=UTC))
    assert not [t for _, t in env.posts() if "in 1 day" in t]
    env.run_at(datetime(2027, 3, 28, 7, 0, tzinfo=UTC))
    assert [t for _, t in env.posts() if "in 1 day" in t and "29 Mar 2027 at 09:00 CEST" in t]


def test_channel_topic_follows_the_chair(env: Env) -> None:
    assert env.ask("settings topic <#CREMIND1|coordination>").ok
    env.run_at(HANDOVER)
    topics = env.slack.calls_to("conversations.setTopic")
    assert [(c.body["channel"], c.body["topic"]) for c in topics] == [
        ("CREMIND1", "TG chair: BBB · Theme: Land")
    ]


def test_deliveries_command_shows_sent_pending_and_failed(env: Env) -> None:
    env.slack.fail_channel("UFOCALB2", error="user_not_found")
    env.run_at(HANDOVER - timedelta(days=7))
    text = env.ask("deliveries").text
    assert "*Pending next*" in text and "*Failed*" in text and "user_not_found" in text
    assert "sent" in text
    refused = env.ask("deliveries", user="UNOBODY1")
    assert not refused.ok and "Only TG admins" in refused.text


def test_scheduler_wakes_the_dispatcher_at_the_due_time(env: Env) -> None:
    """A real clock: APScheduler wakes the dispatcher when reminders a few seconds away fall due."""
    now = datetime.now(UTC)
    handover = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)
    if handover.date() != now.date():
        pytest.skip("too close to midnight UTC for a same-day handover")
    with Session(env.engine) as session:
        group = queries.get_group(session=session, group_id=env.group_id)
        assert group is not None
        group.timezone, group.handover_time = "UTC", f"{(now + timedelta(minutes=2)):%H:%M}"
        session.add(group)
        # The test group's terms (2027) would overlap the term set below when today is near or in them.
        in_the_way = queries.terms_overlapping(
            session=session,
            group_id=env.group_id,
            first=handover.date(),
            last=handover.date() + timedelta(days=30),
        )
        queries.delete_terms(session=session, terms=in_the_way)
        session.commit()
    env.clock.now = now
    assert env.ask(f"term set {handover.date()}..{handover.date() + timedelta(days=30)} CCC").ok
    seconds = int((handover - now).total_seconds())
    assert env.ask(f"reminders {seconds - 2}s {seconds - 3}s").ok
    clock_dispatcher = Dispatcher(
        engine=env.engine, clients=WorkspaceClients.single(env.client), worker="real-clock"
    )
    clock = DeliveryClock(clock_dispatcher, safety_net=timedelta(minutes=10))
    clock.start()
    try:
        deadline = time.monotonic() + 20
        while len(env.rows(kind="reminder", state="sent")) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        clock.stop()
    sent = env.rows(kind="reminder", state="sent")
    assert len(sent) == 2 and {d.target for d in sent} == {"CREMIND1"}
    # The safety net is ten minutes away: only the wake-up at the due time can have sent them.
    reminders = [c for c in env.slack.calls_to("chat.postMessage") if "handover in" in c.body["text"]]
    assert len(reminders) == 2


def test_two_processes_send_each_delivery_exactly_once(env: Env, database_url: str, tmp_path: Path) -> None:
    """Workers in separate processes share one database: each of 200 deliveries is posted once."""
    now = datetime.now(UTC)
    with Session(env.engine) as session:
        planned = [
            deliveries.Planned(
                f"load:{i}",
                "theme",
                "T1",
                f"CLOAD{i:04d}",
                now,
                now + timedelta(hours=1),
                "written",
                {"text": f"n{i}", "blocks": None},
            )
            for i in range(200)
        ]
        deliveries.record_events(session=session, group_id=env.group_id, planned=planned)
        session.commit()
    script = (
        "import sys\n"
        "from bot.dispatcher import Dispatcher\n"
        "from bot.slack_client import make_web_client\n"
        "from bot.workspace_clients import WorkspaceClients\n"
        "from storage.db import make_engine\n"
        "engine = make_engine(sys.argv[1])\n"
        "client = make_web_client(token=sys.argv[2], base_url=sys.argv[3], retry_server_errors=False)\n"
        "Dispatcher(engine=engine, clients=WorkspaceClients.single(client)).run_once()\n"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, database_url, env.slack.bot_token, env.slack.base_url]
        )
        for _ in range(2)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    counts = Counter(c.body["channel"] for c in env.slack.calls_to("chat.postMessage"))
    assert len(counts) == 200 and set(counts.values()) == {1}
    assert len(env.rows(kind="theme", state="sent")) == 200


def test_a_change_waits_while_its_group_is_being_replanned(env: Env) -> None:
    """Re-planning holds the group from reading its data to writing its plan (as replan_all does, with
    queries.lock_for_planning): a change saved in between would be undone by the stale plan, an
    unsubscribed channel reminded again. Holding it is no change of the group: kept answers stay."""
    watch = ChangeWatch(env.engine)
    for _ in range(100):  # PostgreSQL: until it listens
        if (seen := watch.generation()) is not None:
            break
        time.sleep(0.05)
    with Session(env.engine) as planning:
        queries.lock_for_planning(session=planning, group_id=env.group_id)
        planning.commit()
    time.sleep(0.3)  # PostgreSQL's notice, had there been one
    unchanged = seen is not None and watch.generation() == seen
    watch.stop()

    planning = Session(env.engine)
    queries.lock_for_planning(session=planning, group_id=env.group_id)
    done: list[tuple[Response, float]] = []
    worker = threading.Thread(
        target=lambda: done.append((env.ask("unsubscribe <#CREMIND1> reminders"), time.monotonic()))
    )
    worker.start()
    time.sleep(1.0)
    waited = done == []
    released = time.monotonic()
    planning.commit()
    planning.close()
    worker.join(timeout=10)

    assert unchanged, "holding the group for a plan counted as a change of it"
    assert waited, "the change did not wait for the plan"
    [(response, finished)] = done
    assert response.ok and finished >= released
