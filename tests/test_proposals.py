"""Theme proposals, driven as Slack drives them: slash commands and button clicks (block_actions, a
modal's view_submission) from several people, signed, into the running bot; the fake Slack records the
posts and their edits."""

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.dispatcher import Dispatcher
from bot.slack_client import make_web_client
from bot.workspace_clients import WorkspaceClients
from storage import handover, queries
from storage.models import Delivery, ProposalVote, ThemeProposal
from tests.conftest import ADMIN, MEMBER, RunningBot, default_group_id
from tests.test_slack_http import post_interaction

FOCAL, OTHER = "UFOCAL01", "UOTHER01"
CHANNELS = ("C0THEME1", "C0THEME2")
YEAR = datetime.now(UTC).year + 2


def said(bot: RunningBot, text: str, user: str = ADMIN) -> str:
    status, answer = bot.command(text, user=user)
    assert status == 200, answer
    return json.dumps(answer, ensure_ascii=False)


def send_due(bot: RunningBot) -> None:
    client = make_web_client(
        token=bot.slack.bot_token, base_url=bot.slack.base_url, retry_server_errors=False
    )
    Dispatcher(engine=bot.services.engine, clients=WorkspaceClients.single(client), worker="t").run_once()


def click(bot: RunningBot, user: str, action_id: str, value: str, ts: str = "") -> tuple[int, str]:
    """A button click; a Support click returns once the clicker has been answered (the bot acknowledges
    at once and records the vote after)."""
    answered = len(bot.slack.calls_to("response_url"))
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "gmg"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": f"1.2.{uuid.uuid4().hex}",  # a click of its own (a repeat is refused as a replay)
        "response_url": bot.slack.response_url,
        "container": {"type": "message", "channel_id": CHANNELS[0], "message_ts": ts},
        "channel": {"id": CHANNELS[0]},
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1"}
        ],
    }
    status, body = post_interaction(bot, payload)
    if action_id == "proposal_support" and status == 200:
        bot.slack.wait_for("response_url", answered + 1)
    return status, body


def object_with(bot: RunningBot, user: str, proposal_id: int, comment: str) -> tuple[int, str]:
    """Object opens a modal; submitting it casts the vote with its comment."""
    opened_before = len(bot.slack.calls_to("views.open"))
    assert click(bot, user, "proposal_object", str(proposal_id))[0] == 200
    opened = bot.slack.wait_for("views.open", opened_before + 1)[-1].body
    view = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert view["callback_id"] == "proposal_objection"
    payload = {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "gmg"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": f"1.2.{uuid.uuid4().hex}",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "proposal_objection",
            "private_metadata": view["private_metadata"],
            "state": {"values": {"comment": {"value": {"type": "plain_text_input", "value": comment}}}},
        },
    }
    return post_interaction(bot, payload)


def proposals(bot: RunningBot) -> list[ThemeProposal]:
    with Session(bot.services.engine) as session:
        return list(session.exec(select(ThemeProposal).order_by(col(ThemeProposal.id))))


