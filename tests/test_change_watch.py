"""Answers kept in memory: a repeated question costs no database read while nothing changed, and a
change saved by another process (another replica, the command line) is seen at once: on SQLite by
`PRAGMA data_version` and migration 0012's count of changes, on PostgreSQL by the notices of migration
0010's triggers."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime

from sqlalchemy import event, text
from sqlmodel import Session

from storage import requests
from storage.db import make_engine
from tests.conftest import RunningBot, running_bot
from tests.fakeslack import FakeSlack
from tests.test_robustness import answer_text

QUESTION = "theme 2011-H1"


def change_elsewhere(database_url: str) -> None:
    """Changes the theme from another process, the command line."""
    changed = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--team", "T1", "theme", "set", "2011-H1", "Set elsewhere"],
        env={**os.environ, "DATABASE_URL": database_url, "SLACK_BOT_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert changed.returncode == 0, changed.stderr


def test_a_repeated_question_reads_nothing_from_the_database(bot: RunningBot) -> None:
    bot.command("help")  # the workspace's group, set up
    first = answer_text(bot.command(QUESTION)[1])
    statements: list[str] = []
    event.listen(bot.services.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    again = [answer_text(bot.command(QUESTION)[1]) for _ in range(5)]
    assert "Youth and global migration" in first
    assert again == [first] * 5
    assert statements == []


def test_a_change_saved_by_another_process_is_answered_at_once(bot: RunningBot, database_url: str) -> None:
    assert "Youth and global migration" in answer_text(bot.command(QUESTION)[1])
    change_elsewhere(database_url)
    # The command line has committed: SQLite sees it on the next question; PostgreSQL's notice is
    # on its way, and comes within moments.
    seen_after = None
    started = time.monotonic()
    while time.monotonic() - started < 5:
        if "Set elsewhere" in answer_text(bot.command(QUESTION)[1]):
            seen_after = time.monotonic() - started
            break
        time.sleep(0.02)
    assert seen_after is not None and seen_after < 1.0, seen_after


def test_without_its_triggers_the_watch_hears_nothing_and_answers_read_the_database(
    database_url: str, slack: FakeSlack
) -> None:
    """A database whose notices cannot be trusted (here: the triggers of migration 0010, or of 0012 on
    SQLite, gone; so it is behind a pooler that does not pass notices on) must not pass for one where
    nothing changes."""
    engine = make_engine(database_url)
    sqlite = database_url.startswith("sqlite")
    with engine.begin() as connection:
        dropped = "gmg_change_group_update" if sqlite else 'group_changed ON "group"'
        connection.execute(text(f"DROP TRIGGER {dropped}"))
    try:
        with running_bot(database_url, slack) as bot:
            assert "Youth and global migration" in answer_text(bot.command(QUESTION)[1])
            assert "Youth and global migration" in answer_text(bot.command(QUESTION)[1])
            change_elsewhere(database_url)
            after = answer_text(bot.command(QUESTION)[1])
    finally:
        with engine.begin() as connection:
            connection.execute(
                text(
                    'CREATE TRIGGER gmg_change_group_update AFTER UPDATE ON "group" '
                    "BEGIN UPDATE gmg_change_count SET n = n + 1; END"
                )
                if sqlite
                else text(
                    'CREATE TRIGGER group_changed AFTER INSERT OR UPDATE OR DELETE ON "group" '
                    "FOR EACH STATEMENT EXECUTE FUNCTION gmg_notify_change()"
                )
            )
        engine.dispose()
    assert "Set elsewhere" in after


def test_a_commit_that_changes_no_group_keeps_the_answers(bot: RunningBot) -> None:
    """Deliveries sent, requests recorded, every group re-planned at start: commits that change no
    group and no link leave kept answers as they are, with no database read."""
    bot.command("help")
    first = answer_text(bot.command(QUESTION)[1])
    statements: list[str] = []
    event.listen(bot.services.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with Session(make_engine(bot.services.settings.database_url)) as other:  # another connection
        for number in range(3):
            assert requests.first_time(session=other, key=f"bench:{number}", now=datetime.now(UTC))
            assert answer_text(bot.command(QUESTION)[1]) == first
    assert statements == []
