"""Several rotating groups in one workspace: the GMG and a second group (the GFMD, whose chair rotates
yearly among states) side by side, in Slack, the command line, reminders, the App Home, the calendar
feed and the public page."""

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import yaml
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.answer_cache import AnswerCache
from bot.dispatcher import Dispatcher
from bot.slack_client import make_web_client
from bot.workspace_clients import WorkspaceClients
from storage import groups, queries
from storage.models import AuditEntry, Delivery
from tests.conftest import ADMIN, MEMBER, SIGNING_SECRET, RunningBot
from tests.fakeslack import FakeSlack, event_body, post_signed
from tests.test_page import serving
from tests.test_transfer_cli import cli_url, gmg_bot

GFMD = """\
group:
  name: Global Forum on Migration and Development
  short_name: GFMD
  timezone: Europe/Zurich
  term_months: 12
  handover_time: "00:00"
members:
- {code: FR, name: France}
- {code: MA, name: Morocco}
- {code: DE, name: Germany}
terms:
- {first_day: 2011-01-01, last_day: 2011-12-31, chairs: [CH], theme: Taking action on migration}
rotation: [FR, MA, DE]
reminders: {lead_times: [7d]}
"""


def texts(answer: dict[str, Any]) -> str:
    return answer.get("text", "") + json.dumps(answer.get("blocks", []))


def ok(bot: RunningBot, text: str, user: str = ADMIN) -> str:
    status, answer = bot.command(text, user=user)
    assert status == 200, answer
    assert "That did not work" not in answer.get("text", ""), (text, answer)
    return texts(answer)


def refused(bot: RunningBot, text: str, user: str = ADMIN) -> str:
    status, answer = bot.command(text, user=user)
    assert status == 200 and "That did not work" in answer.get("text", ""), (text, answer)
    return texts(answer)


def add_gfmd(bot: RunningBot) -> None:
    ok(bot, "group add GFMD Global Forum on Migration and Development")
    ok(bot, "GFMD member add CH Switzerland")
    ok(bot, "gfmd member add FR France")
    ok(bot, "GFMD term set 2011 CH Taking action on migration")


def test_a_second_group_is_added_filled_and_asked_by_name(bot: RunningBot) -> None:
    ok(bot, "chair")  # the workspace starts with the built-in GMG record
    add_gfmd(bot)
    # By name, in any case; without a name, the default group (the GMG).
    assert "*CH*" in ok(bot, "GFMD chair 2011-03-15", user=MEMBER)
    assert "Taking action on migration" in ok(bot, "gfmd theme 2011", user=MEMBER)
    gmg = ok(bot, "chair 2011-03-15", user=MEMBER)
    assert "the GMG" in gmg and "CH" not in gmg
    listed = ok(bot, "groups", user=MEMBER)
    assert "GMG" in listed and "(default)" in listed and "GFMD" in listed and "Global Forum" in listed
    # A mistyped group name is told apart from a mistyped command.
    assert "Did you mean `GFMD`?" in refused(bot, "GFDM chair", user=MEMBER)
    assert "Did you mean `/gmg chair`?" in refused(bot, "GFMD chiar", user=MEMBER)
    # Help names the groups; a member's question about one group changes nothing of the other.
    assert "GFMD" in ok(bot, "help", user=MEMBER)
    assert "UN Women" not in ok(bot, "GFMD members", user=MEMBER)


def test_short_names_are_checked_and_unique_per_workspace(bot: RunningBot) -> None:
    ok(bot, "chair")
    assert "command word" in refused(bot, "group add chair Chair people")
    assert "command word" in refused(bot, "group add NEXT Next people")
    assert "not a short name" in refused(bot, "group add 9lives Cats")
    assert "not a short name" in refused(bot, "group add G_F Underscored")
    assert "already has a group named" in refused(bot, "group add gmg Another GMG")
    assert "Only a Slack admin of this workspace" in refused(bot, "group add EU European Union", user=MEMBER)
    ok(bot, "group add EU-Council Council of the European Union")
    assert "EU-Council" in ok(bot, "groups")


def test_rename_default_and_remove(bot: RunningBot) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    ok(bot, "group rename GFMD Forum")
    assert "*CH*" in ok(bot, "forum chair 2011-03-15")
    assert "`GFMD` is not a group of this workspace" in refused(bot, "GFMD chair")
    ok(bot, "group default Forum")
    assert "*CH*" in ok(bot, "chair 2011-03-15")
    assert "the GMG" in ok(bot, "GMG chair 2011-03-15")
    # A group with terms is removed only when the command says `confirm`.
    answer = refused(bot, "group remove Forum")
    assert "1 term on record" in answer and "group remove Forum confirm" in answer
    assert "Forum" in ok(bot, "groups")
    ok(bot, "group remove Forum confirm")
    listed = ok(bot, "groups")
    assert "Forum" not in listed and "GMG" in listed
    # The GMG is the default again, and the last group cannot be removed.
    assert "the GMG" in ok(bot, "chair 2011-03-15")
    assert "only group" in refused(bot, "group remove GMG confirm")
    with Session(bot.services.engine) as session:
        actions = [e.action for e in session.exec(select(AuditEntry)).all()]
    assert "group rename GFMD Forum" in actions and "group remove Forum confirm" in actions


