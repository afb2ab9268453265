"""Questions anyone may ask: chair, next, theme, schedule, history, members, rotation."""

from datetime import date, timedelta

from handlers import notices
from handlers.context import Args, Context
from handlers.periods import Span, parse_when
from handlers.response import Part, Response, UsageError
from messages import Lines, Words, say
from messages.render import countdown, day, day_range, escape, instant
from storage import access, deliveries, queries
from storage.schedule import Slot, zone


def _resolve(ctx: Context, words: list[str]) -> Span | Slot | None:
    """WHEN as a span of days, or the term `next`/`previous` point at (None: there is none)."""
    if len(words) > 1:
        raise UsageError(f"Give one WHEN, not `{escape(' '.join(words))}`.")
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


def _status(ctx: Context, slot: Slot) -> str:
    z = zone(ctx.group)
    if slot.last_day < ctx.today:
        return f"Ended on {day(slot.last_day)}."
    if slot.first_day > ctx.today:
        days = ctx.days_until(slot.first_day)
        return f"Starts {countdown(days)}, on {instant(ctx.starts_at(slot), z)}."
    left = (slot.last_day - ctx.today).days + 1
    handover = ctx.starts_at(Slot(slot.last_day + timedelta(days=1), slot.last_day, ()))
    return f"In office: {left} day{'s' if left != 1 else ''} left; hands over on {instant(handover, z)}."


def _theme_lines(slot: Slot) -> list[str]:
    if not slot.theme:
        return ["Theme: not set."]
    lines = [f"Theme: *{escape(slot.theme)}*"]
    if slot.description:
        lines.append(f">{escape(slot.description)}")
    return lines


def _projected_mark(slot: Slot) -> str:
    return " _(projected from the rotation)_" if slot.projected else ""


def _verb(ctx: Context, slot: Slot) -> str:
    verb = "co-chair" if len(slot.chairs) > 1 else "chair"
    if slot.last_day < ctx.today:
        return verb + "ed"
    if slot.first_day > ctx.today:
        return "will " + verb
    return verb if len(slot.chairs) > 1 else verb + "s"


def _term_sections(ctx: Context, slot: Slot) -> list[str]:
    head = (
        f"{ctx.chairs(slot, full=True)} {_verb(ctx, slot)} the {ctx.short_name}: "
        f"{day_range(slot.first_day, slot.last_day)}.{_projected_mark(slot)}"
    )
    sections = [head, _status(ctx, slot), "\n".join(_theme_lines(slot))]
    following = ctx.schedule.slots_after(slot.last_day, 1)
    if following:
        nxt = following[0]
        sections.append(f"Next: {ctx.chairs(nxt)} from {day(nxt.first_day)}.{_projected_mark(nxt)}")
    else:
        sections.append("Next: not decided yet.")
    return sections


def _gap(ctx: Context, span: Span) -> Response:
    before = ctx.schedule.slot_before(span.first)
    after = ctx.schedule.slots_after(span.last, 1)
    sections = [f"No chair is known for {escape(span.label) if not span.is_day else day(span.first)}."]
    if before:
        sections.append(f"Before: {ctx.chairs(before)}, until {day(before.last_day)}.")
    if after:
        sections.append(f"After: {ctx.chairs(after[0])}, from {day(after[0].first_day)}.")
    return Response(
        title=f"{ctx.short_name} chair",
        sections=sections,
        footer="Admins can record it with `/gmg term set PERIOD CHAIR`.",
        shareable=True,
    )


def _slots_for(ctx: Context, span: Span) -> list[Slot]:
    if span.is_day:
        slot = ctx.schedule.slot_on(span.first)
        return [slot] if slot else []
    return ctx.schedule.slots_overlapping(span.first, span.last)


def _line(ctx: Context, slot: Slot) -> str:
    theme = f" · {escape(slot.theme)}" if slot.theme else ""
    now = " ← now" if slot.covers(ctx.today) else ""
    return (
        f"• {day_range(slot.first_day, slot.last_day)}: {ctx.chairs(slot)}{theme}{_projected_mark(slot)}{now}"
    )


