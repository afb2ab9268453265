"""Changes, for admins only: each one is checked whole, written in one transaction and audited."""

import re
from typing import Any

from sqlalchemy import delete
from sqlmodel import col

from handlers import notices
from handlers.context import ChannelStatus, Context
from handlers.periods import PERIOD_FORMS, Span, looks_like_period, parse_period
from handlers.response import Response, UsageError
from handlers.text import (
    Token,
    channel_id_of,
    day_range,
    escape,
    unescape_slack,
    user_id_of,
)
from storage import queries
from storage.durations import LEAD_FORMS, DurationError, format_duration, parse_duration
from storage.matching import canonical_code, member_key, resolve_member
from storage.models import Admin, Group, Member, Subscription, Term
from storage.schedule import Slot, zone
from storage.transfer import SUBSCRIPTION_KINDS, check_clock, check_timezone

# The most words a run of member names can take (co-chairs included): the search for the longest
# run that names members stops there, so a long command costs no more than a short one.
MAX_NAME_WORDS = 16
MAX_TITLE = 150
MAX_DESCRIPTION = 3000
_BAR = re.compile(r"\|(?![^<>]*>)")


def _done(ctx: Context, title: str, *sections: str, footer: str = "") -> Response:
    return Response(title=title, sections=list(sections), footer=footer, changed=True)


def _term_record(term: Term | None) -> dict[str, Any] | None:
    if term is None:
        return None
    return {
        "first_day": str(term.first_day),
        "last_day": str(term.last_day),
        "chairs": list(term.chairs),
        "theme": term.theme,
        "description": term.description,
    }


def _rest(text: str, tokens: list[Token], index: int) -> str:
    """The text from token `index` on, as typed (quotes around a lone phrase dropped)."""
    if index >= len(tokens):
        return ""
    if index == len(tokens) - 1:
        return tokens[index].value.strip()
    return text[tokens[index].start :].strip()


def _words(tokens: list[Token]) -> str:
    return " ".join(t.value for t in tokens)


def _free_text(text: str, what: str, limit: int) -> str:
    value = unescape_slack(text).strip()
    if len(value) > limit:
        raise UsageError(f"The {what} is {len(value)} characters long; keep it to {limit}.")
    return value


def _chairs_and_rest(ctx: Context, text: str, tokens: list[Token], start: int) -> tuple[list[str], int]:
    """The longest run of words from `start` that names one or more members joined by `+`."""
    for end in range(min(len(tokens), start + MAX_NAME_WORDS), start, -1):
        words = " ".join(t.value for t in tokens[start:end])
        parts = [p.strip() for p in words.split("+")]
        found = [resolve_member(ctx.members, p) for p in parts]
        if all(found):
            codes = [m.code for m in found if m is not None]
            if len(set(codes)) != len(codes):
                raise UsageError("A member is named twice among the chairs.")
            for member in found:
                if member is not None and not member.active:
                    raise UsageError(f"*{escape(member.code)}* is a former member; add it back first.")
            return codes, end
    if start >= len(tokens):
        raise UsageError("Name the chair: `/gmg term set 2019 ILO`, co-chairs as `FAO+IOM`.")
    first = tokens[start].value.split("+")
    for part in first:
        ctx.member(part)
    raise UsageError("Name the chair: `/gmg term set 2019 ILO`, co-chairs as `FAO+IOM`.")


# Terms


def term(ctx: Context, text: str, tokens: list[Token]) -> Response:
    if not tokens or tokens[0].value.lower() not in ("set", "clear"):
        raise UsageError(
            "Use `/gmg term set PERIOD CHAIR[+CHAIR] [THEME]` or `/gmg term clear PERIOD`; "
            f"PERIOD is {PERIOD_FORMS}."
        )
    if len(tokens) < 2:
        raise UsageError(f"Give a PERIOD: {PERIOD_FORMS}.")
    span = parse_period(tokens[1].value)
    if tokens[0].value.lower() == "clear":
        if len(tokens) > 2:
            raise UsageError("`term clear` takes only a PERIOD, e.g. `/gmg term clear 2019`.")
        return _term_clear(ctx, span)
    chairs, end = _chairs_and_rest(ctx, text, tokens, 2)
    theme_text = _free_text(_rest(text, tokens, end), "theme title", MAX_TITLE)
    return _term_set(ctx, span, chairs, theme_text)


