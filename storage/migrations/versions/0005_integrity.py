"""the database guarantees what must hold: no overlapping terms, one member per name, paused workspaces,
seen requests

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models
from storage.matching import member_key

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Two terms of one workspace overlap when each starts on or before the other's last day.
_OVERLAPPING = """
    SELECT a.team_id, a.first_day, a.last_day, b.first_day, b.last_day
    FROM term a JOIN term b ON a.team_id = b.team_id AND a.id < b.id
    WHERE a.first_day <= b.last_day AND b.first_day <= a.last_day
    LIMIT 1
"""
# SQLite has no exclusion constraint: triggers refuse the write instead, inside the same statement.
_SQLITE_TRIGGER = """
CREATE TRIGGER term_no_overlap_{name} BEFORE {event} ON term
WHEN EXISTS (
    SELECT 1 FROM term AS other
    WHERE other.team_id = NEW.team_id AND other.id IS NOT NEW.id
      AND other.first_day <= NEW.last_day AND NEW.first_day <= other.last_day
)
BEGIN SELECT RAISE(ABORT, 'term_no_overlap: the term overlaps another term of the workspace'); END
"""


def upgrade() -> None:
    bind = op.get_bind()
    clash = bind.execute(sa.text(_OVERLAPPING)).first()
    if clash is not None:
        raise RuntimeError(
            f"workspace {clash[0]} has overlapping terms ({clash[1]}..{clash[2]} and "
            f"{clash[3]}..{clash[4]}): "
            "clear one of them with `/gmg term clear`, then upgrade again"
        )
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE term ADD CONSTRAINT term_no_overlap "
            "EXCLUDE USING gist (team_id WITH =, daterange(first_day, last_day, '[]') WITH &&)"
        )
        op.execute("ALTER TABLE term ADD CONSTRAINT term_days_in_order CHECK (first_day <= last_day)")
    else:
        op.execute(_SQLITE_TRIGGER.format(name="insert", event="INSERT"))
        op.execute(_SQLITE_TRIGGER.format(name="update", event="UPDATE OF team_id, first_day, last_day"))

    _add_member_code_key(bind)
    op.create_table(
        "pausedworkspace",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("error", sa.String(length=64), nullable=False),
        sa.Column("since", storage.models.UTCDateTime(), nullable=False),
        sa.Column("checked_at", storage.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )
    op.create_table(
        "seenrequest",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("seen_at", storage.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_seenrequest_seen_at", "seenrequest", ["seen_at"], unique=False)


def _add_member_code_key(bind: sa.Connection) -> None:
    """Members compared as names are compared: two codes that read the same must not both exist."""
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("code_key", sa.String(length=200), nullable=False, server_default=""))
    member = sa.table(
        "member", sa.column("id", sa.Integer), sa.column("team_id", sa.String), sa.column("code", sa.String)
    )
    owner: dict[tuple[str, str], str] = {}
    for row_id, team_id, code in bind.execute(sa.select(member.c.id, member.c.team_id, member.c.code)):
        key = member_key(code)
        other = owner.setdefault((team_id, key), code)
        if other != code:
            raise RuntimeError(
                f"workspace {team_id} has members {other!r} and {code!r}, which read the same: "
                "remove one of them, then upgrade again"
            )
        bind.execute(sa.text("UPDATE member SET code_key = :key WHERE id = :id"), {"key": key, "id": row_id})
    with op.batch_alter_table("member") as batch:
        batch.create_unique_constraint("uq_member_team_code_key", ["team_id", "code_key"])


def downgrade() -> None:
    op.drop_index("ix_seenrequest_seen_at", table_name="seenrequest")
    op.drop_table("seenrequest")
    op.drop_table("pausedworkspace")
    with op.batch_alter_table("member") as batch:
        batch.drop_constraint("uq_member_team_code_key", type_="unique")
        batch.drop_column("code_key")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE term DROP CONSTRAINT term_days_in_order")
        op.execute("ALTER TABLE term DROP CONSTRAINT term_no_overlap")
    else:
        op.execute("DROP TRIGGER term_no_overlap_insert")
        op.execute("DROP TRIGGER term_no_overlap_update")
