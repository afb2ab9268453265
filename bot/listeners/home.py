"""The App Home tab, and the admins' modals opened from it."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.listeners.commands import UNAVAILABLE
from bot.service import Services
from bot.slack_client import error_code
from handlers.home import (
    OPEN_TERM_MODAL,
    OPEN_THEME_MODAL,
    TERM_MODAL,
    THEME_MODAL,
    FormError,
    current_period,
    home_view,
    term_command,
    term_modal,
    theme_command,
    theme_modal,
)
from handlers.response import to_plain
from storage.db import is_unavailable
from storage.transfer import ensure_group

log = logging.getLogger("gmg.home")


def publish_home(services: Services, client: WebClient, *, team_id: str, user_id: str) -> None:
    now = datetime.now(UTC)
    with Session(services.engine) as session:
        group = ensure_group(session=session, team_id=team_id, seed=services.settings.seed, now=now)
        view = home_view(
            session=session,
            group=group,
            user_id=user_id,
            is_admin=lambda: services.admins.is_admin(team_id, user_id),
            now=now,
            public_base_url=services.settings.public_base_url or None,
        )
        # An admin's Home tab may have made the calendar key on first view: keep it.
        session.commit()
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish failed for %s: %s", user_id, error_code(exc))


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        try:
            publish_home(services, client, team_id=body["team_id"], user_id=event["user"])
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            # The tab keeps what it showed; the next opening tries again.
            log.warning("home user=%s outcome=unavailable", event["user"])

    @app.action(OPEN_TERM_MODAL)
    def open_term_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        with Session(services.engine) as session:
            group = ensure_group(
                session=session,
                team_id=body["team"]["id"],
                seed=services.settings.seed,
                now=datetime.now(UTC),
            )
            view = term_modal(session=session, group=group)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(OPEN_THEME_MODAL)
    def open_theme_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        now = datetime.now(UTC)
        with Session(services.engine) as session:
            group = ensure_group(
                session=session, team_id=body["team"]["id"], seed=services.settings.seed, now=now
            )
            period = current_period(session=session, group=group, now=now)
        client.views_open(trigger_id=body["trigger_id"], view=theme_modal(period=period))

    def submit(
        ack: Ack, body: dict[str, Any], client: WebClient, command_of: Callable[[], str], field: str
    ) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            command = command_of()
        except FormError as exc:
            ack(response_action="errors", errors={exc.field: str(exc)[:300]})
            return
        try:
            response = services.answer(team_id=team_id, user_id=user_id, text=command, channel_id=None)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            log.warning("modal user=%s outcome=unavailable", user_id)
            ack(response_action="errors", errors={field: UNAVAILABLE})
            return
        if not response.ok:
            # Slack shows the reason under the field, and the modal stays open for a fix.
            ack(response_action="errors", errors={field: to_plain(" ".join(response.sections))[:300]})
            return
        ack()
        publish_home(services, client, team_id=team_id, user_id=user_id)

    @app.view(TERM_MODAL)
    def term_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        submit(ack, body, client, lambda: term_command(view["state"]["values"]), "period")

    @app.view(THEME_MODAL)
    def theme_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        submit(ack, body, client, lambda: theme_command(view["state"]["values"]), "title")
