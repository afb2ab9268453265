"""The calendar feed (RFC 5545, written with the icalendar library), and `/gmg calendar`, which gives
admins its address. Building the feed is pure: a session, the group and `now` in, the file's bytes out.

What the feed holds: every decided term (the whole record: a group decides a term or two a year, so
the file stays small), the projected term in office today if there is one, and the next
PROJECTED_TERMS projected terms. Each term is an all-day event over its days; each term's start is
also a handover event at its instant, in the group's timezone, with an alarm at every reminder lead
time while the handover is still ahead. The events' words are the catalog's (messages/catalog/feed.py)
rendered as plain text, in the language the feed's address asks for (`&lang=fr`).
"""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from icalendar import Alarm, Calendar, Event, Timezone
from icalendar.prop import vDuration
from sqlmodel import Session

from handlers.context import Args, Context
from handlers.notices import duration_parts, reminder_due
from handlers.response import Part, Response
from handlers.translated import description_of, theme_of
from messages import Code, Days, Names, Text, Translated, in_language, say
from messages.render import render
from storage import queries
from storage.models import Group
from storage.schedule import Schedule, Slot, handover_instant, schedule_day, zone

FEED_PATH = "/calendar.ics"
# Projected terms after the one in office: enough to plan with, few enough not to pretend.
PROJECTED_TERMS = 4
# How often a calendar app that honours the hint fetches the feed again.
REFRESH = timedelta(hours=12)
PRODID = "-//gmg-bot//chair rotation//EN"


