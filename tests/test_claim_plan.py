"""The claim finds the due deliveries through the index on (state, next_attempt_at), however many
finished ones the years have piled up: every replica runs it every few seconds."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, text
from sqlmodel import Session

from storage import deliveries
from storage.models import Delivery
from storage.transfer import ensure_workspace

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def test_the_claim_query_uses_the_due_index(engine: Engine) -> None:
    with Session(engine) as session:
        group_id = ensure_workspace(session=session, team_id="T1", seed=False, now=NOW).id
        session.commit()
    # Ten years of posts to 2,000 channels sent, and the next reminders pending.
    rows = [
        {
            "group_id": group_id,
            "team_id": "T1",
            "key": f"reminder:{n}",
            "kind": "reminder",
            "target": f"C{n % 2000:06d}",
            "due_at": NOW + timedelta(minutes=n - 20_000),
            "expires_at": NOW + timedelta(minutes=n - 19_000),
            "next_attempt_at": NOW + timedelta(minutes=n - 20_000),
            "state": "sent" if n < 20_000 else "pending",
            "message": "notice.reminder",
        }
        for n in range(20_100)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Delivery), rows)
        connection.execute(text("ANALYZE"))
    claim = deliveries.claim_statement(now=NOW, worker="w1", lease=timedelta(minutes=2), limit=100)
    compiled = claim.compile(dialect=engine.dialect)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            lines = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars().all()
        else:
            positional = tuple(compiled.params[name] for name in compiled.positiontup or ())
            lines = [r[-1] for r in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", positional)]
    plan = "\n".join(lines)
    assert "ix_delivery_due" in plan, plan
    # No full pass over the table to find them.
    assert "Seq Scan on delivery" not in plan and "SCAN delivery\n" not in plan + "\n", plan
