"""What the bot posts on its own: handover reminders, term-start announcements, channel topics,
theme posts, schedule change notices and failure alerts. Planned here as delivery rows; sent by
bot/dispatcher.py."""

from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock
from sqlmodel import Session

from handlers.text import day_range, escape, instant, join_names
from storage import deliveries, queries
from storage.deliveries import Planned
from storage.durations import UNITS
from storage.matching import resolve_member
from storage.models import Delivery, Group, Member, PausedWorkspace, Term
from storage.schedule import Schedule, Slot, handover_instant, schedule_day, zone

# Reminders are planned for this many coming handovers; more are planned as these pass.
HANDOVERS_AHEAD = 3
# A term-start announcement, a topic, a theme post or a change notice is still worth sending this
# long after its time (after downtime, say); later it is skipped.
STILL_USEFUL = timedelta(hours=24)


def _message(*sections: str, footer: str = "") -> tuple[str, list[dict[str, Any]]]:
    body = [s for s in sections if s]
    blocks = [SectionBlock(text=MarkdownTextObject(text=s[:3000])).to_dict() for s in body]
    if footer:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer[:3000])]).to_dict())
    return "\n".join([*body, footer]).strip(), blocks


def lead_words(seconds: int) -> str:
    parts = []
    for unit, name in (("d", "day"), ("h", "hour"), ("m", "minute"), ("s", "second")):
        count, seconds = divmod(seconds, UNITS[unit])
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
    return " ".join(parts)


def reminder_due(group: Group, handover: datetime, lead_seconds: int) -> datetime:
    """Whole days count on the group's calendar, so a `1d` reminder keeps the handover's clock time
    across a daylight-saving change; hours, minutes and seconds are exact."""
    days, rest = divmod(lead_seconds, UNITS["d"])
    local = handover.astimezone(zone(group))
    earlier = datetime.combine(local.date() - timedelta(days=days), local.time(), tzinfo=zone(group))
    return earlier.astimezone(handover.tzinfo) - timedelta(seconds=rest)


def _chairs(slot: Slot | None) -> str:
    if slot is None:
        return "nobody (no chair is recorded)"
    return join_names([f"*{escape(c)}*" for c in slot.chairs])


def _focal_points(members: list[Member], *slots: Slot | None) -> list[str]:
    users: list[str] = []
    for slot in slots:
        for code in slot.chairs if slot else ():
            member = resolve_member(members, code)
            users += member.focal_points if member else []
    return list(dict.fromkeys(users))


def _reminder(
    group: Group,
    outgoing: Slot | None,
    incoming: Slot,
    handover: datetime,
    lead_seconds: int,
) -> tuple[str, list[dict[str, Any]]]:
    name = escape(group.short_name or group.name)
    when = f"{instant(handover, zone(group))} ({group.timezone})"
    sections = [
        f":calendar: *{name} handover in {lead_words(lead_seconds)}*: {_chairs(outgoing)} hands "
        f"over to {_chairs(incoming)} on {when}.",
        f"Term: {day_range(incoming.first_day, incoming.last_day)}. Incoming theme: "
        + (f"*{escape(incoming.theme)}*" if incoming.theme else "not set yet."),
    ]
    span = f"{incoming.first_day}..{incoming.last_day}"
    fixes = []
    if incoming.projected:
        fixes.append(
            f"the next chair is only projected from the rotation: `/gmg term set {span} {incoming.chairs[0]}`"
        )
    if not incoming.theme:
        fixes.append(f"the theme is not decided: `/gmg theme set {span} TITLE | DESCRIPTION`")
    footer = ("Not decided yet: " + "; ".join(fixes) + " (admins).") if fixes else ""
    return _message(*sections, footer=footer)


def _announcement(group: Group, incoming: Slot) -> tuple[str, list[dict[str, Any]]]:
    name = escape(group.short_name or group.name)
    theme = f"Theme: *{escape(incoming.theme)}*" if incoming.theme else "Theme: not set yet."
    description = f">{escape(incoming.description)}" if incoming.description else ""
    return _message(
        f":tada: {_chairs(incoming)} now chair{'s' if len(incoming.chairs) == 1 else ''} the "
        f"{name}, {day_range(incoming.first_day, incoming.last_day)}.",
        theme,
        description,
    )


def _topic(group: Group, incoming: Slot) -> str:
    theme = f" · Theme: {incoming.theme}" if incoming.theme else ""
    return f"{group.short_name or group.name} chair: {' and '.join(incoming.chairs)}{theme}"[:250]


def planned_deliveries(*, session: Session, group: Group, now: datetime) -> list[Planned]:
    """Every reminder, announcement and topic change for the coming handovers, as of `now`."""
    schedule = Schedule(session=session, group=group)
    today = schedule_day(group, now)
    members = list(queries.list_members(session=session, team_id=group.team_id))
    leads = queries.get_lead_seconds(session=session, team_id=group.team_id)
    subscriptions = queries.list_subscriptions(session=session, team_id=group.team_id)
    reminder_channels = [s.channel_id for s in subscriptions if s.kind == "reminders"]
    theme_channels = [s.channel_id for s in subscriptions if s.kind == "themes"]
    planned: list[Planned] = []
    for incoming in schedule.slots_after(today, HANDOVERS_AHEAD):
        handover = handover_instant(group, incoming.first_day)
        outgoing = schedule.slot_on(incoming.first_day - timedelta(days=1))
        targets = reminder_channels + _focal_points(members, outgoing, incoming)
        for lead in leads:
            text, blocks = _reminder(group, outgoing, incoming, handover, lead)
            due = reminder_due(group, handover, lead)
            planned += [
                Planned(
                    f"reminder:{incoming.first_day}:{lead}:{t}", "reminder", t, due, handover, text, blocks
                )
                for t in targets
            ]
        text, blocks = _announcement(group, incoming)
        planned += [
            Planned(
                f"announcement:{incoming.first_day}:{c}",
                "announcement",
                c,
                handover,
                handover + STILL_USEFUL,
                text,
                blocks,
            )
            for c in theme_channels
        ]
        if group.topic_channel:
            planned.append(
                Planned(
                    f"topic:{incoming.first_day}:{group.topic_channel}",
                    "topic",
                    group.topic_channel,
                    handover,
                    handover + STILL_USEFUL,
                    _topic(group, incoming),
                    [],
                )
            )
    return planned


