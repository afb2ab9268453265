"""no overlapping terms on SQLite, checked against the nearest earlier term only

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

The trigger of migration 0006 looked, for each new term, at every term of the group that starts on or
before its last day: a range on `first_day`, so importing a group's terms in order cost the square of
their number. Since the group's terms never overlap, a new term overlaps one of them exactly when it
overlaps the one that starts last on or before its last day: one step down the (group_id,
first_day) index. The update trigger, which must pass over the term itself, stays as it was.
PostgreSQL's exclusion constraint needs nothing.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEAREST = """
CREATE TRIGGER term_no_overlap_insert BEFORE INSERT ON term
WHEN EXISTS (
    SELECT 1 FROM (
        SELECT last_day FROM term AS other
        WHERE other.group_id = NEW.group_id AND other.first_day <= NEW.last_day
        ORDER BY other.first_day DESC LIMIT 1
    ) AS nearest
    WHERE nearest.last_day >= NEW.first_day
)
BEGIN SELECT RAISE(ABORT, 'term_no_overlap: the term overlaps another term of the group'); END
"""
EVERY = """
CREATE TRIGGER term_no_overlap_insert BEFORE INSERT ON term
WHEN EXISTS (
    SELECT 1 FROM term AS other
    WHERE other.group_id = NEW.group_id AND other.id IS NOT NEW.id
      AND other.first_day <= NEW.last_day AND NEW.first_day <= other.last_day
)
BEGIN SELECT RAISE(ABORT, 'term_no_overlap: the term overlaps another term of the group'); END
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER term_no_overlap_insert")
    op.execute(NEAREST)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER term_no_overlap_insert")
    op.execute(EVERY)