def _overlapping(ctx: Context, span: Span) -> list[Term]:
    return list(
        queries.terms_overlapping(session=ctx.session, team_id=ctx.team_id, first=span.first, last=span.last)
    )


def _term_set(ctx: Context, span: Span, chairs: list[str], theme: str) -> Response:
    clash = [t for t in _overlapping(ctx, span) if (t.first_day, t.last_day) != (span.first, span.last)]
    if clash:
        other = clash[0]
        raise UsageError(
            f"{day_range(span.first, span.last)} overlaps the term "
            f"{day_range(other.first_day, other.last_day)} ({escape(' + '.join(other.chairs))}). "
            f"Clear it first with `/gmg term clear {other.first_day}..{other.last_day}`, "
            "or choose days that do not overlap."
        )
    existing = next(iter(_overlapping(ctx, span)), None)
    before = _term_record(existing)
    record = existing or Term(team_id=ctx.team_id, first_day=span.first, last_day=span.last)
    record.chairs = chairs
    if theme:
        record.theme = theme
    ctx.session.add(record)
    ctx.session.flush()
    event = ctx.audit(before, _term_record(record))
    if theme:
        notices.record_theme_post(
            session=ctx.session,
            group=ctx.group,
            term=record,
            user_id=ctx.user_id,
            event_id=event,
            now=ctx.now,
        )
    was = f" (was {escape(' + '.join(existing.chairs))})" if existing else ""
    _announce_change(ctx, span, f"{escape(' + '.join(chairs))} to chair{was}.", event)
    slot = Slot.of(record)
    theme_line = f" Theme: *{escape(record.theme)}*." if record.theme else ""
    return _done(
        ctx,
        "Term saved",
        f"{ctx.chairs(slot)} chair{'s' if len(chairs) == 1 else ''} the {ctx.short_name} "
        f"{day_range(span.first, span.last)}.{theme_line}",
        footer="Replaced the term's chairs." if existing else "",
    )


def _announce_change(ctx: Context, span: Span, summary: str, event: int) -> None:
    notices.record_schedule_change(
        session=ctx.session,
        group=ctx.group,
        first=span.first,
        last=span.last,
        summary=summary,
        user_id=ctx.user_id,
        event_id=event,
        now=ctx.now,
    )


def _term_clear(ctx: Context, span: Span) -> Response:
    terms = _overlapping(ctx, span)
    partial = [t for t in terms if t.first_day < span.first or t.last_day > span.last]
    if partial:
        t = partial[0]
        raise UsageError(
            f"The term {day_range(t.first_day, t.last_day)} reaches outside "
            f"{escape(span.label)}. Clear it whole: `/gmg term clear {t.first_day}..{t.last_day}`."
        )
    if not terms:
        raise UsageError(f"No term to clear in {escape(span.label)}. See `/gmg history` and `/gmg schedule`.")
    before = [_term_record(t) for t in terms]
    for t in terms:
        ctx.session.delete(t)
    ctx.session.flush()
    event = ctx.audit(before, None)
    lines = [f"• {day_range(t.first_day, t.last_day)}: {escape(' + '.join(t.chairs))}" for t in terms]
    _announce_change(ctx, span, "cleared; no chair is recorded now. Was:\n" + "\n".join(lines), event)
    return _done(ctx, f"Cleared {len(terms)} term{'s' if len(terms) != 1 else ''}", *lines)


# Themes


