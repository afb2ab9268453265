"""languages: the group's, a channel's, a delivery's; translations of themes and of members' names

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

Columns are added and dropped in place (`ALTER TABLE`, SQLite 3.35 or later), never by batch mode's
copy of the table: a copy of `term` would lose its triggers (no overlapping terms), and dropping
`group` to copy it would take every group-owned row with it (its foreign keys cascade).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The language columns, and the tables they are added to.
LANGUAGES = ("group", "subscription", "delivery")
TRANSLATIONS = (("term", "translations"), ("member", "names"))


def upgrade() -> None:
    # Server defaults: for the rows already there, and for those a process not yet upgraded writes.
    op.add_column("group", sa.Column("language", sa.String(length=5), nullable=False, server_default="en"))
    op.add_column("subscription", sa.Column("language", sa.String(length=5), nullable=True))
    op.add_column("delivery", sa.Column("language", sa.String(length=5), nullable=True))
    for table, column in TRANSLATIONS:
        op.add_column(table, sa.Column(column, sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    for table, column in TRANSLATIONS:
        op.drop_column(table, column)
    for table in LANGUAGES:
        op.drop_column(table, "language")
