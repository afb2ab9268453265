"""Changes, for admins only: each one is checked whole, written in one transaction and audited."""

import re
from collections.abc import Sequence
from typing import Any

from handlers import notices
from handlers.context import Args, Context
from handlers.periods import PERIOD_FORMS, Span, looks_like_period, parse_period
from handlers.response import Part, Response, UsageError
from handlers.text import Token, unescape_slack
from handlers.translated import language_name, theme_of
from messages import Code, Commas, Days, Lines, Names, Text, say
from messages.languages import DEFAULT, UnknownLanguage, check_language, unknown_language
from storage import queries
from storage.matching import resolve_member
from storage.models import Term

# The most words a run of member names can take (co-chairs included): the search for the longest
# run that names members stops there, so a long command costs no more than a short one.
MAX_NAME_WORDS = 16
MAX_TITLE = 150
MAX_DESCRIPTION = 3000
_BAR = re.compile(r"\|(?![^<>]*>)")


def done(ctx: Context, title: Part, *sections: Part, footer: Part = "") -> Response:
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


def rest_of(text: str, tokens: list[Token], index: int) -> str:
    """The text from token `index` on, as typed (quotes around a lone phrase dropped)."""
    if index >= len(tokens):
        return ""
    if index == len(tokens) - 1:
        return tokens[index].value.strip()
    return text[tokens[index].start :].strip()


def words_of(tokens: list[Token]) -> str:
    return " ".join(t.value for t in tokens)


def free_text(text: str, too_long: str, limit: int) -> str:
    """The text as the person wrote it; `too_long` is the refusal's message id when it is too long."""
    value = unescape_slack(text).strip()
    if len(value) > limit:
        raise UsageError(say(too_long, length=len(value), limit=limit))
    return value


def _chairs_andrest_of(ctx: Context, text: str, tokens: list[Token], start: int) -> tuple[list[str], int]:
    """The longest run of words from `start` that names one or more members joined by `+`."""
    for end in range(min(len(tokens), start + MAX_NAME_WORDS), start, -1):
        words = " ".join(t.value for t in tokens[start:end])
        parts = [p.strip() for p in words.split("+")]
        found = [resolve_member(ctx.members, p) for p in parts]
        if all(found):
            codes = [m.code for m in found if m is not None]
            if len(set(codes)) != len(codes):
                raise UsageError(say("change.chair_twice"))
            for member in found:
                if member is not None and not member.active:
                    raise UsageError(say("change.former_chair", code=member.code))
            return codes, end
    if start < len(tokens):
        for part in tokens[start].value.split("+"):
            ctx.member(part)
    raise UsageError(say("change.chair_needed"))


# Terms


def _period_of(tokens: list[Token]) -> Span:
    if len(tokens) < 2:
        raise UsageError(say("change.period_needed", forms=PERIOD_FORMS))
    return parse_period(tokens[1].value)


def term_set(ctx: Context, args: Args) -> Response:
    span = _period_of(args.tokens)
    chairs, end = _chairs_andrest_of(ctx, args.text, args.tokens, 2)
    theme_text = free_text(rest_of(args.text, args.tokens, end), "change.theme_too_long", MAX_TITLE)
    return _term_set(ctx, span, chairs, theme_text)


def term_clear(ctx: Context, args: Args) -> Response:
    span = _period_of(args.tokens)
    if len(args.tokens) > 2:
        raise UsageError(say("change.clear_period_only"))
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
            say(
                "change.overlap",
                days=Days(span.first, span.last),
                other=Days(other.first_day, other.last_day),
                chairs=_as_typed(other.chairs),
                command=_clear_command(other),
            )
        )
    existing = next(iter(_overlapping(ctx, span)), None)
    before = _term_record(existing)
    record = existing or Term(group_id=ctx.group_id, first_day=span.first, last_day=span.last)
    record.chairs = chairs
    dropped: list[str] = []
    if theme:
        dropped = _retheme(record, theme, record.description)
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
    saved = say(
        "change.term_set",
        count=len(chairs),
        chairs=Names(tuple(chairs)),
        group=_group_name(ctx),
        days=Days(span.first, span.last),
    )
    if record.theme:
        saved = say("change.term_set_theme", term=saved, theme=theme_of(record))
    footers = [say("change.term_replaced")] if existing else []
    footers += [_dropped_note(dropped)] if dropped else []
    return done(
        ctx,
        say("change.term_saved"),
        saved,
        footer=say("lines", lines=Lines(tuple(footers))) if footers else "",
    )


def _group_name(ctx: Context) -> str:
    return ctx.group.short_name or ctx.group.name


def _as_typed(chairs: Sequence[str]) -> str:
    """Co-chairs as a command names them: `FAO + IOM`."""
    return " + ".join(chairs)


def _clear_command(term: Term) -> Code:
    return Code(f"/gmg term clear {term.first_day}..{term.last_day}")


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
            say(
                "change.reaches_outside",
                days=Days(t.first_day, t.last_day),
                period=span.label,
                command=_clear_command(t),
            )
        )
    if not terms:
        raise UsageError(say("change.nothing_to_clear", period=span.label))
    before = [_term_record(t) for t in terms]
    queries.delete_terms(session=ctx.session, terms=terms)
    event = ctx.audit(before, None)
    was = Lines(
        tuple(
            say("notice.cleared_term", days=Days(t.first_day, t.last_day), chairs=Names(tuple(t.chairs)))
            for t in terms
        )
    )
    _announce_change(ctx, span, say("notice.change_cleared", terms=was), event)
    # The same line as the notice's, with the chairs as a command names them.
    lines = [
        say("notice.cleared_term", days=Days(t.first_day, t.last_day), chairs=_as_typed(t.chairs))
        for t in terms
    ]
    return done(ctx, say("change.cleared", terms=say("change.terms", count=len(terms))), *lines)