def theme_set(ctx: Context, text: str, tokens: list[Token]) -> Response:
    index = 1
    target: Term | None
    if len(tokens) > 2 and looks_like_period(tokens[1].value):
        span = parse_period(tokens[1].value)
        index = 2
        terms = _overlapping(ctx, span)
        if len(terms) != 1:
            found = "no term" if not terms else f"{len(terms)} terms"
            raise UsageError(
                f"{escape(span.label)} covers {found}; name one term, e.g. its days "
                "`FIRST..LAST` as shown by `/gmg history` or `/gmg schedule`."
            )
        target = terms[0]
    else:
        target = _current_or_next_term(ctx)
    rest = _rest(text, tokens, index)
    # The first `|` outside Slack's `<link|label>` forms ends the title.
    bar = _BAR.search(rest)
    title_text, description_text = (rest[: bar.start()], rest[bar.end() :]) if bar else (rest, "")
    title = _free_text(title_text, "theme title", MAX_TITLE)
    description = _free_text(description_text, "description", MAX_DESCRIPTION)
    if not title:
        raise UsageError("Give a theme title: `/gmg theme set [PERIOD] TITLE | DESCRIPTION`.")
    before = _term_record(target)
    target.theme = title
    target.description = description
    ctx.session.add(target)
    ctx.session.flush()
    event = ctx.audit(before, _term_record(target))
    notices.record_theme_post(
        session=ctx.session, group=ctx.group, term=target, user_id=ctx.user_id, event_id=event, now=ctx.now
    )
    slot = Slot.of(target)
    return _done(
        ctx,
        "Theme saved",
        f"{ctx.chairs(slot)}, {day_range(target.first_day, target.last_day)}: *{escape(title)}*",
        f">{escape(description)}" if description else "",
    )


def _current_or_next_term(ctx: Context) -> Term:
    term = queries.current_or_next_term(session=ctx.session, team_id=ctx.team_id, day=ctx.today)
    if term is None:
        raise UsageError(
            "No current or coming term is decided, so there is no term to give a theme. "
            "Decide one first: `/gmg term set PERIOD CHAIR`."
        )
    return term


# Rotation and members


def rotation_set(ctx: Context, text: str, tokens: list[Token]) -> Response:
    if [t.value.lower() for t in tokens] in (["clear"], ["set", "clear"]):
        codes: list[str] = []
    elif tokens[0].value.lower() == "clear":
        raise UsageError("`/gmg rotation clear` takes nothing after it.")
    else:
        names = [n.strip() for n in _rest(text, tokens, 1).split(",") if n.strip()]
        if not names:
            raise UsageError(
                "List the members in order: `/gmg rotation set ILO, IOM, UNDP` (or `/gmg rotation clear`)."
            )
        members = [ctx.member(n) for n in names]
        codes = [m.code for m in members]
        if len(set(codes)) != len(codes):
            raise UsageError("A member appears twice in the rotation; name each once.")
        former = [m.code for m in members if not m.active]
        if former:
            raise UsageError(f"*{escape(former[0])}* is a former member and cannot be in the rotation.")
    before = queries.get_rotation(session=ctx.session, team_id=ctx.team_id)
    queries.set_rotation(session=ctx.session, team_id=ctx.team_id, codes=codes)
    ctx.audit(before, codes)
    order = ", ".join(escape(c) for c in codes) or "none (nothing will be projected)"
    return _done(ctx, "Rotation saved", f"Order: {order}.")


def member_change(ctx: Context, text: str, tokens: list[Token]) -> Response:
    action = tokens[0].value.lower() if tokens else ""
    if action == "add" and len(tokens) >= 3:
        return _member_add(ctx, tokens[1].value, _free_text(_rest(text, tokens, 2), "name", 200))
    if action == "remove" and len(tokens) >= 2:
        return _member_remove(ctx, ctx.member(_rest(text, tokens, 1)))
    raise UsageError(
        "Use `/gmg member add CODE Full name` (quote a code with spaces: "
        '`"UN Women"`) or `/gmg member remove CODE`.'
    )


