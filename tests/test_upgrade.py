"""A database written by the previous schema (migration 0005: everything keyed by workspace) is carried
over to group identity with nothing lost or changed: every row of every table, its ids, its JSON."""

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.posts import message_payload
from storage import groups, queries
from storage.db import MIGRATIONS, make_engine, normalize_database_url, upgrade
from storage.models import Delivery, Member, Term, UTCDateTime
from tests.conftest import BACKENDS

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*GMG handover* soon"}}]
# What the previous head held: two workspaces, a row in every table, JSON in every JSON column.
OLD_ROWS: dict[str, list[dict[str, Any]]] = {
    "group": [
        {
            "team_id": "T1",
            "name": "Global Migration Group",
            "short_name": "GMG",
            "timezone": "Europe/Zurich",
            "term_months": 12,
            "handover_time": "09:00",
            "topic_channel": "C0TOPIC1",
            "calendar_key": "key-of-T1",
            "version": 7,
        },
        {
            "team_id": "T2",
            "name": "Forum of States",
            "short_name": "",
            "timezone": "UTC",
            "term_months": 6,
            "handover_time": "00:00",
            "topic_channel": None,
            "calendar_key": None,
            "version": 0,
        },
    ],
    "member": [
        {
            "id": 11,
            "team_id": "T1",
            "code": "UN Women",
            "code_key": "unwomen",
            "name": "UN Women",
            "active": True,
            "joined": 2011,
            "note": "joined late",
            "aliases": ["UNW"],
            "focal_points": ["U0ANA"],
        },
        {
            "id": 12,
            "team_id": "T2",
            "code": "FR",
            "code_key": "fr",
            "name": "France",
            "active": False,
            "joined": None,
            "note": "",
            "aliases": [],
            "focal_points": [],
        },
    ],
    "term": [
        {
            "id": 21,
            "team_id": "T1",
            "first_day": date(2011, 1, 1),
            "last_day": date(2011, 12, 31),
            "chairs": ["UN Women"],
            "theme": "Youth",
            "description": "Adolescents | migration",
            "note": "source: UN",
        },
        {
            "id": 22,
            "team_id": "T2",
            "first_day": date(2011, 1, 1),
            "last_day": date(2011, 6, 30),
            "chairs": ["FR"],
            "theme": "",
            "description": "",
            "note": "",
        },
    ],
    "rotationentry": [{"team_id": "T1", "position": 0, "code": "UN Women"}],
    "reminderlead": [{"team_id": "T1", "seconds": 86400}, {"team_id": "T2", "seconds": 3600}],
    "subscription": [{"team_id": "T1", "channel_id": "C0COORD1", "kind": "reminders"}],
    "admin": [{"team_id": "T2", "user_id": "U0BOB"}],
    "auditentry": [
        {
            "id": 31,
            "team_id": "T1",
            "at": AT,
            "user_id": "U0ANA",
            "action": "term set 2011 UN Women",
            "before": None,
            "after": {"chairs": ["UN Women"]},
        }
    ],
    "delivery": [
        {
            "id": 41,
            "team_id": "T1",
            "key": "reminder:2027-01-01:86400:C0COORD1",
            "kind": "reminder",
            "target": "C0COORD1",
            "due_at": AT,
            "expires_at": AT,
            "state": "pending",
            "attempts": 2,
            "next_attempt_at": AT,
            "lease_until": None,
            "claimed_by": "",
            "text": "GMG handover soon",
            "blocks": BLOCKS,
            "ts": "",
            "reason": "rate limited by Slack",
            "finished_at": None,
        }
    ],
    "pausedworkspace": [{"team_id": "T2", "error": "token_revoked", "since": AT, "checked_at": AT}],
    "seenrequest": [{"key": "v0=abc", "seen_at": AT}],
}
JSON_COLUMNS = {"aliases", "focal_points", "chairs", "before", "after", "blocks"}
INSTANT_COLUMNS = {
    "at",
    "due_at",
    "expires_at",
    "next_attempt_at",
    "lease_until",
    "since",
    "checked_at",
    "seen_at",
}


