"""A group shared by several workspaces: `/gmg link` (a group admin gets a one-time code), `/gmg join
CODE` (a workspace admin links their workspace with it), `/gmg workspaces` and `/gmg unlink`. The
writes are storage.links'; each is audited on the group."""

from handlers.context import Args, Context
from handlers.response import Response, UsageError
from messages import At, Code, Text, say
from storage import groups, links
from storage.models import Group

JOIN_EXAMPLE = "/gmg join K7QM-4PXD-9TRA"


def link(ctx: Context, args: Args) -> Response:
    code = links.new_code(
        session=ctx.session,
        group=ctx.group,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        now=ctx.now,
        action="link (a new code)",
    )
    body = say(
        "links.code_body",
        code=Code(code),
        command=Code(f"/gmg join {code}"),
        expires=At(ctx.now + links.CODE_LIFETIME, ctx.group.timezone),
    )
    # Only the one who asked sees the code: it lets a workspace in.
    return Response(title=say("links.code_title", group=ctx.short_name), sections=[body], changed=True)


def join(ctx: Context, args: Args) -> Response:
    words = args.words
    if len(words) != 1:
        raise UsageError(say("links.join_usage", example=Code(JOIN_EXAMPLE)))
    code = words[0]
    group = (
        links.use_code(session=ctx.session, code=code, now=ctx.now) if links.looks_like_code(code) else None
    )
    if group is None:
        raise UsageError(say("links.bad_code", code=code[:40], command=Code("/gmg link")))
    try:
        replaced = links.join(
            session=ctx.session,
            team_id=ctx.team_id,
            group=group,
            user_id=ctx.user_id,
            now=ctx.now,
            action="join (with a link code)",
        )
    except links.JoinRefused as exc:
        if exc.reason == links.JoinRefused.ALREADY:
            raise UsageError(say("links.already", short=group.short_name)) from exc
        command = Code(f"/gmg group rename {exc.group.short_name} NEW")
        raise UsageError(
            say("links.name_taken", short=exc.group.short_name, name=exc.group.name, command=command)
        ) from exc
    is_default = groups.default_group(session=ctx.session, team_id=ctx.team_id) is group
    if is_default:
        body = say(
            "links.joined_default", short=group.short_name, name=group.name, example=Code("/gmg chair")
        )
    else:
        example = Code(f"/gmg {group.short_name} chair")
        body = say("links.joined_named", short=group.short_name, name=group.name, example=example)
    sections: list[Text] = [body]
    if replaced is not None:
        sections.append(say("links.replaced", short=replaced.short_name))
    subscribe = "/gmg subscribe #channel" if is_default else f"/gmg {group.short_name} subscribe #channel"
    sections.append(say("links.subscribe_hint", example=Code(subscribe)))
    return Response(title=say("links.joined"), sections=list(sections), changed=True)


def workspaces(ctx: Context, args: Args) -> Response:
    if args.words:
        raise UsageError(
            say(
                "usage.not_a_sub",
                word=args.words[0][:50],
                command=Code("/gmg workspaces"),
                forms=Code("/gmg workspaces"),
            )
        )
    found = groups.links_of(session=ctx.session, group_id=ctx.group_id)
    lines: list[Text] = []
    for each in found:
        line = say("links.workspace_line_home" if each.is_home else "links.workspace_line", team=each.team_id)
        lines.append(say("links.this_workspace", line=line) if each.team_id == ctx.team_id else line)
    return Response(
        title=say("links.workspaces_title", group=ctx.short_name, count=len(found)),
        sections=list(lines),
        footer=say("links.workspaces_footer", link=Code("/gmg link"), unlink=Code("/gmg unlink")),
    )


def unlink(ctx: Context, args: Args) -> Response:
    """`unlink`: this workspace leaves a group set up elsewhere. `unlink TEAM` (the group's admins): that
    workspace is removed from the group (a code that went astray, an organization that left Slack)."""
    group: Group = ctx.group
    assert group.id is not None
    words = args.words
    if len(words) > 1:
        forms = Code(f"/gmg unlink, /gmg {group.short_name} unlink, /gmg unlink TEAM")
        raise UsageError(say("links.unlink_usage", forms=forms))
    team_id = words[0].upper() if words else ctx.team_id
    link = groups.link_of(session=ctx.session, team_id=team_id, group_id=group.id)
    if link is None:
        command = Code(f"/gmg {group.short_name} workspaces")
        raise UsageError(
            say("links.unlink_other_usage", word=words[0][:40], short=group.short_name, command=command)
        )
    if team_id != ctx.team_id and not ctx.is_admin:
        raise UsageError(say("refused.change", group=group.short_name))
    if link.is_home:
        command = Code(f"/gmg group remove {group.short_name}")
        raise UsageError(say("links.unlink_home", short=group.short_name, command=command))
    groups.remove_group(
        session=ctx.session,
        team_id=team_id,
        group=group,
        user_id=ctx.user_id,
        now=ctx.now,
        action=ctx.command,
    )
    return Response(
        title=say("links.unlinked"),
        sections=[say("links.unlinked_body", short=group.short_name)]
        if team_id == ctx.team_id
        else [say("links.unlinked_other", short=group.short_name, team=team_id)],
        changed=True,
    )