def _member_add(ctx: Context, code: str, name: str) -> Response:
    code = canonical_code(_free_text(code, "code", 50))
    if not member_key(code):
        raise UsageError("A member code needs letters or digits, e.g. `WHO`.")
    existing = resolve_member(ctx.members, code)
    if existing is not None and existing.active:
        raise UsageError(f"*{escape(existing.code)}* is already a member ({escape(existing.name)}).")
    before = None
    if existing is None:
        member = Member(team_id=ctx.team_id, code=code, name=name, joined=ctx.today.year)
    else:
        before = {"code": existing.code, "name": existing.name, "active": False}
        member = existing
        member.name, member.active = name, True
    ctx.session.add(member)
    ctx.session.flush()
    ctx.audit(before, {"code": member.code, "name": member.name, "active": True})
    return _done(ctx, "Member added", f"*{escape(member.code)}*: {escape(member.name)}.")


def _member_remove(ctx: Context, member: Member) -> Response:
    if not member.active:
        raise UsageError(f"*{escape(member.code)}* is already a former member.")
    rotation = queries.get_rotation(session=ctx.session, team_id=ctx.team_id)
    member.active = False
    ctx.session.add(member)
    if member.code in rotation:
        queries.set_rotation(
            session=ctx.session,
            team_id=ctx.team_id,
            codes=[c for c in rotation if c != member.code],
        )
    ctx.session.flush()
    ctx.audit({"code": member.code, "active": True}, {"code": member.code, "active": False})
    note = " and left the rotation" if member.code in rotation else ""
    return _done(
        ctx,
        "Member removed",
        f"*{escape(member.code)}* is now a former member{note}; its past terms stay.",
    )


def focal(ctx: Context, text: str, tokens: list[Token]) -> Response:
    clear = bool(tokens) and tokens[-1].value.lower() == "clear"
    end = len(tokens) - 1 if clear else len(tokens)
    if end == 0:
        raise UsageError("Use `/gmg focal CODE @user @user` or `/gmg focal CODE clear`.")
    # The member is the longest run of leading words naming one (codes like UNICEF look like
    # user ids); failing that, the words before the first user, for a "did you mean".
    code_end = next(
        (
            i
            for i in range(min(end, MAX_NAME_WORDS), 0, -1)
            if resolve_member(ctx.members, _words(tokens[:i]))
        ),
        next((i for i in range(1, end) if user_id_of(tokens[i].value)), end),
    )
    member = ctx.member(_words(tokens[:code_end]))
    users = [user_id_of(t.value) for t in tokens[code_end:end]]
    if clear and users:
        raise UsageError("Either list focal points or say `clear`, not both.")
    if not clear and not users:
        raise UsageError(f"Mention the focal points: `/gmg focal {escape(member.code)} @user`.")
    if None in users:
        bad = next(t.value for t in tokens[code_end:end] if not user_id_of(t.value))
        raise UsageError(f"`{escape(bad)}` is not a Slack user; mention people with @.")
    chosen = list(dict.fromkeys(u for u in users if u))
    before = list(member.focal_points)
    member.focal_points = chosen
    ctx.session.add(member)
    ctx.session.flush()
    ctx.audit({"code": member.code, "focal_points": before}, {"code": member.code, "focal_points": chosen})
    who = " ".join(f"<@{u}>" for u in chosen) or "none"
    return _done(ctx, "Focal points saved", f"*{escape(member.code)}*: {who}.")


# Channels, reminders, admins, settings


