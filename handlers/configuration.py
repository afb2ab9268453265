"""Changes to how the group works, for admins: subscriptions, reminder lead times, admins, settings,
and the audit log. Each is checked whole, written in one transaction and audited."""

import re
from collections.abc import Callable
from typing import Any

from handlers.context import Args, ChannelStatus, Context
from handlers.response import Part, Response, UsageError
from handlers.text import Token, channel_id_of, user_id_of
from handlers.translated import language_name
from messages import Channel, Code, Commas, Text, User, say
from messages.languages import UnknownLanguage, check_language, unknown_language
from storage import links, queries
from storage.documents import SUBSCRIPTION_KINDS, check_clock, check_timezone
from storage.durations import MAX_LEAD_SECONDS, UNITS, DurationError, format_duration, parse_duration
from storage.groups import link_of
from storage.models import Group
from storage.schedule import zone


def subscribe(ctx: Context, args: Args) -> Response:
    return _subscription(ctx, args.tokens, subscribe=True)


def unsubscribe(ctx: Context, args: Args) -> Response:
    return _subscription(ctx, args.tokens, subscribe=False)


def _kinds(kinds: list[str]) -> Any:
    """What a channel follows, as a message parameter."""
    return Commas(tuple(say(f"home.kind_{k}") for k in kinds)) if kinds else say("subscriptions.nothing")


def _language_word(word: str) -> str | None:
    """The language a word of `subscribe` names (`fr`), None for a word that is no language code, or a
    refusal for a code the bot does not speak (`de`): it is not to be read as something else."""
    if len(word) != 2 or not word.isalpha():
        return None
    try:
        return check_language(word)
    except UnknownLanguage as exc:
        raise UsageError(unknown_language(word)) from exc


def _subscription_record(channel: str, kinds: list[str], language: str | None) -> dict[str, Any]:
    """What the audit log keeps of a channel's subscription; its language only where one is chosen."""
    return {"channel": channel, "kinds": kinds, **({"language": language} if language else {})}


def _subscription(ctx: Context, tokens: list[Token], subscribe: bool) -> Response:
    verb = "subscribe" if subscribe else "unsubscribe"
    channel = ctx.channel_id
    kinds = list(SUBSCRIPTION_KINDS)
    language: str | None = None
    for token in tokens:
        word = token.value.lower()
        if channel_id_of(token.value):
            channel = channel_id_of(token.value)
        elif word in SUBSCRIPTION_KINDS:
            kinds = [word]
        elif word == "all":
            pass
        elif subscribe and (chosen := _language_word(token.value)):
            if language not in (None, chosen):
                raise UsageError(
                    say("subscriptions.two_languages", first=Code(language), second=Code(chosen))
                )
            language = chosen
        else:
            refusal = "subscriptions.bad_word_language" if subscribe else "subscriptions.bad_word"
            raise UsageError(say(refusal, word=token.value, verb=verb))
    if channel is None:
        raise UsageError(say("subscriptions.no_channel", verb=verb))
    status = ctx.postable(channel) if subscribe else ChannelStatus.POSTABLE
    # Two changes to one channel at once: the second starts from what the first left.
    queries.lock_for_update(session=ctx.session, group_id=ctx.group_id)
    rows = [
        s
        for s in queries.list_subscriptions(session=ctx.session, group_id=ctx.group_id)
        if s.channel_id == channel
    ]
    owners = {s.kind: s.team_id for s in rows}
    current = set(owners)
    # A channel has one language, on each of its rows; without a language word it keeps it.
    was = next((s.language for s in rows if s.language), None)
    after = sorted(current | set(kinds)) if subscribe else sorted(current - set(kinds))
    chosen_language = (language or was) if after else None
    if after == sorted(current) and chosen_language == was:
        raise UsageError(say("subscriptions.unchanged", channel=Channel(channel), kinds=_kinds(after)))
    _own_rows_only(ctx, channel, owners, set(after), chosen_language != was)
    queries.set_channel_kinds(
        session=ctx.session,
        group_id=ctx.group_id,
        channel_id=channel,
        # Each kind stays with the workspace that subscribed it; a new one is this workspace's.
        kinds={kind: owners.get(kind, ctx.team_id) for kind in after},
        language=chosen_language,
    )
    ctx.audit(
        _subscription_record(channel, sorted(current), was),
        _subscription_record(channel, after, chosen_language),
    )
    if chosen_language:
        now = say(
            "subscriptions.now_language",
            channel=Channel(channel),
            kinds=_kinds(after),
            language=language_name(chosen_language),
        )
    else:
        now = say("subscriptions.now", channel=Channel(channel), kinds=_kinds(after))
    return Response(
        title=say("subscriptions.saved"),
        sections=[now],
        footer=_access_note(channel, status),
        changed=True,
    )


