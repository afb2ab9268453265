"""What the bot posts on its own: handover reminders, term-start announcements, channel topics,
theme posts, schedule change notices and failure alerts. Planned here as delivery rows that hold a
post's messages (ids with parameters), rendered when they are sent by bot/dispatcher.py."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from handlers import handover_notes
from handlers.post import Post, channel_language, planned_post
from handlers.reasons import reason_text
from handlers.translated import description_of, theme_of
from messages import At, Channel, Code, Days, Names, Text, User, Words, say
from storage import access, deliveries, groups, queries
from storage.deliveries import Planned
from storage.durations import UNITS
from storage.matching import resolve_member
from storage.models import Delivery, Group, Member, Subscription, Term
from storage.schedule import Schedule, Slot, handover_instant, schedule_day, zone

# Reminders are planned for this many coming handovers; more are planned as these pass.
HANDOVERS_AHEAD = 3
# A term-start announcement, a topic, a theme post or a change notice is still worth sending this
# long after its time (after downtime, say); later it is skipped.
STILL_USEFUL = timedelta(hours=24)


def reminder_due(group: Group, handover: datetime, lead_seconds: int) -> datetime:
    """Whole days count on the group's calendar, so a `1d` reminder keeps the handover's clock time
    across a daylight-saving change; hours, minutes and seconds are exact."""
    days, rest = divmod(lead_seconds, UNITS["d"])
    local = handover.astimezone(zone(group))
    earlier = datetime.combine(local.date() - timedelta(days=days), local.time(), tzinfo=zone(group))
    return earlier.astimezone(handover.tzinfo) - timedelta(seconds=rest)


def _chairs(slot: Slot | None) -> Names | Text:
    return say("notice.nobody") if slot is None else Names(slot.chairs)


def _focal_points(
    members: list[Member], home: str, linked: set[str], *slots: Slot | None
) -> list[tuple[str, str]]:
    """The chairs' focal points, each with the workspace whose token writes to them; those named in a
    workspace that no longer sees the group are left out."""
    users: list[tuple[str, str]] = []
    for slot in slots:
        for code in slot.chairs if slot else ():
            member = resolve_member(members, code)
            users += [(member.focal_teams.get(u, home), u) for u in member.focal_points] if member else []
    return [(team, user) for team, user in dict.fromkeys(users) if team in linked or team == home]


def _reminder(
    group: Group,
    outgoing: Slot | None,
    incoming: Slot,
    handover: datetime,
    lead: int,
    notes: Sequence[Text],
    checklist: tuple[tuple[int, Text], ...] = (),
) -> Post:
    """`notes`: where the handover's process stands for this reader, and `checklist` their open items
    with Done buttons (handlers/handover_notes.py)."""
    span = f"{incoming.first_day}..{incoming.last_day}"
    fixes = []
    if incoming.projected:
        fixes.append(say("notice.fix_projected", command=Code(f"/gmg term set {span} {incoming.chairs[0]}")))
    if not incoming.theme:
        fixes.append(say("notice.fix_theme", command=Code(f"/gmg theme set {span} TITLE | DESCRIPTION")))
    return Post(
        (
            say(
                "notice.reminder",
                group=group.short_name,
                lead=say("duration", **duration_parts(lead)),
                outgoing=_chairs(outgoing),
                incoming=_chairs(incoming),
                at=At(handover, group.timezone),
                timezone=group.timezone,
            ),
            say(
                "notice.reminder_term",
                days=Days(incoming.first_day, incoming.last_day),
                theme=_theme_title(incoming),
            ),
            *notes,
        ),
        say("notice.not_decided", fixes=Words(tuple(fixes))) if fixes else None,
        checklist=checklist,
    )


def duration_parts(seconds: int) -> dict[str, Any]:
    """A lead time as the `duration` message takes it: days, hours, minutes and seconds."""
    parts = {}
    for unit, name in (("d", "days"), ("h", "hours"), ("m", "minutes"), ("s", "seconds")):
        parts[name], seconds = divmod(seconds, UNITS[unit])
    return {"parts": Words(tuple(say(f"duration.{n}", count=c) for n, c in parts.items() if c))}


def _theme_title(slot: Slot) -> Text:
    return say("notice.theme", theme=theme_of(slot)) if slot.theme else say("notice.theme_not_set")


def _announcement(group: Group, incoming: Slot) -> Post:
    sections = [
        say(
            "notice.announcement",
            count=len(incoming.chairs),
            chairs=Names(incoming.chairs),
            group=group.short_name,
            days=Days(incoming.first_day, incoming.last_day),
        ),
        say("notice.theme_line", theme=_theme_title(incoming)),
    ]
    if incoming.description:
        sections.append(say("notice.quote", text=description_of(incoming)))
    return Post(tuple(sections))


def _topic(group: Group, incoming: Slot) -> Post:
    # A topic without a theme ends with the chairs.
    theme = say("topic.theme", theme=theme_of(incoming)) if incoming.theme else ""
    return Post((say("topic", group=group.short_name, chairs=Names(incoming.chairs), theme=theme),))


def planned_deliveries(*, session: Session, group: Group, now: datetime) -> list[Planned]:
    """Every reminder, announcement and topic change for the coming handovers, as of `now`."""
    assert group.id is not None
    schedule = Schedule(session=session, group=group)
    today = schedule_day(group, now)
    members = list(queries.list_members(session=session, group_id=group.id))
    leads = queries.get_lead_seconds(session=session, group_id=group.id)
    subscriptions = queries.list_subscriptions(session=session, group_id=group.id)
    reminder_channels = [s for s in subscriptions if s.kind == "reminders"]
    theme_channels = [s for s in subscriptions if s.kind == "themes"]
    links = groups.links_of(session=session, group_id=group.id)
    # A focal point recorded without a workspace is in the one the group was set up in.
    home = links[0].team_id if links else groups.LOCAL
    planned: list[Planned] = []
    incomings = schedule.slots_after(today, HANDOVERS_AHEAD)
    # Each term hands over to the next one when they are back to back: one query, for the first.
    ending = {s.last_day: s for s in incomings}
    handovers = []
    for incoming in incomings:
        eve = incoming.first_day - timedelta(days=1)
        handovers.append((ending[eve] if eve in ending else schedule.slot_on(eve), incoming))
    # From the handover that began the outgoing term: its overdue items ride in the next reminders.
    since = min([o.first_day for o, _ in handovers if o is not None], default=today)
    group_process = handover_notes.GroupProcess(session, group, min(since, today))
    for outgoing, incoming in handovers:
        handover = handover_instant(group, incoming.first_day)
        process = handover_notes.HandoverNotes(group_process, members, outgoing, incoming, today)
        # (workspace, channel or person, language: None for a person's own, notes for that reader, and
        # a person's own checklist items)
        channel_notes = process.channel()
        targets: list[tuple[str, str, str | None, list[Text], tuple[tuple[int, Text], ...]]] = [
            (s.team_id, s.channel_id, channel_language(group, s.channel_id, subscriptions), channel_notes, ())
            for s in reminder_channels
        ]
        targets += [
            (team, u, None, process.person(u), process.buttons(u))
            for team, u in _focal_points(members, home, {link.team_id for link in links}, outgoing, incoming)
        ]
        for lead in leads:
            due = reminder_due(group, handover, lead)
            planned += [
                planned_post(
                    f"reminder:{incoming.first_day}:{lead}:{t}",
                    "reminder",
                    team,
                    t,
                    due,
                    handover,
                    _reminder(group, outgoing, incoming, handover, lead, notes, buttons),
                    language,
                )
                for team, t, language, notes, buttons in targets
            ]
        planned += process.planned(handover, now)
        post = _announcement(group, incoming)
        planned += [
            planned_post(
                f"announcement:{incoming.first_day}:{s.channel_id}",
                "announcement",
                s.team_id,
                s.channel_id,
                handover,
                handover + STILL_USEFUL,
                post,
                channel_language(group, s.channel_id, subscriptions),
            )
            for s in theme_channels
        ]
        planned += [
            planned_post(
                f"topic:{incoming.first_day}:{link.topic_channel}",
                "topic",
                link.team_id,
                link.topic_channel,
                handover,
                handover + STILL_USEFUL,
                _topic(group, incoming),
                channel_language(group, link.topic_channel, subscriptions),
            )
            for link in links
            if link.topic_channel
        ]
    return planned


def replan(*, session: Session, group: Group, now: datetime) -> None:
    assert group.id is not None
    deliveries.sync_planned(
        session=session,
        group_id=group.id,
        planned=planned_deliveries(session=session, group=group, now=now),
        now=now,
    )


def event_posts(
    kind: str, event_id: int, group: Group, channels: list[Subscription], now: datetime, post: Post
) -> list[Planned]:
    return [
        planned_post(
            f"{kind}:{event_id}:{s.channel_id}",
            kind,
            s.team_id,
            s.channel_id,
            now,
            now + STILL_USEFUL,
            post,
            channel_language(group, s.channel_id, channels),
        )
        for s in channels
    ]


def _channels(session: Session, group: Group, kind: str) -> list[Subscription]:
    assert group.id is not None
    return [s for s in queries.list_subscriptions(session=session, group_id=group.id) if s.kind == kind]


def record_theme_post(
    *, session: Session, group: Group, term: Term, user_id: str, event_id: int, now: datetime
) -> None:
    """A theme set or changed by an admin goes to the `themes` channels at once."""
    assert group.id is not None
    sections = [
        say(
            "notice.theme_post",
            group=group.short_name,
            chairs=Names(tuple(term.chairs)),
            days=Days(term.first_day, term.last_day),
            theme=theme_of(term),
        )
    ]
    if term.description:
        sections.append(say("notice.quote", text=description_of(term)))
    post = Post(tuple(sections), say("notice.set_by", who=_who(user_id)))
    deliveries.record_events(
        session=session,
        group_id=group.id,
        planned=event_posts("theme", event_id, group, _channels(session, group, "themes"), now, post),
    )


def record_schedule_change(
    *,
    session: Session,
    group: Group,
    first: date,
    last: date,
    summary: Text,
    user_id: str,
    event_id: int,
    now: datetime,
) -> None:
    """A change to a term that is current or starts within the longest lead time is announced to the
    `reminders` channels: people rely on the plan they were reminded of."""
    assert group.id is not None
    today = schedule_day(group, now)
    horizon = max(queries.get_lead_seconds(session=session, group_id=group.id), default=0)
    if last < today or first > today + timedelta(seconds=horizon):
        return
    post = Post(
        (say("notice.change", group=group.short_name, days=Days(first, last), summary=summary),),
        say("notice.changed_by", who=_who(user_id)),
    )
    deliveries.record_events(
        session=session,
        group_id=group.id,
        planned=event_posts("change", event_id, group, _channels(session, group, "reminders"), now, post),
    )


def failure_alerts(
    *, delivery: Delivery, admins: list[str], team_id: str, cause: str, failed_today: int, now: datetime
) -> list[Planned]:
    """One direct message per admin per target, cause and day, however many posts fail: the key says
    so. Until it is sent, a later failure's alert replaces its parameters, with the day's count so far.
    Admins are listed without a workspace: the alerts go through `team_id`, the group's home."""
    # A failure's reason holds no instant: any timezone reads it.
    reason = reason_text(delivery.reason, "UTC")
    sections = [say("notice.alert", kind=_kind(delivery), where=_where(delivery.target), reason=reason)]
    if failed_today > 1:
        sections.append(say("notice.alert_count", count=failed_today, where=_where(delivery.target)))
    post = Post(tuple(sections), say("notice.alert_footer"))
    return [
        planned_post(
            f"alert:{now.date()}:{delivery.target}:{cause}:{u}",
            "alert",
            team_id,
            u,
            now,
            now + STILL_USEFUL,
            post,
        )
        for u in admins
    ]


