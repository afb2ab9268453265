"""Every test that touches the database runs on SQLite and, when TEST_DATABASE_URL is set, on
PostgreSQL too. The schema comes from the real Alembic migrations, never from create_all."""

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

from handlers import Response, handle_command
from storage.db import make_engine, normalize_database_url, upgrade
from storage.models import Group
from storage.transfer import ensure_group

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
ADMIN = "UADMIN01"
MEMBER = "UMEMBER1"
# A "now" inside the GMG's record, so that answers about "today" are stable.
NOW = datetime(2011, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "gmg.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = normalize_database_url(os.environ["TEST_DATABASE_URL"])
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "gmg.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def group(session: Session) -> Group:
    """The built-in GMG record in workspace T1."""
    return ensure_group(session=session, team_id="T1", seed=True, now=NOW)


@pytest.fixture
def empty_group(session: Session) -> Group:
    return ensure_group(session=session, team_id="T2", seed=False, now=NOW)


class Asker:
    def __init__(self, session: Session, group: Group) -> None:
        self.session = session
        self.group = group

    def __call__(
        self,
        text: str,
        *,
        user: str = ADMIN,
        admin: bool = True,
        now: datetime = NOW,
        channel: str | None = "C0COORD1",
    ) -> Response:
        return handle_command(
            session=self.session,
            group=self.group,
            text=text,
            user_id=user,
            is_admin=admin,
            now=now,
            channel_id=channel,
        )


@pytest.fixture
def ask(session: Session, group: Group) -> Asker:
    return Asker(session, group)