def _own_rows_only(
    ctx: Context, channel: str, owners: dict[str, str], after: set[str], language_changed: bool
) -> None:
    """A workspace's Slack admins (not the group's) change only what their workspace subscribed: in a
    Slack Connect channel they may add a kind, not end or re-language another workspace's."""
    others = {kind for kind, team in owners.items() if team != ctx.team_id}
    if not others or ctx.is_admin:
        return
    if others - after or language_changed:
        raise UsageError(say("subscriptions.other_workspace", channel=Channel(channel), group=ctx.short_name))


def _access_note(channel: str, status: ChannelStatus) -> Part:
    if status == ChannelStatus.JOINED:
        return say("channel.joined", channel=Channel(channel))
    if status == ChannelStatus.UNKNOWN:
        return say("channel.unknown", channel=Channel(channel))
    return ""


def _current_leads(ctx: Context) -> list[str]:
    return [format_duration(s) for s in queries.get_lead_seconds(session=ctx.session, group_id=ctx.group_id)]


def _leads(leads: list[str], none: str) -> Text:
    # Lead times are shown as they are typed (`30d 1d12h`); `none` says there are none.
    return say("reminders.leads", leads=" ".join(leads)) if leads else say(none)


def reminders_show(ctx: Context, args: Args) -> Response:
    return Response(
        title=say("reminders.title"),
        sections=[_leads(_current_leads(ctx), "reminders.none")],
        footer=say("reminders.footer"),
    )


