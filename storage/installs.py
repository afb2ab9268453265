"""The workspaces' installs, as slack-sdk's SQLAlchemy installation store keeps them (`slack_bots`,
migration 0008): the bot token of a workspace, whatever Enterprise Grid org it belongs to.

The store's own lookup (`find_bot`) needs the org's id as well as the workspace's, and a delivery or
a lookup made away from a Slack request knows only the workspace."""

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import MetaData, select
from sqlmodel import Session

_BOTS = SQLAlchemyInstallationStore.build_bots_table(MetaData(), "slack_bots")


def bot_token(*, session: Session, client_id: str, team_id: str) -> str | None:
    """The workspace's bot token from its latest install; None when it has none (uninstalled)."""
    row = session.execute(
        select(_BOTS.c.bot_token)
        .where(_BOTS.c.client_id == client_id, _BOTS.c.team_id == team_id)
        .order_by(_BOTS.c.installed_at.desc(), _BOTS.c.id.desc())
        .limit(1)
    ).first()
    return str(row[0]) if row is not None and row[0] else None
