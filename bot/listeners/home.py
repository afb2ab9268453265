"""The App Home tab, and the admins' modals opened from it."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.home_view import (
    OPEN_TERM_MODAL,
    OPEN_THEME_MODAL,
    TERM_MODAL,
    THEME_MODAL,
    group_of,
    home_view,
    term_modal,
    theme_modal,
)
from bot.listeners.commands import edge_notice
from bot.service import Services
from bot.slack_client import error_code
from handlers.home import FormError, current_period, term_command, theme_command
from handlers.response import shown
from storage import groups
from storage.db import is_unavailable
from storage.models import Group

log = logging.getLogger("gmg.home")


def answer_button(
    services: Services, body: dict[str, Any], respond: Respond, client: WebClient, text: str
) -> None:
    """What a button click did: in a channel or a direct message, a message only the clicker sees; in
    App Home (a click there has no response_url), the tab as it now is."""
    if body.get("response_url"):
        respond(text=text, response_type="ephemeral", replace_original=False)
    else:
        publish_home(services, client, team_id=body["team"]["id"], user_id=body["user"]["id"])


def publish_home(services: Services, client: WebClient, *, team_id: str, user_id: str) -> None:
    now = datetime.now(UTC)
    with Session(services.engine) as session:
        services.workspace_group(session, team_id, now)
        view = home_view(
            session=session,
            team_id=team_id,
            user_id=user_id,
            is_admin=lambda: services.users.is_admin(team_id, user_id),
            now=now,
            language=services.users.language(team_id, user_id),
            public_base_url=services.settings.public_base_url or None,
            operator=user_id in services.settings.admin_ids,
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

    def chosen_group(session: Session, team_id: str, group_id: int | None) -> Group | None:
        """The group a button or modal is for, one of the workspace's (none: the default); None when
        it names one the workspace no longer has (removed while the view was open)."""
        default = services.workspace_group(session, team_id, datetime.now(UTC))
        if group_id is None:
            return default
        return next(
            (g for g in groups.workspace_groups(session=session, team_id=team_id) if g.id == group_id), None
        )

    @app.action(OPEN_TERM_MODAL)
    def open_term_modal(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        with Session(services.engine) as session:
            group = chosen_group(session, body["team"]["id"], group_of(action.get("value")))
            language = services.users.language(body["team"]["id"], body["user"]["id"])
            view = term_modal(session=session, group=group, language=language) if group else None
        if view is None:  # the group is gone: show the Home tab as it now is
            publish_home(services, client, team_id=body["team"]["id"], user_id=body["user"]["id"])
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(OPEN_THEME_MODAL)
    def open_theme_modal(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        with Session(services.engine) as session:
            group = chosen_group(session, body["team"]["id"], group_of(action.get("value")))
            period = current_period(session=session, group=group, now=datetime.now(UTC)) if group else ""
            language = services.users.language(body["team"]["id"], body["user"]["id"])
            view = theme_modal(group=group, period=period, language=language) if group else None
        if view is None:
            publish_home(services, client, team_id=body["team"]["id"], user_id=body["user"]["id"])
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def submit(
        ack: Ack, body: dict[str, Any], client: WebClient, command_of: Callable[[], str], field: str
    ) -> None:
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        language = services.users.language(team_id, user_id)
        try:
            command = command_of()
        except FormError as exc:
            ack(response_action="errors", errors={exc.field: shown(exc.message, "plain", language)[:300]})
            return
        try:
            with Session(services.engine) as session:
                group = chosen_group(session, team_id, group_of(body.get("view", {}).get("private_metadata")))
                if group is None:
                    ack(response_action="errors", errors={field: edge_notice("modal.group_gone", language)})
                    return
                # The modal's command goes to its group, named first as in `/gmg GFMD term set ...`.
                command = f"{group.short_name} {command}"
            response = services.answer(team_id=team_id, user_id=user_id, text=command, channel_id=None)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            log.warning("modal user=%s outcome=unavailable", user_id)
            ack(response_action="errors", errors={field: edge_notice("answer.unavailable", language)})
            return
        if not response.ok:
            # Slack shows the reason under the field, and the modal stays open for a fix.
            reason = " ".join(shown(p, "plain", language) for p in response.sections)
            ack(response_action="errors", errors={field: reason[:300]})
            return
        ack()
        publish_home(services, client, team_id=team_id, user_id=user_id)

    @app.view(TERM_MODAL)
    def term_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        submit(ack, body, client, lambda: term_command(view["state"]["values"]), "period")

    @app.view(THEME_MODAL)
    def theme_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        submit(ack, body, client, lambda: theme_command(view["state"]["values"]), "title")
