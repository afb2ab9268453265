"""A database that is down, or that accepts connections and never answers: every page and command
gets a short, clear answer in bounded time, start-up gives up, and all recovers by itself.

Faults of the network (a server that stops answering) are made with a TCP proxy in front of
PostgreSQL, so those tests run on PostgreSQL only; a database that is down is tested on both."""

import logging
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.server import Routes, make_server
from storage import queries
from storage.db import is_unavailable, make_engine, normalize_database_url
from storage.transfer import ensure_workspace
from tests.conftest import ADMIN, NOW, SIGNING_SECRET, RunningBot
from tests.tcpproxy import TcpProxy

UNAVAILABLE = "The database is not answering, so nothing was changed. Please try again in a minute."


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    server = make_url(normalize_database_url(os.environ["TEST_DATABASE_URL"]))
    with TcpProxy(server.host or "127.0.0.1", server.port or 5432) as proxy:
        yield proxy


@pytest.fixture
def database_url(database_url: str, request: pytest.FixtureRequest) -> str:
    """PostgreSQL through the proxy, whose faults each test chooses; SQLite as it is."""
    if database_url.startswith("sqlite"):
        return database_url
    proxy: TcpProxy = request.getfixturevalue("proxy")
    return proxy.url(database_url)


def postgresql_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a server that stops answering is a network fault: PostgreSQL only")


