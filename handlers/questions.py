"""Questions anyone may ask: chair, next, theme, schedule, history, members, rotation."""

from datetime import timedelta

from handlers import notices
from handlers.context import Args, Context
from handlers.periods import RELATIVE, Span, parse_period, parse_when
from handlers.response import Part, Response, UsageError
from handlers.translated import description_of, member_name, theme_of
from messages import At, Code, Commas, Countdown, Days, Lines, Text, User, Users, Words, say
from storage import deliveries, queries
from storage.models import Member
from storage.schedule import Slot


def _resolve(ctx: Context, words: list[str]) -> Span | Slot | None:
    """WHEN as a span of days, or the term `next`/`previous` point at (None: there is none)."""
    if len(words) > 1:
        raise UsageError(say("chair.one_when", words=" ".join(words)))
    when = parse_when(words[0]) if words else "today"
    if isinstance(when, Span):
        return when
    if when == "today":
        return Span(ctx.today, ctx.today, "today")
    if when == "next":
        return next_slot(ctx)
    current = ctx.schedule.slot_on(ctx.today)
    return ctx.schedule.slot_before(current.first_day if current else ctx.today)


def next_slot(ctx: Context) -> Slot | None:
    current = ctx.schedule.slot_on(ctx.today)
    after = current.last_day if current else ctx.today
    slots = ctx.schedule.slots_after(after, 1)
    return slots[0] if slots else None


def _days(slot: Slot) -> Days:
    return Days(slot.first_day, slot.last_day)


def _handover(ctx: Context, slot: Slot) -> At:
    return At(ctx.starts_at(slot), ctx.zone_name)


def _status(ctx: Context, slot: Slot) -> Text:
    if slot.last_day < ctx.today:
        return say("chair.ended", day=slot.last_day)
    if slot.first_day > ctx.today:
        return say(
            "chair.starts", countdown=Countdown(ctx.days_until(slot.first_day)), at=_handover(ctx, slot)
        )
    left = (slot.last_day - ctx.today).days + 1
    following = Slot(slot.last_day + timedelta(days=1), slot.last_day, ())
    return say("chair.in_office", count=left, at=_handover(ctx, following))


def _theme_lines(slot: Slot) -> Lines:
    if not slot.theme:
        return Lines((say("chair.theme_not_set"),))
    lines = [say("notice.theme_line", theme=say("notice.theme", theme=theme_of(slot)))]
    if slot.description:
        lines.append(say("notice.quote", text=description_of(slot)))
    return Lines(tuple(lines))


def _projected(slot: Slot, text: Text) -> Text:
    return say("chair.projected", text=text) if slot.projected else text


def _tense(ctx: Context, slot: Slot) -> str:
    if slot.last_day < ctx.today:
        return "chair.term_past"
    if slot.first_day > ctx.today:
        return "chair.term_future"
    return "chair.term_now"


def _term_sections(ctx: Context, slot: Slot) -> list[Part]:
    head = say(
        _tense(ctx, slot),
        count=len(slot.chairs),
        chairs=ctx.chairs(slot, full=True),
        group=ctx.short_name,
        days=_days(slot),
    )
    sections: list[Part] = [
        _projected(slot, head),
        _status(ctx, slot),
        say("lines", lines=_theme_lines(slot)),
    ]
    following = ctx.schedule.slots_after(slot.last_day, 1)
    if following:
        nxt = following[0]
        sections.append(_projected(nxt, say("chair.next", chairs=ctx.chairs(nxt), day=nxt.first_day)))
    else:
        sections.append(say("chair.next_unknown"))
    return sections


def _gap(ctx: Context, span: Span) -> Response:
    before = ctx.schedule.slot_before(span.first)
    after = ctx.schedule.slots_after(span.last, 1)
    sections: list[Part] = [say("chair.gap", when=span.first if span.is_day else span.label)]
    if before:
        sections.append(say("chair.gap_before", chairs=ctx.chairs(before), day=before.last_day))
    if after:
        sections.append(say("chair.gap_after", chairs=ctx.chairs(after[0]), day=after[0].first_day))
    return Response(
        title=say("chair.title", group=ctx.short_name),
        sections=sections,
        footer=say("chair.record_it"),
        shareable=True,
    )


def _slots_for(ctx: Context, span: Span) -> list[Slot]:
    if span.is_day:
        slot = ctx.schedule.slot_on(span.first)
        return [slot] if slot else []
    return ctx.schedule.slots_overlapping(span.first, span.last)


