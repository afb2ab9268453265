"""The HTTP edge under hostile input: connections that never finish a request leave the bot answering,
and a signed Slack payload of the wrong shape gets a 400 at once, without reaching a listener."""

import json
import socket
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlmodel import Session

from storage.documents import dump_yaml
from storage.transfer import export_document
from tests.conftest import ADMIN, MEMBER, SIGNING_SECRET, RunningBot, workspace_group
from tests.fakeslack import event_body, interactivity_body, post_signed, slash_command_payload

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Slack counts an answer after 3 s as a failure.
SLACK_LIMIT = 3.0


def address(bot: RunningBot) -> tuple[str, int]:
    host, port = bot.url.removeprefix("http://").split(":")
    return host, int(port)


def snapshot(bot: RunningBot) -> str:
    with Session(bot.services.engine) as session:
        return dump_yaml(export_document(session=session, group=workspace_group(session)))


def timed_post(bot: RunningBot, body: str, content_type: str) -> tuple[int, str, float]:
    started = time.monotonic()
    status, _, answer = post_signed(
        bot.url + "/slack/events", body, secret=SIGNING_SECRET, content_type=content_type
    )
    return status, answer, time.monotonic() - started


# -- idle and half-sent connections ---------------------------------------------------------------


@contextmanager
def open_connections(bot: RunningBot, idle: int, half_sent: int) -> Iterator[None]:
    """`idle` connections that send nothing, and `half_sent` that stop in the middle of a request's
    head or body, all open until the block ends."""
    halves = [
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Ty",
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\ntoken=abc&team",
    ]
    with ExitStack() as stack:
        for i in range(idle + half_sent):
            connection = stack.enter_context(socket.create_connection(address(bot), timeout=5))
            if i >= idle:
                connection.sendall(halves[i % 2])
        yield


def test_idle_and_half_sent_connections_leave_the_bot_answering(bot: RunningBot) -> None:
    assert bot.command("chair")[0] == 200
    with open_connections(bot, idle=120, half_sent=20):
        started = time.monotonic()
        with urllib.request.urlopen(bot.url + "/healthz", timeout=SLACK_LIMIT) as response:
            assert (response.status, response.read()) == (200, b"ok\n")
        assert time.monotonic() - started < SLACK_LIMIT
        started = time.monotonic()
        status, answer = bot.command("chair 2011-03-15")
        assert time.monotonic() - started < SLACK_LIMIT
        assert status == 200 and "UNICEF" in answer["text"]


# -- signed payloads of the wrong shape ----------------------------------------------------------


def command(**drop_or_set: str | None) -> str:
    fields: dict[str, Any] = slash_command_payload("term clear 2011", user_id=ADMIN, team_id="T1")
    for name, value in drop_or_set.items():
        if value is None:
            del fields[name]
        else:
            fields[name] = value
    return urlencode(fields)


def share_click(**changes: Any) -> dict[str, Any]:
    click: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "gmg"},
        "user": {"id": MEMBER, "team_id": "T1"},
        "channel": {"id": "C0COORD1", "name": "gmg"},
        "api_app_id": "A1",
        "trigger_id": "1.2.3",
        "response_url": "http://127.0.0.1:9/commands/T1/1/abc",
        "actions": [{"type": "button", "action_id": "gmg_share", "block_id": "b", "value": "chair"}],
    }
    return {k: v for k, v in (click | changes).items() if v is not None}


def term_submission(**changes: Any) -> dict[str, Any]:
    values = {"period": {"value": {"type": "plain_text_input", "value": "2031"}}}
    view = {"id": "V1", "type": "modal", "callback_id": "gmg_term_modal", "state": {"values": values}}
    submission: dict[str, Any] = {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "gmg"},
        "user": {"id": ADMIN, "team_id": "T1"},
        "api_app_id": "A1",
        "view": view,
    }
    return {k: v for k, v in (submission | changes).items() if v is not None}


def event(**changes: Any) -> str:
    envelope = json.loads(event_body({"type": "app_home_opened", "user": ADMIN, "tab": "home"}))
    return json.dumps({k: v for k, v in (envelope | changes).items() if v is not None})


