"""change notices: PostgreSQL tells listening replicas when a group or a workspace's links change

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Each replica keeps answers in memory until something changes (storage/change_watch.py). Triggers,
rather than the code that writes, send the notice: no write path can forget it, a change made by hand
in psql included. Statement-level: one notice per statement, and PostgreSQL folds those of one
transaction into one, sent at commit. SQLite needs nothing: `PRAGMA data_version` says as much.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("group", "grouplink")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION gmg_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('gmg_changes', '');
            RETURN NULL;
        END $$
        """
    )
    for table in TABLES:
        op.execute(
            f'CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION gmg_notify_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f'DROP TRIGGER {table}_changed ON "{table}"')
    op.execute("DROP FUNCTION gmg_notify_change()")
