"""The public schedule page at `/`: off unless GMG_PUBLIC_PAGE=on; what it shows, what it never
shows; and the page in a real headless Chromium (Debian's `chromium`), with a screenshot kept in
test-artifacts/page.png."""

import re
import shutil
import struct
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session
from waitress import wasyncore

from bot.server import Routes, make_server
from handlers.page import CSP, STYLE
from storage import groups, queries
from storage.models import Group
from tests.conftest import NOW, Asker, RunningBot

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on PATH: install Debian's package (apt-get install chromium); .ci/run does",
)


@contextmanager
def serving(engine: Engine, **options: Any) -> Iterator[str]:
    """The bot's real routes under its real server, on a loopback port, with "now" fixed at NOW."""
    routes = Routes(engine=engine, bolt_app=None, clock=lambda: NOW, **options)
    server = make_server(routes, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop_server(server, thread)


def stop_server(server: Any, thread: threading.Thread) -> None:
    """Stops a waitress server from its own loop thread: closed from another thread, its sockets can
    vanish under the loop's select() (EBADF, an unhandled exception in the server's thread)."""
    # Workers first: one finishing after the trigger is closed would write to a stale descriptor.
    server.task_dispatcher.shutdown()
    try:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    except OSError:
        # The trigger is gone already: no loop can be woken, so close from here.
        wasyncore.close_all(server._map, ignore_all=True)
    thread.join(timeout=5)


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        # Closed at once: a connection left open can outlive the test server's loop.
        with exc:
            return exc.code, dict(exc.headers), exc.read().decode()


class Outline(HTMLParser):
    """The page's structure as a reader's tools see it: landmarks, headings, lists, visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.lang = ""
        self.meta: dict[str, str] = {}
        self.text: list[str] = []
        self._heading: str | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if tag == "html":
            self.lang = values.get("lang", "")
        if tag == "meta" and "name" in values:
            self.meta[values["name"]] = values.get("content", "")
        if tag in ("h1", "h2", "h3", "h4"):
            self._heading = tag
            self.headings.append((tag, ""))
        if tag in ("style", "script", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4"):
            self._heading = None
        if tag in ("style", "script", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if self._heading and self.headings:
            tag, text = self.headings[-1]
            self.headings[-1] = (tag, text + data)
        if not self._skip:
            self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def outline(html: str) -> Outline:
    parsed = Outline()
    parsed.feed(html)
    return parsed


# Off unless asked for


def test_the_page_is_off_by_default(bot: RunningBot, engine: Engine, group: Group) -> None:
    assert get(bot.url + "/")[0] == 404
    with serving(engine) as url:
        assert get(url + "/")[0] == 404
    with serving(engine, public_page=False) as url:
        assert get(url + "/")[0] == 404


# What it shows


def test_the_page_shows_the_chair_the_countdown_and_the_timeline(engine: Engine, group: Group) -> None:
    with serving(engine, public_page=True) as url:
        status, headers, html = get(url + "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Content-Security-Policy"] == CSP
    page = outline(html)
    shown = page.visible
    # Now: UNICEF, 1 Jan to 30 Jun 2011, its theme; UNESCO takes over on 1 Jul, 108 days after 15 Mar.
    assert "Chair now UNICEF 1 Jan to 30 Jun 2011 Theme: Youth and global migration" in shown
    assert "In 108 days UNESCO takes over on 1 Jul 2011 at 00:00 CEST" in shown
    coming = shown[shown.index("Current and coming terms") : shown.index("Past terms")]
    past = shown[shown.index("Past terms") :]
    assert "UNESCO decided Climate change and global migration" in coming
    assert "FAO and IOM decided" in coming
    assert "UNICEF decided now" in coming
    assert "OHCHR decided Human rights of migrants" in past and "UNHCR decided" in past
    # Newest first in the past, oldest first ahead.
    assert past.index("OHCHR") < past.index("UNHCR")
    assert coming.index("UNESCO") < coming.index("FAO and IOM")
    assert "projected" not in shown.replace("Projected terms follow", "")


def _luminance(colour: str) -> float:
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    channels = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_text_contrasts_with_its_background_in_both_schemes() -> None:
    light, dark = STYLE.split("@media (prefers-color-scheme: dark)")[:2]
    pairs = [
        ("fg", "bg"),
        ("muted", "bg"),
        ("fg", "now"),
        ("muted", "now"),
        ("accent", "bg"),
        ("bg", "accent"),
        ("decided-fg", "decided-bg"),
        ("projected-fg", "projected-bg"),
    ]
    for scheme in (light, dark):
        colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{3,6})", scheme))
        for text, background in pairs:
            high, low = sorted([_luminance(colours[text]), _luminance(colours[background])], reverse=True)
            # WCAG AA asks 4.5:1 for body text; the page keeps to AAA's 7:1.
            assert (high + 0.05) / (low + 0.05) >= 7, (text, background, scheme[:40])


def test_projected_terms_are_marked(engine: Engine, session: Session, group: Group, ask: Asker) -> None:
    assert ask("rotation set IOM, UNDP").ok
    with serving(engine, public_page=True) as url:
        shown = outline(get(url + "/")[2]).visible
    assert "1 Jan to 31 Dec 2019 UNDP projected" in shown
    assert "1 Jan to 31 Dec 2022 IOM projected" in shown
    assert "2023" not in shown


def test_the_page_is_accessible_in_its_structure(engine: Engine, group: Group) -> None:
    with serving(engine, public_page=True) as url:
        page = outline(get(url + "/")[2])
    assert page.lang == "en"
    assert page.meta["viewport"] == "width=device-width, initial-scale=1"
    for landmark in ("header", "main", "footer"):
        assert page.tags.count(landmark) == 1, landmark
    assert page.tags.index("header") < page.tags.index("main") < page.tags.index("footer")
    levels = [int(tag[1]) for tag, _ in page.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    # Headings in order: no level skipped on the way down.
    assert all(b <= a + 1 for a, b in pairwise(levels))
    assert [text for _, text in page.headings] == [
        "Global Migration Group (GMG)",
        "Chair now",
        "Next handover",
        "Current and coming terms",
        "Past terms",
    ]
    assert page.tags.count("ol") == 2 and page.tags.count("li") == 18
    assert "script" not in page.tags


def test_the_page_leaks_nothing_private(engine: Engine, session: Session, group: Group, ask: Asker) -> None:
    secrets = ["U0FOCAL01", "U0FOCAL02", "C0SECRET1", "C0TOPIC01", "U0ADMIN99"]
    for command in [
        "focal UNICEF <@U0FOCAL01> <@U0FOCAL02>",
        "subscribe <#C0SECRET1|gmg-private> all",
        "settings topic <#C0TOPIC01>",
        "admin add <@U0ADMIN99>",
    ]:
        assert ask(command).ok, command
    assert group.id is not None
    key = queries.calendar_key(session=session, group_id=group.id)
    session.commit()
    with serving(engine, public_page=True) as url:
        status, _, html = get(url + "/")
    assert status == 200 and "UNICEF" in html
    for secret in [*secrets, "gmg-private", key, "focal", "subscri", "audit", "admin"]:
        assert secret not in html, secret


def test_user_text_is_escaped(engine: Engine, group: Group, ask: Asker) -> None:
    # As Slack sends what people type: <, > and & escaped.
    title = '&lt;script&gt;alert("x")&lt;/script&gt; &amp; co'
    assert ask(f'theme set 2011-H1 {title} | &lt;b&gt;bold&lt;/b&gt; "quoted"').ok
    with serving(engine, public_page=True) as url:
        html = get(url + "/")[2]
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &quot;quoted&quot;" in html


@pytest.mark.parametrize(("team", "reads"), [("", 4), ("T1", 3)])
def test_the_page_reads_the_database_a_few_times(engine: Engine, group: Group, team: str, reads: int) -> None:
    """The workspaces (unless GMG_TEAM_ID names one), the group, the terms, the rotation: no more."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    with serving(engine, public_page=True, page_team_id=team) as url:
        get(url + "/")  # the first request may set the connection up
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert get(url + "/")[0] == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == reads, statements


def test_which_workspace_the_page_shows(
    engine: Engine, session: Session, group: Group, empty_group: Group
) -> None:
    # Two workspaces and no GMG_TEAM_ID: no page, rather than the wrong one.
    with serving(engine, public_page=True) as url:
        assert get(url + "/")[0] == 404
    with serving(engine, public_page=True, page_team_id="T2") as url:
        status, _, html = get(url + "/")
    assert status == 200 and "Rotating chair group" in html and "UNICEF" not in html
    with serving(engine, public_page=True, page_team_id="T9") as url:
        assert get(url + "/")[0] == 404
    # A public request never creates a workspace.
    assert groups.workspace_groups(session=session, team_id="T9") == []


# In a real browser


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium, logging to stderr: every console message (errors, CSP violations) shows
    there as a line with CONSOLE in it."""
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@needs_chromium
def test_the_console_check_sees_errors(tmp_path: Path) -> None:
    """The check the page passes can fail: a page that logs an error, breaks its CSP and throws."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!doctype html><html lang="en"><head><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'\"><title>t</title><style>p{color:red}</style></head>"
        '<body><p>broken</p><script>console.error("boom")</script></body></html>',
        encoding="utf-8",
    )
    result = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert "broken" in result.stdout
    messages = console_messages(result.stderr)
    assert any("Content Security Policy" in m for m in messages), result.stderr[-2000:]


