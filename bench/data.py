"""Databases for the benchmarks: the GMG record alone, or buried among many long histories."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from storage.db import make_engine, upgrade
from storage.models import Group, Term
from storage.transfer import ensure_group

BENCH_TEAM = "T1"


def make_database(path: Path, *, total_terms: int) -> str:
    """A migrated SQLite file: the GMG record (plus two terms, 20 in all) in T1, and other workspaces
    with 100 terms each until the database holds `total_terms`."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with Session(engine) as session:
        ensure_group(session=session, team_id=BENCH_TEAM, seed=True, now=now)
        session.add(
            Term(team_id=BENCH_TEAM, first_day=date(2019, 1, 1), last_day=date(2019, 12, 31), chairs=["IOM"])
        )
        session.add(
            Term(team_id=BENCH_TEAM, first_day=date(2020, 1, 1), last_day=date(2020, 12, 31), chairs=["ILO"])
        )
        session.commit()
        other, team = total_terms - 20, 0
        while other > 0:
            team_id = f"TBENCH{team:05d}"
            count = min(100, other)
            session.add(Group(team_id=team_id, name=f"Group {team}", timezone="UTC", term_months=6))
            start = date(1980, 1, 1)
            session.execute(
                insert(Term),
                [
                    {
                        "team_id": team_id,
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
