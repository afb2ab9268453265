"""Databases for the benchmarks: the GMG record alone, or buried among many long histories."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from storage import groups
from storage.db import make_engine, upgrade
from storage.models import Group, Term
from storage.transfer import ensure_workspace

BENCH_TEAM = "T1"


def make_database(path: Path, *, total_terms: int) -> str:
    """A migrated SQLite file: the GMG record (plus two terms, 20 in all) in T1, and other workspaces'
    groups with 100 terms each until the database holds `total_terms`."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with Session(engine) as session:
        gmg = ensure_workspace(session=session, team_id=BENCH_TEAM, seed=True, now=now)
        assert gmg.id is not None
        session.add(
            Term(group_id=gmg.id, first_day=date(2019, 1, 1), last_day=date(2019, 12, 31), chairs=["IOM"])
        )
        session.add(
            Term(group_id=gmg.id, first_day=date(2020, 1, 1), last_day=date(2020, 12, 31), chairs=["ILO"])
        )
        session.commit()
        other, team = total_terms - 20, 0
        while other > 0:
            team_id = f"TBENCH{team:05d}"
            count = min(100, other)
            group = groups.add_group(
                session=session,
                team_id=team_id,
                group=Group(name=f"Group {team}", short_name="G", timezone="UTC", term_months=6),
                user_id=groups.BOT,
                now=now,
                action="bench",
            )
            start = date(1980, 1, 1)
            session.execute(
                insert(Term),
                [
                    {
                        "group_id": group.id,
                        "first_day": start + timedelta(days=183 * i),
                        "last_day": start + timedelta(days=183 * i + 182),
                        "chairs": ["A"],
                        "theme": f"Theme {i}",
                        "description": "",
                        "note": "",
                    }
                    for i in range(count)
                ],
            )
            other -= count
            team += 1
        session.commit()
    engine.dispose()
    return url