def replan(*, session: Session, group: Group, now: datetime) -> None:
    deliveries.sync_planned(
        session=session,
        team_id=group.team_id,
        planned=planned_deliveries(session=session, group=group, now=now),
        now=now,
    )


def _event(
    kind: str, event_id: int, channels: list[str], now: datetime, text: str, blocks: list[dict[str, Any]]
) -> list[Planned]:
    return [
        Planned(f"{kind}:{event_id}:{c}", kind, c, now, now + STILL_USEFUL, text, blocks) for c in channels
    ]


def _channels(session: Session, group: Group, kind: str) -> list[str]:
    return [
        s.channel_id
        for s in queries.list_subscriptions(session=session, team_id=group.team_id)
        if s.kind == kind
    ]


def record_theme_post(
    *, session: Session, group: Group, term: Term, user_id: str, event_id: int, now: datetime
) -> None:
    """A theme set or changed by an admin goes to the `themes` channels at once."""
    name = escape(group.short_name or group.name)
    text, blocks = _message(
        f":speech_balloon: *{name} theme* for {join_names([f'*{escape(c)}*' for c in term.chairs])}, "
        f"{day_range(term.first_day, term.last_day)}: *{escape(term.theme)}*",
        f">{escape(term.description)}" if term.description else "",
        footer=f"Set by {_who(user_id)}.",
    )
    deliveries.record_events(
        session=session,
        team_id=group.team_id,
        planned=_event("theme", event_id, _channels(session, group, "themes"), now, text, blocks),
    )


def record_schedule_change(
    *,
    session: Session,
    group: Group,
    first: date,
    last: date,
    summary: str,
    user_id: str,
    event_id: int,
    now: datetime,
) -> None:
    """A change to a term that is current or starts within the longest lead time is announced to the
    `reminders` channels: people rely on the plan they were reminded of."""
    today = schedule_day(group, now)
    horizon = max(queries.get_lead_seconds(session=session, team_id=group.team_id), default=0)
    if last < today or first > today + timedelta(seconds=horizon):
        return
    text, blocks = _message(
        f":warning: *Schedule change* for {day_range(first, last)}: {summary}",
        footer=f"Changed by {_who(user_id)}. See `/gmg schedule`.",
    )
    deliveries.record_events(
        session=session,
        team_id=group.team_id,
        planned=_event("change", event_id, _channels(session, group, "reminders"), now, text, blocks),
    )


def failure_alerts(
    *, delivery: Delivery, admins: list[str], cause: str, failed_today: int, now: datetime
) -> list[Planned]:
    """One direct message per admin per target, cause and day, however many posts fail: the key says
    so. Until it is sent, a later failure's alert replaces its text, with the day's count so far."""
    where = _where(delivery.target)
    count = f" {failed_today} posts to {where} failed today." if failed_today > 1 else ""
    text, blocks = _message(
        f":x: A {delivery.kind} to {where} could not be delivered: {escape(delivery.reason)}.{count}",
        footer="Further failures like it today send no more alerts. See `/gmg deliveries` for what was "
        "sent, what is pending and what failed.",
    )
    return [
        Planned(
            f"alert:{now.date()}:{delivery.target}:{cause}:{u}",
            "alert",
            u,
            now,
            now + STILL_USEFUL,
            text,
            blocks,
        )
        for u in admins
    ]


def pause_notice(paused: PausedWorkspace, group: Group) -> str:
    """Why nothing is being posted, for `/gmg deliveries` and the App Home (no alert can reach anyone)."""
    return (
        f":double_vertical_bar: *Deliveries are paused* since {instant(paused.since, zone(group))}: Slack "
        f"no longer accepts the app's token (`{escape(paused.error)}`). Nothing is lost: reminders and "
        "posts wait, and those still useful go out by themselves once Slack accepts the token again "
        "(reinstall the app to the workspace, or give the bot a valid token)."
    )


def _who(user_id: str) -> str:
    return f"<@{user_id}>" if user_id[:1] in "UW" and user_id.isalnum() else escape(user_id)


def _where(target: str) -> str:
    return f"<@{target}>" if target[:1] in "UW" else f"<#{target}>"


def describe(delivery: Delivery, group: Group) -> str:
    """One line of `/gmg deliveries`."""
    z = zone(group)
    at = delivery.finished_at or delivery.next_attempt_at
    detail = {
        "sent": f"sent {instant(at, z)}",
        "failed": f"failed {instant(at, z)}: {escape(delivery.reason)}",
        "skipped": f"skipped: {escape(delivery.reason)}",
        "pending": f"due {instant(delivery.next_attempt_at, z)}"
        + (f" (attempt {delivery.attempts + 1}; last: {escape(delivery.reason)})" if delivery.reason else ""),
    }[delivery.state]
    return f"• {delivery.kind} to {_where(delivery.target)}: {detail}"
