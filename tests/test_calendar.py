"""The calendar feed: its content, its validity (read back by icalendar and by vobject, an independent
parser), its key, `/gmg calendar`, the HTTP endpoint and `gmg-bot calendar`."""

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
import vobject
from dateutil import tz as dateutil_tz
from sqlalchemy import Engine
from sqlmodel import Session

from bot.home_view import home_view
from handlers import Response, calendar, handle_command
from storage import groups, queries
from storage.models import Group
from tests.conftest import ADMIN, MEMBER, NOW, Asker, RunningBot
from tests.test_slack_http import texts

BASE = "https://gmg.example.org"
KEY_IN_TEXT = re.compile(r"/calendar\.ics\?key=([A-Za-z0-9_-]+)")


def feed(session: Session, group: Group, now: datetime = NOW) -> bytes:
    return calendar.feed(session=session, group=group, now=now, language="en")


def events(data: bytes) -> dict[str, icalendar.Event]:
    """The feed's events by UID, as icalendar reads them back."""
    parsed = icalendar.Calendar.from_ical(data)
    found = {str(e["UID"]): e for e in parsed.walk("VEVENT")}
    assert len(found) == len(parsed.walk("VEVENT")), "UIDs repeat"
    return found


def vevents(data: bytes) -> dict[str, Any]:
    """The same, as vobject reads them back: another parser, with its own reading of VTIMEZONE."""
    parsed = vobject.readOne(data.decode("utf-8"))
    return {e.uid.value: e for e in parsed.vevent_list}


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        # Closed at once: a connection left open can outlive the test server's loop.
        with exc:
            return exc.code, dict(exc.headers), exc.read()


def uid_of(group: Group, name: str) -> str:
    """An event's UID: `name` (kind and first day) in the group's own domain."""
    return f"{name}@group-{group.id}.gmg-bot"


def gid(group: Group) -> int:
    assert group.id is not None
    return group.id


def key_of(text: str) -> str:
    match = KEY_IN_TEXT.search(text)
    assert match, text
    return match.group(1)


# Content and validity


def test_every_term_and_handover_is_in_the_feed_and_both_parsers_agree(
    session: Session, group: Group
) -> None:
    data = feed(session, group)
    terms = queries.list_terms(session=session, group_id=gid(group))
    assert len(terms) == 18
    ours, theirs = events(data), vevents(data)
    assert set(ours) == set(theirs)
    assert len(ours) == 2 * len(terms)
    for term in terms:
        event = ours[uid_of(group, f"term-{term.first_day}")]
        assert ", ".join(term.chairs).replace(", ", " and ") in str(event["SUMMARY"])
        assert str(theirs[uid_of(group, f"term-{term.first_day}")].summary.value) == str(event["SUMMARY"])
        assert uid_of(group, f"handover-{term.first_day}") in ours
    unicef = ours[uid_of(group, "term-2011-01-01")]
    assert str(unicef["SUMMARY"]) == "GMG chair: UNICEF"
    assert "Theme: Youth and global migration" in str(unicef["DESCRIPTION"])
    assert "Rights-based approach" in str(unicef["DESCRIPTION"])
    assert str(ours[uid_of(group, "term-2018-01-01")]["SUMMARY"]) == "GMG co-chairs: FAO and IOM"
    assert str(unicef["STATUS"]) == "CONFIRMED"
    handover = ours[uid_of(group, "handover-2011-07-01")]
    assert str(handover["SUMMARY"]) == "GMG handover: UNESCO takes over from UNICEF"


def test_the_file_is_well_formed(session: Session, group: Group, ask: Asker) -> None:
    long = "Safe, orderly; and regular \\ migration: " + "ü中文 " * 20
    assert ask(f"theme set 2011-H1 {long} | First line, second; third").ok
    data = feed(session, group)
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")
    # Folded: no line longer than 75 octets; no bare newline inside a line.
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in b"".join(lines)
    assert b"VERSION:2.0" in lines and any(line.startswith(b"PRODID:") for line in lines)
    # Escaped: commas, semicolons and backslashes in text, and the text reads back as written.
    assert b"Safe\\, orderly\\; and regular \\\\ migration" in data.replace(b"\r\n ", b"")
    event = events(data)[uid_of(group, "term-2011-01-01")]
    assert str(event["DESCRIPTION"]).startswith(f"Theme: {long.strip()}\n\nFirst line, second; third")
    assert vevents(data)[uid_of(group, "term-2011-01-01")].description.value == str(event["DESCRIPTION"])
    for event in events(data).values():
        assert "DTSTAMP" in event and event["DTSTAMP"].dt.tzinfo is not None