def _column(name: str, value: Any) -> sa.ColumnClause[Any]:
    if name in JSON_COLUMNS:
        return sa.column(name, sa.JSON)
    if name in INSTANT_COLUMNS:
        return sa.column(name, UTCDateTime())
    if name in ("first_day", "last_day"):
        return sa.column(name, sa.Date)
    if name == "active":
        return sa.column(name, sa.Boolean)
    return sa.column(name)


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with no schema at all."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    server_url = make_url(normalize_database_url(os.environ["TEST_DATABASE_URL"]))
    name = f"gmg_upgrade_{uuid.uuid4().hex[:12]}"
    server = make_engine(server_url.render_as_string(hide_password=False))
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(server_url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def _write_old(engine: Engine) -> None:
    upgrade(engine, "0005")
    with engine.begin() as connection:
        for table, rows in OLD_ROWS.items():
            columns = [_column(name, value) for name, value in rows[0].items()]
            connection.execute(sa.table(table, *columns).insert(), rows)


def _rows(engine: Engine, table: str, columns: list[str]) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        shape = sa.table(table, *(_column(c, None) for c in columns))
        found = connection.execute(sa.select(*shape.c)).mappings().all()
    return sorted((dict(row) for row in found), key=_order)


def _order(row: dict[str, Any]) -> list[str]:
    return [str(row[k]) for k in sorted(row)]


def test_upgrade_from_the_previous_head_keeps_every_row(empty_engine: Engine) -> None:
    _write_old(empty_engine)
    upgrade(empty_engine)

    with Session(empty_engine) as session:
        first, second = (groups.default_group(session=session, team_id=t) for t in ("T1", "T2"))
        assert first is not None and second is not None
        # Each workspace's group keeps its settings, key and version, and gets a short name commands take.
        old = OLD_ROWS["group"][0]
        # The topic channel is the home workspace's now.
        moved = ("team_id", "topic_channel")
        assert {k: getattr(first, k) for k in old if k not in moved} == {
            k: v for k, v in old.items() if k not in moved
        }
        assert first.id is not None
        link = groups.link_of(session=session, team_id="T1", group_id=first.id)
        assert link is not None and link.is_home and link.topic_channel == old["topic_channel"]
        assert second.short_name == "FOS" and second.name == "Forum of States"
        assert groups.workspace_groups(session=session, team_id="T1") == [first]
        ids = {"T1": first.id, "T2": second.id}

    def expected(table: str) -> list[dict[str, Any]]:
        rows = []
        for row in OLD_ROWS[table]:
            new = {k: v for k, v in row.items() if k not in ("team_id", "text", "blocks")}
            new["group_id"] = ids[row["team_id"]]
            if table in ("subscription", "auditentry", "delivery"):
                new["team_id"] = row["team_id"]
            rows.append(new)
        return sorted(rows, key=_order)

    for table in (
        "member",
        "term",
        "rotationentry",
        "reminderlead",
        "subscription",
        "admin",
        "auditentry",
        "delivery",
    ):
        want = expected(table)
        got = _rows(empty_engine, table, sorted(want[0]))
        assert got == want, table
    for table in ("pausedworkspace", "seenrequest"):
        assert _rows(empty_engine, table, sorted(OLD_ROWS[table][0])) == OLD_ROWS[table], table

    with Session(empty_engine) as session:
        # A delivery planned before messages were data goes out exactly as it was written then.
        delivery = session.get(Delivery, 41)
        assert delivery is not None and message_payload(delivery, "en") == ("GMG handover soon", BLOCKS)
        # The calendar feed's address still works, now for the group.
        feed_group = queries.group_for_calendar_key(session=session, key="key-of-T1")
        assert feed_group is not None and feed_group.id == ids["T1"]
        # New rows get new ids, past the carried-over ones.
        member = Member(group_id=ids["T1"], code="WHO", name="World Health Organization")
        session.add(member)
        session.flush()
        assert member.id is not None and member.id > 12
        session.rollback()

    # What the database refused before, it still refuses: an overlapping term of the same group...
    with pytest.raises(IntegrityError), Session(empty_engine) as session:
        session.add(
            Term(group_id=ids["T1"], first_day=date(2011, 6, 1), last_day=date(2012, 5, 31), chairs=["X"])
        )
        session.commit()
    # ...but the same days in another group are fine, and a row of no group is refused.
    with Session(empty_engine) as session:
        session.add(
            Term(group_id=ids["T2"], first_day=date(2011, 7, 1), last_day=date(2011, 12, 31), chairs=["FR"])
        )
        session.commit()
    with pytest.raises(IntegrityError), Session(empty_engine) as session:
        session.add(Member(group_id=999, code="X", name="X"))
        session.commit()


def test_an_empty_database_upgrades_too(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0005")
    upgrade(empty_engine)
    with Session(empty_engine) as session:
        assert groups.list_team_ids(session=session) == []


def _downgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


# Migration 0007: what each table gains, and what its rows hold then.
LANGUAGE_COLUMNS = {
    "group": ("language", "en"),
    "subscription": ("language", None),
    "delivery": ("language", None),
    "term": ("translations", {}),
    "member": ("names", {}),
}


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_languages_upgrade_keeps_every_row_and_downgrade_drops_the_columns(empty_engine: Engine) -> None:
    _write_old(empty_engine)
    upgrade(empty_engine, "0006")
    kept = {table: _rows(empty_engine, table, ["group_id"]) for table in LANGUAGE_COLUMNS if table != "group"}
    upgrade(empty_engine)

    for table, (column, value) in LANGUAGE_COLUMNS.items():
        shape = sa.table(table, sa.column(column, sa.JSON if isinstance(value, dict) else sa.String))
        with empty_engine.connect() as connection:
            values = connection.execute(sa.select(*shape.c)).scalars().all()
        assert values and set(map(str, values)) == {str(value)}, table
    with Session(empty_engine) as session:
        group = groups.default_group(session=session, team_id="T1")
        assert group is not None and group.language == "en"
        term = session.get(Term, 21)
        assert term is not None and term.translations == {} and term.theme == "Youth"
        # A process not yet upgraded writes rows without the new columns: they get their defaults.
        session.execute(
            text(
                "INSERT INTO term (group_id, first_day, last_day, chairs, theme, description, note) "
                "VALUES (:group, '2013-01-01', '2013-12-31', '[\"UN Women\"]', '', '', '')"
            ),
            {"group": group.id},
        )
        session.commit()
        added = queries.term_on_or_before(session=session, group_id=group.id or 0, day=date(2013, 1, 1))
        assert added is not None and added.translations == {}

    _downgrade(empty_engine, "0006")
    for table, (column, _) in LANGUAGE_COLUMNS.items():
        assert column not in _columns(empty_engine, table), table
    for table, rows in kept.items():
        assert len(_rows(empty_engine, table, ["group_id"])) >= len(rows), table
    # The database still refuses overlapping terms (SQLite's triggers went nowhere).
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO term (group_id, first_day, last_day, chairs, theme, description, note) "
                "SELECT group_id, '2011-06-01', '2012-05-31', '[]', '', '', '' FROM term WHERE id = 21"
            )
        )
    upgrade(empty_engine)
    assert "translations" in _columns(empty_engine, "term")
