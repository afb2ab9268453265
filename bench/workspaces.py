"""Ten thousand workspaces on PostgreSQL: each with its own group, a channel subscribed to reminders and
a handover on the same day, whose reminder falls due at the same instant for all. Two `gmg-bot run`
replicas drain them against a fake Slack that allows one message per second per channel.

The setup plans one group's reminder with the bot's own planner and writes the same rows for every
workspace (planning 10,000 groups one by one would take minutes); the replicas, as they start,
re-plan every group and find each plan already in place."""

import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, make_url, text
from sqlmodel import Session

from handlers import notices
from storage.db import make_engine, upgrade
from storage.matching import member_key
from storage.models import Delivery, Group, GroupLink, Member, ReminderLead, Subscription, Term

# Time for both replicas to start before the reminders fall due.
DUE_AFTER = timedelta(seconds=20)


@contextmanager
def bench_database(server_url: str) -> Iterator[str]:
    """A migrated PostgreSQL database of its own on the server of `server_url`, dropped afterwards."""
    server = make_engine(server_url, answer_within=60)
    name = f"gmg_bench_{uuid.uuid4().hex[:12]}"
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(make_engine(url, answer_within=60))
        yield url
    finally:
        with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def fill(engine: Engine, workspaces: int) -> datetime:
    """Writes the workspaces' groups and their reminders; returns the instant they fall due."""
    due = datetime.now(UTC).replace(microsecond=0) + DUE_AFTER
    handover = datetime.combine(due.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    lead = int((handover - due).total_seconds())
    today = handover.date() - timedelta(days=1)

    def rows(group_id: int) -> dict[type[Any], list[dict[str, Any]]]:
        team, channel = f"TW{group_id:06d}", f"CW{group_id:06d}"
        return {
            Group: [{"id": group_id, "name": f"Group {group_id}", "short_name": "G", "timezone": "UTC"}],
            GroupLink: [
                {"team_id": team, "group_id": group_id, "short_key": "g", "is_default": True, "is_home": True}
            ],
            Member: [
                {
                    "group_id": group_id,
                    "code": code,
                    "name": code,
                    "code_key": member_key(code),
                    "aliases": [],
                    "focal_points": [],
                }
                for code in ("IOM", "ILO")
            ],
            Term: [
                {"group_id": group_id, "first_day": today - timedelta(days=180), "last_day": today},
                {
                    "group_id": group_id,
                    "first_day": handover.date(),
                    "last_day": date(handover.year + 1, 1, 1),
                },
            ],
            ReminderLead: [{"group_id": group_id, "seconds": lead}],
            Subscription: [
                {"group_id": group_id, "team_id": team, "channel_id": channel, "kind": "reminders"}
            ],
        }

    with Session(engine) as session:
        for table, values in rows(1).items():
            session.execute(insert(table), [_term_chairs(table, v) for v in values])
        group = session.get(Group, 1)
        assert group is not None
        plan = notices.planned_deliveries(session=session, group=group, now=due - DUE_AFTER)
        reminders = [p for p in plan if p.kind == "reminder" and p.due_at == due]
        assert len(reminders) == 1, plan
        template = asdict(reminders[0])
        for start in range(1, workspaces + 1, 1000):
            batch = range(start, min(start + 1000, workspaces + 1))
            for table in (Group, GroupLink, Member, Term, ReminderLead, Subscription):
                values = [_term_chairs(table, v) for g in batch if g > 1 for v in rows(g)[table]]
                if values:
                    session.execute(insert(table), values)
            session.execute(
                insert(Delivery),
                [
                    {
                        **template,
                        "key": template["key"].replace("CW000001", f"CW{g:06d}"),
                        "group_id": g,
                        "team_id": f"TW{g:06d}",
                        "target": f"CW{g:06d}",
                        "next_attempt_at": template["due_at"],
                    }
                    for g in batch
                ],
            )
        session.execute(
            text("SELECT setval(pg_get_serial_sequence('\"group\"', 'id'), :n)"), {"n": workspaces}
        )
        session.commit()
    return due


def _term_chairs(table: type[Any], values: dict[str, Any]) -> dict[str, Any]:
    if table is Term:
        return {"chairs": ["IOM"], "theme": "", "description": "", "note": "", "translations": {}, **values}
    return values


def drain(
    database_url: str,
    base_url: str,
    calls: Callable[[], list[dict[str, Any]]],
    workspaces: int,
    due: datetime,
) -> tuple[float, int, int]:
    """Runs two replicas until every channel has its reminder (or 10 minutes pass): seconds from the
    due instant to the last post, channels reached exactly once, and posts."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "bench",
        "SLACK_API_BASE_URL": base_url,
        "LOG_LEVEL": "WARNING",
        "GMG_ADMINS": "",
        "GMG_SEED": "none",
    }
    offset = time.time() - time.monotonic()
    replicas = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env={**env, "PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in (18731, 18732)
    ]
    try:
        deadline = time.monotonic() + 600
        posts: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            posts = [c for c in calls() if c["method"] == "chat.postMessage"]
            if len(posts) >= workspaces:
                break
            time.sleep(1)
    finally:
        for replica in replicas:
            replica.terminate()
        for replica in replicas:
            replica.wait(timeout=30)
    per_channel = Counter(c["body"]["channel"] for c in posts)
    last = max((c["at"] + offset for c in posts), default=float("nan"))
    once = sum(1 for count in per_channel.values() if count == 1)
    return last - due.timestamp(), once, len(posts)
