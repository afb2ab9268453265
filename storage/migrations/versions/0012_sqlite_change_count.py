"""change count on SQLite: a number that moves only when a group or a workspace's links change

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

On SQLite the change watch (storage/change_watch.py) read `PRAGMA data_version`, which moves at every
commit by another connection, of any table: a delivery sent, a request recorded, the re-planning of
every group when the bot starts (about 10 ms a group, each committed). Each move made every kept
answer be checked against the database again, and a freshly started bot with 1,000 groups answered
at half its speed for its first 16 s. Triggers, like PostgreSQL's of migration 0010, now count the
changes of the two tables that answers depend on; the watch reads the count only when data_version
has moved. PostgreSQL needs nothing here.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("group", "grouplink")
OPERATIONS = ("insert", "update", "delete")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE gmg_change_count (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)")
    op.execute("INSERT INTO gmg_change_count (id, n) VALUES (1, 0)")
    for table in TABLES:
        for operation in OPERATIONS:
            op.execute(
                f'CREATE TRIGGER gmg_change_{table}_{operation} AFTER {operation.upper()} ON "{table}" '
                "BEGIN UPDATE gmg_change_count SET n = n + 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        for operation in OPERATIONS:
            op.execute(f"DROP TRIGGER gmg_change_{table}_{operation}")
    op.execute("DROP TABLE gmg_change_count")
