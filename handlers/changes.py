"""Changes, for admins only: each one is checked whole, written in one transaction and audited."""

import re
from typing import Any

from handlers import notices
from handlers.context import Args, Context
from handlers.periods import PERIOD_FORMS, Span, looks_like_period, parse_period
from handlers.response import Response, UsageError
from handlers.text import Token, unescape_slack, user_id_of
from messages import Days, Lines, Names, Text, say
from messages.render import day_range, escape
from storage import queries
from storage.matching import canonical_code, member_key, resolve_member
from storage.models import Member, Term
from storage.schedule import Slot

# The most words a run of member names can take (co-chairs included): the search for the longest
# run that names members stops there, so a long command costs no more than a short one.
MAX_NAME_WORDS = 16
MAX_TITLE = 150
MAX_DESCRIPTION = 3000
_BAR = re.compile(r"\|(?![^<>]*>)")


def done(ctx: Context, title: str, *sections: str, footer: str = "") -> Response:
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


def _period_of(tokens: list[Token]) -> Span:
    if len(tokens) < 2:
        raise UsageError(f"Give a PERIOD: {PERIOD_FORMS}.")
    return parse_period(tokens[1].value)


def term_set(ctx: Context, args: Args) -> Response:
    span = _period_of(args.tokens)
    chairs, end = _chairs_and_rest(ctx, args.text, args.tokens, 2)
    theme_text = _free_text(_rest(args.text, args.tokens, end), "theme title", MAX_TITLE)
    return _term_set(ctx, span, chairs, theme_text)


def term_clear(ctx: Context, args: Args) -> Response:
    span = _period_of(args.tokens)
    if len(args.tokens) > 2:
        raise UsageError("`term clear` takes only a PERIOD, e.g. `/gmg term clear 2019`.")
    return _term_clear(ctx, span)


