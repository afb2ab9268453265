"""Several organizations, each with its own Slack workspace: "Add to Slack" (OAuth) through the bot's
real server and Bolt's OAuth flow, against a fake Slack that issues a token per workspace
(`oauth.v2.access`) and answers each call as the workspace of its token. Two workspaces install, one
joins the other's group, both ask and get the same answers, posts reach each workspace's channels with
its own token, and a workspace that leaves stops receiving while the other goes on."""

import http.client
import json
import re
import threading
from collections.abc import Iterator
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlmodel import Session, col, select

from bot.app import create_app, create_services, delivery_clients
from bot.dispatcher import Dispatcher
from bot.server import Routes, make_server
from bot.settings import SettingError, check_slack_settings
from storage import access, groups
from storage.db import make_engine
from storage.models import Delivery
from tests.conftest import SIGNING_SECRET, RunningBot, bot_settings
from tests.fakeslack import FakeSlack, app_uninstalled_body, post_signed, tokens_revoked_body

HOME, OTHER = "T1", "T2"
HOME_ADMIN, OTHER_ADMIN, OTHER_MEMBER = "UHOMEADM", "UOTHERADM", "UOTHERMEM"
CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")
JSON = "application/json"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_workspace(OTHER, name="Other Org")
        fake.add_user(HOME_ADMIN, is_admin=True, team_id=HOME)
        fake.add_user(OTHER_ADMIN, is_admin=True, team_id=OTHER, locale="fr-FR")
        fake.add_user(OTHER_MEMBER, team_id=OTHER)
        yield fake