def test_two_groups_handing_over_the_same_day_both_remind_the_channel(
    bot: RunningBot, slack: FakeSlack
) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    for prefix in ("", "GFMD "):
        ok(bot, f"{prefix}rotation clear")
        ok(bot, f"{prefix}term set 2027 {'IOM' if not prefix else 'FR'}")
        ok(bot, f"{prefix}reminders 1d")
        ok(bot, f"{prefix}subscribe <#C0COORD1> reminders")
    engine = bot.services.engine
    with Session(engine) as session:
        rows = session.exec(select(Delivery).where(Delivery.target == "C0COORD1")).all()
        planned = {(d.group_id, d.key) for d in rows if d.key.startswith("reminder:2027-01-01:86400")}
    assert len({group_id for group_id, _ in planned}) == 2
    # The day before the handover, both reminders go out to the one channel.
    day_before = datetime(2026, 12, 31, 0, 0, tzinfo=UTC)
    client = make_web_client(token=slack.bot_token, base_url=slack.base_url, retry_server_errors=False)
    dispatcher = Dispatcher(
        engine=engine, clients=WorkspaceClients.single(client), clock=lambda: day_before, worker="test"
    )
    dispatcher.replan_all()
    dispatcher.run_once()
    posts = [c.body["text"] for c in slack.calls_to("chat.postMessage") if c.body["channel"] == "C0COORD1"]
    assert any("GMG handover" in p for p in posts) and any("GFMD handover" in p for p in posts), posts


def test_the_app_home_shows_every_group_with_admin_buttons_per_group(
    bot: RunningBot, slack: FakeSlack
) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    body = event_body({"type": "app_home_opened", "user": ADMIN, "channel": "D1", "tab": "home"})
    post_signed(bot.url + "/slack/events", body, secret=SIGNING_SECRET, content_type="application/json")
    view = slack.wait_for("views.publish")[-1].body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers[0].startswith("Global Migration Group") and "GFMD" in headers[1]
    buttons = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    group_ids = {json.loads(b["value"])["group_id"] for b in buttons}
    assert len(group_ids) == 2


def test_each_group_has_its_own_feed_and_page(bot: RunningBot, engine: Engine) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    gmg_feed = ok(bot, "calendar")
    gfmd_feed = ok(bot, "GFMD calendar")
    keys = [answer.split("key=")[1].split("`")[0] for answer in (gmg_feed, gfmd_feed)]
    assert keys[0] != keys[1]
    with serving(engine, public_page=True) as url:
        bodies = [urllib.request.urlopen(f"{url}/calendar.ics?key={k}").read().decode() for k in keys]
        assert "Taking action on migration" in bodies[1] and "Taking action" not in bodies[0]
        uids = [{line for line in b.splitlines() if line.startswith("UID")} for b in bodies]
        assert uids[0] and uids[1] and not uids[0] & uids[1]
        index = urllib.request.urlopen(url + "/").read().decode()
        assert 'href="/g/GMG?lang=en"' in index and 'href="/g/GFMD?lang=en"' in index
        page = urllib.request.urlopen(url + "/g/gfmd").read().decode()
        assert "Global Forum on Migration and Development" in page and "CH" in page
        try:
            urllib.request.urlopen(url + "/g/nothing")
            raise AssertionError("an unknown group has a page")
        except HTTPError as exc:
            assert exc.code == 404


def test_the_cache_key_holds_the_calendar_day_and_questions_ask_slack_nothing(
    bot: RunningBot, slack: FakeSlack
) -> None:
    ok(bot, "chair")
    ok(bot, "settings handover 09:00")
    cache = AnswerCache(engine=bot.services.engine, watch=bot.services.changes)
    # 23:59 and 00:01 in Zurich are the same schedule day (before the 09:00 handover) but not the same
    # calendar day: a countdown cached before midnight must not be served after it.
    before = datetime(2027, 3, 9, 22, 59, tzinfo=UTC)
    after = before + timedelta(minutes=2)
    assert cache.key(team_id="T1", text="next", now=before, language="en") != cache.key(
        team_id="T1", text="next", now=after, language="en"
    )
    assert cache.key(team_id="T1", text="members", now=before, language="en") == cache.key(
        team_id="T1", text="members", now=after, language="en"
    )
    assert cache.key(team_id="T1", text="term set 2030 IOM", now=before, language="en") is None
    slack.reset()
    for question in ("chair", "next", "GMG schedule", "groups", "help"):
        ok(bot, question, user="U0NEWCOMER")
    # Slack is asked once, for the asker's language (a user it does not know reads English).
    assert [c.method for c in slack.calls] == ["users.info"]