def test_uids_are_stable_across_generations(session: Session, group: Group, ask: Asker) -> None:
    first = events(feed(session, group, NOW))
    assert ask("theme set 2011-H2 Another theme").ok
    assert ask("rotation set IOM, UNDP").ok
    second = events(feed(session, group, NOW + timedelta(days=40)))
    # The same terms keep their UIDs; the projected ones only add theirs.
    assert set(first) < set(second)
    assert uid_of(group, "term-2011-07-01") in first
    assert str(second[uid_of(group, "term-2011-07-01")]["SUMMARY"]) == str(
        first[uid_of(group, "term-2011-07-01")]["SUMMARY"]
    )
    assert "Another theme" in str(second[uid_of(group, "term-2011-07-01")]["DESCRIPTION"])
    # Regenerated at the same moment, the feed is the same to the byte.
    assert feed(session, group, NOW) == feed(session, group, NOW)


def test_terms_are_all_day_events_with_date_values(session: Session, group: Group) -> None:
    data = feed(session, group)
    ours, theirs = events(data), vevents(data)
    for term in queries.list_terms(session=session, group_id=gid(group)):
        uid = uid_of(group, f"term-{term.first_day}")
        start, end = ours[uid]["DTSTART"].dt, ours[uid]["DTEND"].dt
        assert type(start) is date and type(end) is date
        # DTEND is exclusive: the day after the last day.
        assert (start, end) == (term.first_day, term.last_day + timedelta(days=1))
        assert (theirs[uid].dtstart.value, theirs[uid].dtend.value) == (start, end)
    assert b"DTSTART;VALUE=DATE:20110101\r\nDTEND;VALUE=DATE:20110701\r\n" in data


def test_handovers_are_at_their_instant_in_the_groups_timezone_across_dst(
    session: Session, group: Group, ask: Asker
) -> None:
    for command in [
        "settings handover 09:00",
        "settings timezone Europe/Zurich",
        "term set 2027-03-29..2028-03-27 IOM Safe journeys",
    ]:
        assert ask(command).ok, command
    # Summer time begins in Zurich on 28 March 2027, the day before the handover.
    data = feed(session, group, datetime(2027, 1, 10, tzinfo=UTC))
    assert b"DTSTART;TZID=Europe/Zurich:20270329T090000" in data
    event = events(data)[uid_of(group, "handover-2027-03-29")]
    start = event["DTSTART"].dt
    assert event["DTSTART"].params["TZID"] == "Europe/Zurich"
    assert start.astimezone(UTC) == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    assert "DTEND" not in event
    # The VTIMEZONE in the file, read by vobject (through dateutil), gives the same instant.
    other = vevents(data)[uid_of(group, "handover-2027-03-29")].dtstart.value
    assert other.astimezone(UTC) == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
    assert "Zurich" in str(other.tzinfo)
    zones = icalendar.Calendar.from_ical(data).walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/Zurich"]
    # And read alone by dateutil: winter and summer offsets of the zone as the file describes it.
    zurich = dateutil_tz.tzical(_StringFile(zones[0].to_ical().decode())).get("Europe/Zurich")
    assert datetime(2027, 1, 1, 9, tzinfo=zurich).astimezone(UTC).hour == 8
    assert datetime(2027, 3, 29, 9, tzinfo=zurich).astimezone(UTC).hour == 7
    assert datetime(2006, 10, 30, 9, tzinfo=zurich).astimezone(UTC).hour == 8
    # Alarms at 30d, 7d and 1d, each at the handover's clock time in Zurich: whole days on the
    # group's calendar, so the two before the change are 30 days less an hour and 7 days less an hour.
    # Triggers in exact hours (days would be calendar days to some readers and 24 hours to others).
    assert b"TRIGGER:-PT719H\r\n" in data and b"TRIGGER:-PT167H\r\n" in data and b"TRIGGER:-PT24H\r\n" in data
    alarms = [start.astimezone(UTC) + a["TRIGGER"].dt for a in event.walk("VALARM")]
    assert sorted(alarms) == [
        datetime(2027, 2, 27, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 22, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 28, 7, 0, tzinfo=UTC),
    ]
    assert all(
        str(a["ACTION"]) == "DISPLAY" and "handover in" in str(a["DESCRIPTION"]) for a in event.walk("VALARM")
    )
    vobject_alarms = vevents(data)[uid_of(group, "handover-2027-03-29")].valarm_list
    assert sorted(other.astimezone(UTC) + a.trigger.value for a in vobject_alarms) == sorted(alarms)


class _StringFile:
    """dateutil's tzical reads a file-like object."""

    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> str:
        return self.text


