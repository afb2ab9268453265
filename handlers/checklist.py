"""`/gmg checklist ...`: the next handover's checklist (anyone), the template it is copied from (anyone
reads it, admins change it), and marking an item done or open again (an admin, or a focal point of the
member responsible for it)."""

from collections.abc import Callable
from datetime import date, datetime

from sqlmodel import Session

from handlers import handover_checklist as hc
from handlers.changes import free_text, rest_of
from handlers.context import Args, Context
from handlers.response import Part, Response, UsageError
from messages import Code, Commas, Lines, Text, say
from storage import groups, handover, queries
from storage.durations import MAX_OFFSET_DAYS, OffsetError, format_offset, parse_offset
from storage.handover_documents import MAX_CHECKLIST
from storage.models import ChecklistTemplateItem, Group

ADD_USAGE = "checklist add outgoing|incoming|admins OFFSET TEXT"
ADD_EXAMPLE = "checklist add incoming -45d Work plan and theme proposal"
PREVIOUS = "previous"
# As the model holds it (storage/models.py: ChecklistTemplateItem.text).
MAX_TEXT = 300
# A template longer than this would not fit a reminder's buttons (bot/posts.py).
MAX_TEMPLATE = MAX_CHECKLIST


def _usage(usage: str, example: str) -> UsageError:
    return UsageError(say("checklist.usage", usage=Code(f"/gmg {usage}"), example=Code(f"/gmg {example}")))


def _no_handover(ctx: Context) -> UsageError:
    return UsageError(
        say("checklist.no_handover", group=ctx.short_name, example=Code("/gmg term set 2030 IOM"))
    )


def _lines(ctx: Context, h: hc.Handover, only_open: bool = False) -> Text:
    items = h.open_items() if only_open else h.items
    return say("lines", lines=Lines(tuple(hc.line(h, i, ctx.members, ctx.today, ctx.group) for i in items)))


def _title(ctx: Context, h: hc.Handover, message: str) -> Text:
    return say(
        message,
        group=ctx.short_name,
        day=h.day,
        # Plain codes: a title is bold already.
        outgoing=Commas(h.outgoing.chairs) if h.outgoing else say("notice.nobody"),
        incoming=Commas(h.incoming.chairs) if h.incoming else say("notice.nobody"),
    )


# Reading


def show(ctx: Context, args: Args) -> Response:
    """`checklist`: the next handover's items, and those still open from the one before;
    `checklist previous`: the one before, whole."""
    words = [w.lower() for w in args.words]
    if words == [PREVIOUS]:
        return _show_previous(ctx)
    if words:
        raise _usage("checklist [previous]", "checklist")
    h, copied = hc.coming(ctx.session, ctx.group, ctx.today)
    if h is None:
        raise _no_handover(ctx)
    sections: list[Part] = []
    if h.items:
        sections.append(_lines(ctx, h))
    else:
        sections.append(say("checklist.empty", example=Code(hc.gmg(ctx, ADD_EXAMPLE))))
    before = hc.previous(ctx.session, ctx.group, ctx.today)
    if before is not None and before.open_items():
        sections.append(say("checklist.still_open", day=before.day))
        sections.append(_lines(ctx, before, only_open=True))
    footer = say(
        "checklist.footer",
        done=Code(hc.gmg(ctx, "checklist done N")),
        undone=Code(hc.gmg(ctx, "checklist undone N")),
    )
    if before is not None and before.open_items():
        footer = say(
            "checklist.footer_previous",
            done=Code(hc.gmg(ctx, "checklist done N")),
            previous=Code(hc.gmg(ctx, "checklist done previous N")),
        )
    # A copy made here (before any planning did) is kept: its numbers are the ones just shown.
    return Response(title=_title(ctx, h, "checklist.title"), sections=sections, footer=footer, changed=copied)