def _line(ctx: Context, slot: Slot) -> Text:
    days, chairs = _days(slot), ctx.chairs(slot)
    if slot.theme:
        line = say("schedule.line_theme", days=days, chairs=chairs, theme=theme_of(slot))
    else:
        line = say("schedule.line", days=days, chairs=chairs)
    line = _projected(slot, line)
    return say("schedule.now", line=line) if slot.covers(ctx.today) else line


def chair(ctx: Context, args: Args) -> Response:
    words = args.words
    target = _resolve(ctx, words)
    title = say("chair.title", group=ctx.short_name)
    if target is None:
        # Only `next` or `previous` (in one of their spellings) point at no term.
        missing = "chair.no_next" if RELATIVE[words[0].lower()] == "next" else "chair.no_previous"
        return Response(title=title, sections=[say(missing)], footer=say("chair.add_one"), shareable=True)
    if isinstance(target, Slot):
        return Response(title=title, sections=_term_sections(ctx, target), shareable=True)
    slots = _slots_for(ctx, target)
    if not slots:
        return _gap(ctx, target)
    if len(slots) == 1:
        return Response(title=title, sections=_term_sections(ctx, slots[0]), shareable=True)
    return Response(
        title=say("chair.title_span", group=ctx.short_name, label=target.label),
        sections=[_line(ctx, s) for s in slots],
        shareable=True,
    )


def theme(ctx: Context, args: Args) -> Response:
    words = args.words
    target = _resolve(ctx, words)
    slots = [target] if isinstance(target, Slot) else (_slots_for(ctx, target) if target is not None else [])
    title = say("theme.title", group=ctx.short_name)
    if not slots:
        none = say("theme.none", when=words[0]) if words else say("theme.none_today")
        return Response(title=title, sections=[none], shareable=True)
    sections: list[Part] = [
        say("theme.term", chairs=ctx.chairs(slot), days=_days(slot), theme=_theme_lines(slot))
        for slot in slots
    ]
    return Response(title=title, sections=sections, shareable=True, footer=say("theme.how_to_set"))


def _nothing_after(command: str, words: list[str]) -> None:
    if words:
        raise UsageError(say("question.takes_nothing", command=command))


def next_chair(ctx: Context, args: Args) -> Response:
    _nothing_after("next", args.words)
    slot = next_slot(ctx)
    title = say("next.title", group=ctx.short_name)
    if slot is None:
        return Response(
            title=title, sections=[say("next.none")], footer=say("next.how_to_decide"), shareable=True
        )
    sections: list[Part] = [
        _takes_over(ctx, slot),
        say("next.term", days=_days(slot)),
        say("lines", lines=_theme_lines(slot)),
    ]
    if slot.projected:
        command = Code(f"/gmg term set {slot.first_day}..{slot.last_day} {slot.chairs[0]}")
        footer = say("next.projected", command=command)
    else:
        footer = say("next.decided")
    return Response(title=title, sections=sections, footer=footer, shareable=True)


def _takes_over(ctx: Context, slot: Slot) -> Text:
    current = ctx.schedule.slot_on(ctx.today)
    params = {
        "count": len(slot.chairs),
        "chairs": ctx.chairs(slot, full=True),
        "at": _handover(ctx, slot),
        "countdown": Countdown(ctx.days_until(slot.first_day)),
    }
    if current is None:
        return say("next.takes_over", **params)
    return say("next.takes_over_from", outgoing=ctx.chairs(current), **params)


def _count(words: list[str], default: int, most: int, refusal: str) -> int:
    """The count `words` give, or `default`; `refusal` says what was wrong."""
    if not words:
        return default
    if len(words) > 1 or not words[0].isdecimal() or not 1 <= int(words[0]) <= most:
        raise UsageError(say(refusal, words=" ".join(words), most=most))
    return int(words[0])


def schedule(ctx: Context, args: Args) -> Response:
    count = _count(args.words, 4, 20, "count.terms")
    current = ctx.schedule.slot_on(ctx.today)
    after = current.last_day if current else ctx.today
    slots = ([current] if current else []) + ctx.schedule.slots_after(after, count)
    title = say("schedule.title", group=ctx.short_name)
    if not slots:
        return Response(
            title=title, sections=[say("schedule.none")], footer=say("next.how_to_decide"), shareable=True
        )
    return Response(
        title=title,
        sections=[_line(ctx, s) for s in slots],
        footer=say("schedule.footer"),
        shareable=True,
    )


