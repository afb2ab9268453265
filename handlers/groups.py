"""The groups a workspace follows: `/gmg groups`, and for admins `/gmg group add | rename | default |
remove`. The writes are storage.groups'; each is audited on the group it concerns."""

from handlers.context import Args, Context
from handlers.response import Response, UsageError
from handlers.text import unescape_slack
from messages import Code, Names, say
from storage import groups, queries
from storage.documents import DEFAULT_LEADS
from storage.durations import parse_duration
from storage.matching import closest
from storage.models import Group
from storage.schedule import Schedule, schedule_day

MAX_NAME = 200


def list_groups(ctx: Context, args: Args) -> Response:
    if args.words:
        raise UsageError(
            say(
                "usage.not_a_sub",
                word=args.words[0][:50],
                command=Code("/gmg groups"),
                forms=Code("/gmg groups"),
            )
        )
    lines = []
    for i, group in enumerate(ctx.groups):
        slot = Schedule(session=ctx.session, group=group).slot_on(schedule_day(group, ctx.now))
        lines.append(
            say(
                "groups.line_default" if i == 0 else "groups.line",
                short=group.short_name,
                name=group.name,
                chairs=Names(slot.chairs) if slot else say("groups.no_chair"),
            )
        )
    example = ctx.groups[-1].short_name if ctx.groups else ctx.group.short_name
    return Response(
        title=say("groups.title", count=len(ctx.groups)),
        sections=list(lines),
        footer=say("groups.footer", example=Code(f"/gmg {example} chair")),
        shareable=True,
    )


def _locked(ctx: Context) -> list[Group]:
    """The workspace's groups, held until the change is saved (another change of them waits)."""
    return groups.lock_workspace(session=ctx.session, team_id=ctx.team_id)


def _admin_of(ctx: Context, *changed: Group) -> None:
    """A change of groups needs an admin of each group it changes: an admin added to one group cannot
    rename, remove or replace another."""
    for group in changed:
        answer = ctx.admin_of(group)
        if answer is None:
            raise UsageError(say("refused.slack_silent"))
        if not answer:
            raise UsageError(say("refused.change", group=group.short_name))


def _named(ctx: Context, current: list[Group], word: str) -> Group:
    """The workspace's group of this short name, or a refusal that lists what might have been meant."""
    group = next((g for g in current if groups.short_key(g.short_name) == groups.short_key(word)), None)
    if group is not None:
        return group
    guess = closest(word, [g.short_name for g in current])
    if guess:
        raise UsageError(say("groups.unknown_guess", word=word[:50], guess=guess))
    raise UsageError(say("groups.unknown", word=word[:50]))


def _new_short_name(current: list[Group], word: str, renamed: Group | None = None) -> str:
    if not groups.SHORT_NAME.fullmatch(word):
        raise UsageError(say("groups.bad_short_name", word=word[:50]))
    if groups.is_reserved(word):
        raise UsageError(say("groups.reserved", word=word))
    other = next((g for g in current if groups.short_key(g.short_name) == groups.short_key(word)), None)
    if other is not None and other is not renamed:
        raise UsageError(say("groups.taken", word=other.short_name, name=other.name))
    return word


def add(ctx: Context, args: Args) -> Response:
    tokens = args.tokens
    if len(tokens) < 3:
        raise UsageError(say("groups.usage_add"))
    current = _locked(ctx)
    # Adding a group changes what commands without a group name may mean: the default's admins decide,
    # or the workspace's own Slack admins (its default may be a group shared from elsewhere).
    if not ctx.workspace_admin:
        _admin_of(ctx, current[0])
    short = _new_short_name(current, tokens[1].value)
    # One line: the name heads lists, App Home sections and the page.
    name = " ".join(
        unescape_slack(args.text[tokens[2].start :] if len(tokens) > 3 else tokens[2].value).split()
    )
    if len(name) > MAX_NAME:
        raise UsageError(say("groups.name_too_long", length=len(name)))
    # A new group keeps the clock and the language of the one the command was sent from: most follow
    # one organization's.
    group = groups.add_group(
        session=ctx.session,
        team_id=ctx.team_id,
        group=Group(
            name=name,
            short_name=short,
            timezone=ctx.group.timezone,
            handover_time=ctx.group.handover_time,
            term_months=ctx.group.term_months,
            language=ctx.group.language,
        ),
        user_id=ctx.user_id,
        now=ctx.now,
        action=ctx.command,
    )
    assert group.id is not None
    queries.set_lead_seconds(
        session=ctx.session, group_id=group.id, seconds=[parse_duration(d) for d in DEFAULT_LEADS]
    )
    sections = [say("groups.added_body", short=short, name=name, example=Code(f"/gmg {short} chair"))]
    return Response(title=say("groups.added"), sections=sections, changed=True)


