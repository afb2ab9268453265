"""groups have their own identity: group-owned rows reference the group by id, workspaces see groups
through links, and deliveries hold a message id with its parameters

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Every table keyed by workspace is rebuilt keyed by group, in one transaction: its rows are copied
aside (CREATE TABLE ... AS, which copies no constraint or index, so no name clashes), the table is
made anew with its foreign keys, and the rows come back with their ids. Each workspace's group gets
an id and a link; a workspace with rows but no group row (none should exist) gets a group of its own
rather than losing them.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNED = ("member", "term", "rotationentry", "reminderlead", "subscription", "admin", "auditentry", "delivery")
# The words of the /gmg language when this migration was written: a short name may not be one.
COMMAND_WORDS = frozenset(
    [
        "chair",
        "next",
        "theme",
        "schedule",
        "history",
        "members",
        "member",
        "rotation",
        "admin",
        "admins",
        "reminders",
        "settings",
        "log",
        "deliveries",
        "calendar",
        "term",
        "focal",
        "subscribe",
        "unsubscribe",
        "help",
        "share",
        "group",
        "groups",
    ]
)
_SQLITE_TRIGGER = """
CREATE TRIGGER term_no_overlap_{name} BEFORE {event} ON term
WHEN EXISTS (
    SELECT 1 FROM term AS other
    WHERE other.group_id = NEW.group_id AND other.id IS NOT NEW.id
      AND other.first_day <= NEW.last_day AND NEW.first_day <= other.last_day
)
BEGIN SELECT RAISE(ABORT, 'term_no_overlap: the term overlaps another term of the group'); END
"""


def short_name_of(short_name: str, name: str) -> str:
    """A short name as commands take it (a letter, then letters, digits, hyphens), from the old one or
    else the initials of the name."""
    cleaned = re.sub(r"[^A-Za-z0-9-]+", "-", short_name).strip("-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = "".join(w[0] for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", name)).upper() or "group"
    cleaned = cleaned[:24]
    return f"{cleaned}-group" if cleaned.lower() in COMMAND_WORDS else cleaned


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    for table in ("group", *OWNED):
        op.execute(f'CREATE TABLE "old_{table}" AS SELECT * FROM "{table}"')
    # SQLite drops a table's triggers with it.
    for table in (*OWNED, "group"):
        op.drop_table(table)
    _create_tables()

    groups = bind.execute(
        sa.text(
            "SELECT team_id, name, short_name, timezone, term_months, handover_time, topic_channel, "
            'calendar_key, version FROM "old_group" ORDER BY team_id'
        )
    ).all()
    known = {row[0] for row in groups}
    orphans = sorted(
        {
            team_id
            for table in OWNED
            for (team_id,) in bind.execute(sa.text(f'SELECT DISTINCT team_id FROM "old_{table}"'))
        }
        - known
    )
    group = sa.table(
        "group",
        *(sa.column(c) for c in ("id", "name", "short_name", "timezone", "term_months", "handover_time")),
        *(sa.column(c) for c in ("topic_channel", "calendar_key", "version")),
    )
    link = sa.table(
        "grouplink",
        sa.column("team_id"),
        sa.column("group_id"),
        sa.column("short_key"),
        sa.column("is_default"),
    )
    rows = [dict(row._mapping) for row in groups]
    rows += [
        {
            "team_id": team_id,
            "name": "Rotating chair group",
            "short_name": "group",
            "timezone": "UTC",
            "term_months": 6,
            "handover_time": "00:00",
            "topic_channel": None,
            "calendar_key": None,
            "version": 0,
        }
        for team_id in orphans
    ]
    for group_id, row in enumerate(rows, 1):
        short = short_name_of(row["short_name"] or "", row["name"])
        team_id = row.pop("team_id")
        bind.execute(group.insert().values(id=group_id, **{**row, "short_name": short}))
        bind.execute(
            link.insert().values(team_id=team_id, group_id=group_id, short_key=short.lower(), is_default=True)
        )

    # Each row comes back with its workspace's group (one link per workspace so far).
    owner = "JOIN grouplink l ON l.team_id = o.team_id"
    copies = {
        "member": ("id, group_id, code, code_key, name, active, joined, note, aliases, focal_points", None),
        "term": ("id, group_id, first_day, last_day, chairs, theme, description, note", None),
        "rotationentry": ("group_id, position, code", None),
        "reminderlead": ("group_id, seconds", None),
        "subscription": ("group_id, team_id, channel_id, kind", None),
        "admin": ("group_id, user_id", None),
        "auditentry": ("id, group_id, team_id, at, user_id, action, before, after", None),
        "delivery": (
            "id, group_id, team_id, key, kind, target, due_at, expires_at, state, attempts, next_attempt_at, "
            "lease_until, claimed_by, message, params, ts, reason, finished_at",
            # Rows written before messages were data keep their rendered text, and go out as written.
            {"message": "'written'", "params": _written_params(postgres)},
        ),
    }
    for table, (columns, computed) in copies.items():
        sources = ", ".join(
            (computed or {}).get(c, "l.group_id" if c == "group_id" else f"o.{c}")
            for c in (c.strip() for c in columns.split(","))
        )
        op.execute(f'INSERT INTO "{table}" ({columns}) SELECT {sources} FROM "old_{table}" o {owner}')
    for table in ("group", *OWNED):
        op.drop_table(f"old_{table}")
    if postgres:
        for table in ("group", "member", "term", "auditentry", "delivery"):
            op.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
            )
        op.execute(
            "ALTER TABLE term ADD CONSTRAINT term_no_overlap "
            "EXCLUDE USING gist (group_id WITH =, daterange(first_day, last_day, '[]') WITH &&)"
        )
        op.execute("ALTER TABLE term ADD CONSTRAINT term_days_in_order CHECK (first_day <= last_day)")
    else:
        op.execute(_SQLITE_TRIGGER.format(name="insert", event="INSERT"))
        op.execute(_SQLITE_TRIGGER.format(name="update", event="UPDATE OF group_id, first_day, last_day"))


def _written_params(postgres: bool) -> str:
    if postgres:
        return "json_build_object('text', o.text, 'blocks', o.blocks)"
    return "json_object('text', o.text, 'blocks', json(COALESCE(o.blocks, 'null')))"


def _group_id(primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        "group_id",
        sa.Integer(),
        sa.ForeignKey("group.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


def _create_tables() -> None:
    utc = storage.models.UTCDateTime
    op.create_table(
        "group",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=30), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("handover_time", sa.String(length=5), nullable=False),
        sa.Column("topic_channel", sa.String(length=32), nullable=True),
        sa.Column("calendar_key", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_group_calendar_key", "group", ["calendar_key"], unique=True)
    op.create_table(
        "grouplink",
        sa.Column("team_id", sa.String(length=32), primary_key=True),
        _group_id(primary_key=True),
        sa.Column("short_key", sa.String(length=30), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("team_id", "short_key", name="uq_grouplink_team_short_key"),
    )
    op.create_index(
        "uq_grouplink_team_default",
        "grouplink",
        ["team_id"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), primary_key=True),
        _group_id(),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("code_key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("joined", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("focal_points", sa.JSON(), nullable=False),
        sa.UniqueConstraint("group_id", "code", name="uq_member_group_code"),
        sa.UniqueConstraint("group_id", "code_key", name="uq_member_group_code_key"),
    )
    op.create_table(
        "term",
        sa.Column("id", sa.Integer(), primary_key=True),
        _group_id(),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("chairs", sa.JSON(), nullable=False),
        sa.Column("theme", sa.String(length=150), nullable=False),
        sa.Column("description", sa.String(length=3000), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
    )
    op.create_index("ix_term_group_first_day", "term", ["group_id", "first_day"], unique=True)
    op.create_table(
        "rotationentry",
        _group_id(primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(length=50), nullable=False),
    )
    op.create_table(
        "reminderlead", _group_id(primary_key=True), sa.Column("seconds", sa.Integer(), primary_key=True)
    )
    op.create_table(
        "subscription",
        _group_id(primary_key=True),
        sa.Column("channel_id", sa.String(length=32), primary_key=True),
        sa.Column("kind", sa.String(length=16), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
    )
    op.create_table(
        "admin", _group_id(primary_key=True), sa.Column("user_id", sa.String(length=32), primary_key=True)
    )
    op.create_table(
        "auditentry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("group.id", ondelete="SET NULL"), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("at", utc(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=4000), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
    )
    op.create_index("ix_auditentry_group_at", "auditentry", ["group_id", "at"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        _group_id(),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("due_at", utc(), nullable=False),
        sa.Column("expires_at", utc(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", utc(), nullable=False),
        sa.Column("lease_until", utc(), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("message", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("finished_at", utc(), nullable=True),
        sa.UniqueConstraint("group_id", "key", name="uq_delivery_group_key"),
    )
    op.create_index("ix_delivery_due", "delivery", ["state", "next_attempt_at"])


def downgrade() -> None:
    raise RuntimeError(
        "0006 cannot be undone: a database with several groups per workspace has no earlier form. "
        "Restore the backup taken before the upgrade."
    )