def chair(ctx: Context, args: Args) -> Response:
    words = args.words
    target = _resolve(ctx, words)
    if target is None:
        return Response(
            title=f"{ctx.short_name} chair",
            sections=[f"There is no {escape(words[0].lower())} term on record."],
            footer="Admins can add one with `/gmg term set PERIOD CHAIR`.",
            shareable=True,
        )
    if isinstance(target, Slot):
        return Response(title=f"{ctx.short_name} chair", sections=_term_sections(ctx, target), shareable=True)
    slots = _slots_for(ctx, target)
    if not slots:
        return _gap(ctx, target)
    if len(slots) == 1:
        return Response(
            title=f"{ctx.short_name} chair", sections=_term_sections(ctx, slots[0]), shareable=True
        )
    return Response(
        title=f"{ctx.short_name} chairs in {escape(target.label)}",
        sections=[_line(ctx, s) for s in slots],
        shareable=True,
    )


def theme(ctx: Context, args: Args) -> Response:
    words = args.words
    target = _resolve(ctx, words)
    slots = [target] if isinstance(target, Slot) else (_slots_for(ctx, target) if target is not None else [])
    if not slots:
        label = words[0] if words else "today"
        return Response(
            title=f"{ctx.short_name} theme",
            sections=[f"No term is known for {escape(label)}, so there is no theme."],
            shareable=True,
        )
    sections = []
    for slot in slots:
        sections.append(
            f"{ctx.chairs(slot)}, {day_range(slot.first_day, slot.last_day)}:\n"
            + "\n".join(_theme_lines(slot))
        )
    return Response(
        title=f"{ctx.short_name} theme",
        sections=sections,
        shareable=True,
        footer="Admins set it with `/gmg theme set [PERIOD] TITLE | DESCRIPTION`.",
    )


def next_chair(ctx: Context, args: Args) -> Response:
    words = args.words
    if words:
        raise UsageError("`next` takes nothing after it. Try `/gmg next`.")
    slot = next_slot(ctx)
    title = f"Next {ctx.short_name} chair"
    if slot is None:
        return Response(
            title=title,
            sections=["No next chair is known: nothing is decided ahead and no rotation is set."],
            footer="Admins: `/gmg term set PERIOD CHAIR` or `/gmg rotation set A, B, C`.",
            shareable=True,
        )
    current = ctx.schedule.slot_on(ctx.today)
    days = ctx.days_until(slot.first_day)
    handover = instant(ctx.starts_at(slot), zone(ctx.group))
    outgoing = f" from {ctx.chairs(current)}" if current else ""
    sections = [
        f"{ctx.chairs(slot, full=True)} takes over{outgoing} on {handover} ({countdown(days)}).",
        f"Term: {day_range(slot.first_day, slot.last_day)}.",
        "\n".join(_theme_lines(slot)),
    ]
    if slot.projected:
        footer = (
            "Projected from the rotation, not decided. Admins decide it with "
            f"`/gmg term set {slot.first_day}..{slot.last_day} {slot.chairs[0]}`."
        )
    else:
        footer = "Decided."
    return Response(title=title, sections=sections, footer=footer, shareable=True)


def _count(words: list[str], default: int, most: int, what: str) -> int:
    if not words:
        return default
    if len(words) > 1 or not words[0].isdigit() or not 1 <= int(words[0]) <= most:
        raise UsageError(f"`{escape(' '.join(words))}` is not a count: give {what} from 1 to {most}.")
    return int(words[0])


def schedule(ctx: Context, args: Args) -> Response:
    words = args.words
    count = _count(words, 4, 20, "a number of terms")
    current = ctx.schedule.slot_on(ctx.today)
    after = current.last_day if current else ctx.today
    slots = ([current] if current else []) + ctx.schedule.slots_after(after, count)
    if not slots:
        return Response(
            title=f"{ctx.short_name} schedule",
            sections=["Nothing is scheduled: no term is decided ahead and no rotation is set."],
            footer="Admins: `/gmg term set PERIOD CHAIR` or `/gmg rotation set A, B, C`.",
            shareable=True,
        )
    return Response(
        title=f"{ctx.short_name} schedule",
        sections=[_line(ctx, s) for s in slots],
        footer="Projected terms follow the rotation until an admin decides them.",
        shareable=True,
    )


