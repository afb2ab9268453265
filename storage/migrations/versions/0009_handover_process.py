"""the handover as a process: theme proposals and votes, a theme deadline, handover checklists

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _group_id() -> sa.Column[int]:
    return sa.Column("group_id", sa.Integer(), sa.ForeignKey("group.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.add_column("group", sa.Column("theme_deadline_days", sa.Integer(), nullable=True))
    op.create_table(
        "themeproposal",
        sa.Column("id", sa.Integer(), primary_key=True),
        _group_id(),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("title", sa.String(150), nullable=False),
        sa.Column("description", sa.String(3000), nullable=False),
        sa.Column("proposed_by", sa.String(32), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_themeproposal_group_first_day", "themeproposal", ["group_id", "first_day"])
    op.create_table(
        "proposalvote",
        sa.Column(
            "proposal_id",
            sa.Integer(),
            sa.ForeignKey("themeproposal.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("support", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.String(500), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "checklisttemplateitem",
        sa.Column("id", sa.Integer(), primary_key=True),
        _group_id(),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
    )
    op.create_index("ix_checklisttemplateitem_group_id", "checklisttemplateitem", ["group_id"])
    op.create_table(
        "checklistitem",
        sa.Column("id", sa.Integer(), primary_key=True),
        _group_id(),
        sa.Column("handover_day", sa.Date(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("done_by", sa.String(32), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("group_id", "handover_day", "number", name="uq_checklistitem_number"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("checklistitem")
    op.drop_index("ix_checklisttemplateitem_group_id", table_name="checklisttemplateitem")
    op.drop_table("checklisttemplateitem")
    op.drop_table("proposalvote")
    op.drop_index("ix_themeproposal_group_first_day", table_name="themeproposal")
    op.drop_table("themeproposal")
    op.drop_column("group", "theme_deadline_days")
