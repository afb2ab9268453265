"""A signed request replayed within Slack's five-minute window changes nothing again, and an event Slack
sends again (a retry) runs its listener once; a question may be asked again at no cost."""

import json
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from storage import queries, requests
from storage.models import SeenRequest
from tests.conftest import ADMIN, MEMBER, NOW, SIGNING_SECRET, RunningBot, default_group_id
from tests.fakeslack import event_body, interactivity_body, sign, slash_command_body

FORM = "application/x-www-form-urlencoded"
REPLAYED = "This request was already received; it was not applied again."
REFUSED = json.dumps({"response_type": "ephemeral", "text": REPLAYED})


def send(
    bot: RunningBot, body: str, *, timestamp: int, content_type: str = FORM, retry: int | None = None
) -> tuple[int, str]:
    """POSTs `body` signed for `timestamp`: the same body and timestamp make the same request again."""
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(SIGNING_SECRET, timestamp, body),
    }
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    request = urllib.request.Request(bot.url + "/slack/events", data=body.encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def shown(answer: str) -> str:
    return str(json.loads(answer)["text"]) if answer.startswith("{") else answer


def audit_actions(bot: RunningBot) -> list[str]:
    with Session(bot.services.engine) as session:
        return [
            e.action
            for e in queries.list_audit_entries(session=session, group_id=default_group_id(session), limit=50)
        ]


def seen(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(SeenRequest)).all())


def new_key_command(bot: RunningBot) -> str:
    return slash_command_body(
        "calendar new-key",
        user_id=ADMIN,
        team_id="T1",
        channel_id="C0COORD1",
        response_url=bot.slack.response_url,
    )


def test_a_replayed_change_is_refused(bot: RunningBot) -> None:
    assert bot.command("calendar", user=ADMIN)[0] == 200  # the first key
    body, now = new_key_command(bot), int(time.time())
    status, first = send(bot, body, timestamp=now)
    assert status == 200 and "new address" in shown(first)
    with Session(bot.services.engine) as session:
        key = queries.calendar_key(session=session, group_id=default_group_id(session))
    assert key in shown(first)
    for _ in range(2):
        assert send(bot, body, timestamp=now) == (
            200,
            json.dumps({"response_type": "ephemeral", "text": REPLAYED}),
        )
    with Session(bot.services.engine) as session:
        assert queries.calendar_key(session=session, group_id=default_group_id(session)) == key
    assert audit_actions(bot).count("calendar new-key") == 1
    # The same command sent anew (another request) is a change of its own.
    status, answer = bot.command("calendar new-key", user=ADMIN)
    assert "new address" in answer["text"] and key not in answer["text"]