def history(ctx: Context, args: Args) -> Response:
    words = args.words
    if len(words) == 1 and len(words[0]) == 4 and words[0].isdigit():
        year = int(words[0])
        terms = queries.terms_overlapping(
            session=ctx.session,
            group_id=ctx.group_id,
            first=date(year, 1, 1),
            last=date(year, 12, 31),
        )
        slots = [Slot.of(t) for t in reversed(terms)]
        title = f"{ctx.short_name} chairs in {year}"
    else:
        count = _count(words, 5, 50, "a year like `2011` or a number of terms")
        terms = queries.terms_ended_before(
            session=ctx.session, group_id=ctx.group_id, day=ctx.today, limit=count
        )
        slots = [Slot.of(t) for t in terms]
        title = f"{ctx.short_name} history"
    if not slots:
        return Response(title=title, sections=["No term on record."], shareable=True)
    return Response(title=title, sections=[_line(ctx, s) for s in slots], shareable=True)


def members(ctx: Context, args: Args) -> Response:
    words = args.words
    if words:
        raise UsageError("`members` takes nothing after it. Try `/gmg members`.")
    active = [m for m in ctx.members if m.active]
    former = [m for m in ctx.members if not m.active]
    lines = []
    for m in active:
        joined = f", since {m.joined}" if m.joined else ""
        focal = " · focal: " + " ".join(f"<@{u}>" for u in m.focal_points) if m.focal_points else ""
        lines.append(f"• *{escape(m.code)}*: {escape(m.name)}{joined}{focal}")
    if former:
        lines.append("Former: " + ", ".join(escape(m.code) for m in former))
    return Response(
        title=f"{ctx.short_name} members ({len(active)})",
        sections=lines or ["No members yet. Admins add one with `/gmg member add CODE Full name`."],
        shareable=True,
    )


def rotation(ctx: Context, args: Args) -> Response:
    words = args.words
    if words:
        raise UsageError(
            f"`rotation {escape(' '.join(words))}` is not a question. Try `/gmg rotation`, "
            "or (admins) `/gmg rotation set A, B, C`."
        )
    order = ctx.schedule.rotation
    if not order:
        return Response(
            title=f"{ctx.short_name} rotation",
            sections=["No rotation order is set, so no term is projected."],
            footer="Admins set one with `/gmg rotation set A, B, C`.",
            shareable=True,
        )
    nxt = next_slot(ctx)
    upcoming = nxt.chairs[0] if nxt and nxt.projected else None
    lines = [
        f"{i}. *{escape(code)}*{' ← next in line' if code == upcoming else ''}"
        for i, code in enumerate(order, 1)
    ]
    return Response(title=f"{ctx.short_name} rotation", sections=["\n".join(lines)], shareable=True)


def admins(ctx: Context, args: Args) -> Response:
    words = args.words
    if words:
        raise UsageError("Use `/gmg admin add @user` or `/gmg admin remove @user` (admins only).")
    listed = queries.list_admins(session=ctx.session, group_id=ctx.group_id)
    names = ", ".join(f"<@{u}>" for u in listed) if listed else "none added"
    return Response(
        title=f"{ctx.short_name} admins",
        sections=[f"Added with `/gmg admin add`: {names}."],
        footer="Slack workspace admins and owners, and the operator's GMG_ADMINS, are admins too.",
    )


def deliveries_report(ctx: Context, args: Args) -> Response:
    """For admins: what is pending next, what failed and why, and what was sent lately."""
    count = _count(args.words, 10, 50, "a number of deliveries")
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
    paused = access.paused(session=ctx.session, team_id=ctx.team_id)
    pause = [notices.pause_notice(paused, ctx.group)] if paused else []
    return Response(
        title=say("deliveries.title", group=ctx.group.short_name),
        sections=[*pause, summary, *sections],
        footer=say("deliveries.footer"),
    )
