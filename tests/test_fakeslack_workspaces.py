"""The fake Slack serving several workspaces: OAuth installs, one bot token per workspace, revocation.

Driven by slack-sdk's real WebClient, and once end to end by Bolt's real OAuth flow."""

from __future__ import annotations

import base64
import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from slack_bolt import App, BoltContext
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import FileInstallationStore
from slack_sdk.oauth.state_store import FileOAuthStateStore

from tests.fakeslack import (
    BOT_ID,
    BOT_USER_ID,
    FakeSlack,
    app_uninstalled_body,
    event_body,
    post_signed,
    tokens_revoked_body,
)

SECRET = "test-signing-secret"
JSON = "application/json"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def client(slack: FakeSlack, token: str | None = None) -> WebClient:
    return WebClient(token=token, base_url=slack.base_url)


def install(slack: FakeSlack, team_id: str, **kwargs: Any) -> dict[str, Any]:
    code = slack.install_code(team_id, **kwargs)
    answer = client(slack).oauth_v2_access(
        client_id=slack.client_id, client_secret=slack.client_secret, code=code, redirect_uri="https://x/cb"
    )
    return dict(answer.data)  # type: ignore[arg-type]


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as excinfo:
        call()
    return str(excinfo.value.response["error"])


def test_an_install_gives_a_token_that_auth_test_names_the_workspace_by(slack: FakeSlack) -> None:
    slack.add_workspace("T2", name="Second Team")
    answer = install(slack, "T2", user_id="UADMIN2", scopes="chat:write,commands")
    token = answer.pop("access_token")
    assert token.startswith("xoxb-T2-") and token == slack.token_of("T2") != slack.bot_token
    assert answer == {
        "ok": True,
        "app_id": "A1",
        "authed_user": {"id": "UADMIN2"},
        "scope": "chat:write,commands",
        "token_type": "bot",
        "bot_user_id": "UBOT_T2",
        "team": {"id": "T2", "name": "Second Team"},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    # the client id and secret went as HTTP Basic auth, no bot token needed
    call = slack.calls_to("oauth.v2.access")[0]
    assert (
        call.headers["authorization"] == "Basic " + base64.b64encode(b"111.222:fake-client-secret").decode()
    )
    assert call.team == ""

    me = client(slack, token).auth_test()
    assert (me["team_id"], me["team"], me["user_id"], me["bot_id"]) == (
        "T2",
        "Second Team",
        "UBOT_T2",
        "BBOT_T2",
    )
    assert me["url"] == "https://second-team.slack.com/"
    assert me.headers["x-oauth-scopes"] == "chat:write,commands"
    # a reinstall keeps the workspace's token
    assert install(slack, "T2")["access_token"] == token


def test_an_enterprise_workspace_says_so(slack: FakeSlack) -> None:
    slack.add_workspace("T3", enterprise_id="E1")
    answer = install(slack, "T3")
    assert answer["enterprise"] == {"id": "E1", "name": "Org E1"}
    assert client(slack, answer["access_token"]).auth_test()["enterprise_id"] == "E1"


def test_each_workspace_posts_with_its_own_token(slack: FakeSlack) -> None:
    t2 = install(slack, "T2")["access_token"]
    posted = client(slack, t2).chat_postMessage(channel="C2", text="theme in T2")
    assert (posted["message"]["user"], posted["message"]["bot_id"]) == ("UBOT_T2", "BBOT_T2")
    client(slack, slack.bot_token).chat_postMessage(channel="C1", text="theme in T1")
    assert slack.posts_by_team() == [("T2", "C2", "theme in T2"), ("T1", "C1", "theme in T1")]
    assert slack.messages == [("C2", "theme in T2"), ("C1", "theme in T1")]
    assert [(c.team, c.headers["authorization"]) for c in slack.calls_to("chat.postMessage")] == [
        ("T2", f"Bearer {t2}"),
        ("T1", "Bearer xoxb-test"),
    ]
    assert error_of(lambda: client(slack, "xoxb-T2-forged").auth_test()) == "invalid_auth"
    assert slack.calls_to("auth.test")[-1].team == ""


def test_users_are_looked_up_in_the_workspace_of_the_token(slack: FakeSlack) -> None:
    t2 = install(slack, "T2")["access_token"]
    slack.add_user("U1", name="one")
    slack.add_user("U2", name="two", team_id="T2")
    assert client(slack, t2).users_info(user="U2")["user"]["team_id"] == "T2"
    assert client(slack, slack.bot_token).users_info(user="U1")["user"]["team_id"] == "T1"
    assert error_of(lambda: client(slack, t2).users_info(user="U1")) == "user_not_found"
    assert error_of(lambda: client(slack, slack.bot_token).users_info(user="U2")) == "user_not_found"


def test_a_revoked_workspace_is_refused_and_the_others_are_not(slack: FakeSlack) -> None:
    t2 = install(slack, "T2")["access_token"]
    slack.revoke_workspace("T2")
    assert error_of(lambda: client(slack, t2).chat_postMessage(channel="C2", text="x")) == "token_revoked"
    assert error_of(lambda: client(slack, t2).auth_test()) == "token_revoked"
    assert client(slack, slack.bot_token).chat_postMessage(channel="C1", text="x")["ok"]
    slack.restore_workspace("T2")
    assert client(slack, t2).auth_test()["team_id"] == "T2"

    # reinstalling after a revoke issues a new token; the old one stays refused
    slack.revoke_workspace("T2", error="account_inactive")
    new = install(slack, "T2")["access_token"]
    assert new != t2 and slack.token_of("T2") == new
    assert client(slack, new).auth_test()["team_id"] == "T2"
    assert error_of(lambda: client(slack, t2).auth_test()) == "account_inactive"
    assert slack.calls_to("auth.test")[-1].team == "T2"


def test_a_code_works_once_and_only_with_the_right_client(slack: FakeSlack) -> None:
    code = slack.install_code("T2")
    web = client(slack)

    def exchange(client_id: str = slack.client_id, secret: str = slack.client_secret) -> Any:
        return lambda: web.oauth_v2_access(client_id=client_id, client_secret=secret, code=code)

    assert error_of(exchange(secret="wrong")) == "bad_client_secret"
    assert error_of(exchange(client_id="999.999")) == "invalid_client_id"
    assert exchange()()["team"]["id"] == "T2"
    assert error_of(exchange()) == "invalid_code"
    assert error_of(lambda: web.oauth_v2_access(client_id=slack.client_id, client_secret="x", code="x")) == (
        "bad_client_secret"
    )
    with pytest.raises(KeyError):
        slack.token_of("T9")


def test_the_client_id_and_secret_may_come_as_form_fields(slack: FakeSlack) -> None:
    fields = {
        "client_id": slack.client_id,
        "client_secret": slack.client_secret,
        "code": slack.install_code("T2"),
    }
    answer = client(slack).api_call("oauth.v2.access", data=fields)
    assert answer["access_token"] == slack.token_of("T2")


def test_the_single_token_api_still_works(slack: FakeSlack) -> None:
    web = client(slack, slack.bot_token)
    me = web.auth_test()
    assert (me["team_id"], me["user_id"], me["bot_id"], me["team"]) == ("T1", BOT_USER_ID, BOT_ID, "GMG Test")
    slack.add_user("U1")
    assert web.users_info(user="U1")["user"]["id"] == "U1"
    slack.revoke_token("invalid_auth")
    assert error_of(web.auth_test) == "invalid_auth"
    slack.restore_token()
    web.chat_postMessage(channel="C1", text="hello")
    assert slack.messages == [("C1", "hello")]
    assert slack.wait_for("chat.postMessage")[0].team == "T1"
    assert error_of(lambda: client(slack, slack.app_token).auth_test()) == "not_allowed_token_type"
    assert error_of(lambda: web.apps_connections_open(app_token=slack.bot_token)) == "not_allowed_token_type"
    assert web.apps_connections_open(app_token=slack.app_token)["ok"]


def test_uninstall_and_revocation_events_have_slacks_shape() -> None:
    revoked = json.loads(tokens_revoked_body("T2"))
    assert revoked["type"] == "event_callback" and revoked["team_id"] == "T2"
    assert revoked["event"] == {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT_T2"]}}
    assert revoked["authorizations"][0]["team_id"] == "T2"
    uninstalled = json.loads(app_uninstalled_body("T2", enterprise_id="E1"))
    assert uninstalled["event"] == {"type": "app_uninstalled"}
    assert uninstalled["authorizations"][0]["enterprise_id"] == "E1"
    assert {"token", "api_app_id", "event_id", "event_time"} <= uninstalled.keys()


# -- end to end with Bolt's OAuth flow ------------------------------------------------------------------


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def get(port: int, path: str, cookie: str = "") -> http.client.HTTPResponse:
    """A GET that does not follow redirects (Bolt's install page redirects to the real Slack)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_bolt_installs_a_workspace_serves_it_and_forgets_it(slack: FakeSlack, tmp_path: Path) -> None:
    store = FileInstallationStore(base_dir=str(tmp_path / "installations"))
    app = App(
        client=client(slack),
        signing_secret=SECRET,
        process_before_response=True,
        oauth_settings=OAuthSettings(
            client_id=slack.client_id,
            client_secret=slack.client_secret,
            scopes=["chat:write", "commands"],
            installation_store=store,
            state_store=FileOAuthStateStore(expiration_seconds=600, base_dir=str(tmp_path / "states")),
            install_page_rendering_enabled=False,
        ),
    )

    app.enable_token_revocation_listeners()  # tokens_revoked / app_uninstalled clean the store

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        client.chat_postMessage(channel=event["channel"], text=f"hello {context.team_id}")

    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    port = server.server_port
    events = f"http://127.0.0.1:{port}/slack/events"
    try:
        started = get(port, "/slack/install")
        assert started.status == 302
        state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
        cookie = started.headers["Set-Cookie"].split(";")[0]
        query = urlencode({"code": slack.install_code("T2", user_id="UADMIN2"), "state": state})
        assert get(port, f"/slack/oauth_redirect?{query}", cookie).status == 200
        bot = store.find_bot(enterprise_id=None, team_id="T2")
        assert bot is not None and bot.bot_token == slack.token_of("T2") and bot.bot_id == "BBOT_T2"

        event = {"type": "app_home_opened", "user": "U2", "channel": "D2", "tab": "home"}
        assert post_signed(events, event_body(event, "T2"), secret=SECRET, content_type=JSON)[0] == 200
        assert slack.posts_by_team() == [("T2", "D2", "hello T2")]
        assert {c.team for c in slack.calls_to("auth.test")} == {"T2"}  # Bolt's checks of the T2 token

        slack.revoke_workspace("T2")
        assert post_signed(events, tokens_revoked_body("T2"), secret=SECRET, content_type=JSON)[0] == 200
        assert store.find_bot(enterprise_id=None, team_id="T2") is None

        assert post_signed(events, app_uninstalled_body("T2"), secret=SECRET, content_type=JSON)[0] == 200
        assert store.find_installation(enterprise_id=None, team_id="T2") is None
    finally:
        server.shutdown()
        server.server_close()