@needs_chromium
def test_the_page_in_chromium(tmp_path: Path, engine: Engine, group: Group, ask: Asker) -> None:
    assert ask("rotation set IOM, UNDP").ok
    with serving(engine, public_page=True) as url:
        dom = chromium(tmp_path / "profile", "--dump-dom", url + "/")
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "page.png"
        shot.unlink(missing_ok=True)
        screenshot = chromium(
            tmp_path / "profile2", f"--screenshot={shot}", "--window-size=412,900", url + "/"
        )
    assert dom.returncode == 0, dom.stderr[-2000:]
    # Rendered: the DOM after loading holds the chair, the countdown and the timeline.
    page = outline(dom.stdout)
    assert "Chair now UNICEF 1 Jan to 30 Jun 2011" in page.visible
    assert "In 108 days" in page.visible
    assert "UNDP projected" in page.visible and "OHCHR decided" in page.visible
    # No console message at all: the page has no script, so any is an error (a blocked stylesheet
    # or resource, a CSP violation).
    assert console_messages(dom.stderr) == [], console_messages(dom.stderr)
    assert console_messages(screenshot.stderr) == [], console_messages(screenshot.stderr)
    assert screenshot.returncode == 0, screenshot.stderr[-2000:]
    assert png_size(shot) == (412, 900)
    assert shot.stat().st_size > 10_000
