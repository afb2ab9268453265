"""`gmg-bot run` as a real process: HTTP and Socket Mode against the fake Slack, and start-up errors."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import MEMBER, SIGNING_SECRET
from tests.fakeslack import FakeSlack, post_signed, slash_command_body, slash_command_payload

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bot_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GMG_", "PORT"))}
    env.update({"DATABASE_URL": database_url, "LOG_LEVEL": "INFO", **extra})
    return env


@contextmanager
def running(env: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_healthy(port: int, process: subprocess.Popen[str]) -> None:
    for _ in range(150):
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the bot never became healthy")


def test_run_serves_http(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    with FakeSlack() as slack:
        slack.add_user(MEMBER)
        env = bot_env(
            database_url,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_BASE_URL=slack.base_url,
            PORT=str(port),
        )
        with running(env, tmp_path) as process:
            wait_healthy(port, process)
            body = slash_command_body("chair 2011-03-15", user_id=MEMBER, response_url=slack.response_url)
            status, _, answer = post_signed(
                f"http://127.0.0.1:{port}/slack/events",
                body,
                secret=SIGNING_SECRET,
                content_type="application/x-www-form-urlencoded",
            )
            assert status == 200 and "UNICEF" in answer
            process.terminate()
            output = process.communicate(timeout=10)[0]
        assert slack.calls_to("auth.test"), "the bot checks its token at start"
    assert "command=chair" in output and "outcome=answered" in output and "ms=" in output
    assert slack.bot_token not in output and SIGNING_SECRET not in output


def test_run_serves_socket_mode_and_healthz(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    with FakeSlack() as slack:
        env = bot_env(
            database_url,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_APP_TOKEN=slack.app_token,
            SLACK_API_BASE_URL=slack.base_url,
            PORT=str(port),
        )
        with running(env, tmp_path) as process:
            wait_healthy(port, process)
            slack.socket_wait_connected(timeout=15)
            envelope = slack.socket_send("slash_commands", slash_command_payload("history 2011"))
            ack = slack.socket_wait_ack(envelope, timeout=10)
            process.terminate()
            output = process.communicate(timeout=10)[0]
    assert "UNESCO" in str(ack["payload"]), ack
    assert slack.app_token not in output


def start_up_error(env: dict[str, str], tmp_path: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=tmp_path,
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    # Log lines may come before it; the error itself is one line.
    lines = [line for line in result.stderr.splitlines() if line.startswith("gmg-bot:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_start_without_bot_token_names_it(database_url: str, tmp_path: Path) -> None:
    line = start_up_error(bot_env(database_url, SLACK_SIGNING_SECRET=SIGNING_SECRET), tmp_path)
    assert "SLACK_BOT_TOKEN is not set" in line and "OAuth & Permissions" in line


def test_start_with_malformed_database_url_names_it(tmp_path: Path) -> None:
    env = bot_env("mysql+nothing:/x", SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET=SIGNING_SECRET)
    line = start_up_error(env, tmp_path)
    assert line.startswith("gmg-bot: DATABASE_URL is not valid")


def test_start_with_a_refused_token_names_it(database_url: str, tmp_path: Path) -> None:
    with FakeSlack() as slack:
        env = bot_env(
            database_url,
            SLACK_BOT_TOKEN="xoxb-wrong",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_BASE_URL=slack.base_url,
        )
        line = start_up_error(env, tmp_path)
    assert "Slack refused SLACK_BOT_TOKEN" in line and "xoxb-wrong" not in line


def test_manifest_in_the_repository_is_what_the_command_prints(tmp_path: Path) -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "bot", "manifest", "--socket"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert printed == (ROOT / "manifest.yml").read_text()
    http = subprocess.run(
        [sys.executable, "-m", "bot", "manifest", "--url", "https://gmg.example.org/"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert "request_url: https://gmg.example.org/slack/events" in http
    assert "socket_mode_enabled: false" in http and "should_escape: true" in http