# Themes


def _theme_term(ctx: Context, tokens: list[Token], least: int) -> tuple[Term, int]:
    """The term a theme command is about, and the index of the word after its PERIOD: the term of the
    PERIOD given after the sub-command (when `least` words or more follow it, a PERIOD alone may be
    the title), else the current term, else the next one."""
    if len(tokens) > least and looks_like_period(tokens[1].value):
        span = parse_period(tokens[1].value)
        terms = _overlapping(ctx, span)
        if len(terms) != 1:
            found = say("change.terms", count=len(terms)) if terms else say("change.no_term")
            raise UsageError(say("change.which_term", period=span.label, found=found))
        return terms[0], 2
    return _current_or_next_term(ctx), 1


def title_and_description(rest: str) -> tuple[str, str]:
    """TITLE | DESCRIPTION as typed, each within its limit."""
    # The first `|` outside Slack's `<link|label>` forms ends the title.
    bar = _BAR.search(rest)
    title_text, description_text = (rest[: bar.start()], rest[bar.end() :]) if bar else (rest, "")
    title = free_text(title_text, "change.theme_too_long", MAX_TITLE)
    description = free_text(description_text, "change.description_too_long", MAX_DESCRIPTION)
    return title, description


def _retheme(term: Term, title: str, description: str) -> list[str]:
    """Gives the term its theme; the translations of another title or description no longer say the
    same, so they go: returns their languages."""
    dropped = []
    if (title, description) != (term.theme, term.description) and term.translations:
        dropped = sorted(term.translations)
        term.translations = {}
    term.theme, term.description = title, description
    return dropped


def _dropped_note(languages: list[str]) -> Text:
    return say("change.translations_dropped", languages=Commas(tuple(language_name(x) for x in languages)))


def theme_set(ctx: Context, args: Args) -> Response:
    text, tokens = args.text, args.tokens
    target, index = _theme_term(ctx, tokens, 2)
    title, description = title_and_description(rest_of(text, tokens, index))
    if not title:
        raise UsageError(say("change.title_needed"))
    dropped = set_theme(ctx, target, title, description)
    saved = say(
        "change.theme_set",
        chairs=Names(tuple(target.chairs)),
        days=Days(target.first_day, target.last_day),
        theme=title,
    )
    sections = [saved, say("notice.quote", text=description)] if description else [saved]
    return done(ctx, say("change.theme_saved"), *sections, footer=_dropped_note(dropped) if dropped else "")


def set_theme(ctx: Context, target: Term, title: str, description: str) -> list[str]:
    """Gives the term (new or decided) its theme, audited, and posts it to the `themes` channels;
    returns the languages of the translations that went with the old title."""
    before = _term_record(target) if target.id is not None else None
    dropped = _retheme(target, title, description)
    queries.save(session=ctx.session, record=target)
    event = ctx.audit(before, _term_record(target))
    notices.record_theme_post(
        session=ctx.session, group=ctx.group, term=target, user_id=ctx.user_id, event_id=event, now=ctx.now
    )
    return dropped


def _translation_language(word: str) -> str:
    try:
        language = check_language(word)
    except UnknownLanguage as exc:
        raise UsageError(unknown_language(word)) from exc
    if language == DEFAULT:
        # The theme is written in it: a translation into it would hide the theme itself.
        raise UsageError(say("change.translate_original", language=Code(language)))
    return language


def _translation_record(term: Term, language: str) -> dict[str, Any] | None:
    given = term.translations.get(language)
    if given is None:
        return None
    return {
        "first_day": str(term.first_day),
        "last_day": str(term.last_day),
        "language": language,
        "theme": given.get("theme", ""),
        "description": given.get("description", ""),
    }


def theme_translate(ctx: Context, args: Args) -> Response:
    """A term's theme (and description) in another language, shown to the readers of that language."""
    text, tokens = args.text, args.tokens
    # A PERIOD alone is no title here: the language comes first.
    target, index = _theme_term(ctx, tokens, 1)
    if index >= len(tokens):
        raise UsageError(say("change.translate_usage"))
    language = _translation_language(tokens[index].value)
    if not target.theme:
        raise UsageError(say("change.translate_no_theme", days=Days(target.first_day, target.last_day)))
    title, description = title_and_description(rest_of(text, tokens, index + 1))
    if not title:
        raise UsageError(say("change.translation_title_needed", language=language))
    queries.lock_for_update(session=ctx.session, group_id=ctx.group_id, record=target)
    before = _translation_record(target, language)
    # Without a description, the translation keeps the one it had (the original shows where none).
    description = description or target.translations.get(language, {}).get("description", "")
    # A new mapping: the column is JSON, and an update in place would not be seen.
    target.translations = {**target.translations, language: {"theme": title, "description": description}}
    queries.save(session=ctx.session, record=target)
    ctx.audit(before, _translation_record(target, language))
    saved = say(
        "change.translation_set",
        chairs=Names(tuple(target.chairs)),
        days=Days(target.first_day, target.last_day),
        language=language_name(language),
        original=target.theme,
        theme=title,
    )
    sections = [saved, say("notice.quote", text=description)] if description else [saved]
    return done(ctx, say("change.translation_saved"), *sections)


def _current_or_next_term(ctx: Context) -> Term:
    term = queries.current_or_next_term(session=ctx.session, group_id=ctx.group_id, day=ctx.today)
    if term is None:
        raise UsageError(say("change.no_term_to_theme"))
    return term
