"""Changes to how the group works, for admins: subscriptions, reminder lead times, admins, settings,
and the audit log. Each is checked whole, written in one transaction and audited."""

from typing import Any

from handlers.changes import done
from handlers.context import Args, ChannelStatus, Context
from handlers.response import Response, UsageError
from handlers.text import Token, channel_id_of, user_id_of
from messages.render import escape
from storage import queries
from storage.durations import LEAD_FORMS, DurationError, format_duration, parse_duration
from storage.models import Group
from storage.schedule import zone
from storage.transfer import SUBSCRIPTION_KINDS, check_clock, check_timezone


def subscribe(ctx: Context, args: Args) -> Response:
    return _subscription(ctx, args.tokens, subscribe=True)


def unsubscribe(ctx: Context, args: Args) -> Response:
    return _subscription(ctx, args.tokens, subscribe=False)


def _subscription(ctx: Context, tokens: list[Token], subscribe: bool) -> Response:
    verb = "subscribe" if subscribe else "unsubscribe"
    channel = ctx.channel_id
    kinds = list(SUBSCRIPTION_KINDS)
    for token in tokens:
        word = token.value.lower()
        if channel_id_of(token.value):
            channel = channel_id_of(token.value)
        elif word in SUBSCRIPTION_KINDS:
            kinds = [word]
        elif word != "all":
            raise UsageError(
                f"`{escape(token.value)}` is neither a channel nor a kind. Use "
                f"`/gmg {verb} [#channel] [reminders|themes|all]`; pick the channel with #."
            )
    if channel is None:
        raise UsageError(f"Name the channel: `/gmg {verb} #channel [reminders|themes|all]`.")
    status = ctx.postable(channel) if subscribe else ChannelStatus.POSTABLE
    current = {
        s.kind
        for s in queries.list_subscriptions(session=ctx.session, group_id=ctx.group_id)
        if s.channel_id == channel
    }
    after = sorted(current | set(kinds)) if subscribe else sorted(current - set(kinds))
    if after == sorted(current):
        state = ", ".join(after) or "nothing"
        raise UsageError(f"Nothing to change: <#{channel}> follows {state}.")
    queries.set_channel_kinds(
        session=ctx.session, group_id=ctx.group_id, team_id=ctx.team_id, channel_id=channel, kinds=after
    )
    ctx.audit({"channel": channel, "kinds": sorted(current)}, {"channel": channel, "kinds": after})
    return done(
        ctx,
        "Subscriptions saved",
        f"<#{channel}> now follows: {', '.join(after) or 'nothing'}.",
        footer=_access_note(channel, status),
    )


def _access_note(channel: str, status: ChannelStatus) -> str:
    if status == ChannelStatus.JOINED:
        return f"I joined <#{channel}> to post there."
    if status == ChannelStatus.UNKNOWN:
        return f"Slack did not answer whether I can post in <#{channel}>; if it is private, invite me."
    return ""


def _current_leads(ctx: Context) -> list[str]:
    return [format_duration(s) for s in queries.get_lead_seconds(session=ctx.session, group_id=ctx.group_id)]


def reminders_show(ctx: Context, args: Args) -> Response:
    shown = " ".join(_current_leads(ctx)) or "none"
    return Response(
        title="Handover reminders",
        sections=[f"Reminders go out {shown} before each handover."],
        footer="Admins change them with `/gmg reminders 30d 7d 1d`.",
    )


def reminders_set(ctx: Context, args: Args) -> Response:
    tokens = args.tokens
    current = _current_leads(ctx)
    if len(tokens) == 1 and tokens[0].value.lower() in ("none", "off"):
        seconds: list[int] = []
    else:
        try:
            seconds = sorted({parse_duration(t.value) for t in tokens}, reverse=True)
        except DurationError as exc:
            raise UsageError(f"`{escape(exc.text)}` {exc.problem}; use {LEAD_FORMS}.") from exc
        if len(seconds) > 10:
            raise UsageError("Ten lead times at most.")
    queries.set_lead_seconds(session=ctx.session, group_id=ctx.group_id, seconds=seconds)
    after = [format_duration(s) for s in seconds]
    ctx.audit(current, after)
    return done(
        ctx,
        "Reminders saved",
        f"Reminders go out {' '.join(after) or 'never'} before each handover.",
    )


def admin_add(ctx: Context, args: Args) -> Response:
    return _admin_change(ctx, args.tokens)


def admin_remove(ctx: Context, args: Args) -> Response:
    return _admin_change(ctx, args.tokens)