def _lead_refusal(exc: DurationError) -> UsageError:
    forms = say("reminders.forms", days=MAX_LEAD_SECONDS // UNITS["d"])
    refusal = "reminders.out_of_range" if exc.out_of_range else "reminders.not_a_lead"
    return UsageError(say(refusal, text=exc.text, forms=forms))


def reminders_set(ctx: Context, args: Args) -> Response:
    tokens = args.tokens
    current = _current_leads(ctx)
    if len(tokens) == 1 and tokens[0].value.lower() in ("none", "off"):
        seconds: list[int] = []
    else:
        try:
            seconds = sorted({parse_duration(t.value) for t in tokens}, reverse=True)
        except DurationError as exc:
            raise _lead_refusal(exc) from exc
        if len(seconds) > 10:
            raise UsageError(say("reminders.too_many"))
    queries.set_lead_seconds(session=ctx.session, group_id=ctx.group_id, seconds=seconds)
    after = [format_duration(s) for s in seconds]
    ctx.audit(current, after)
    return Response(title=say("reminders.saved"), sections=[_leads(after, "reminders.never")], changed=True)


def admin_add(ctx: Context, args: Args) -> Response:
    return _admin_change(ctx, args.tokens)


def admin_remove(ctx: Context, args: Args) -> Response:
    return _admin_change(ctx, args.tokens)


def _admin_change(ctx: Context, tokens: list[Token]) -> Response:
    action = tokens[0].value.lower()
    users = [user_id_of(t.value) for t in tokens[1:]]
    if not users or None in users:
        raise UsageError(say("admins.usage"))
    listed_ids = set(queries.list_admins(session=ctx.session, group_id=ctx.group_id))
    wanted = {u for u in users if u}
    if action == "add":
        new = wanted - listed_ids
        if not new:
            raise UsageError(say("admins.already"))
        after = sorted(listed_ids | new)
    else:
        gone = wanted & listed_ids
        if not gone:
            raise UsageError(say("admins.not_listed"))
        after = sorted(listed_ids - gone)
    queries.set_admins(session=ctx.session, group_id=ctx.group_id, user_ids=after)
    ctx.audit(sorted(listed_ids), after)
    shown = Commas(tuple(User(u) for u in after)) if after else say("admins.none")
    return Response(title=say("admins.saved"), sections=[say("admins.now", users=shown)], changed=True)


SETTINGS_FORMS = say("settings.forms")
MOST_MONTHS = 24
# A clock time as written, whether or not it is a time of day (25:00 is written right, but is none).
_CLOCK = re.compile(r"\d{2}:\d{2}")


def _settings_record(group: Group) -> dict[str, Any]:
    return {
        "timezone": group.timezone,
        "handover_time": group.handover_time,
        "term_months": group.term_months,
        "language": group.language,
        "theme_deadline_days": group.theme_deadline_days,
    }


def _own_topic_channel(ctx: Context) -> str | None:
    """This workspace's topic channel for the group (each workspace that sees it has its own)."""
    link = link_of(session=ctx.session, team_id=ctx.team_id, group_id=ctx.group_id)
    return link.topic_channel if link else None


def _topic_channel(ctx: Context, value: str) -> str | None:
    if value.lower() == "off":
        return None
    channel = channel_id_of(value)
    if channel is None:
        raise UsageError(say("settings.topic_usage"))
    # Setting a topic needs the bot in the channel: find out now, not at the next handover.
    ctx.postable(channel)
    return channel


def _clock(group: Group) -> dict[str, Any]:
    return {"timezone": group.timezone, "handover": group.handover_time, "count": group.term_months}


def settings_show(ctx: Context, args: Args) -> Response:
    group = ctx.group
    topic_channel = _own_topic_channel(ctx)
    if topic_channel:
        topic = say("settings.topic", channel=Channel(topic_channel))
    else:
        topic = say("settings.topic_off")
    return Response(
        title=say("settings.title", group=ctx.short_name),
        sections=[
            say("settings.name", name=group.name, short=group.short_name),
            say("settings.clock", **_clock(group)),
            topic,
            say("settings.language", language=language_name(group.language)),
            _deadline_line(group),
        ],
        footer=say("settings.footer", forms=SETTINGS_FORMS),
    )


def _checked(check: Callable[[str], str], value: str, refusal: Text) -> str:
    """`value` as `check` accepts it, or `refusal`."""
    try:
        return check(value)
    except ValueError as exc:
        raise UsageError(refusal) from exc


def _months(value: str) -> str:
    if not value.isdecimal() or not 1 <= int(value) <= MOST_MONTHS:
        raise ValueError(value)
    return value


def _change(ctx: Context, key: str, value: str) -> None:
    group = ctx.group
    if key == "timezone":
        group.timezone = _checked(check_timezone, value, say("settings.bad_timezone", value=value))
    elif key == "handover":
        refusal = "settings.not_a_time_of_day" if _CLOCK.fullmatch(value) else "settings.not_a_time"
        group.handover_time = _checked(check_clock, value, say(refusal, value=value))
    elif key == "term-months":
        refused = say("settings.bad_months", value=value, most=MOST_MONTHS)
        group.term_months = int(_checked(_months, value, refused))
    elif key == "language":
        group.language = _checked(check_language, value, unknown_language(value))
    elif key == "theme-deadline":
        group.theme_deadline_days = _deadline_days(value)
    else:
        raise UsageError(say("settings.unknown", key=key, forms=SETTINGS_FORMS))


def _deadline_line(group: Group) -> Text:
    if group.theme_deadline_days is None:
        return say("settings.theme_deadline_off")
    return say("settings.theme_deadline", count=group.theme_deadline_days)


def _deadline_days(value: str) -> int | None:
    """`14d` (whole days before a term starts, a year at most), or `off`."""
    if value.lower() == "off":
        return None
    days = value.lower().removesuffix("d")
    if not days.isdecimal() or int(days) > 366:
        raise UsageError(say("settings.bad_deadline", value=value[:40]))
    return int(days)


def settings_change(ctx: Context, args: Args) -> Response:
    group, tokens = ctx.group, args.tokens
    if len(tokens) != 2:
        raise UsageError(say("settings.one_at_a_time", forms=SETTINGS_FORMS))
    key = tokens[0].value.lower()
    if key == "topic":
        return _topic_change(ctx, tokens[1].value)
    before = _settings_record(group)
    _change(ctx, key, tokens[1].value)
    queries.save(session=ctx.session, record=group)
    ctx.audit(before, _settings_record(group))
    if key == "language":
        saved = say("settings.saved_language", language=language_name(group.language))
    elif key == "theme-deadline":
        saved = _deadline_line(group)
    else:
        saved = say("settings.saved_body", **_clock(group))
    return Response(title=say("settings.saved"), sections=[saved], changed=True)


def _topic_change(ctx: Context, value: str) -> Response:
    # Not the group's own data: a Slack admin of the workspace may choose its channel (registry).
    channel = _topic_channel(ctx, value)
    links.set_topic_channel(
        session=ctx.session,
        team_id=ctx.team_id,
        group=ctx.group,
        channel_id=channel,
        user_id=ctx.user_id,
        now=ctx.now,
        action=ctx.command,
    )
    shown = say("settings.topic", channel=Channel(channel)) if channel else say("settings.topic_off")
    return Response(title=say("settings.saved"), sections=[shown], changed=True)


def log(ctx: Context, args: Args) -> Response:
    words = args.words
    if len(words) > 1 or (words and not (words[0].isdecimal() and 1 <= int(words[0]) <= 50)):
        raise UsageError(say("log.usage"))
    count = int(words[0]) if words else 10
    entries = queries.list_audit_entries(session=ctx.session, group_id=ctx.group_id, limit=count)
    lines: list[Part] = [
        say(
            "log.line",
            at=e.at.astimezone(zone(ctx.group)).strftime("%Y-%m-%d %H:%M"),
            who=User(e.user_id) if user_id_of(e.user_id) else e.user_id,
            action=e.action[:200],
        )
        for e in entries
    ]
    return Response(title=say("log.title"), sections=lines or [say("log.none")])