def test_alarms_follow_the_lead_times_and_only_ahead(session: Session, group: Group, ask: Asker) -> None:
    assert ask("reminders 2d 90m").ok
    ours = events(feed(session, group))
    coming = ours[uid_of(group, "handover-2011-07-01")]
    triggers = sorted(a["TRIGGER"].dt for a in coming.walk("VALARM"))
    assert triggers == [-timedelta(days=2), -timedelta(minutes=90)]
    # Handovers already past carry none: a new subscriber is not shown years of missed alarms.
    assert ours[uid_of(group, "handover-2011-01-01")].walk("VALARM") == []
    assert ours[uid_of(group, "handover-2006-07-01")].walk("VALARM") == []
    assert ask("reminders none").ok
    assert events(feed(session, group))[uid_of(group, "handover-2011-07-01")].walk("VALARM") == []


def test_projected_terms_are_tentative(session: Session, group: Group, ask: Asker) -> None:
    assert ask("rotation set IOM, UNDP").ok
    ours = events(feed(session, group))
    projected = {uid: e for uid, e in ours.items() if str(e["STATUS"]) == "TENTATIVE"}
    # Four projected terms after the last decided one (2018), each with its handover.
    assert sorted(projected) == sorted(
        uid_of(group, f"{kind}-{year}-01-01") for kind in ("term", "handover") for year in range(2019, 2023)
    )
    assert str(ours[uid_of(group, "term-2019-01-01")]["SUMMARY"]) == "GMG chair: UNDP (projected)"
    assert str(ours[uid_of(group, "term-2020-01-01")]["SUMMARY"]) == "GMG chair: IOM (projected)"
    assert "(projected)" in str(ours[uid_of(group, "handover-2019-01-01")]["SUMMARY"])
    assert all(str(e["STATUS"]) == "CONFIRMED" for uid, e in ours.items() if uid not in projected)
    assert vevents(feed(session, group))[uid_of(group, "term-2019-01-01")].status.value == "TENTATIVE"
    # Deciding the projected term updates the same event: same UID, now confirmed.
    assert ask("term set 2019 UNDP").ok
    decided = events(feed(session, group))[uid_of(group, "term-2019-01-01")]
    assert str(decided["STATUS"]) == "CONFIRMED" and str(decided["SUMMARY"]) == "GMG chair: UNDP"
    # Long after the record ends, the projected term in office is there too, and four after it.
    later = events(feed(session, group, datetime(2026, 11, 28, tzinfo=UTC)))
    years = sorted(
        int(uid[5:9])
        for uid, e in later.items()
        if uid.startswith("term-") and "projected" in str(e["SUMMARY"])
    )
    assert years == [2026, 2027, 2028, 2029, 2030]


def test_a_group_in_utc_needs_no_vtimezone(session: Session, empty_group: Group) -> None:
    other = Asker(session, empty_group)
    assert other("member add ABC Alpha").ok
    assert other("term set 2011 ABC").ok
    data = feed(session, empty_group)
    assert b"DTSTART:20110101T000000Z" in data
    assert b"VTIMEZONE" not in data
    assert vevents(data)[uid_of(empty_group, "handover-2011-01-01")].dtstart.value == datetime(
        2011, 1, 1, tzinfo=UTC
    )


# The key and /gmg calendar


def test_calendar_is_for_admins(ask: Asker, session: Session, group: Group) -> None:
    refused = ask("calendar", user=MEMBER, admin=False)
    assert not refused.ok and "admins" in refused.text
    assert "key=" not in refused.text
    current = queries.get_group(session=session, group_id=gid(group))
    assert current is not None and current.calendar_key is None


def test_calendar_gives_the_address_and_keeps_the_key(engine: Engine, session: Session, group: Group) -> None:
    def calendar_command(text: str, base: str | None = BASE) -> str:
        with Session(engine) as fresh:
            current = queries.get_group(session=fresh, group_id=gid(group))
            assert current is not None
            response = calendar_answer(fresh, current, text, base)
        assert response.ok, response.text
        return response.text

    first = calendar_command("calendar")
    key = key_of(first)
    assert f"`{BASE}/calendar.ics?key={key}`" in first
    assert "Subscribe from web" in first and "From URL" in first
    # Made once and kept: the next answer, in a new session, gives the same address.
    assert key_of(calendar_command("calendar")) == key
    with Session(engine) as fresh:
        found = queries.group_for_calendar_key(session=fresh, key=key)
        assert found is not None and found.id == group.id
    # Without PUBLIC_BASE_URL, the path and what to set.
    pathless = calendar_command("calendar", base=None)
    assert f"`/calendar.ics?key={key}`" in pathless and "PUBLIC_BASE_URL" in pathless
    audited = queries.count_audit_entries(session=session, group_id=gid(group))
    renewed = calendar_command("calendar new-key")
    new_key = key_of(renewed)
    assert new_key != key and len(new_key) >= 32
    assert "old address no longer works" in renewed
    with Session(engine) as fresh:
        assert queries.group_for_calendar_key(session=fresh, key=key) is None
        found = queries.group_for_calendar_key(session=fresh, key=new_key)
        assert found is not None and found.id == group.id
        entries = queries.list_audit_entries(session=fresh, group_id=gid(group), limit=1)
        assert queries.count_audit_entries(session=fresh, group_id=gid(group)) == audited + 1
    assert entries[0].action == "calendar new-key" and entries[0].user_id == ADMIN
    # The log keeps that the key changed, never a key.
    assert key not in repr((entries[0].before, entries[0].after))
    assert new_key not in repr((entries[0].before, entries[0].after))


