"""Slack failing in every way it does: a dead token pauses a workspace (nothing lost, no alert storm)
and it resumes by itself; a missing scope is named; an HTML page is retried; a hung channel holds up
no other; failures alert each admin once per target, cause and day."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.dispatcher import Dispatcher
from bot.home_view import home_view
from bot.scheduler import DeliveryClock
from bot.slack_client import make_web_client
from bot.workspace_clients import WorkspaceClients
from storage import access, deliveries, queries
from storage.models import Delivery
from storage.transfer import ensure_workspace
from tests.fakeslack import FakeSlack
from tests.test_deliveries import ADMIN, HANDOVER, Env, make_env

WEEK_BEFORE = HANDOVER - timedelta(days=7)
# The reminders due a week before the handover: the reminders channel and three focal points.
TARGETS = ["CREMIND1", "UFOCALA1", "UFOCALB1", "UFOCALB2"]


@pytest.fixture
def env(engine: Engine, slack: FakeSlack) -> Env:
    return make_env(engine, slack)


def subscribed(env: Env) -> list[str]:
    with Session(env.engine) as session:
        return sorted(
            {s.channel_id for s in queries.list_subscriptions(session=session, group_id=env.group_id)}
        )


def audit_actions(env: Env) -> list[str]:
    with Session(env.engine) as session:
        return [
            e.action for e in queries.list_audit_entries(session=session, group_id=env.group_id, limit=50)
        ]


def plan(engine: Engine, target: str, count: int, *, due: datetime) -> list[str]:
    """`count` theme posts to `target` in workspace T1, for its default group (made when there is none),
    due at `due`; returns their texts."""
    texts = [f"post {i} to {target}" for i in range(count)]
    with Session(engine) as session:
        group = ensure_workspace(session=session, team_id="T1", seed=False, now=due)
        assert group.id is not None
        deliveries.record_events(
            session=session,
            group_id=group.id,
            planned=[
                deliveries.Planned(
                    f"t:{target}:{i}",
                    "theme",
                    "T1",
                    target,
                    due,
                    due + timedelta(hours=1),
                    "written",
                    {"text": t, "blocks": None},
                )
                for i, t in enumerate(texts)
            ],
        )
        session.commit()
    return texts


def pause_by_dead_token(env: Env) -> None:
    env.slack.revoke_token("account_inactive")
    env.run_at(WEEK_BEFORE)


def test_a_dead_token_pauses_the_workspace_and_keeps_everything(env: Env) -> None:
    pause_by_dead_token(env)
    refused = env.slack.calls_to("chat.postMessage")
    assert 1 <= len(refused) <= len(TARGETS)
    assert subscribed(env) == ["CREMIND1", "CTHEMES1"], "no subscription ends for a token error"
    reminders = env.rows(kind="reminder")
    week = [d for d in reminders if d.due_at == WEEK_BEFORE]
    assert sorted(d.target for d in week) == TARGETS
    assert all(d.state == "pending" and d.attempts == 0 and d.lease_until is None for d in week)
    assert not env.rows(state="failed") and not env.rows(kind="alert"), "an alert could reach nobody"
    assert [a for a in audit_actions(env) if "pause" in a] == [
        "pause deliveries: Slack refuses the app's token (account_inactive)"
    ]
    # Nothing is claimed while paused: no further call to Slack.
    env.run_at(WEEK_BEFORE + timedelta(minutes=5))
    assert len(env.slack.calls_to("chat.postMessage")) == len(refused)
    report = env.ask("deliveries").text
    assert "Deliveries are paused" in report and "account_inactive" in report
    assert "pause deliveries" in env.ask("log").text
    with Session(env.engine) as session:
        home = home_view(
            session=session, team_id="T1", user_id=ADMIN, is_admin=True, now=env.clock.now, language="en"
        )
    assert "Deliveries are paused" in str(home.to_dict())


def test_a_paused_workspace_resumes_once_slack_accepts_the_token(env: Env) -> None:
    pause_by_dead_token(env)
    paused_at = env.clock.now
    env.clock.now = paused_at + timedelta(seconds=30)
    env.dispatcher.check_paused()
    assert not env.slack.calls_to("auth.test"), "Slack is asked at most once a minute"
    env.clock.now = paused_at + timedelta(seconds=61)
    env.dispatcher.check_paused()
    assert len(env.slack.calls_to("auth.test")) == 1
    with Session(env.engine) as session:
        assert access.paused(session=session, team_id="T1") is not None, "still refused: still paused"
    env.slack.restore_token()
    env.dispatcher.check_paused()
    assert len(env.slack.calls_to("auth.test")) == 1, "asked a moment ago"
    env.clock.now = paused_at + timedelta(seconds=125)
    env.dispatcher.check_paused()
    with Session(env.engine) as session:
        assert access.paused(session=session, team_id="T1") is None
    assert audit_actions(env)[0] == "resume deliveries: Slack accepts the app's token again"
    env.slack.reset()
    env.dispatcher.run_once()
    assert sorted(c for c, _ in env.posts()) == TARGETS, "each kept reminder goes out once"
    assert len(env.rows(kind="reminder", state="sent")) == len(TARGETS)


def test_a_gone_user_fails_that_delivery_only(env: Env) -> None:
    env.slack.fail_channel("UFOCALB2", error="user_disabled")
    env.run_at(WEEK_BEFORE)
    assert [(d.target, d.reason) for d in env.rows(state="failed")] == [("UFOCALB2", "user_disabled")]
    assert len(env.rows(kind="reminder", state="sent")) == 3
    assert subscribed(env) == ["CREMIND1", "CTHEMES1"]
    with Session(env.engine) as session:
        assert access.paused(session=session, team_id="T1") is None


def test_missing_scope_fails_and_the_alert_names_the_scope(env: Env) -> None:
    assert env.ask("focal AAA clear").ok and env.ask("focal BBB clear").ok
    env.slack.fail_next("chat.postMessage", error="missing_scope", needed="chat:write")
    env.run_at(WEEK_BEFORE)
    failed = env.rows(state="failed")
    assert [d.target for d in failed] == ["CREMIND1"] and "needs the chat:write scope" in failed[0].reason
    alerts = [t for c, t in env.posts() if c == ADMIN]
    assert len(alerts) == 1 and "needs the `chat:write` scope" in alerts[0]
    assert subscribed(env) == ["CREMIND1", "CTHEMES1"]


def test_an_html_page_from_slack_is_retried_with_backoff(env: Env) -> None:
    assert env.ask("focal AAA clear").ok and env.ask("focal BBB clear").ok
    env.slack.answer_html_next("chat.postMessage", status=200)
    env.run_at(WEEK_BEFORE)
    [waiting] = [d for d in env.rows(kind="reminder", target="CREMIND1") if d.due_at == WEEK_BEFORE]
    assert waiting.state == "pending"
    assert waiting.reason == "Slack answered a page that is not JSON (HTTP 200)" and waiting.attempts == 1
    assert waiting.next_attempt_at == WEEK_BEFORE + timedelta(seconds=2)
    env.run_at(WEEK_BEFORE + timedelta(seconds=2))
    [sent] = [d for d in env.rows(kind="reminder", target="CREMIND1") if d.due_at == WEEK_BEFORE]
    assert sent.state == "sent" and sent.ts
    assert [c for c, _ in env.posts()] == ["CREMIND1", "CREMIND1"] and not env.rows(kind="alert")


def test_failures_alert_each_admin_once_per_target_and_cause_with_a_count(env: Env) -> None:
    env.dispatcher.operators = frozenset({"UOPERGONE"})
    env.slack.fail_channel("UGONE001", error="user_not_found")
    env.slack.fail_channel("UOPERGONE", error="user_not_found")
    plan(env.engine, "UGONE001", 3, due=env.clock.now)
    env.dispatcher.run_once()
    assert len(env.rows(state="failed", target="UGONE001")) == 3
    alerts = [t for c, t in env.posts() if c == ADMIN]
    assert len(alerts) == 1, alerts
    assert "could not be delivered: `user_not_found`" in alerts[0] and "3 posts to <@UGONE001>" in alerts[0]
    # The alert to an operator who is gone fails, and alerts nobody about it.
    assert [d.target for d in env.rows(kind="alert")] == sorted([ADMIN, "UOPERGONE"])
    assert env.rows(kind="alert", target="UOPERGONE")[0].state == "failed"
    # The next day, a new failure is a new incident.
    env.clock.now += timedelta(days=1)
    plan(env.engine, "UGONE002", 1, due=env.clock.now)
    env.slack.fail_channel("UGONE002", error="user_not_found")
    env.dispatcher.run_once()
    assert len([c for c, _ in env.posts() if c == ADMIN]) == 2


HANG = 5.0


def test_a_hung_channel_holds_up_no_other_channel(engine: Engine, slack: FakeSlack) -> None:
    """Real time: posts to CSLOW hang; the others, and one falling due meanwhile, go out at once."""
    slack.hang("chat.postMessage", HANG, channel="CSLOW")
    now = datetime.now(UTC)
    plan(engine, "CSLOW", 2, due=now)
    fast = [text for i in range(4) for text in plan(engine, f"CFAST{i}", 1, due=now)]
    late = plan(engine, "CLATE", 1, due=now + timedelta(seconds=1.5))
    client = make_web_client(token=slack.bot_token, base_url=slack.base_url, retry_server_errors=False)
    clock = DeliveryClock(
        Dispatcher(engine=engine, clients=WorkspaceClients.single(client), worker="hang-test")
    )
    clock.start()
    try:
        slack.wait_for("chat.postMessage", 1 + len(fast) + len(late), timeout=HANG - 1)
        hang_began = min(c.at for c in slack.calls_to("chat.postMessage") if c.body["channel"] == "CSLOW")
        arrived = {c.body["text"]: c.at for c in slack.calls_to("chat.postMessage")}
        assert all(arrived[t] < hang_began + HANG - 1 for t in fast + late), "held up by the hung channel"
        # The hung channel's own posts stay in order, one at a time.
        slack.wait_for("chat.postMessage", 2 + len(fast) + len(late), timeout=2 * HANG + 5)
        slow = [c for c in slack.calls_to("chat.postMessage") if c.body["channel"] == "CSLOW"]
        assert [c.body["text"] for c in slow] == ["post 0 to CSLOW", "post 1 to CSLOW"]
        assert slow[1].at >= slow[0].at + HANG
    finally:
        clock.stop()
    with Session(engine) as session:
        states = Counter(session.exec(select(Delivery.state)).all())
    assert states == {"sent": 2 + len(fast) + len(late)}


def test_a_renewed_lease_keeps_a_queued_delivery_from_other_workers(engine: Engine) -> None:
    """A delivery queued behind a slow one has its lease renewed while it waits: no other worker takes
    it, and a worker that lost a lease learns so before it posts."""
    now = datetime.now(UTC)
    plan(engine, "CONE", 1, due=now)
    with Session(engine) as session:
        [claimed] = deliveries.claim_due(
            session=session, now=now, worker="w1", lease=timedelta(minutes=2), limit=5
        )
        assert claimed.id is not None
        later = now + timedelta(minutes=10)
        assert deliveries.renew(session=session, ids=[claimed.id], worker="w1", until=later) == {claimed.id}
        assert deliveries.renew(session=session, ids=[claimed.id], worker="w2", until=later) == set()
        after_first_lease = now + timedelta(minutes=5)
        assert not deliveries.claim_due(
            session=session, now=after_first_lease, worker="w2", lease=timedelta(minutes=2), limit=5
        )
