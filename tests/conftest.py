"""Every test that touches the database runs on SQLite and, when TEST_DATABASE_URL is set, on
PostgreSQL too. The schema comes from the real Alembic migrations, never from create_all."""

import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, make_url, text
from sqlmodel import Session, SQLModel

from bot.app import create_app, create_services
from bot.listeners.commands import edge_notice
from bot.server import Routes, make_server
from bot.service import Services
from bot.settings import Settings
from handlers import Response, handle_command
from messages.languages import LANGUAGES
from storage import groups, queries
from storage.db import BATCH, make_engine, normalize_database_url, upgrade
from storage.models import Group, Term
from storage.transfer import ensure_workspace
from tests.fakeslack import FakeSlack, post_signed, slash_command_body

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


SLACK_STORE_TABLES = ["slack_installations", "slack_bots", "slack_oauth_states"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own for this test run, so that runs sharing one server do not collide."""
    server_url = make_url(normalize_database_url(os.environ["TEST_DATABASE_URL"]))
    name = f"gmg_test_{uuid.uuid4().hex[:12]}"
    server = make_engine(server_url.render_as_string(hide_password=False))
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with server.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "gmg.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    # No serving deadline: a server slow to sync the emptied tables is waited for, not cut off.
    engine = make_engine(url, answer_within=BATCH)
    # With slack-sdk's installation and state stores (migration 0008), which are not models of ours.
    names = [t.name for t in SQLModel.metadata.sorted_tables] + SLACK_STORE_TABLES
    with engine.begin() as connection:
        # Emptying every table waits for the previous test's connections to let go of them (a
        # command-line process still exiting): no answer-path timeout applies here.
        connection.execute(text("SET LOCAL statement_timeout = 0"))
        # DELETE, not TRUNCATE: TRUNCATE gives every table and index new files, which the server
        # syncs and removes at its next checkpoint; hundreds of tests' worth (20,000 files) stalled
        # its disk for seconds, past the bot's own bound on a wait for the database.
        for name in reversed(names):  # the tables that refer to others first
            connection.execute(text(f'DELETE FROM "{name}"'))
        sequences = connection.execute(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
        ).scalars()
        for sequence in sequences.all():
            connection.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
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
    return ensure_workspace(session=session, team_id="T1", seed=True, now=NOW)


@pytest.fixture
def empty_group(session: Session) -> Group:
    return ensure_workspace(session=session, team_id="T2", seed=False, now=NOW)


def workspace_group(session: Session, team_id: str = "T1") -> Group:
    """The workspace's default group: the one its commands without a group name go to."""
    group = groups.default_group(session=session, team_id=team_id)
    assert group is not None and group.id is not None, f"workspace {team_id} has no group"
    return group


def default_group_id(session: Session, team_id: str = "T1") -> int:
    """The id of the workspace's default group."""
    group_id = workspace_group(session, team_id).id
    assert group_id is not None
    return group_id


def workspace_terms(session: Session, team_id: str = "T1") -> list[Term]:
    """The terms of every group the workspace sees (none when it has no group yet)."""
    return [
        term
        for group in groups.workspace_groups(session=session, team_id=team_id)
        for term in queries.list_terms(session=session, group_id=group.id or 0)
    ]


class Asker:
    """Sends /gmg commands from the workspace of `group`, as `handle_command` takes them."""

    def __init__(self, session: Session, group: Group) -> None:
        self.session = session
        self.group = group
        assert group.id is not None
        self.team_id = groups.teams_of(session=session, group_id=group.id)[0]

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
            team_id=self.team_id,
            text=text,
            user_id=user,
            is_admin=admin,
            now=now,
            channel_id=channel,
        )


@pytest.fixture
def ask(session: Session, group: Group) -> Asker:
    return Asker(session, group)


SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
OPERATOR = "UOPERATOR"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(ADMIN, is_admin=True)
        fake.add_user(MEMBER)
        fake.add_user(OPERATOR)
        yield fake


def bot_settings(database_url: str, slack: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "slack_bot_token": slack.bot_token,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_base_url": slack.base_url,
        "gmg_admins": OPERATOR,
        **overrides,
    }
    return Settings(**values)


# What an answer that comes late says first, in each language.
LATE_NOTES = {edge_notice("answer.working", language) for language in LANGUAGES}


@dataclass
class RunningBot:
    url: str
    services: Services
    slack: FakeSlack

    def command(
        self,
        text: str,
        *,
        user: str = MEMBER,
        team: str = "T1",
        channel: str = "C0COORD1",
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        response_url: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Sends a slash command exactly as Slack does; returns the status and the JSON answer: the
        one the asker finally reads, which follows through the response_url when it came late (unless
        the test gives its own `response_url`, to see the note)."""
        path = f"/commands/{team}/{uuid.uuid4().hex}/gmg"
        body = slash_command_body(
            text,
            user_id=user,
            team_id=team,
            channel_id=channel,
            response_url=response_url or self.slack.url + path,
        )
        status, _, raw = post_signed(
            self.url + "/slack/events",
            body,
            secret=secret,
            content_type="application/x-www-form-urlencoded",
            timestamp=timestamp,
        )
        answer = json.loads(raw) if raw.startswith("{") else {"raw": raw}
        if response_url is None and answer.get("text") in LATE_NOTES:
            answer = self.slack.wait_for_response(path, timeout=30)
        return status, answer


@pytest.fixture
def bot(database_url: str, slack: FakeSlack) -> Iterator[RunningBot]:
    """The bot's real app under its real server on a loopback port, against the fake Slack."""
    with running_bot(database_url, slack) as running:
        yield running


@contextmanager
def running_bot(database_url: str, slack: FakeSlack, **settings_overrides: Any) -> Iterator[RunningBot]:
    settings = bot_settings(database_url, slack, **settings_overrides)
    engine = make_engine(database_url)
    services = create_services(settings, engine)
    server = make_server(Routes(engine=engine, bolt_app=create_app(services)), host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield RunningBot(f"http://127.0.0.1:{server.effective_port}", services, slack)
    finally:
        server.close()
        thread.join(timeout=5)
        services.close()
        engine.dispose()