@pytest.fixture
def oauth_bot(database_url: str, slack: FakeSlack) -> Iterator[RunningBot]:
    settings = bot_settings(
        database_url,
        slack,
        slack_bot_token="",
        slack_client_id=slack.client_id,
        slack_client_secret=slack.client_secret,
        gmg_admins="",
    )
    assert settings.oauth
    check_slack_settings(settings)
    engine = make_engine(database_url)
    services = create_services(settings, engine)
    server = make_server(Routes(engine=engine, bolt_app=create_app(services)), host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield RunningBot(f"http://127.0.0.1:{server.effective_port}", services, slack)
    finally:
        server.close()
        thread.join(timeout=5)
        services.close()
        engine.dispose()


def get(bot: RunningBot, path: str, cookie: str = "") -> tuple[int, dict[str, str], str]:
    url = urlsplit(bot.url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def install(bot: RunningBot, team: str) -> None:
    """The "Add to Slack" page, then Slack sending the installer back with a code."""
    status, headers, page = get(bot, "/slack/install")
    assert status == 200 and "slack.com/oauth/v2/authorize" in page
    cookie = SimpleCookie(headers["set-cookie"])
    name, morsel = next(iter(cookie.items()))
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize[^"]+)"', page)
    assert link, page
    asked = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert asked["state"] == [morsel.value] and "chat:write" in asked["scope"][0]
    query = urlencode({"code": bot.slack.install_code(team), "state": morsel.value})
    status, _, page = get(bot, f"/slack/oauth_redirect?{query}", f"{name}={morsel.value}")
    assert status == 200, page


def answer(bot: RunningBot, text: str, *, user: str, team: str, channel: str = "C0HOME01") -> str:
    status, body = bot.command(text, user=user, team=team, channel=channel)
    assert status == 200, body
    return str(body.get("text", ""))


def send_due(bot: RunningBot) -> None:
    Dispatcher(engine=bot.services.engine, clients=delivery_clients(bot.services), worker="t").run_once()


def event(bot: RunningBot, body: str) -> None:
    status, _, text = post_signed(bot.url + "/slack/events", body, secret=SIGNING_SECRET, content_type=JSON)
    assert status == 200, text


def shared(bot: RunningBot) -> None:
    """Both workspaces installed; T2's admin joins T1's GMG with a code from T1's admin."""
    install(bot, HOME)
    install(bot, OTHER)
    code = CODE.search(answer(bot, "link", user=HOME_ADMIN, team=HOME))
    assert code, "no link code in the answer"
    joined = answer(bot, f"join {code.group(0)}", user=OTHER_ADMIN, team=OTHER, channel="C0OTHER1")
    # T2's admin reads French.
    assert "GMG" in joined and "espace de travail" in joined, joined


def test_two_workspaces_install_link_and_see_one_group(oauth_bot: RunningBot, slack: FakeSlack) -> None:
    shared(oauth_bot)
    with Session(oauth_bot.services.engine) as session:
        home = groups.default_group(session=session, team_id=HOME)
        other = groups.default_group(session=session, team_id=OTHER)
        assert home is not None and other is not None and home.id == other.id
    for question in ("chair 2011-03-15", "members", "theme 2011-H2"):
        assert answer(oauth_bot, question, user=HOME_ADMIN, team=HOME) == answer(
            oauth_bot, question, user=OTHER_MEMBER, team=OTHER, channel="C0OTHER1"
        ), question
    # A change in one is seen in the other at once.
    assert "saved" in answer(oauth_bot, "term set 2031 IOM Orderly migration", user=HOME_ADMIN, team=HOME)
    seen = answer(oauth_bot, "theme 2031", user=OTHER_MEMBER, team=OTHER, channel="C0OTHER1")
    assert "Orderly migration" in seen
    # Each workspace's people were looked up with that workspace's token.
    looked_up = {(c.body.get("user"), c.team) for c in slack.calls_to("users.info")}
    assert (HOME_ADMIN, HOME) in looked_up and (OTHER_ADMIN, OTHER) in looked_up
    assert all(c.team for c in slack.calls_to("users.info"))
    # T2's Slack admin is not an admin of the group.
    refused = answer(oauth_bot, "term set 2032 FAO", user=OTHER_ADMIN, team=OTHER, channel="C0OTHER1")
    assert "GMG" in refused and "2032" not in answer(oauth_bot, "schedule 12", user=HOME_ADMIN, team=HOME)


def test_posts_reach_each_workspace_with_its_token_and_a_revoked_one_waits(
    oauth_bot: RunningBot, slack: FakeSlack
) -> None:
    shared(oauth_bot)
    answer(
        oauth_bot,
        "subscribe #C0HOME01 themes".replace("#C0HOME01", "<#C0HOME01>"),
        user=HOME_ADMIN,
        team=HOME,
    )
    answer(oauth_bot, "subscribe <#C0OTHER1> themes", user=OTHER_ADMIN, team=OTHER, channel="C0OTHER1")
    answer(oauth_bot, "theme set 2011-H2 Migration and development", user=HOME_ADMIN, team=HOME)
    send_due(oauth_bot)
    posts = {(team, channel) for team, channel, _ in slack.posts_by_team()}
    assert posts == {(HOME, "C0HOME01"), (OTHER, "C0OTHER1")}

    # T2 uninstalls: Slack revokes its token and says so.
    slack.revoke_workspace(OTHER)
    event(oauth_bot, tokens_revoked_body(OTHER))
    event(oauth_bot, app_uninstalled_body(OTHER))
    answer(oauth_bot, "theme set 2011-H2 Migration and climate", user=HOME_ADMIN, team=HOME)
    send_due(oauth_bot)
    latest = [(team, channel) for team, channel, text in slack.posts_by_team() if "climate" in text]
    assert latest == [(HOME, "C0HOME01")]
    with Session(oauth_bot.services.engine) as session:
        assert access.paused(session=session, team_id=OTHER) is not None
        assert access.paused(session=session, team_id=HOME) is None
        waiting = session.exec(
            select(Delivery).where(col(Delivery.team_id) == OTHER, col(Delivery.state) == "pending")
        ).all()
        assert any(d.target == "C0OTHER1" and d.kind == "theme" for d in waiting), "kept, paused"
    assert not [c for c in slack.calls_to("chat.postMessage") if c.team == OTHER and "climate" in str(c.body)]

    # Installing again resumes it: the post kept for it goes out with the new token.
    slack.restore_workspace(OTHER)
    install(oauth_bot, OTHER)
    send_due(oauth_bot)
    latest = sorted((team, channel) for team, channel, text in slack.posts_by_team() if "climate" in text)
    assert latest == [(HOME, "C0HOME01"), (OTHER, "C0OTHER1")]
    sent = [c for c in slack.calls_to("chat.postMessage") if c.team == OTHER and "climate" in str(c.body)]
    assert len(sent) == 1 and sent[0].headers["authorization"] == f"Bearer {slack.token_of(OTHER)}"


def test_a_token_slack_starts_refusing_pauses_only_that_workspace(
    oauth_bot: RunningBot, slack: FakeSlack
) -> None:
    shared(oauth_bot)
    answer(oauth_bot, "subscribe <#C0HOME01> themes", user=HOME_ADMIN, team=HOME)
    answer(oauth_bot, "subscribe <#C0OTHER1> themes", user=OTHER_ADMIN, team=OTHER, channel="C0OTHER1")
    slack.revoke_workspace(OTHER, "account_inactive")  # no event: the refusal itself says it
    answer(oauth_bot, "theme set 2011-H2 Labour mobility", user=HOME_ADMIN, team=HOME)
    send_due(oauth_bot)
    assert [(t, c) for t, c, text in slack.posts_by_team() if "Labour" in text] == [(HOME, "C0HOME01")]
    with Session(oauth_bot.services.engine) as session:
        paused = access.paused(session=session, team_id=OTHER)
        assert paused is not None and paused.error == "account_inactive"
    # Asked in T1, the deliveries report shows T2's post waiting.
    report = answer(oauth_bot, "deliveries", user=HOME_ADMIN, team=HOME)
    assert "pause" in report.lower(), report


def test_oauth_settings_are_checked_whole(database_url: str, slack: FakeSlack) -> None:
    base = {"slack_bot_token": "", "slack_client_id": "111.222"}
    with pytest.raises(SettingError, match="SLACK_CLIENT_SECRET"):
        check_slack_settings(bot_settings(database_url, slack, **base))
    with pytest.raises(SettingError, match="Socket Mode"):
        check_slack_settings(
            bot_settings(database_url, slack, **base, slack_client_secret="s", slack_app_token="xapp-1")
        )
    assert (
        bot_settings(database_url, slack, **base, slack_client_secret="secret").secrets.count("secret") == 1
    )


def test_an_install_that_is_not_slacks_changes_nothing(oauth_bot: RunningBot, slack: FakeSlack) -> None:
    """A redirect with a made-up state, or a code Slack refuses, installs nothing."""
    status, _, _ = get(oauth_bot, "/slack/oauth_redirect?" + urlencode({"code": "x", "state": "forged"}))
    assert status in (400, 401, 403)
    _, headers, _ = get(oauth_bot, "/slack/install")
    cookie = SimpleCookie(headers["set-cookie"])
    name, morsel = next(iter(cookie.items()))
    query = urlencode({"code": "not-a-code", "state": morsel.value})
    status, _, _ = get(oauth_bot, f"/slack/oauth_redirect?{query}", f"{name}={morsel.value}")
    assert status >= 400
    store = oauth_bot.services.installations
    assert store is not None and store.find_bot(enterprise_id=None, team_id=HOME) is None
    status, body = oauth_bot.command("chair", user=HOME_ADMIN, team=HOME)
    assert status in (200, 401) and "Orderly" not in json.dumps(body)


def test_with_oauth_only_the_named_workspace_takes_over_the_prepared_groups(
    database_url: str, slack: FakeSlack
) -> None:
    """GMG_TEAM_ID names the organization the groups prepared with the command line are for."""
    oauth = {"slack_bot_token": "", "slack_client_id": "1", "slack_client_secret": "s", "gmg_team_id": HOME}
    settings = bot_settings(database_url, slack, **oauth)
    assert settings.takes_over_prepared(HOME) and not settings.takes_over_prepared(OTHER)
    assert bot_settings(database_url, slack).takes_over_prepared(OTHER), "one token: the first workspace"