class ExactDuration(vDuration):
    """A duration written in hours, minutes and seconds only. RFC 5545 reads the days of a duration
    as calendar days, which are not 24 hours across a daylight-saving change, and calendar apps
    differ in how they read them; hours mean the same to every reader."""

    def to_ical(self) -> bytes:
        seconds = int(self.td.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        parts = f"{hours}H" if hours else ""
        parts += f"{minutes}M" if minutes else ""
        parts += f"{seconds}S" if seconds or not parts else ""
        return f"{sign}PT{parts}".encode()


def uid(group: Group, kind: str, first_day: date) -> str:
    """Stable across regenerations (and a rename of the group), unique across groups, and the same for
    a projected term and the decided term that replaces it on the same first day: calendar apps update
    the event instead of adding another."""
    return f"{kind}-{first_day.isoformat()}@group-{group.id}.gmg-bot"


def _text(language: str, *paragraphs: Text | Translated | str) -> str:
    """An event's text: messages as plain text (people's words as they wrote them, in the language's
    translation where they gave one), a blank line between paragraphs."""
    shown = (
        render(p, "plain", language) if isinstance(p, Text) else in_language(p, language) for p in paragraphs
    )
    return "\n\n".join(text for text in shown if text)


def _chairs(slot: Slot) -> Names:
    return Names(slot.chairs)


def _summary(slot: Slot, summary: Text, language: str) -> str:
    return _text(language, say("feed.projected", summary=summary) if slot.projected else summary)


def theme_line(slot: Slot) -> Text:
    """The term's theme, or that it is not set: as reminders say it (the public page says it too)."""
    theme = say("notice.theme", theme=theme_of(slot)) if slot.theme else say("notice.theme_not_set")
    return say("notice.theme_line", theme=theme)


def _theme_text(slot: Slot) -> tuple[Text, Translated | str]:
    """The theme line, and the description (with a theme only) in the words of whoever wrote it."""
    return theme_line(slot), description_of(slot) if slot.theme else ""


def _status(event: Event, slot: Slot) -> None:
    event.add("status", "TENTATIVE" if slot.projected else "CONFIRMED")
    # A term or a handover is information, not a meeting: it does not make anyone busy.
    event.add("transp", "TRANSPARENT")


def _term_event(group: Group, slot: Slot, stamp: datetime, language: str) -> Event:
    name = group.short_name or group.name
    event = Event()
    event.add("uid", uid(group, "term", slot.first_day))
    event.add("dtstamp", stamp)
    # All-day: DATE values, and DTEND is the day after the last day (it is exclusive).
    event.add("dtstart", slot.first_day)
    event.add("dtend", slot.last_day + timedelta(days=1))
    term = say("feed.term", count=len(slot.chairs), group=name, chairs=_chairs(slot))
    event.add("summary", _summary(slot, term, language))
    projected = say("feed.projected_term") if slot.projected else ""
    event.add("description", _text(language, *_theme_text(slot), projected))
    _status(event, slot)
    return event


def _handover_event(
    group: Group, slot: Slot, outgoing: Slot | None, leads: list[int], stamp: datetime, language: str
) -> Event:
    name = group.short_name or group.name
    handover = handover_instant(group, slot.first_day)
    summary, about = _handover_texts(name, slot, outgoing)
    event = Event()
    event.add("uid", uid(group, "handover", slot.first_day))
    event.add("dtstamp", stamp)
    # An instant: no DTEND, which RFC 5545 reads as ending when it starts.
    event.add("dtstart", handover.astimezone(zone(group)))
    event.add("summary", _summary(slot, summary, language))
    event.add("description", _text(language, about, *_theme_text(slot)))
    _status(event, slot)
    # Alarms only ahead: some apps offer every missed alarm of a newly subscribed calendar.
    chairs = _chairs(slot)
    if handover > stamp:
        for lead in leads:
            # Relative to the start, as the exact time between the reminder and the handover: a `1d`
            # reminder keeps the handover's clock time across a daylight-saving change, as in Slack.
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", ExactDuration(reminder_due(group, handover, lead) - handover))
            lead_text = say("duration", **duration_parts(lead))
            alarm.add(
                "description", _text(language, say("feed.alarm", group=name, lead=lead_text, chairs=chairs))
            )
            event.add_component(alarm)
    return event


def _handover_texts(name: str, slot: Slot, outgoing: Slot | None) -> tuple[Text, Text]:
    """A handover's summary, and the first paragraph of its description."""
    who = {"count": len(slot.chairs), "group": name, "chairs": _chairs(slot)}
    days = Days(slot.first_day, slot.last_day)
    if outgoing is None:
        return say("feed.handover", **who), say("feed.handover_about", **who, days=days)
    was = _chairs(outgoing)
    return (
        say("feed.handover_from", **who, outgoing=was),
        say("feed.handover_about_from", **who, outgoing=was, days=days),
    )


def feed(*, session: Session, group: Group, now: datetime, language: str) -> bytes:
    """The group's calendar as an iCalendar file, in `language`."""
    today = schedule_day(group, now)
    slots = Schedule(session=session, group=group).timeline(today, PROJECTED_TERMS)
    leads = queries.get_lead_seconds(session=session, group_id=group.id or 0)
    stamp = now.astimezone(UTC).replace(microsecond=0)
    name = group.short_name or group.name
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    title = _text(language, say("feed.name", group=name))
    calendar.add("name", title)
    calendar.add("x-wr-calname", title)
    calendar.add("x-wr-caldesc", _text(language, say("page.about", group=group.name)))
    calendar.add("x-wr-timezone", group.timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    # Outlook's name for the same hint.
    calendar.add("x-published-ttl", "PT12H")
    events: list[Event] = []
    for i, slot in enumerate(slots):
        before = slots[i - 1] if i else None
        outgoing = before if before and before.last_day + timedelta(days=1) == slot.first_day else None
        events.append(_term_event(group, slot, stamp, language))
        events.append(_handover_event(group, slot, outgoing, leads, stamp, language))
    # Handovers in a zone like UTC are written as UTC times; any other zone is named by TZID, and
    # RFC 5545 wants its VTIMEZONE, before the events, covering every instant the file holds.
    if slots and any("TZID" in e["DTSTART"].params for e in events):
        calendar.add_component(
            Timezone.from_tzinfo(
                zone(group),
                tzid=group.timezone,
                first_date=slots[0].first_day - timedelta(days=1),
                last_date=slots[-1].first_day + timedelta(days=1),
            )
        )
    for event in events:
        calendar.add_component(event)
    return bytes(calendar.to_ical())


# /gmg calendar


def feed_url(public_base_url: str | None, key: str) -> str:
    """The feed's address, or its path alone when the bot's public address is not set."""
    return f"{(public_base_url or '').rstrip('/')}{FEED_PATH}?key={quote(key, safe='')}"


def address_text(public_base_url: str | None, key: str) -> Text:
    """The address as an admin reads it, with what to do when it is only a path."""
    url = Code(feed_url(public_base_url, key))
    return say("calendar.url", url=url) if public_base_url else say("calendar.path", url=url)


def address(ctx: Context, args: Args) -> Response:
    """`/gmg calendar`: the feed's address (for admins: the address is the key to the feed)."""
    return _address(ctx, renew=False)


def new_key(ctx: Context, args: Args) -> Response:
    """`/gmg calendar new-key`: a new address; the old one stops working."""
    return _address(ctx, renew=True)


def _address(ctx: Context, *, renew: bool) -> Response:
    had_key = ctx.group.calendar_key is not None
    key = queries.calendar_key(session=ctx.session, group_id=ctx.group_id, renew=renew)
    if renew:
        # The key itself stays out of the log: the log is kept for good and read by every admin.
        ctx.audit({"calendar_key": "old" if had_key else None}, {"calendar_key": "new"})
    group = ctx.group.short_name
    sections: list[Part] = [
        say("calendar.subscribe", group=group, address=address_text(ctx.public_base_url, key))
    ]
    if renew:
        sections.append(say("calendar.old_gone"))
    sections += [
        say("calendar.how"),
        say("calendar.refresh"),
        say("calendar.languages", fr=Code("&lang=fr"), es=Code("&lang=es")),
    ]
    return Response(
        title=say("calendar.title_new" if renew else "calendar.title", group=group),
        sections=sections,
        footer=say("calendar.footer"),
        # A new key is written whole or not at all, like every change; so is the first one.
        changed=renew or not had_key,
    )