def calendar_answer(session: Session, group: Group, text: str, base: str | None) -> Response:
    """`text` sent from the workspace whose default group is `group`."""
    team_id = groups.teams_of(session=session, group_id=gid(group))[0]
    default = groups.default_group(session=session, team_id=team_id)
    assert default is not None and default.id == group.id
    return handle_command(
        session=session,
        team_id=team_id,
        text=text,
        user_id=ADMIN,
        is_admin=True,
        now=NOW,
        public_base_url=base,
    )


@pytest.mark.parametrize(
    ("command", "shown"),
    [("calendar please", "calendar new-key"), ("calendar new-kye", "Did you mean `/gmg calendar new-key`")],
)
def test_calendar_refuses_other_words(ask: Asker, command: str, shown: str) -> None:
    response = ask(command)
    assert not response.ok and shown in response.text


def test_help_lists_the_calendar(ask: Asker) -> None:
    shown = ask("help").text
    assert "/gmg calendar`" in shown and "/gmg calendar new-key`" in shown


def test_the_home_tab_shows_admins_the_feed_address(session: Session, group: Group) -> None:
    def shown(is_admin: bool, user: str) -> str:
        view = home_view(
            session=session,
            team_id="T1",
            user_id=user,
            is_admin=is_admin,
            now=NOW,
            public_base_url=BASE,
            language="en",
        )
        return str(view.to_dict())

    for_member = shown(False, MEMBER)
    assert "calendar.ics" not in for_member
    for_admin = shown(True, ADMIN)
    key = key_of(for_admin)
    assert f"{BASE}/calendar.ics?key={key}" in for_admin
    found = queries.group_for_calendar_key(session=session, key=key)
    assert found is not None and found.id == group.id


# Over HTTP, through the bot's real server


def test_the_feed_over_http_needs_the_right_key(bot: RunningBot) -> None:
    status, answer = bot.command("calendar", user=MEMBER)
    assert status == 200 and "key=" not in texts(answer)
    status, answer = bot.command("calendar", user=ADMIN)
    assert status == 200
    key = key_of(texts(answer))
    status, headers, body = fetch(f"{bot.url}/calendar.ics?key={key}")
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert len(events(body)) == 36 and len(vevents(body)) == 36
    for wrong in ["", "?key=", "?key=nope", f"?key={key[:-1]}", f"?key={key}x", f"?other={key}"]:
        status, _, body = fetch(f"{bot.url}/calendar.ics{wrong}")
        assert status == 404, wrong
        assert b"VCALENDAR" not in body
    # A new key: the old address is gone, the new one works.
    status, answer = bot.command("calendar new-key", user=ADMIN)
    new_key = key_of(texts(answer))
    assert fetch(f"{bot.url}/calendar.ics?key={key}")[0] == 404
    assert fetch(f"{bot.url}/calendar.ics?key={new_key}")[0] == 200


# The command line


def test_cli_writes_the_feed(tmp_path: Path, database_url: str, session: Session, group: Group) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GMG_", "SLACK_", "DATABASE_URL"))}
    env |= {"DATABASE_URL": database_url, "GMG_TEAM_ID": "T1"}

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "calendar", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            timeout=120,
        )

    written = run(str(tmp_path / "gmg.ics"))
    assert written.returncode == 0, written.stderr
    data = (tmp_path / "gmg.ics").read_bytes()
    assert uid_of(group, "term-2011-01-01") in events(data) and uid_of(group, "term-2011-01-01") in vevents(
        data
    )
    printed = run("--team", "T1")
    assert printed.returncode == 0, printed.stderr
    assert set(events(printed.stdout)) == set(events(data))
    failed = run(str(tmp_path / "missing" / "gmg.ics"))
    assert failed.returncode == 2 and failed.stderr.startswith(b"gmg-bot: cannot write")