def _overlapping(ctx: Context, span: Span) -> list[Term]:
    return list(
        queries.terms_overlapping(
            session=ctx.session, group_id=ctx.group_id, first=span.first, last=span.last
        )
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
    record = existing or Term(group_id=ctx.group_id, first_day=span.first, last_day=span.last)
    record.chairs = chairs
    if theme:
        record.theme = theme
    queries.save(session=ctx.session, record=record)
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
    summary = (
        say("notice.change_set_was", chairs=Names(tuple(chairs)), was=Names(tuple(existing.chairs)))
        if existing
        else say("notice.change_set", chairs=Names(tuple(chairs)))
    )
    _announce_change(ctx, span, summary, event)
    slot = Slot.of(record)
    theme_line = f" Theme: *{escape(record.theme)}*." if record.theme else ""
    return done(
        ctx,
        "Term saved",
        f"{ctx.chairs(slot)} chair{'s' if len(chairs) == 1 else ''} the {ctx.short_name} "
        f"{day_range(span.first, span.last)}.{theme_line}",
        footer="Replaced the term's chairs." if existing else "",
    )


def _announce_change(ctx: Context, span: Span, summary: Text, event: int) -> None:
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
    queries.delete_terms(session=ctx.session, terms=terms)
    event = ctx.audit(before, None)
    lines = [f"• {day_range(t.first_day, t.last_day)}: {escape(' + '.join(t.chairs))}" for t in terms]
    was = Lines(
        tuple(
            say("notice.cleared_term", days=Days(t.first_day, t.last_day), chairs=Names(tuple(t.chairs)))
            for t in terms
        )
    )
    _announce_change(ctx, span, say("notice.change_cleared", terms=was), event)
    return done(ctx, f"Cleared {len(terms)} term{'s' if len(terms) != 1 else ''}", *lines)


# Themes


def theme_set(ctx: Context, args: Args) -> Response:
    text, tokens = args.text, args.tokens
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
    queries.save(session=ctx.session, record=target)
    event = ctx.audit(before, _term_record(target))
    notices.record_theme_post(
        session=ctx.session, group=ctx.group, term=target, user_id=ctx.user_id, event_id=event, now=ctx.now
    )
    slot = Slot.of(target)
    return done(
        ctx,
        "Theme saved",
        f"{ctx.chairs(slot)}, {day_range(target.first_day, target.last_day)}: *{escape(title)}*",
        f">{escape(description)}" if description else "",
    )


def _current_or_next_term(ctx: Context) -> Term:
    term = queries.current_or_next_term(session=ctx.session, group_id=ctx.group_id, day=ctx.today)
    if term is None:
        raise UsageError(
            "No current or coming term is decided, so there is no term to give a theme. "
            "Decide one first: `/gmg term set PERIOD CHAIR`."
        )
    return term


# Rotation and members


def rotation_clear(ctx: Context, args: Args) -> Response:
    if len(args.tokens) > 1:
        raise UsageError("`/gmg rotation clear` takes nothing after it.")
    return _rotation(ctx, [])


def rotation_set(ctx: Context, args: Args) -> Response:
    text, tokens = args.text, args.tokens
    if [t.value.lower() for t in tokens] == ["set", "clear"]:
        codes: list[str] = []
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
    return _rotation(ctx, codes)


def _rotation(ctx: Context, codes: list[str]) -> Response:
    before = queries.get_rotation(session=ctx.session, group_id=ctx.group_id)
    queries.set_rotation(session=ctx.session, group_id=ctx.group_id, codes=codes)
    ctx.audit(before, codes)
    order = ", ".join(escape(c) for c in codes) or "none (nothing will be projected)"
    return done(ctx, "Rotation saved", f"Order: {order}.")


MEMBER_USAGE = (
    'Use `/gmg member add CODE Full name` (quote a code with spaces: `"UN Women"`) or '
    "`/gmg member remove CODE`."
)


def member_add(ctx: Context, args: Args) -> Response:
    if len(args.tokens) < 3:
        raise UsageError(MEMBER_USAGE)
    return _member_add(ctx, args.tokens[1].value, _free_text(_rest(args.text, args.tokens, 2), "name", 200))


def member_remove(ctx: Context, args: Args) -> Response:
    if len(args.tokens) < 2:
        raise UsageError(MEMBER_USAGE)
    return _member_remove(ctx, ctx.member(_rest(args.text, args.tokens, 1)))


def _member_add(ctx: Context, code: str, name: str) -> Response:
    code = _free_text(canonical_code(code), "code", 50)
    if not member_key(code):
        raise UsageError("A member code needs letters or digits, e.g. `WHO`.")
    existing = resolve_member(ctx.members, code)
    if existing is not None and existing.active:
        raise UsageError(f"*{escape(existing.code)}* is already a member ({escape(existing.name)}).")
    before = None
    if existing is None:
        member = Member(group_id=ctx.group_id, code=code, name=name, joined=ctx.today.year)
    else:
        before = {"code": existing.code, "name": existing.name, "active": False}
        member = existing
        member.name, member.active = name, True
    queries.save(session=ctx.session, record=member)
    ctx.audit(before, {"code": member.code, "name": member.name, "active": True})
    return done(ctx, "Member added", f"*{escape(member.code)}*: {escape(member.name)}.")


def _member_remove(ctx: Context, member: Member) -> Response:
    if not member.active:
        raise UsageError(f"*{escape(member.code)}* is already a former member.")
    rotation = queries.get_rotation(session=ctx.session, group_id=ctx.group_id)
    member.active = False
    queries.save(session=ctx.session, record=member)
    if member.code in rotation:
        queries.set_rotation(
            session=ctx.session,
            group_id=ctx.group_id,
            codes=[c for c in rotation if c != member.code],
        )
    ctx.audit({"code": member.code, "active": True}, {"code": member.code, "active": False})
    note = " and left the rotation" if member.code in rotation else ""
    return done(
        ctx,
        "Member removed",
        f"*{escape(member.code)}* is now a former member{note}; its past terms stay.",
    )


def focal(ctx: Context, args: Args) -> Response:
    tokens = args.tokens
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
    queries.save(session=ctx.session, record=member)
    ctx.audit({"code": member.code, "focal_points": before}, {"code": member.code, "focal_points": chosen})
    who = " ".join(f"<@{u}>" for u in chosen) or "none"
    return done(ctx, "Focal points saved", f"*{escape(member.code)}*: {who}.")