def edited(bot: RunningBot, channel: str, needle: str) -> str:
    """The latest edit in the channel that says `needle`, once there is one (the bot edits its posts
    after answering)."""
    deadline = time.monotonic() + 5
    while True:
        edits = [
            json.dumps(c.body, ensure_ascii=False)
            for c in bot.slack.calls_to("chat.update")
            if c.body.get("channel") == channel
        ]
        saying = [e for e in edits if needle in e]
        if saying:
            return saying[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no edit of {channel} says {needle!r}; last: {edits[-1:]}")
        time.sleep(0.02)


def set_up(bot: RunningBot) -> None:
    for user in (FOCAL, OTHER):
        bot.slack.add_user(user)
    assert "Term saved" in said(bot, f"term set {YEAR} IOM")
    for channel in CHANNELS:
        said(bot, f"subscribe <#{channel}> themes")
    said(bot, f"focal IOM <@{FOCAL}>")


def test_propose_vote_change_list_adopt(bot: RunningBot) -> None:
    set_up(bot)
    answer = said(bot, f"theme propose {YEAR} Safe migration | Rights at every step")
    assert "Theme proposed" in answer and "C0THEME1" in answer
    send_due(bot)
    posts = [c for c in bot.slack.calls_to("chat.postMessage") if "Safe migration" in json.dumps(c.body)]
    assert sorted(c.body["channel"] for c in posts) == sorted(CHANNELS)
    assert all("proposal_support" in json.dumps(c.body) for c in posts), "the post carries its buttons"
    [first] = proposals(bot)
    assert first.id is not None

    # Two people vote; one changes their mind; the posts show the counts, edited in place.
    assert click(bot, MEMBER, "proposal_support", str(first.id))[0] == 200
    edited(bot, "C0THEME1", "1 for · :thumbsdown: 0 against")
    edited(bot, "C0THEME2", "1 for · :thumbsdown: 0 against")
    assert object_with(bot, OTHER, first.id, "Too broad for six months")[0] == 200
    assert "Too broad for six months" in edited(bot, "C0THEME2", "1 for · :thumbsdown: 1 against")
    assert object_with(bot, MEMBER, first.id, "")[0] == 200
    edited(bot, "C0THEME1", "0 for · :thumbsdown: 2 against")
    # The same vote again changes nothing and says so.
    edits = len(bot.slack.calls_to("chat.update"))
    assert object_with(bot, MEMBER, first.id, "")[0] == 200
    with Session(bot.services.engine) as session:
        votes = session.exec(select(ProposalVote)).all()
        assert sorted((v.user_id, v.support) for v in votes) == [(MEMBER, False), (OTHER, False)]

    # A focal point of the incoming chair proposes too; someone who is neither may not.
    assert "Theme proposed" in said(bot, f"theme propose {YEAR} Labour mobility", user=FOCAL)
    refused = said(bot, f"theme propose {YEAR} Something else", user=OTHER)
    assert "focal point" in refused and len(proposals(bot)) == 2
    second = proposals(bot)[1]
    assert second.id is not None
    assert click(bot, OTHER, "proposal_support", str(second.id))[0] == 200

    listed = said(bot, f"theme proposals {YEAR}", user=MEMBER)
    assert "1. *Safe migration*" in listed and "0 for, 2 against" in listed
    assert "2. *Labour mobility*" in listed and "1 for, 0 against" in listed

    # Adopting the most supported one (no N): the term's theme, the others closed, posts edited.
    send_due(bot)
    before = len(bot.slack.calls_to("chat.postMessage"))
    assert edits <= len(bot.slack.calls_to("chat.update"))
    assert "Theme adopted" in said(bot, f"theme adopt {YEAR}")
    assert "Labour mobility" in said(bot, f"theme {YEAR}", user=MEMBER)
    states = {p.title: p.state for p in proposals(bot)}
    assert states == {"Safe migration": "closed", "Labour mobility": "adopted"}
    edited(bot, "C0THEME1", "Closed")
    closed_edits = [
        json.dumps(c.body) for c in bot.slack.calls_to("chat.update") if "Closed" in json.dumps(c.body)
    ]
    assert closed_edits and all("proposal_support" not in e for e in closed_edits), "no buttons once closed"
    send_due(bot)
    theme_posts = [
        c.body["channel"]
        for c in bot.slack.calls_to("chat.postMessage")[before:]
        if "Labour mobility" in json.dumps(c.body) and "theme* for" in json.dumps(c.body)
    ]
    assert sorted(theme_posts) == sorted(CHANNELS), "the theme post, once to each themes channel"

    # Bad input: clear answers, nothing changes.
    assert "no open proposals" in said(bot, f"theme adopt {YEAR}")
    assert "no open proposal 9" in said(bot, f"theme adopt {YEAR} 9")
    assert click(bot, MEMBER, "proposal_support", str(first.id))[0] == 200
    last = bot.slack.calls_to("response_url")[-1].body
    assert "no longer open" in json.dumps(last)
    with Session(bot.services.engine) as session:
        assert len(session.exec(select(ProposalVote)).all()) == 3


def test_proposals_refused_for_past_terms_and_forged_votes(bot: RunningBot) -> None:
    set_up(bot)
    assert "already started" in said(bot, "theme propose 2011-H1 Too late")
    assert "not" in said(bot, "theme propose", user=ADMIN).lower()
    assert proposals(bot) == []
    # A click that names no proposal, or one that does not exist, changes nothing.
    for value in ("", "abc", "99999", "-1", "1" * 40):
        assert click(bot, MEMBER, "proposal_support", value)[0] == 200
    with Session(bot.services.engine) as session:
        assert session.exec(select(ProposalVote)).all() == []


def test_the_deadline_and_the_reminders_say_where_adoption_stands(bot: RunningBot) -> None:
    set_up(bot)
    said(bot, "reminders 400d")
    said(bot, f"admin add <@{OTHER}>")
    assert "14 days" in said(bot, "settings theme-deadline 14d")
    said(bot, f"theme propose {YEAR} Safe migration")
    with Session(bot.services.engine) as session:
        group_id = default_group_id(session)
        pending = session.exec(
            select(Delivery).where(col(Delivery.group_id) == group_id, col(Delivery.state) == "pending")
        ).all()
        deadline = [d for d in pending if d.kind == "deadline"]
        assert [d.target for d in deadline] == [OTHER]
        term = queries.term_on_or_before(
            session=session, group_id=group_id, day=datetime(YEAR, 12, 31).date()
        )
        assert term is not None
        assert deadline[0].due_at.date() in {
            term.first_day - timedelta(days=14),
            term.first_day - timedelta(days=15),
        }
        reminders = [d for d in pending if d.kind == "reminder" and d.target == CHANNELS[0]]
        assert not reminders  # a themes channel gets no reminders
        focal = [d for d in pending if d.kind == "reminder" and d.target == FOCAL]
        assert focal and "proposal.status" in json.dumps(focal[0].params)
        first = handover.proposals_for(session=session, group_id=group_id, first_day=term.first_day)[0]
    said(bot, f"theme adopt {YEAR} 1")
    with Session(bot.services.engine) as session:
        skipped = session.exec(select(Delivery).where(col(Delivery.kind) == "deadline")).all()
        assert skipped and all(d.state == "skipped" for d in skipped), "adopted: no deadline alert"
    assert first.id is not None
    assert (
        "off" in said(bot, "settings theme-deadline off").lower() or "none" in said(bot, "settings").lower()
    )
    assert "not a deadline" in said(bot, "settings theme-deadline soon")