def test_a_request_with_a_forged_signature_is_not_recorded(bot: RunningBot) -> None:
    """The records are written after Bolt checks the signature: a forger cannot fill the table."""
    body, now = new_key_command(bot), int(time.time())
    request = urllib.request.Request(
        bot.url + "/slack/events",
        data=body.encode(),
        headers={
            "Content-Type": FORM,
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": sign("not-the-secret", now, body),
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    refused.value.close()
    assert refused.value.code == 401
    assert seen(bot.services.engine) == 0


def test_identical_replays_at_the_same_instant_apply_once(bot: RunningBot) -> None:
    assert bot.command("calendar", user=ADMIN)[0] == 200
    body, now = new_key_command(bot), int(time.time())
    start = threading.Barrier(4)
    answers: list[str] = []

    def replay() -> None:
        start.wait()
        status, answer = send(bot, body, timestamp=now)
        assert status == 200
        answers.append(shown(answer))

    threads = [threading.Thread(target=replay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a == REPLAYED for a in answers) == [False, True, True, True], answers
    assert audit_actions(bot).count("calendar new-key") == 1


def test_a_replayed_question_is_answered_again_and_recorded_nowhere(bot: RunningBot) -> None:
    bot.command("help")  # the workspace's group, set up: the question's answer comes at once
    body, now = slash_command_body("chair 2011-03-15", user_id=MEMBER, team_id="T1"), int(time.time())
    answers = [send(bot, body, timestamp=now) for _ in range(3)]
    assert all(status == 200 and "UNICEF" in shown(answer) for status, answer in answers)
    assert seen(bot.services.engine) == 0


def share_click(bot: RunningBot) -> str:
    return interactivity_body(
        {
            "type": "block_actions",
            "team": {"id": "T1", "domain": "gmg"},
            "user": {"id": MEMBER, "team_id": "T1"},
            "channel": {"id": "C0COORD1", "name": "gmg"},
            "api_app_id": "A1",
            "trigger_id": "1.2.3",
            "response_url": bot.slack.response_url,
            "actions": [
                {"type": "button", "action_id": "gmg_share", "block_id": "b", "value": "chair 2011-03-15"}
            ],
        }
    )


def term_submission() -> str:
    values: dict[str, Any] = {
        "period": {"value": {"type": "plain_text_input", "value": "2031"}},
        "chairs": {"value": {"type": "multi_static_select", "selected_options": [{"value": "IOM"}]}},
        "theme": {"value": {"type": "plain_text_input", "value": "Care work"}},
    }
    return interactivity_body(
        {
            "type": "view_submission",
            "team": {"id": "T1", "domain": "gmg"},
            "user": {"id": ADMIN, "team_id": "T1"},
            "api_app_id": "A1",
            "trigger_id": "1.2.3",
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": "gmg_term_modal",
                "state": {"values": values},
            },
        }
    )


def test_a_replayed_share_click_posts_once(bot: RunningBot) -> None:
    body, now = share_click(bot), int(time.time())
    assert send(bot, body, timestamp=now)[0] == 200
    bot.slack.wait_for("response_url", count=2)  # the answer in the channel, and the delete
    assert send(bot, body, timestamp=now) == (200, "")
    # A new click, after the replay: its posts come after any the replay would have made.
    assert send(bot, body, timestamp=now + 1)[0] == 200
    posts = bot.slack.wait_for("response_url", count=4)
    assert [p.body.get("response_type") for p in posts] == ["in_channel", None, "in_channel", None]
    time.sleep(0.5)  # whatever the replay started has had time to post
    assert len(bot.slack.calls_to("response_url")) == 4


def test_a_replayed_modal_submission_changes_nothing_again(bot: RunningBot) -> None:
    body, now = term_submission(), int(time.time())
    assert send(bot, body, timestamp=now) == (200, "")
    assert send(bot, body, timestamp=now) == (200, "")
    # The modal's command goes to its group, named first (as in `/gmg GMG term set ...`).
    assert [a for a in audit_actions(bot) if "term set" in a] == ['GMG term set 2031 "IOM" Care work']


def test_an_event_slack_sends_again_runs_its_listener_once(bot: RunningBot) -> None:
    body = event_body({"type": "app_home_opened", "user": ADMIN, "channel": "D1", "tab": "home"})
    now = int(time.time())
    assert send(bot, body, timestamp=now, content_type="application/json") == (200, "")
    bot.slack.wait_for("views.publish")
    # Slack's retry signs the same event anew, with a later timestamp.
    assert send(bot, body, timestamp=now + 2, content_type="application/json", retry=1) == (200, "")
    other = event_body({"type": "app_home_opened", "user": MEMBER, "channel": "D2", "tab": "home"})
    assert send(bot, other, timestamp=now + 2, content_type="application/json") == (200, "")
    bot.slack.wait_for("views.publish", count=2)
    time.sleep(0.5)  # whatever the retry started has had time to publish
    assert sorted(c.body["user_id"] for c in bot.slack.calls_to("views.publish")) == [ADMIN, MEMBER]


# -- the records ----------------------------------------------------------------------------------


def test_a_record_is_kept_ten_minutes_then_pruned(engine: Engine) -> None:
    with Session(engine) as session:
        assert requests.first_time(session=session, key="signature:a", now=NOW)
        assert not requests.first_time(session=session, key="signature:a", now=NOW + timedelta(minutes=9))
        assert requests.first_time(session=session, key="signature:b", now=NOW + timedelta(minutes=11))
        assert seen(engine) == 1  # `a` is gone
        assert requests.first_time(session=session, key="signature:a", now=NOW + timedelta(minutes=11))


def test_one_key_recorded_at_the_same_instant_by_many_is_new_to_exactly_one(engine: Engine) -> None:
    start = threading.Barrier(8)
    results: list[bool] = []

    def record() -> None:
        with Session(engine) as session:
            start.wait()
            results.append(requests.first_time(session=session, key="event:Ev1", now=NOW))

    threads = [threading.Thread(target=record) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [False] * 7 + [True]
