"""Deploys: SIGTERM or SIGINT stops the real `gmg-bot run` with exit code 0 within 10 seconds; the
request under way is answered, no new connection is taken, each post being sent is recorded, unsent
claims are released at once, and a restart sends every post exactly once."""

import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from storage import deliveries
from storage.models import Delivery
from storage.transfer import ensure_workspace
from tests.conftest import MEMBER, SIGNING_SECRET
from tests.fakeslack import FakeSlack, post_signed, slash_command_body
from tests.test_slack_run import bot_env, free_port, wait_healthy

# The platform's patience after SIGTERM (Heroku, Kubernetes' default grace period).
PATIENCE = 10
CHANNELS = 6
POSTS_PER_CHANNEL = 8


def start(env: dict[str, str], tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[str], signum: int = signal.SIGTERM) -> tuple[int, float, str]:
    """Sends the signal; returns the exit code, the seconds it took, and what the process printed."""
    began = time.monotonic()
    process.send_signal(signum)
    try:
        output = process.communicate(timeout=PATIENCE)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"still running {PATIENCE} s after the signal") from None
    return process.returncode, time.monotonic() - began, output


def http_env(database_url: str, slack: FakeSlack, port: int) -> dict[str, str]:
    return bot_env(
        database_url,
        SLACK_BOT_TOKEN=slack.bot_token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_BASE_URL=slack.base_url,
        PORT=str(port),
    )


def fan_out(engine: Engine) -> list[str]:
    """Posts to several channels, all due now; returns their texts."""
    now = datetime.now(UTC)
    planned = [
        deliveries.Planned(
            f"fan:{c}:{i}",
            "theme",
            "T1",
            f"CFAN{c}",
            now - timedelta(seconds=1),
            now + timedelta(hours=1),
            "written",
            {"text": f"{c}/{i}", "blocks": None},
        )
        for c in range(CHANNELS)
        for i in range(POSTS_PER_CHANNEL)
    ]
    with Session(engine) as session:
        # Workspace T1's group, empty: it plans nothing of its own.
        group = ensure_workspace(session=session, team_id="T1", seed=False, now=now)
        assert group.id is not None
        deliveries.record_events(session=session, group_id=group.id, planned=planned)
        session.commit()
    return [p.params["text"] for p in planned]


def rows(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery)).all())


def test_sigterm_mid_fan_out_loses_nothing_and_doubles_nothing(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    texts = fan_out(engine)
    port = free_port()
    with FakeSlack(rate_limit_per_channel=1.0) as slack:
        env = http_env(database_url, slack, port)
        first = start(env, tmp_path)
        slack.wait_for("chat.postMessage", CHANNELS + 2, timeout=30)
        code, seconds, output = stop(first)
        assert code == 0, output
        assert seconds < PATIENCE
        left = rows(engine)
        assert all(d.lease_until is None for d in left), "a claim was left leased"
        unsent = [d for d in left if d.state == "pending"]
        assert unsent, "the signal came after the fan-out ended"
        assert all(d.claimed_by == "" and d.attempts == 0 for d in unsent if not d.reason), "released"
        second = start(env, tmp_path)
        deadline = time.monotonic() + 60
        while any(d.state != "sent" for d in rows(engine)) and time.monotonic() < deadline:
            time.sleep(0.2)
        code, _, output = stop(second)
        assert code == 0, output
        posts = Counter(text for _, text in slack.messages)
    assert set(posts) == set(texts), f"never posted: {sorted(set(texts) - set(posts))}"
    assert {t for t, n in posts.items() if n > 1} == set(), "a post went out twice"
    assert all(d.state == "sent" for d in rows(engine))


def test_sigterm_answers_the_request_under_way_and_takes_no_new_connection(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    with FakeSlack() as slack:
        slack.add_user(MEMBER)
        # The command asks Slack whether its sender is an admin: that answer is slow (but within the
        # 2 s the bot waits for it, and the 3 s Slack waits for an acknowledgement).
        slack.hang("users.info", 1.5)
        process = start(http_env(database_url, slack, port), tmp_path)
        wait_healthy(port, process)
        answers: list[tuple[int, str]] = []

        def ask() -> None:
            body = slash_command_body("deliveries", user_id=MEMBER, response_url=slack.response_url)
            status, _, text = post_signed(
                f"http://127.0.0.1:{port}/slack/events",
                body,
                secret=SIGNING_SECRET,
                content_type="application/x-www-form-urlencoded",
            )
            answers.append((status, text))

        asking = threading.Thread(target=ask)
        asking.start()
        slack.wait_for("users.info", timeout=30)
        process.send_signal(signal.SIGTERM)
        time.sleep(1)
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
        asking.join(PATIENCE)
        code, _, output = stop(process)
    assert answers and answers[0][0] == 200 and "Only GMG admins" in answers[0][1], answers
    assert code == 0, output


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_in_socket_mode_closes_the_connection_and_exits_0(
    database_url: str, tmp_path: Path, signum: int
) -> None:
    port = free_port()
    with FakeSlack() as slack:
        env = bot_env(
            database_url,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_APP_TOKEN=slack.app_token,
            SLACK_API_BASE_URL=slack.base_url,
            PORT=str(port),
        )
        process = start(env, tmp_path)
        wait_healthy(port, process)
        slack.socket_wait_connected(timeout=15)
        code, seconds, output = stop(process, signum)
        assert code == 0, output
        assert seconds < PATIENCE
        slack.socket_wait_disconnected(timeout=1)