def test_the_command_line_works_per_group_and_exports_all(tmp_path: Path, database_url: str) -> None:
    url = cli_url(database_url)
    (tmp_path / "gfmd.yaml").write_text(GFMD.replace("[CH]", "[FR]"), encoding="utf-8")
    assert gmg_bot(["ask", "chair"], cwd=tmp_path, database_url=url).returncode == 0
    result = gmg_bot(["import", "gfmd.yaml"], cwd=tmp_path, database_url=url)
    assert result.returncode == 0 and "into GFMD" in result.stdout, result.stderr
    answer = gmg_bot(["ask", "--group", "GFMD", "chair", "2011-03-15"], cwd=tmp_path, database_url=url)
    assert answer.returncode == 0 and "FR" in answer.stdout and "GFMD" in answer.stdout, answer.stderr
    assert "GMG" in gmg_bot(["ask", "chair", "2011-03-15"], cwd=tmp_path, database_url=url).stdout
    exported = gmg_bot(["export", "--all"], cwd=tmp_path, database_url=url)
    documents = list(yaml.safe_load_all(exported.stdout))
    assert [d["group"]["short_name"] for d in documents] == ["GMG", "GFMD"]
    # The multi-document file imports back: both groups, one transaction.
    (tmp_path / "all.yaml").write_text(exported.stdout, encoding="utf-8")
    again = gmg_bot(["import", "all.yaml"], cwd=tmp_path, database_url=url)
    assert again.returncode == 0 and again.stdout.count("Imported") == 2, again.stderr
    feed = gmg_bot(["calendar", "--group", "gfmd"], cwd=tmp_path, database_url=url)
    assert feed.returncode == 0 and "BEGIN:VCALENDAR" in feed.stdout
    wrong = gmg_bot(["ask", "--group", "NOPE", "chair"], cwd=tmp_path, database_url=url)
    assert wrong.returncode == 2 and "NOPE" in wrong.stderr and "GFMD" in wrong.stderr


def test_the_first_slack_workspace_takes_over_what_the_command_line_prepared(
    tmp_path: Path, database_url: str, bot: RunningBot
) -> None:
    url = cli_url(database_url)
    (tmp_path / "gfmd.yaml").write_text(GFMD.replace("[CH]", "[FR]"), encoding="utf-8")
    assert gmg_bot(["import", "gfmd.yaml"], cwd=tmp_path, database_url=url).returncode == 0
    # Slack shows the prepared group, and no built-in GMG record beside it.
    answer = ok(bot, "chair 2011-03-15", user=MEMBER)
    assert "*FR*" in answer and "GFMD" in answer
    assert "GMG" not in ok(bot, "groups", user=MEMBER)
    with Session(bot.services.engine) as session:
        assert groups.list_team_ids(session=session) == ["T1"]
        taken = session.exec(select(AuditEntry).where(AuditEntry.action == "take over from local")).all()
        assert len(taken) == 1 and taken[0].team_id == "T1"
    # Once: a second workspace starts with its own built-in record.
    status, other = bot.command("chair 2011-03-15", team="T2")
    assert status == 200 and "GMG" in texts(other)


def test_a_group_removed_takes_its_data_and_deliveries_with_it(bot: RunningBot) -> None:
    ok(bot, "chair")
    add_gfmd(bot)
    ok(bot, "GFMD subscribe <#C0COORD1> all")
    with Session(bot.services.engine) as session:
        gfmd = groups.find_group(session=session, team_id="T1", short_name="GFMD")
        assert gfmd is not None and gfmd.id is not None
        gfmd_id = gfmd.id
    ok(bot, "group remove GFMD confirm")
    with Session(bot.services.engine) as session:
        assert queries.get_group(session=session, group_id=gfmd_id) is None
        assert queries.list_members(session=session, group_id=gfmd_id) == []
        assert session.exec(select(Delivery).where(Delivery.group_id == gfmd_id)).all() == []
        # The log keeps what was done.
        kept = session.exec(
            select(AuditEntry).where(AuditEntry.action == "GFMD member add CH Switzerland")
        ).all()
        assert len(kept) == 1 and kept[0].group_id is None
