"""What the Slack listeners share: settings, the database, the Slack client, and one way to answer."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk.oauth.installation_store import InstallationStore
from sqlalchemy import Engine
from sqlmodel import Session

from bot.capacity import REQUEST_THREADS
from bot.channels import SlackChannels
from bot.settings import Settings
from bot.slack_users import SlackUsers
from bot.workspace_clients import NotInstalled, WorkspaceClients
from handlers import Response, handle_command
from storage import access
from storage.change_watch import ChangeWatch
from storage.models import Group
from storage.transfer import ensure_workspace


def _answering_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=REQUEST_THREADS, thread_name_prefix="gmg-answer")


def nothing_to_wake() -> None:
    """The default when no dispatcher runs in this process (tests of answers alone)."""


@dataclass
class Services:
    settings: Settings
    engine: Engine
    # Each workspace's Web API client; `quick` for calls made while someone waits for an answer.
    clients: WorkspaceClients
    quick: WorkspaceClients
    users: SlackUsers
    # Whether any group may have changed, without asking the database (answers kept in memory).
    changes: ChangeWatch
    # Where the workspaces' installs are kept (OAuth); None with one workspace's SLACK_BOT_TOKEN.
    installations: InstallationStore | None = None
    # Called after a change, so that a theme post or re-planned reminder goes out at once.
    wake_dispatcher: Callable[[], None] = nothing_to_wake
    # Where answers are worked out while the request waits for them (bot/listeners/commands.py).
    answering: ThreadPoolExecutor = field(default_factory=_answering_threads)

    def close(self) -> None:
        """At shutdown, once no request is being served."""
        self.answering.shutdown(wait=False)
        self.changes.stop()

    def answer(self, *, team_id: str, user_id: str, text: str, channel_id: str | None) -> Response:
        """Runs one /gmg command for a Slack user, in one transaction."""
        now = datetime.now(UTC)
        with Session(self.engine) as session:
            self.workspace_group(session, team_id, now)
            response = handle_command(
                session=session,
                team_id=team_id,
                text=text,
                user_id=user_id,
                is_admin=lambda: self.users.is_admin(team_id, user_id),
                now=now,
                operator=user_id in self.settings.admin_ids,
                channel_id=channel_id,
                public_base_url=self.settings.public_base_url or None,
                channels=self._channels(team_id),
            )
        if response.changed:
            self.wake_dispatcher()
        return response

    def workspace_group(self, session: Session, team_id: str, now: datetime) -> Group:
        """The workspace's default group, set up the first time the workspace is heard from."""
        return ensure_workspace(
            session=session,
            team_id=team_id,
            seed=self.settings.seed,
            now=now,
            take_over=self.settings.takes_over_prepared(team_id),
        )

    def _channels(self, team_id: str) -> SlackChannels | None:
        try:
            return SlackChannels(self.quick.for_team(team_id))
        except NotInstalled:
            return None

    def pause(self, team_id: str, error: str) -> None:
        """Slack says the app lost the workspace (uninstalled, tokens revoked): its deliveries wait, all
        kept, until it installs again."""
        self.clients.forget(team_id)
        self.quick.forget(team_id)
        with Session(self.engine) as session:
            access.pause(session=session, team_id=team_id, error=error, now=datetime.now(UTC))
            session.commit()

    def resume(self, team_id: str) -> None:
        """The workspace installed the app again: its deliveries go on, with the new token."""
        self.clients.forget(team_id)
        self.quick.forget(team_id)
        with Session(self.engine) as session:
            resumed = access.resume(session=session, team_id=team_id, now=datetime.now(UTC))
            session.commit()
        if resumed:
            self.wake_dispatcher()
