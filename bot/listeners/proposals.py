"""Support and Object on a theme proposal's post: one vote per person, changeable. Object opens a
modal for an optional comment. The voter is told in a message only they see; every post of the
proposal then shows the new counts."""

import json
import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View
from sqlmodel import Session

from bot.blocks import answer_text
from bot.listeners.home import answer_button, publish_home
from bot.posts import OBJECT_ACTION, SUPPORT_ACTION
from bot.proposal_posts import update_posts
from bot.service import Services
from handlers import Response, proposals
from messages import say
from messages.render import render
from storage.db import is_unavailable

OBJECTION_VIEW = "proposal_objection"
COMMENT_BLOCK, COMMENT_INPUT = "comment", "value"
log = logging.getLogger("gmg.proposals")


def _proposal_id(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdecimal() and len(value) < 12 else None


def cast(
    services: Services, *, team_id: str, user_id: str, value: Any, support: bool, comment: str
) -> Response:
    proposal_id = _proposal_id(value)
    with Session(services.engine) as session:
        response = proposals.vote(
            session=session,
            team_id=team_id,
            user_id=user_id,
            proposal_id=proposal_id or 0,
            support=support,
            comment=comment,
            now=datetime.now(UTC),
        )
        if response.changed:
            session.commit()
    if response.proposals:
        update_posts(services, response.proposals)
    return response


def objection_modal(proposal_id: int, language: str, from_home: bool) -> View:
    def plain(message_id: str) -> PlainTextObject:
        return PlainTextObject(text=render(say(message_id), "plain", language))

    return View(
        type="modal",
        callback_id=OBJECTION_VIEW,
        private_metadata=json.dumps({"proposal": proposal_id, "home": from_home}),
        title=plain("proposal.object_title"),
        submit=plain("proposal.object_submit"),
        close=plain("proposal.cancel"),
        blocks=[
            InputBlock(
                block_id=COMMENT_BLOCK,
                label=plain("proposal.object_label"),
                optional=True,
                element=PlainTextInputElement(action_id=COMMENT_INPUT, multiline=True, max_length=500),
            )
        ],
    )


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def register(app: App, services: Services) -> None:
    @app.action(SUPPORT_ACTION)
    def support(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        language = services.users.language(team_id, user_id)
        try:
            response = cast(
                services,
                team_id=team_id,
                user_id=user_id,
                value=action.get("value"),
                support=True,
                comment="",
            )
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            log.warning("vote user=%s outcome=unavailable", user_id)
            answer_button(
                services, body, respond, client, render(say("answer.unavailable"), "mrkdwn", language)
            )
            return
        answer_button(services, body, respond, client, answer_text(response, language))

    @app.action(OBJECT_ACTION)
    def object_(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        proposal_id = _proposal_id(action.get("value"))
        if proposal_id is None:
            return
        language = services.users.language(body["team"]["id"], body["user"]["id"])
        from_home = not body.get("response_url")
        client.views_open(
            trigger_id=body["trigger_id"], view=objection_modal(proposal_id, language, from_home)
        )

    @app.view(OBJECTION_VIEW)
    def objection(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        language = services.users.language(team_id, user_id)
        metadata = _metadata(view)
        entered = view.get("state", {}).get("values", {}).get(COMMENT_BLOCK, {}).get(COMMENT_INPUT, {})
        comment = " ".join(str(entered.get("value") or "").split())
        try:
            response = cast(
                services,
                team_id=team_id,
                user_id=user_id,
                value=str(metadata.get("proposal", "")),
                support=False,
                comment=comment,
            )
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            unavailable = render(say("answer.unavailable"), "plain", language)
            ack(response_action="errors", errors={COMMENT_BLOCK: unavailable})
            return
        if not response.ok:
            reason = " ".join(
                render(p, "plain", language) if not isinstance(p, str) else p for p in response.sections
            )
            ack(response_action="errors", errors={COMMENT_BLOCK: reason[:300]})
            return
        ack()
        if metadata.get("home"):  # opened from App Home: the tab shows the new counts
            publish_home(services, client, team_id=team_id, user_id=user_id)
