"""workspaces: Slack installs (OAuth), a group's home workspace and link codes, a topic channel and
focal points per workspace

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

The `slack_installations`, `slack_bots` and `slack_oauth_states` tables are those of slack-sdk's
SQLAlchemy installation and state stores (slack_sdk.oauth.*.sqlalchemy), written out here so that the
schema stays what this migration made whatever a later slack-sdk declares.

Columns are added and dropped in place (`ALTER TABLE`), never by batch mode's copy: see 0007.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _install_columns() -> list[sa.Column[object]]:
    """What an installation row and a bot row both hold, in slack-sdk's order."""
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
    ]


def _bot_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime()),
    ]


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        *_install_columns(),
        sa.Column("enterprise_url", sa.String(200)),
        *_bot_columns(),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200)),
        sa.Column("user_scopes", sa.String(1000)),
        sa.Column("user_refresh_token", sa.String(200)),
        sa.Column("user_token_expires_at", sa.DateTime()),
        sa.Column("incoming_webhook_url", sa.String(200)),
        sa.Column("incoming_webhook_channel", sa.String(200)),
        sa.Column("incoming_webhook_channel_id", sa.String(200)),
        sa.Column("incoming_webhook_configuration_url", sa.String(200)),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("token_type", sa.String(32)),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )
    op.create_table(
        "slack_bots",
        *_install_columns(),
        *_bot_columns(),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
    )
    op.create_index("slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"])
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "linkcode",
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("group.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("uq_linkcode_code_hash", "linkcode", ["code_hash"], unique=True)

    op.add_column("grouplink", sa.Column("is_home", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("grouplink", sa.Column("topic_channel", sa.String(32), nullable=True))
    # Until now a group was set up in one workspace; where several saw it, the first by id was its home
    # (direct messages and the topic went through it), and keeps the topic channel.
    op.execute(
        'UPDATE grouplink SET is_home = true, topic_channel = (SELECT "group".topic_channel FROM "group" '
        'WHERE "group".id = grouplink.group_id) WHERE grouplink.team_id = (SELECT min(l.team_id) '
        "FROM grouplink AS l WHERE l.group_id = grouplink.group_id)"
    )
    op.create_index(
        "uq_grouplink_group_home",
        "grouplink",
        ["group_id"],
        unique=True,
        sqlite_where=sa.text("is_home"),
        postgresql_where=sa.text("is_home"),
    )
    op.drop_column("group", "topic_channel")
    op.add_column("member", sa.Column("focal_teams", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    op.drop_column("member", "focal_teams")
    op.add_column("group", sa.Column("topic_channel", sa.String(32), nullable=True))
    op.execute(
        'UPDATE "group" SET topic_channel = (SELECT l.topic_channel FROM grouplink AS l '
        'WHERE l.group_id = "group".id AND l.is_home)'
    )
    op.drop_index("uq_grouplink_group_home", table_name="grouplink")
    op.drop_column("grouplink", "topic_channel")
    op.drop_column("grouplink", "is_home")
    op.drop_index("uq_linkcode_code_hash", table_name="linkcode")
    op.drop_table("linkcode")
    op.drop_table("slack_oauth_states")
    op.drop_table("slack_bots")
    op.drop_table("slack_installations")
