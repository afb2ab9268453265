"""What the Slack listeners share: settings, the database, the Slack client, and one way to answer."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from bot.channels import SlackChannels
from bot.settings import Settings
from bot.slack_users import SlackUsers
from handlers import Response, handle_command
from storage.transfer import ensure_workspace


def nothing_to_wake() -> None:
    """The default when no dispatcher runs in this process (tests of answers alone)."""


@dataclass
class Services:
    settings: Settings
    engine: Engine
    client: WebClient
    users: SlackUsers
    channels: SlackChannels
    # Called after a change, so that a theme post or re-planned reminder goes out at once.
    wake_dispatcher: Callable[[], None] = nothing_to_wake

    def answer(self, *, team_id: str, user_id: str, text: str, channel_id: str | None) -> Response:
        """Runs one /gmg command for a Slack user, in one transaction."""
        now = datetime.now(UTC)
        with Session(self.engine) as session:
            ensure_workspace(session=session, team_id=team_id, seed=self.settings.seed, now=now)
            response = handle_command(
                session=session,
                team_id=team_id,
                text=text,
                user_id=user_id,
                is_admin=lambda: self.users.is_admin(team_id, user_id),
                now=now,
                channel_id=channel_id,
                public_base_url=self.settings.public_base_url or None,
                channels=self.channels,
            )
        if response.changed:
            self.wake_dispatcher()
        return response
