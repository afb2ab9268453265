"""Tests of the fake Slack, driven by the real slack_sdk / slack_bolt clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.webhook import WebhookClient

from tests.fakeslack import (
    BOT_USER_ID,
    FakeSlack,
    event_body,
    interactivity_body,
    post_signed,
    sign,
    slash_command_body,
    slash_command_payload,
)

SECRET = "test-signing-secret"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token="xoxb-test", app_token="xapp-test") as fake:
        yield fake


def client_for(slack: FakeSlack, token: str | None = None) -> WebClient:
    return WebClient(token=token or slack.bot_token, base_url=slack.base_url)


def error_of(excinfo: pytest.ExceptionInfo[SlackApiError]) -> Any:
    return excinfo.value.response["error"]


def test_base_url_shape(slack: FakeSlack) -> None:
    assert slack.base_url.startswith("http://127.0.0.1:")
    assert slack.base_url.endswith("/api/")


def test_auth_test_answers_with_scopes_header(slack: FakeSlack) -> None:
    response = client_for(slack).auth_test()
    assert response["ok"] is True
    assert response["user_id"] == BOT_USER_ID
    assert response["team_id"] == "T1"
    assert "chat:write" in response.headers["x-oauth-scopes"]
    [call] = slack.calls_to("auth.test")
    assert call.headers["authorization"] == "Bearer xoxb-test"


def test_users_info(slack: FakeSlack) -> None:
    slack.add_user("U1", is_admin=True, tz="America/New_York")
    client = client_for(slack)
    user = client.users_info(user="U1")["user"]
    assert (user["id"], user["tz"], user["is_admin"], user["is_owner"]) == (
        "U1",
        "America/New_York",
        True,
        False,
    )
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="U404")
    assert error_of(excinfo) == "user_not_found"
    assert slack.calls_to("users.info")[1].body == {"user": "U404"}


def test_post_message_ts_increases_and_body_is_recorded(slack: FakeSlack) -> None:
    client = client_for(slack)
    first = client.chat_postMessage(channel="C1", text="one")
    second = client.chat_postMessage(channel="C1", text="two", blocks=[{"type": "divider"}])
    assert first["channel"] == "C1" and first["message"]["text"] == "one"
    assert float(second["ts"]) > float(first["ts"])
    assert len(second["ts"].split(".")[1]) == 6
    calls = slack.wait_for("chat.postMessage", count=2)
    assert calls[1].body == {"channel": "C1", "text": "two", "blocks": [{"type": "divider"}]}
    assert calls[0].headers["content-type"].startswith("application/json")
    with pytest.raises(SlackApiError) as excinfo, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="C1", text="")
    assert error_of(excinfo) == "no_text"
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "divider"}] * 51)
    assert error_of(excinfo) == "invalid_blocks"


def test_post_to_user_answers_dm_channel_and_update_finds_it(slack: FakeSlack) -> None:
    client = client_for(slack)
    posted = client.chat_postMessage(channel="U1", text="hi")
    assert posted["channel"] == "D1"
    updated = client.chat_update(channel=posted["channel"], ts=posted["ts"], text="edited")
    assert updated["message"]["text"] == "edited"
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_update(channel="C1", ts="1.000000", text="nope")
    assert error_of(excinfo) == "message_not_found"


def test_wrong_or_missing_token(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client_for(slack, "xoxb-wrong").auth_test()
    assert error_of(excinfo) == "invalid_auth"
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(base_url=slack.base_url).auth_test()
    assert error_of(excinfo) == "not_authed"
    with pytest.raises(SlackApiError) as excinfo:
        client_for(slack).apps_connections_open(app_token=slack.bot_token)
    assert error_of(excinfo) == "not_allowed_token_type"
    url = client_for(slack).apps_connections_open(app_token=slack.app_token)["url"]
    assert url == slack.base_url.replace("http://", "ws://").replace("/api/", "/link")


def test_unknown_method(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client_for(slack).api_call("gmg.nothing")
    assert error_of(excinfo) == "unknown_method"


def test_429_retry_after_is_honoured_by_rate_limit_retry_handler(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    client = client_for(slack)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    first, second = slack.calls_to("chat.postMessage")
    assert second.at - first.at >= 1.0


def test_429_without_retry_handler_surfaces_headers(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as excinfo:
        client_for(slack).chat_postMessage(channel="C1", text="hi")
    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["retry-after"] == "7"
    assert error_of(excinfo) == "ratelimited"


def test_500_then_success_with_server_error_retry_handler(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=500)
    client = client_for(slack)
    client.retry_handlers.append(
        ServerErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0.1))
    )
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert len(slack.calls_to("chat.postMessage")) == 2


def test_fail_next_error_times_and_fail_channel(slack: FakeSlack) -> None:
    client = client_for(slack)
    slack.fail_next("conversations.setTopic", error="is_archived", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.conversations_setTopic(channel="C1", topic="t")
        assert error_of(excinfo) == "is_archived"
    assert client.conversations_setTopic(channel="C1", topic="t")["channel"]["topic"]["value"] == "t"
    assert client.conversations_info(channel="C1")["channel"]["topic"]["value"] == "t"

    slack.fail_channel("C9")
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C9", text="hi")
        assert error_of(excinfo) == "channel_not_found"
    assert client.chat_postMessage(channel="C1", text="other channels work")["ok"] is True
    slack.clear_failures()
    assert client.chat_postMessage(channel="C9", text="hi")["ok"] is True


def test_not_in_channel_until_join(slack: FakeSlack) -> None:
    slack.set_not_in_channel("C2")
    client = client_for(slack)
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C2", text="hi")
    assert error_of(excinfo) == "not_in_channel"
    assert client.conversations_info(channel="C2")["channel"]["is_member"] is False
    joined = client.conversations_join(channel="C2")
    assert joined["channel"] == {**joined["channel"], "id": "C2", "is_member": True}
    assert client.chat_postMessage(channel="C2", text="hi")["ok"] is True
    assert slack.calls_to("conversations.join")[0].body == {"channel": "C2"}


def test_rate_limit_per_channel() -> None:
    with FakeSlack(rate_limit_per_channel=1.0) as slack:
        client = client_for(slack)
        assert client.chat_postMessage(channel="C1", text="1")["ok"] is True
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel="C1", text="2")
        assert excinfo.value.response.status_code == 429
        assert excinfo.value.response.headers["retry-after"] == "1"
        assert error_of(excinfo) == "ratelimited"
        assert client.chat_postMessage(channel="C2", text="other channel")["ok"] is True
        time.sleep(1.0)
        assert client.chat_postMessage(channel="C1", text="3")["ok"] is True


def test_views_and_ephemeral(slack: FakeSlack) -> None:
    client = client_for(slack)
    view = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}
    published = client.views_publish(user_id="U1", view=view)["view"]
    assert published["type"] == "home" and published["id"].startswith("V")
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": [{"type": "divider"}] * 101})
    assert error_of(excinfo) == "invalid_arguments"
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": []}
    assert client.views_open(trigger_id="1.2.3", view=modal)["view"]["type"] == "modal"
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    assert [c.method for c in slack.calls] == [
        "views.publish",
        "views.publish",
        "views.open",
        "chat.postEphemeral",
    ]
    slack.reset()
    assert slack.calls == []


def test_response_url_records_posts(slack: FakeSlack) -> None:
    response = WebhookClient(slack.response_url).send(text="later", response_type="in_channel")
    assert (response.status_code, response.body) == (200, "ok")
    [call] = slack.wait_for("response_url")
    assert call.body == {"text": "later", "response_type": "in_channel"}


def test_wait_for_times_out(slack: FakeSlack) -> None:
    with pytest.raises(TimeoutError):
        slack.wait_for("chat.postMessage", timeout=0.05)


def test_sign_matches_slack_test_vector() -> None:
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, body) == expected


def test_slash_command_body_has_exactly_slacks_fields() -> None:
    body = slash_command_body("hello world", user_id="U7", response_url="http://x/y")
    fields = dict(part.split("=", 1) for part in body.split("&"))
    assert list(fields) == [
        "token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name",
        "command", "text", "api_app_id", "is_enterprise_install", "response_url", "trigger_id",
    ]  # fmt: skip
    assert (fields["text"], fields["command"], fields["user_id"]) == ("hello+world", "%2Fgmg", "U7")


def bolt_app(slack: FakeSlack) -> App:
    app = App(client=client_for(slack), signing_secret=SECRET)

    @app.command("/gmg")
    def gmg(ack: Ack, command: dict[str, Any]) -> None:
        ack(f"pong {command['text']}")

    return app


def test_socket_mode_round_trip_with_bolt(slack: FakeSlack) -> None:
    app = bolt_app(slack)  # the token lives on the WebClient: App ignores token= when client= is given
    handler = SocketModeHandler(app, app_token=slack.app_token)  # app.client already points at the fake
    handler.connect()  # type: ignore[no-untyped-call]  # non-blocking, unlike start()
    try:
        slack.socket_wait_connected()
        payload = slash_command_payload("ping", response_url=slack.response_url)
        envelope_id = slack.socket_send("slash_commands", payload)
        ack = slack.socket_wait_ack(envelope_id)
    finally:
        handler.close()  # type: ignore[no-untyped-call]
    assert ack == {"envelope_id": envelope_id, "payload": {"text": "pong ping"}}
    assert slack.calls_to("apps.connections.open")[0].headers["authorization"] == "Bearer xapp-test"


def eventually(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_socket_mode_protocol_with_sdk_client(slack: FakeSlack) -> None:
    received: list[str] = []
    client = SocketModeClient(
        slack.app_token, web_client=client_for(slack), on_message_listeners=[received.append]
    )
    client.connect()
    try:
        slack.socket_wait_connected()
        big = "x" * 70_000  # needs the 64-bit frame length, both ways
        envelope_id = slack.socket_send(
            "events_api", json.loads(event_body({"type": "app_home_opened", "x": big}))
        )
        eventually(lambda: len(received) >= 2)
        hello, envelope = (json.loads(message) for message in received[:2])
        assert hello["type"] == "hello" and hello["connection_info"] == {"app_id": "A1"}
        assert envelope["envelope_id"] == envelope_id
        assert (envelope["type"], envelope["accepts_response_payload"]) == ("events_api", False)
        assert envelope["payload"]["event"]["x"] == big
        client.send_socket_mode_response({"envelope_id": envelope_id, "payload": {"big": big}})
        assert slack.socket_wait_ack(envelope_id)["payload"]["big"] == big
        session = client.current_session
        assert session is not None
        eventually(lambda: session.last_ping_pong_time is not None)  # the fake answered its ping
    finally:
        client.close()


class _QuietWSGIRequestHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def bolt_url(slack: FakeSlack) -> Iterator[str]:
    """A real Bolt app served over HTTP (WSGI), using the fake as its Slack."""
    app = bolt_app(slack)

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    @app.action("vote")
    def vote(ack: Ack, respond: Respond) -> None:
        ack()
        respond("voted")

    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietWSGIRequestHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/slack/events"
    server.shutdown()
    server.server_close()
    thread.join()


FORM = "application/x-www-form-urlencoded"


def test_signed_slash_command_reaches_bolt(bolt_url: str) -> None:
    status, headers, text = post_signed(
        bolt_url, slash_command_body("ping"), secret=SECRET, content_type=FORM
    )
    assert (status, text) == (200, "pong ping")
    assert headers["content-type"].startswith("text/plain")


def test_bad_or_stale_signature_is_rejected_by_bolt(bolt_url: str) -> None:
    body = slash_command_body("ping")
    status, _, text = post_signed(bolt_url, body, secret="wrong", content_type=FORM)
    assert (status, json.loads(text)) == (401, {"error": "invalid request"})
    stale = int(time.time()) - 600
    assert post_signed(bolt_url, body, secret=SECRET, content_type=FORM, timestamp=stale)[0] == 401


def test_signed_event_and_interactivity_reach_bolt(slack: FakeSlack, bolt_url: str) -> None:
    event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}
    status, _, _ = post_signed(bolt_url, event_body(event), secret=SECRET, content_type="application/json")
    assert status == 200
    assert slack.wait_for("views.publish")[0].body["user_id"] == "U1"

    payload = {
        "type": "block_actions",
        "token": "verification-token",
        "api_app_id": "A1",
        "team": {"id": "T1", "domain": "gmg-test"},
        "user": {"id": "U1", "username": "u1", "team_id": "T1"},
        "channel": {"id": "C1", "name": "general"},
        "trigger_id": "1.2.3",
        "response_url": slack.response_url,
        "actions": [
            {"type": "button", "action_id": "vote", "block_id": "b", "value": "1", "action_ts": "1.2"}
        ],
    }
    status, _, _ = post_signed(bolt_url, interactivity_body(payload), secret=SECRET, content_type=FORM)
    assert status == 200
    assert slack.wait_for("response_url")[0].body["text"] == "voted"