def _admin_change(ctx: Context, tokens: list[Token]) -> Response:
    action = tokens[0].value.lower()
    users = [user_id_of(t.value) for t in tokens[1:]]
    if not users or None in users:
        raise UsageError("Use `/gmg admin add @user` or `/gmg admin remove @user`.")
    listed = set(queries.list_admins(session=ctx.session, group_id=ctx.group_id))
    wanted = {u for u in users if u}
    if action == "add":
        new = wanted - listed
        if not new:
            raise UsageError("Nothing to change: they are already admins.")
        after = sorted(listed | new)
    else:
        gone = wanted & listed
        if not gone:
            raise UsageError("Nothing to change: none of them was added as an admin.")
        after = sorted(listed - gone)
    queries.set_admins(session=ctx.session, group_id=ctx.group_id, user_ids=after)
    ctx.audit(sorted(listed), after)
    return done(
        ctx,
        "Admins saved",
        "Added admins: " + (", ".join(f"<@{u}>" for u in after) or "none") + ".",
    )


SETTINGS_FORMS = (
    "`timezone Europe/Zurich`, `handover 09:00`, `term-months 12` or `topic #channel` (`topic off`)"
)


def _settings_record(group: Group) -> dict[str, Any]:
    return {
        "timezone": group.timezone,
        "handover_time": group.handover_time,
        "term_months": group.term_months,
        "topic_channel": group.topic_channel,
    }


def _topic_channel(ctx: Context, value: str) -> str | None:
    if value.lower() == "off":
        return None
    channel = channel_id_of(value)
    if channel is None:
        raise UsageError(
            "Name the channel whose topic follows the chair: `/gmg settings topic #channel`, "
            "or `/gmg settings topic off`."
        )
    # Setting a topic needs the bot in the channel: find out now, not at the next handover.
    ctx.postable(channel)
    return channel


def settings_show(ctx: Context, args: Args) -> Response:
    group = ctx.group
    return Response(
        title=f"{ctx.short_name} settings",
        sections=[
            f"Name: {escape(group.name)} ({escape(group.short_name)})",
            f"Timezone: {group.timezone} · handover at {group.handover_time} · "
            f"terms of {group.term_months} months",
            "Channel topic: "
            + (
                f"<#{group.topic_channel}> shows the chair and theme from each handover"
                if group.topic_channel
                else "off"
            ),
        ],
        footer=f"Admins change them with `/gmg settings` and {SETTINGS_FORMS}.",
    )


def settings_change(ctx: Context, args: Args) -> Response:
    group, tokens = ctx.group, args.tokens
    if len(tokens) != 2:
        raise UsageError(f"Change one setting at a time: {SETTINGS_FORMS}.")
    key, value = tokens[0].value.lower(), tokens[1].value
    before = _settings_record(group)
    try:
        if key == "timezone":
            group.timezone = check_timezone(value)
        elif key == "handover":
            group.handover_time = check_clock(value)
        elif key == "term-months":
            if not value.isdigit() or not 1 <= int(value) <= 24:
                raise ValueError(f"{value!r} is not a number of months from 1 to 24")
            group.term_months = int(value)
        elif key == "topic":
            group.topic_channel = _topic_channel(ctx, value)
        else:
            raise UsageError(f"`{escape(key)}` is not a setting. Use {SETTINGS_FORMS}.")
    except ValueError as exc:
        message = escape(str(exc))
        raise UsageError(f"{message[:1].upper()}{message[1:]}.") from exc
    queries.save(session=ctx.session, record=group)
    ctx.audit(before, _settings_record(group))
    return done(
        ctx,
        "Settings saved",
        f"Timezone {group.timezone}, handover at {group.handover_time}, terms of {group.term_months} months.",
    )


def log(ctx: Context, args: Args) -> Response:
    words = args.words
    if len(words) > 1 or (words and not (words[0].isdigit() and 1 <= int(words[0]) <= 50)):
        raise UsageError("Use `/gmg log [N]` with N from 1 to 50.")
    count = int(words[0]) if words else 10
    entries = queries.list_audit_entries(session=ctx.session, group_id=ctx.group_id, limit=count)
    lines = [
        f"• {e.at.astimezone(zone(ctx.group)):%Y-%m-%d %H:%M} "
        f"{'<@' + e.user_id + '>' if user_id_of(e.user_id) else escape(e.user_id)}: "
        f"`{escape(e.action[:200])}`"
        for e in entries
    ]
    return Response(title="Audit log", sections=lines or ["No changes recorded."])