def pause_notices(*, session: Session, group: Group, team_id: str) -> list[Text]:
    """Why nothing is being posted in the reader's workspace, or in another that sees the group, for
    `/gmg deliveries` and the App Home (no alert can reach anyone there)."""
    assert group.id is not None
    return [
        say(
            "notice.paused" if paused.team_id == team_id else "notice.paused_elsewhere",
            since=At(paused.since, group.timezone),
            error=paused.error,
            team=paused.team_id,
        )
        for paused in access.paused_for_group(session=session, group_id=group.id)
    ]


def _who(user_id: str) -> User | str:
    return User(user_id) if user_id[:1] in "UW" and user_id.isalnum() else user_id


def _where(target: str) -> User | Channel:
    return User(target) if target[:1] in "UW" else Channel(target)


def _kind(delivery: Delivery) -> Text:
    return say(f"delivery.kind_{delivery.kind}")


def describe(delivery: Delivery, group: Group) -> Text:
    """One line of `/gmg deliveries`."""
    at = delivery.finished_at or delivery.next_attempt_at
    where = _where(delivery.target)
    reason = reason_text(delivery.reason, group.timezone)
    if delivery.state == deliveries.PENDING and delivery.reason:
        return say(
            "delivery.retrying",
            kind=_kind(delivery),
            where=where,
            at=At(delivery.next_attempt_at, group.timezone),
            attempt=delivery.attempts + 1,
            reason=reason,
        )
    return say(
        f"delivery.{delivery.state}",
        kind=_kind(delivery),
        where=where,
        at=At(at, group.timezone),
        reason=reason,
    )