def subscription(ctx: Context, tokens: list[Token], subscribe: bool) -> Response:
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
        for s in queries.list_subscriptions(session=ctx.session, team_id=ctx.team_id)
        if s.channel_id == channel
    }
    for kind in kinds:
        if subscribe and kind not in current:
            ctx.session.add(Subscription(team_id=ctx.team_id, channel_id=channel, kind=kind))
        if not subscribe and kind in current:
            ctx.session.execute(
                delete(Subscription).where(
                    col(Subscription.team_id) == ctx.team_id,
                    col(Subscription.channel_id) == channel,
                    col(Subscription.kind) == kind,
                )
            )
    after = sorted(current | set(kinds)) if subscribe else sorted(current - set(kinds))
    if after == sorted(current):
        state = ", ".join(after) or "nothing"
        raise UsageError(f"Nothing to change: <#{channel}> follows {state}.")
    ctx.session.flush()
    ctx.audit({"channel": channel, "kinds": sorted(current)}, {"channel": channel, "kinds": after})
    return _done(
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


def reminders(ctx: Context, tokens: list[Token]) -> Response:
    seconds_now = queries.get_lead_seconds(session=ctx.session, team_id=ctx.team_id)
    current = [format_duration(s) for s in seconds_now]
    shown = " ".join(current) or "none"
    if not tokens:
        return Response(
            title="Handover reminders",
            sections=[f"Reminders go out {shown} before each handover."],
            footer="Admins change them with `/gmg reminders 30d 7d 1d`.",
        )
    if not ctx.is_admin:
        raise refusal(ctx)
    if len(tokens) == 1 and tokens[0].value.lower() in ("none", "off"):
        seconds: list[int] = []
    else:
        try:
            seconds = sorted({parse_duration(t.value) for t in tokens}, reverse=True)
        except DurationError as exc:
            raise UsageError(f"`{escape(exc.text)}` {exc.problem}; use {LEAD_FORMS}.") from exc
        if len(seconds) > 10:
            raise UsageError("Ten lead times at most.")
    queries.set_lead_seconds(session=ctx.session, team_id=ctx.team_id, seconds=seconds)
    after = [format_duration(s) for s in seconds]
    ctx.audit(current, after)
    return _done(
        ctx,
        "Reminders saved",
        f"Reminders go out {' '.join(after) or 'never'} before each handover.",
    )


def admin_change(ctx: Context, tokens: list[Token]) -> Response:
    action = tokens[0].value.lower() if tokens else ""
    users = [user_id_of(t.value) for t in tokens[1:]]
    if action not in ("add", "remove") or not users or None in users:
        raise UsageError("Use `/gmg admin add @user` or `/gmg admin remove @user`.")
    listed = set(queries.list_admins(session=ctx.session, team_id=ctx.team_id))
    wanted = {u for u in users if u}
    if action == "add":
        new = wanted - listed
        if not new:
            raise UsageError("Nothing to change: they are already admins.")
        ctx.session.add_all(Admin(team_id=ctx.team_id, user_id=u) for u in sorted(new))
        after = sorted(listed | new)
    else:
        gone = wanted & listed
        if not gone:
            raise UsageError("Nothing to change: none of them was added as an admin.")
        ctx.session.execute(
            delete(Admin).where(col(Admin.team_id) == ctx.team_id, col(Admin.user_id).in_(gone))
        )
        after = sorted(listed - gone)
    ctx.session.flush()
    ctx.audit(sorted(listed), after)
    return _done(
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


def settings(ctx: Context, tokens: list[Token]) -> Response:
    group = ctx.group
    if not tokens:
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
    if not ctx.is_admin:
        raise refusal(ctx)
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
    ctx.session.add(group)
    ctx.session.flush()
    ctx.audit(before, _settings_record(group))
    return _done(
        ctx,
        "Settings saved",
        f"Timezone {group.timezone}, handover at {group.handover_time}, terms of {group.term_months} months.",
    )


def log(ctx: Context, tokens: list[Token]) -> Response:
    words = [t.value for t in tokens]
    if len(words) > 1 or (words and not (words[0].isdigit() and 1 <= int(words[0]) <= 50)):
        raise UsageError("Use `/gmg log [N]` with N from 1 to 50.")
    count = int(words[0]) if words else 10
    entries = queries.list_audit_entries(session=ctx.session, team_id=ctx.team_id, limit=count)
    lines = [
        f"• {e.at.astimezone(zone(ctx.group)):%Y-%m-%d %H:%M} "
        f"{'<@' + e.user_id + '>' if user_id_of(e.user_id) else escape(e.user_id)}: "
        f"`{escape(e.action[:200])}`"
        for e in entries
    ]
    return Response(title="Audit log", sections=lines or ["No changes recorded."])


def refusal(ctx: Context) -> UsageError:
    return UsageError(
        "Only GMG admins can change this. Ask one of the admins (`/gmg admin`), or a Slack workspace admin."
    )