def get(url: str, timeout: float = 10) -> tuple[int, bytes, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(), time.monotonic() - started


def timed_command(bot: RunningBot, text: str, user: str = ADMIN) -> tuple[int, str, float]:
    started = time.monotonic()
    status, answer = bot.command(text, user=user)
    return status, answer.get("text", ""), time.monotonic() - started


# -- a server that stops answering (PostgreSQL) ---------------------------------------------------


def test_a_server_that_stops_answering_gets_clear_answers_in_time_and_the_bot_recovers(
    bot: RunningBot, proxy: TcpProxy, database_url: str
) -> None:
    postgresql_only(database_url)
    assert "UNICEF" in timed_command(bot, "chair 2011-03-15")[1]  # connections are open and pooled
    proxy.hold()
    status, body, took = get(bot.url + "/healthz")
    assert (status, body) == (503, b"database unreachable\n") and took < 5
    for command in ("term set 2040 IOM Safe migration", "chair 2011-03-15", "chair 2011-03-15"):
        status, shown, took = timed_command(bot, command)
        assert (status, shown) == (200, UNAVAILABLE), command
        assert took < 3, f"{command}: {took:.2f} s"

    proxy.forward()
    assert get(bot.url + "/healthz")[:2] == (200, b"ok\n")
    assert "No chair is known" in timed_command(bot, "chair 2040-03-01")[1]  # nothing was changed
    assert "Term saved" in timed_command(bot, "term set 2040 IOM Safe migration")[1]
    assert "*IOM*" in timed_command(bot, "chair 2040-03-01")[1]
    # Every request thread that waited has returned its connection.
    assert bot.services.engine.pool.checkedout() == 0


def while_held(proxy: TcpProxy, action: Callable[[], object]) -> tuple[BaseException | None, float]:
    """Runs `action` while the server does not answer, for 5 s at most (then it answers again):
    what `action` raised, and how long it took."""
    outcome: dict[str, Any] = {"error": None}

    def run() -> None:
        started = time.monotonic()
        try:
            action()
        except Exception as exc:
            outcome["error"] = exc
        outcome["took"] = time.monotonic() - started

    proxy.hold()
    thread = threading.Thread(target=run)
    thread.start()
    thread.join(5)
    proxy.forward()
    thread.join()
    return outcome["error"], outcome["took"]


def test_a_statement_cut_off_mid_answer_fails_in_time_and_its_connection_is_replaced(
    database_url: str, proxy: TcpProxy
) -> None:
    """The connection is open and idle in a transaction when the server stops answering: the next
    statement, and a COMMIT (which SQLAlchemy's statement events do not see), end with an error."""
    postgresql_only(database_url)
    engine = make_engine(database_url)
    try:
        for step in ("statement", "commit"):
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                if step == "statement":
                    error, took = while_held(proxy, lambda: connection.execute(text("SELECT 1")))
                else:
                    error, took = while_held(proxy, connection.commit)
            assert isinstance(error, OperationalError) and is_unavailable(error), (step, error)
            assert took < 3, (step, took)
            with engine.connect() as connection:
                assert connection.execute(text("SELECT 2")).scalar() == 2
    finally:
        engine.dispose()


def test_a_statement_that_runs_too_long_is_cancelled_and_its_connection_kept(database_url: str) -> None:
    postgresql_only(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar()
            started = time.monotonic()
            with pytest.raises(OperationalError, match="statement timeout"):
                connection.execute(text("SELECT pg_sleep(4)"))
            assert time.monotonic() - started < 3
            connection.rollback()
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar() == backend
    finally:
        engine.dispose()


def test_a_pooled_connection_the_server_closed_is_replaced_without_an_error(
    database_url: str, proxy: TcpProxy
) -> None:
    """A restarted server closes every connection: the pool must not hand out a dead one."""
    postgresql_only(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        proxy.refuse()  # resets the pooled connection
        proxy.forward()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("fault", ["hold", "refuse"])
@pytest.mark.parametrize("args", [["run"], ["ask", "chair"], ["db", "upgrade"]])
def test_start_up_gives_up_on_a_database_that_does_not_answer(
    database_url: str, proxy: TcpProxy, tmp_path: Path, fault: str, args: list[str]
) -> None:
    postgresql_only(database_url)
    getattr(proxy, fault)()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GMG_", "SLACK_", "DATABASE_URL"))}
    env |= {
        "PYTHONPATH": str(Path(__file__).parents[1]),  # this checkout's code, whatever is installed
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_BASE_URL": "http://127.0.0.1:9/api/",
    }
    started = time.monotonic()
    command = [sys.executable, "-m", "bot", *args]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 20
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("gmg-bot: cannot reach the database"), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stdout == ""


# -- a database that is down (both backends) ------------------------------------------------------


@contextmanager
def database_down(database_url: str, engine: Engine, request: pytest.FixtureRequest) -> Iterator[None]:
    """PostgreSQL: connections are reset. SQLite: the database's folder is gone (a lost volume)."""
    if database_url.startswith("postgresql"):
        proxy: TcpProxy = request.getfixturevalue("proxy")
        proxy.refuse()
        yield
        proxy.forward()
        return
    folder = Path(make_url(database_url).database or "").parent
    away = folder.with_name(folder.name + "-away")
    folder.rename(away)
    engine.dispose()  # pooled connections hold the file open
    yield
    away.rename(folder)


@pytest.fixture
def public_site(database_url: str) -> Iterator[tuple[str, Engine]]:
    """The server with the calendar feed and the public page on, and no Slack endpoint."""
    engine = make_engine(database_url)
    server = make_server(Routes(engine=engine, bolt_app=None, public_page=True), host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", engine
    finally:
        server.close()
        thread.join(timeout=5)
        engine.dispose()


def test_the_feed_and_the_page_answer_503_while_the_database_is_down(
    public_site: tuple[str, Engine],
    database_url: str,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, engine = public_site
    with Session(engine) as session:
        group = ensure_workspace(session=session, team_id="T1", seed=True, now=NOW)
        assert group.id is not None
        key = queries.calendar_key(session=session, group_id=group.id)
        session.commit()
    pages = [f"{url}/calendar.ics?key={key}", f"{url}/", f"{url}/healthz"]
    assert [get(page)[0] for page in pages] == [200, 200, 200]

    with database_down(database_url, engine, request):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            answers = [get(page) for page in pages]
        logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(status, body) for status, body, _ in answers] == [(503, b"database unreachable\n")] * 3
    assert all(took < 5 for _, _, took in answers)
    # One line for each, and no traceback.
    assert len(logged) == 3 and not any(r.exc_info for r in logged), [r.getMessage() for r in logged]
    assert [get(page)[0] for page in pages] == [200, 200, 200]


def test_a_command_while_the_database_is_down_says_so(
    bot: RunningBot, database_url: str, request: pytest.FixtureRequest
) -> None:
    assert "UNICEF" in timed_command(bot, "chair 2011-03-15")[1]
    with database_down(database_url, bot.services.engine, request):
        for command in ("chair 2011-03-15", "term set 2040 IOM"):
            status, shown, took = timed_command(bot, command)
            assert (status, shown) == (200, UNAVAILABLE) and took < 3, command
    assert "Term saved" in timed_command(bot, "term set 2040 IOM")[1]