def history(ctx: Context, args: Args) -> Response:
    words = args.words
    if len(words) == 1 and len(words[0]) == 4 and words[0].isdecimal():
        year = int(words[0])
        # A year the calendar has not (`0000`) is refused as any WHEN out of range is.
        span = parse_period(words[0])
        terms = queries.terms_overlapping(
            session=ctx.session, group_id=ctx.group_id, first=span.first, last=span.last
        )
        slots = [Slot.of(t) for t in reversed(terms)]
        title = say("chair.title_span", group=ctx.short_name, label=year)
    else:
        count = _count(words, 5, 50, "count.year_or_terms")
        terms = queries.terms_ended_before(
            session=ctx.session, group_id=ctx.group_id, day=ctx.today, limit=count
        )
        slots = [Slot.of(t) for t in terms]
        title = say("history.title", group=ctx.short_name)
    if not slots:
        return Response(title=title, sections=[say("history.none")], shareable=True)
    return Response(title=title, sections=[_line(ctx, s) for s in slots], shareable=True)


def _member_line(member: Member) -> Text:
    if member.joined:
        line = say("members.line_since", code=member.code, name=member_name(member), year=member.joined)
    else:
        line = say("members.line", code=member.code, name=member_name(member))
    if member.focal_points:
        users = Users(tuple(member.focal_points))
        line = say("members.focal", line=line, users=users)
    return line


def members(ctx: Context, args: Args) -> Response:
    _nothing_after("members", args.words)
    active = [m for m in ctx.members if m.active]
    former = [m.code for m in ctx.members if not m.active]
    lines: list[Part] = [_member_line(m) for m in active]
    if former:
        lines.append(say("members.former", codes=Commas(tuple(former))))
    return Response(
        title=say("members.title", group=ctx.short_name, count=len(active)),
        sections=lines or [say("members.none")],
        shareable=True,
    )


def rotation(ctx: Context, args: Args) -> Response:
    words = args.words
    if words:
        raise UsageError(say("rotation.not_a_question", words=" ".join(words)))
    order = ctx.schedule.rotation
    title = say("rotation.title", group=ctx.short_name)
    if not order:
        return Response(
            title=title, sections=[say("rotation.none")], footer=say("rotation.how_to_set"), shareable=True
        )
    nxt = next_slot(ctx)
    upcoming = nxt.chairs[0] if nxt and nxt.projected else None
    lines = tuple(
        say("rotation.line_next" if code == upcoming else "rotation.line", position=i, code=code)
        for i, code in enumerate(order, 1)
    )
    return Response(title=title, sections=[say("lines", lines=Lines(lines))], shareable=True)


def admins(ctx: Context, args: Args) -> Response:
    if args.words:
        raise UsageError(say("admins.question_usage"))
    listed_ids = queries.list_admins(session=ctx.session, group_id=ctx.group_id)
    users = Commas(tuple(User(u) for u in listed_ids)) if listed_ids else say("admins.none_added")
    return Response(
        title=say("admins.title", group=ctx.short_name),
        sections=[say("admins.listed", users=users)],
        footer=say("admins.others"),
    )


def deliveries_report(ctx: Context, args: Args) -> Response:
    """For admins: what is pending next, what failed and why, and what was sent lately."""
    count = _count(args.words, 10, 50, "count.deliveries")
    counts = deliveries.count_by_state(session=ctx.session, group_id=ctx.group_id)
    parts = {
        "deliveries.pending": deliveries.pending_deliveries(
            session=ctx.session, group_id=ctx.group_id, limit=count
        ),
        "deliveries.failed": deliveries.finished_deliveries(
            session=ctx.session, group_id=ctx.group_id, limit=count, state=deliveries.FAILED
        ),
        "deliveries.finished": deliveries.finished_deliveries(
            session=ctx.session, group_id=ctx.group_id, limit=count
        ),
    }
    sections: list[Part] = [
        say(title, lines=Lines(tuple(notices.describe(d, ctx.group) for d in rows)))
        for title, rows in parts.items()
        if rows
    ]
    states = tuple(say(f"deliveries.count_{state}", count=n) for state, n in sorted(counts.items()))
    summary = say("deliveries.in_all", states=Words(states)) if states else say("deliveries.none")
    pause = notices.pause_notices(session=ctx.session, group=ctx.group, team_id=ctx.team_id)
    return Response(
        title=say("deliveries.title", group=ctx.group.short_name),
        sections=[*pause, summary, *sections],
        footer=say("deliveries.footer"),
    )