def rename(ctx: Context, args: Args) -> Response:
    if len(args.tokens) != 3:
        raise UsageError(say("groups.usage_rename"))
    current = _locked(ctx)
    group = _named(ctx, current, args.tokens[1].value)
    _admin_of(ctx, group)
    old = group.short_name
    short = _new_short_name(current, args.tokens[2].value, renamed=group)
    # The name changes in every workspace that sees the group: it must be free in each.
    elsewhere = groups.name_taken_elsewhere(session=ctx.session, group_id=group.id or 0, short_name=short)
    if elsewhere is not None and elsewhere != ctx.team_id:
        raise UsageError(say("groups.taken_elsewhere", word=short, team=elsewhere, short=old))
    groups.rename_group(
        session=ctx.session,
        team_id=ctx.team_id,
        group=group,
        short_name=short,
        user_id=ctx.user_id,
        now=ctx.now,
        action=ctx.command,
    )
    body = say("groups.renamed_body", old=old, short=short, example=Code(f"/gmg {short} chair"))
    return Response(title=say("groups.renamed"), sections=[body], changed=True)


def make_default(ctx: Context, args: Args) -> Response:
    if len(args.tokens) != 2:
        raise UsageError(say("groups.usage_default"))
    current = _locked(ctx)
    group = _named(ctx, current, args.tokens[1].value)
    if current[0].id == group.id:
        raise UsageError(say("groups.already_default", short=group.short_name))
    if not ctx.workspace_admin:
        _admin_of(ctx, current[0], group)
    groups.set_default_group(
        session=ctx.session,
        team_id=ctx.team_id,
        group=group,
        user_id=ctx.user_id,
        now=ctx.now,
        action=ctx.command,
    )
    body = say("groups.default_body", short=group.short_name, name=group.name)
    return Response(title=say("groups.default_set"), sections=[body], changed=True)


def remove(ctx: Context, args: Args) -> Response:
    words = [w.lower() for w in args.words]
    confirmed = len(words) == 3 and words[2] == "confirm"
    if len(words) != 2 and not confirmed:
        raise UsageError(say("groups.usage_remove"))
    current = _locked(ctx)
    group = _named(ctx, current, args.tokens[1].value)
    if len(current) <= 1:
        raise UsageError(say("groups.last_group", short=group.short_name))
    _admin_of(ctx, group)
    assert group.id is not None
    others = [t for t in groups.teams_of(session=ctx.session, group_id=group.id) if t != ctx.team_id]
    if others and not confirmed:
        command = Code(f"/gmg group remove {group.short_name} confirm")
        raise UsageError(
            say("groups.shared_remove", short=group.short_name, count=len(others), command=command)
        )
    terms = len(queries.list_terms(session=ctx.session, group_id=group.id))
    if terms and not confirmed:
        command = Code(f"/gmg group remove {group.short_name} confirm")
        raise UsageError(say("groups.has_terms", short=group.short_name, count=terms, command=command))
    short, name = group.short_name, group.name
    groups.remove_group(
        session=ctx.session,
        team_id=ctx.team_id,
        group=group,
        user_id=ctx.user_id,
        now=ctx.now,
        action=ctx.command,
    )
    sections = [say("groups.removed_body", short=short, name=name)]
    if current[0].id == group.id:
        default = groups.default_group(session=ctx.session, team_id=ctx.team_id)
        if default is not None:
            sections.append(say("groups.removed_default", short=default.short_name))
    return Response(title=say("groups.removed"), sections=sections, changed=True)
