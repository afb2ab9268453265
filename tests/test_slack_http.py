"""/gmg over real HTTP: signed requests into the bot's server, Web API calls to a fake Slack."""

import json
import time
from datetime import UTC, datetime

from sqlmodel import Session

from handlers import handle_command
from storage import queries
from storage.documents import dump_yaml
from storage.transfer import export_document
from tests.conftest import (
    ADMIN,
    MEMBER,
    OPERATOR,
    SIGNING_SECRET,
    RunningBot,
    default_group_id,
    workspace_group,
)
from tests.fakeslack import event_body, interactivity_body, post_signed


def texts(answer: dict) -> str:
    """Everything a user reads in an answer: the fallback text and every block's text."""
    parts = [answer.get("text", "")]
    for block in answer.get("blocks", []):
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text["text"])
        for element in block.get("elements", []):
            if isinstance(element, dict) and "text" in element:
                parts.append(element["text"] if isinstance(element["text"], str) else element["text"]["text"])
    return "\n".join(parts)


def snapshot(bot: RunningBot, team: str = "T1") -> str:
    with Session(bot.services.engine) as session:
        return dump_yaml(export_document(session=session, group=workspace_group(session, team)))


def test_chair_answers_ephemerally_with_a_share_button(bot: RunningBot) -> None:
    status, answer = bot.command("chair 2011-03-15")
    assert status == 200
    assert answer["response_type"] == "ephemeral"
    shown = texts(answer)
    assert "UNICEF" in shown and "1 Jan to 30 Jun 2011" in shown and "Youth and global migration" in shown
    actions = [b for b in answer["blocks"] if b["type"] == "actions"]
    assert actions and actions[0]["elements"][0]["action_id"] == "gmg_share"
    assert actions[0]["elements"][0]["value"] == "chair 2011-03-15"


def test_every_question_is_answered(bot: RunningBot) -> None:
    expected = {
        "": "/gmg chair",
        "help": "term set",
        "chair 2018-05-01": "FAO",
        "chair 2015-06-01": "No chair is known",
        "next": "Next",
        "theme 2011-H2": "Climate change and global migration",
        "schedule": "schedule",
        "history 2011": "UNESCO",
        "members": "UNICEF",
        "rotation": "No rotation",
        "admin": "admin",
        "reminders": "30d 7d 1d",
        "settings": "Europe/Zurich",
    }
    for text, needle in expected.items():
        status, answer = bot.command(text)
        assert status == 200, text
        assert needle in texts(answer), (text, texts(answer))


def test_share_posts_to_the_channel(bot: RunningBot) -> None:
    status, answer = bot.command("chair 2011-03-15 share")
    assert status == 200
    assert answer["response_type"] == "in_channel"
    assert not [b for b in answer["blocks"] if b["type"] == "actions"]


def test_share_button_posts_the_answer_through_response_url(bot: RunningBot) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "gmg"},
        "user": {"id": MEMBER, "team_id": "T1"},
        "channel": {"id": "C0COORD1", "name": "gmg"},
        "api_app_id": "A1",
        "trigger_id": "1.2.3",
        "response_url": bot.slack.response_url,
        "container": {"type": "message", "is_ephemeral": True},
        "actions": [
            {
                "type": "button",
                "action_id": "gmg_share",
                "block_id": "b",
                "value": "chair 2011-03-15",
                "action_ts": "1.2",
            }
        ],
    }
    status, _, _ = post_signed(
        bot.url + "/slack/events",
        interactivity_body(payload),
        secret=SIGNING_SECRET,
        content_type="application/x-www-form-urlencoded",
    )
    assert status == 200
    posts = bot.slack.wait_for("response_url", count=2)
    assert posts[0].body["response_type"] == "in_channel"
    assert "UNICEF" in posts[0].body["text"]
    assert posts[1].body["delete_original"] is True


def test_workspace_admin_changes_and_member_is_refused(bot: RunningBot) -> None:
    status, answer = bot.command("term set 2019 IOM Safe and orderly", user=ADMIN)
    assert status == 200 and "Term saved" in texts(answer)
    before = snapshot(bot)
    status, answer = bot.command("term clear 2019", user=MEMBER)
    assert status == 200
    assert "Only GMG admins" in texts(answer)
    assert snapshot(bot) == before
    with Session(bot.services.engine) as session:
        entries = queries.list_audit_entries(session=session, group_id=default_group_id(session), limit=5)
    assert entries[0].user_id == ADMIN and entries[0].action == "term set 2019 IOM Safe and orderly"


def test_gmg_admins_setting_and_added_admins_may_change(bot: RunningBot) -> None:
    _, answer = bot.command(f"admin add <@{MEMBER}|mia>", user=OPERATOR)
    assert "Admins saved" in texts(answer)
    _, answer = bot.command("reminders 14d 2d", user=MEMBER)
    assert "Reminders saved" in texts(answer)
    _, answer = bot.command("reminders")
    assert "14d 2d" in texts(answer)


def test_workspace_admin_status_is_cached(bot: RunningBot) -> None:
    bot.command("term set 2030 IOM", user=ADMIN)
    bot.command("term set 2031 IOM", user=ADMIN)
    assert len([c for c in bot.slack.calls_to("users.info") if c.body.get("user") == ADMIN]) == 1