def _show_previous(ctx: Context) -> Response:
    h = hc.previous(ctx.session, ctx.group, ctx.today)
    if h is None:
        raise UsageError(say("checklist.no_previous", command=Code(hc.gmg(ctx, "checklist"))))
    return Response(
        title=_title(ctx, h, "checklist.title_previous"),
        sections=[_lines(ctx, h)],
        footer=say("checklist.footer_only_previous", done=Code(hc.gmg(ctx, "checklist done previous N"))),
    )


def _offset(days: int) -> Text:
    if days < 0:
        return say("checklist.offset_before", count=-days)
    if days > 0:
        return say("checklist.offset_after", count=days)
    return say("checklist.offset_on")


def _template_line(number: int, item: ChecklistTemplateItem) -> Text:
    return say(
        "checklist.template_line",
        number=number,
        role=say(f"checklist.role_{item.role}"),
        offset=_offset(item.offset_days),
        text=item.text,
    )


def template(ctx: Context, args: Args) -> Response:
    if len(args.words) > 1:
        raise _usage("checklist template", "checklist template")
    items = handover.template(session=ctx.session, group_id=ctx.group_id)
    lines = tuple(_template_line(i, item) for i, item in enumerate(items, start=1))
    body = say("lines", lines=Lines(lines)) if lines else say("checklist.template_empty")
    return Response(
        title=say("checklist.template_title", group=ctx.short_name),
        sections=[body],
        footer=say(
            "checklist.template_footer",
            add=Code(hc.gmg(ctx, ADD_USAGE)),
            remove=Code(hc.gmg(ctx, "checklist remove N")),
        ),
    )


# Changing the template (admins)


def _copies_kept(ctx: Context) -> list[Part]:
    """The coming handovers whose copy is their own already (an item of it is marked), which a change
    of the template leaves as is; the others follow it (storage.handover.copy_template)."""
    days = sorted(
        {
            i.handover_day
            for i in handover.checklists_between(
                session=ctx.session, group_id=ctx.group_id, first=ctx.today, last=date.max
            )
            if i.handover_day > ctx.today and i.done_at
        }
    )
    if not days:
        return []
    return [say("checklist.copies_kept", count=len(days), days=Commas(tuple(days)))]


def add(ctx: Context, args: Args) -> Response:
    words = args.words
    if len(words) < 4:
        raise _usage(ADD_USAGE, ADD_EXAMPLE)
    role = words[1].lower()
    if role not in handover.ROLES:
        raise UsageError(
            say(
                "checklist.bad_role", role=words[1][:50], roles=Commas(tuple(Code(r) for r in handover.ROLES))
            )
        )
    try:
        offset = parse_offset(words[2])
    except OffsetError:
        raise UsageError(say("checklist.bad_offset", offset=words[2][:50], limit=MAX_OFFSET_DAYS)) from None
    text = " ".join(
        free_text(rest_of(args.text, args.tokens, 3), "checklist.text_too_long", MAX_TEXT).split()
    )
    if not text:
        raise _usage(ADD_USAGE, ADD_EXAMPLE)
    # Two admins adding at once get their numbers in turn.
    queries.lock_for_update(session=ctx.session, group_id=ctx.group_id)
    if len(handover.template(session=ctx.session, group_id=ctx.group_id)) >= MAX_TEMPLATE:
        raise UsageError(say("checklist.template_full", limit=MAX_TEMPLATE))
    handover.add_template_item(
        session=ctx.session, group_id=ctx.group_id, role=role, offset_days=offset, text=text
    )
    ctx.audit(None, {"role": role, "offset": format_offset(offset), "text": text})
    items = handover.template(session=ctx.session, group_id=ctx.group_id)
    number, added = next(
        (n, i) for n, i in enumerate(items, start=1) if i.id == max(j.id or 0 for j in items)
    )
    return Response(
        title=say("checklist.added"),
        sections=[_template_line(number, added), *_copies_kept(ctx)],
        footer=say("checklist.see", command=Code(hc.gmg(ctx, "checklist template"))),
        changed=True,
    )