MODAL_VIEW = {"id": "V1", "type": "modal", "callback_id": "gmg_term_modal"}
MALFORMED = {
    "command without team_id": (command(team_id=None), FORM),
    "command without user_id": (command(user_id=None), FORM),
    "command with an empty user_id": (command(user_id=""), FORM),
    "command with a user_id of 1000 characters": (command(user_id="U" * 1000), FORM),
    "command that is no command": (command(command="gmg"), FORM),
    "share click without team": (interactivity_body(share_click(team=None)), FORM),
    "share click without user": (interactivity_body(share_click(user=None)), FORM),
    "share click with a team that is text": (interactivity_body(share_click(team="T1")), FORM),
    "share click without actions": (interactivity_body(share_click(actions=[])), FORM),
    "share click whose action has no id": (interactivity_body(share_click(actions=[{"value": "x"}])), FORM),
    "share click whose value is a number": (
        interactivity_body(share_click(actions=[{"action_id": "gmg_share", "value": 7}])),
        FORM,
    ),
    "submission without view": (interactivity_body(term_submission(view=None)), FORM),
    "submission without state": (interactivity_body(term_submission(view=MODAL_VIEW)), FORM),
    "submission whose values are text": (
        interactivity_body(term_submission(view=MODAL_VIEW | {"state": {"values": {"period": "2031"}}})),
        FORM,
    ),
    "submission without team": (interactivity_body(term_submission(team=None)), FORM),
    "event without event": (event(event=None), JSON),
    "event without team_id": (event(team_id=None), JSON),
    "event without event_id": (event(event_id=None), JSON),
    "app_home_opened without user": (event(event={"type": "app_home_opened", "tab": "home"}), JSON),
    "event that is a list": (event(event=[1]), JSON),
    "payload of another shape": (interactivity_body({"foo": 1}), FORM),
    "payload of an unknown type": (interactivity_body({"type": "nonsense", "team": {"id": "T1"}}), FORM),
    "JSON of another shape": (json.dumps({"team_id": "T1", "event": {}}), JSON),
    "form of another shape": (
        urlencode({"team_id": "T1", "user_id": ADMIN, "text": "term clear 2011"}),
        FORM,
    ),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_signed_payload_of_the_wrong_shape_gets_400_at_once(bot: RunningBot, name: str) -> None:
    assert bot.command("chair")[0] == 200  # the workspace exists: there is something to change
    before = snapshot(bot)
    bot.slack.reset()
    body, content_type = MALFORMED[name]
    status, answer, took = timed_post(bot, body, content_type)
    assert (status, json.loads(answer)) == (400, {"error": "malformed body"})
    assert took < SLACK_LIMIT
    assert snapshot(bot) == before
    assert bot.slack.calls == []


UNHEARD = {
    "an event no listener takes": (event(event={"type": "reaction_added", "user": ADMIN}), JSON),
    "a click on a button the bot does not know": (
        interactivity_body(share_click(actions=[{"action_id": "someone_elses", "value": "x"}])),
        FORM,
    ),
    "a shortcut": (interactivity_body(share_click() | {"type": "shortcut", "callback_id": "x"}), FORM),
    "a closed modal": (interactivity_body(term_submission() | {"type": "view_closed"}), FORM),
    "another slash command": (command(command="/other"), FORM),
}


@pytest.mark.parametrize("name", UNHEARD)
def test_a_well_formed_request_nobody_listens_to_is_acknowledged_at_once(bot: RunningBot, name: str) -> None:
    body, content_type = UNHEARD[name]
    status, answer, took = timed_post(bot, body, content_type)
    assert (status, answer) == (200, "")
    assert took < SLACK_LIMIT


def test_optional_fields_may_be_missing(bot: RunningBot) -> None:
    """Slack leaves out `text` when it is empty, and a click in no channel has no `channel`."""
    status, answer, _ = timed_post(bot, command(text=None, channel_id=None), FORM)
    assert status == 200 and "/gmg chair" in json.loads(answer)["text"]
    click = share_click(channel=None, response_url=bot.slack.response_url)
    click["actions"][0]["value"] = "chair 2011-03-15"
    status, _, _ = timed_post(bot, interactivity_body(click), FORM)
    assert status == 200
    assert "UNICEF" in bot.slack.wait_for("response_url")[0].body["text"]
