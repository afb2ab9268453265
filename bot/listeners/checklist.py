"""A checklist item's Done button, in a focal point's reminder or in App Home: marks the item for an
admin or a focal point of the member responsible (as `/gmg checklist done`), and tells the clicker in a
message only they see; from App Home, which has nowhere to answer, the tab is published anew."""

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from bot.blocks import answer_text
from bot.listeners.commands import edge_notice, outcome
from bot.listeners.home import answer_button
from bot.posts import CHECKLIST_DONE_ACTION
from bot.service import Services
from handlers import Response, checklist
from storage.db import is_unavailable

log = logging.getLogger("gmg.checklist")


def _item_id(value: Any) -> int:
    """The item a button names; 0 (no item) for anything else."""
    return int(value) if isinstance(value, str) and value.isdecimal() and len(value) < 12 else 0


def mark(services: Services, *, team_id: str, user_id: str, value: Any) -> Response:
    with Session(services.engine) as session:
        response = checklist.done_by_button(
            session=session,
            team_id=team_id,
            user_id=user_id,
            item_id=_item_id(value),
            is_admin=lambda: services.users.is_admin(team_id, user_id),
            operator=user_id in services.settings.admin_ids,
            now=datetime.now(UTC),
        )
        if response.changed:
            # The group's reminders are re-planned as this commits: the item leaves them.
            session.commit()
    if response.changed:
        services.wake_dispatcher()
    return response


def register(app: App, services: Services) -> None:
    @app.action(CHECKLIST_DONE_ACTION)
    def done(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        language = services.users.language(team_id, user_id)
        try:
            response = mark(services, team_id=team_id, user_id=user_id, value=action.get("value"))
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            log.warning("checklist user=%s outcome=unavailable", user_id)
            text = edge_notice("answer.unavailable", language)
        else:
            log.info("checklist user=%s outcome=%s", user_id, outcome(response))
            text = answer_text(response, language)
        answer_button(services, body, respond, client, text)