def remove(ctx: Context, args: Args) -> Response:
    words = args.words
    if len(words) != 2 or not words[1].isdecimal() or len(words[1]) > 6:
        raise _usage("checklist remove N", "checklist remove 2")
    queries.lock_for_update(session=ctx.session, group_id=ctx.group_id)
    items = handover.template(session=ctx.session, group_id=ctx.group_id)
    number = int(words[1])
    if not 1 <= number <= len(items):
        raise UsageError(
            say(
                "checklist.no_template_item",
                number=number,
                count=len(items),
                command=Code(hc.gmg(ctx, "checklist template")),
            )
        )
    item = items[number - 1]
    shown = _template_line(number, item)
    before = {"role": item.role, "offset": format_offset(item.offset_days), "text": item.text}
    handover.remove_template_item(session=ctx.session, item=item)
    ctx.audit(before, None)
    return Response(
        title=say("checklist.removed"),
        sections=[shown, *_copies_kept(ctx)],
        footer=say("checklist.see", command=Code(hc.gmg(ctx, "checklist template"))),
        changed=True,
    )


# Marking an item


def done(ctx: Context, args: Args) -> Response:
    return _mark(ctx, args, True)


def undone(ctx: Context, args: Args) -> Response:
    return _mark(ctx, args, False)


def _mark(ctx: Context, args: Args, is_done: bool) -> Response:
    sub = "done" if is_done else "undone"
    words = args.words[1:]
    earlier = bool(words) and words[0].lower() == PREVIOUS
    words = words[1:] if earlier else words
    if len(words) != 1 or not words[0].isdecimal() or len(words[0]) > 6:
        raise _usage(f"checklist {sub} [previous] N", f"checklist {sub} 2")
    # Two clicks or commands at once: the second starts from what the first left.
    queries.lock_for_update(session=ctx.session, group_id=ctx.group_id)
    if earlier:
        h = hc.previous(ctx.session, ctx.group, ctx.today)
        if h is None:
            raise UsageError(say("checklist.no_previous", command=Code(hc.gmg(ctx, "checklist"))))
    else:
        h, _ = hc.coming(ctx.session, ctx.group, ctx.today)
        if h is None:
            raise _no_handover(ctx)
    number = int(words[0])
    item = h.number_of(number)
    if item is None:
        listed = hc.gmg(ctx, "checklist previous" if earlier else "checklist")
        raise UsageError(
            say("checklist.no_item", number=number, day=h.day, count=len(h.items), command=Code(listed))
        )
    return hc.mark(ctx, h, item, is_done)


def done_by_button(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    item_id: int,
    is_admin: Callable[[], bool | None],
    operator: bool,
    now: datetime,
) -> Response:
    """A Done button, in a reminder or App Home: the item of a group that the clicker's workspace sees,
    if they may mark it (as `checklist done`). The caller commits a change."""
    item = handover.get_item(session=session, item_id=item_id) if item_id else None
    group = session.get(Group, item.group_id) if item is not None else None
    workspace = groups.workspace_groups(session=session, team_id=team_id)
    if item is None or group is None or group.id not in {g.id for g in workspace}:
        return Response(title=say("usage.failed"), sections=[say("checklist.item_gone")], ok=False)
    ctx = Context(
        session=session,
        group=group,
        team_id=team_id,
        user_id=user_id,
        admin_elsewhere=is_admin,
        now=now,
        channel_id=None,
        command=f"checklist done {item.handover_day} {item.number} (Done button)",
        groups=workspace,
        operator=operator,
    )
    # Two clicks at once: the second starts from what the first left.
    queries.lock_for_update(session=session, group_id=ctx.group_id, record=item)
    try:
        return hc.mark(ctx, hc.of_item(session, group, item), item, True)
    except UsageError as exc:
        return Response(title=say("usage.failed"), sections=[exc.message], ok=False)