def test_forged_and_stale_requests_get_401_and_change_nothing(bot: RunningBot) -> None:
    bot.command("chair")
    before = snapshot(bot)
    status, _ = bot.command("term clear 2011", user=ADMIN, secret="not-the-secret")
    assert status == 401
    status, _ = bot.command("term clear 2011", user=ADMIN, timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    assert snapshot(bot) == before


def test_odd_text_gets_a_clear_answer(bot: RunningBot) -> None:
    cases = {
        "chair " + "x" * 3000: "is not a time",
        "🎉 chair": "is not a /gmg command",
        "<!channel> chair": "is not a /gmg command",
        "payload": "is not a /gmg command",
        "chair <@U123|bob>": "is not a time",
        'theme set "unclosed': "quote is not closed",
    }
    for text, needle in cases.items():
        status, answer = bot.command(text, user=ADMIN)
        assert status == 200, text
        assert needle in texts(answer), (text, texts(answer))
        assert "<!channel>" not in json.dumps(answer)


def test_theme_with_channel_ping_is_escaped(bot: RunningBot) -> None:
    bot.command("term set 2030 IOM", user=ADMIN)
    status, answer = bot.command("theme set 2030 <!channel> & friends | see <https://x.org|here>", user=ADMIN)
    assert status == 200
    shown = json.dumps(answer)
    assert "<!channel>" not in shown and "<https://" not in shown
    status, answer = bot.command("theme 2030")
    assert "@channel &amp; friends" in texts(answer)


def test_app_home_for_admin_and_member(bot: RunningBot) -> None:
    for user, admin in ((ADMIN, True), (MEMBER, False)):
        body = event_body({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
        status, _, _ = post_signed(
            bot.url + "/slack/events", body, secret=SIGNING_SECRET, content_type="application/json"
        )
        assert status == 200
        call = bot.slack.wait_for("views.publish", count=1)[-1]
        bot.slack.reset()
        view = call.body["view"] if isinstance(call.body["view"], dict) else json.loads(call.body["view"])
        assert call.body["user_id"] == user and view["type"] == "home"
        shown = json.dumps(view)
        assert "Chair now" in shown and "Reminders" in shown
        assert ("gmg_open_term_modal" in shown) is admin


def test_healthz(bot: RunningBot) -> None:
    import urllib.request

    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:
        assert response.status == 200 and response.read() == b"ok\n"


def test_cached_answers_follow_changes_made_by_another_process(bot: RunningBot) -> None:
    _, answer = bot.command("chair 2030-05-01")
    assert "No chair is known" in texts(answer)
    _, again = bot.command("chair 2030-05-01")
    assert again == answer
    # Another replica (or the CLI) decides the term: this process's cached answer must not survive it.
    with Session(bot.services.engine) as session:
        assert handle_command(
            session=session,
            team_id="T1",
            text="term set 2030 IOM",
            user_id=ADMIN,
            is_admin=True,
            now=datetime.now(UTC),
        ).ok
    _, changed = bot.command("chair 2030-05-01")
    assert "*IOM*" in texts(changed) and "No chair is known" not in texts(changed)


def post_interaction(bot: RunningBot, payload: dict) -> tuple[int, str]:
    status, _, body = post_signed(
        bot.url + "/slack/events",
        interactivity_body(payload),
        secret=SIGNING_SECRET,
        content_type="application/x-www-form-urlencoded",
    )
    return status, body


def term_submission(user: str, period: str, chairs: list[str], theme: str) -> dict:
    values = {
        "period": {"value": {"type": "plain_text_input", "value": period}},
        "chairs": {
            "value": {
                "type": "multi_static_select",
                "selected_options": [{"value": c, "text": {"type": "plain_text", "text": c}} for c in chairs],
            }
        },
        "theme": {"value": {"type": "plain_text_input", "value": theme}},
    }
    return {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "gmg"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "1.2.3",
        "view": {"id": "V1", "type": "modal", "callback_id": "gmg_term_modal", "state": {"values": values}},
    }


def test_admin_sets_a_term_from_the_app_home_modal(bot: RunningBot) -> None:
    status, _ = post_interaction(
        bot,
        {
            "type": "block_actions",
            "team": {"id": "T1", "domain": "gmg"},
            "user": {"id": ADMIN, "team_id": "T1"},
            "api_app_id": "A1",
            "trigger_id": "1.2.3",
            "container": {"type": "view", "view_id": "V0"},
            "actions": [
                {"type": "button", "action_id": "gmg_open_term_modal", "block_id": "b", "action_ts": "1"}
            ],
        },
    )
    assert status == 200
    opened = bot.slack.wait_for("views.open")[0].body
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["callback_id"] == "gmg_term_modal" and "UN Women" in json.dumps(view)

    status, body = post_interaction(bot, term_submission(ADMIN, "2031", ["UN Women", "IOM"], "Care work"))
    assert status == 200 and body == ""
    _, answer = bot.command("chair 2031-02-01")
    assert "*UN Women* and *IOM*" in texts(answer) and "Care work" in texts(answer)
    assert bot.slack.wait_for("views.publish")[0].body["user_id"] == ADMIN


def test_a_bad_modal_submission_keeps_the_modal_open_with_the_reason(bot: RunningBot) -> None:
    bot.command("chair")
    before = snapshot(bot)
    status, body = post_interaction(bot, term_submission(ADMIN, "2011-13", ["IOM"], ""))
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors" and "no month 13" in answer["errors"]["period"]
    status, body = post_interaction(bot, term_submission(MEMBER, "2031", ["IOM"], ""))
    assert "Only GMG admins" in json.loads(body)["errors"]["period"]
    assert snapshot(bot) == before
