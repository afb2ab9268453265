"""A handover's checklist as people see it: each item with who is responsible (the outgoing or
incoming chair's focal points, or the admins), its due day and its state; who may mark it; and marking
it, audited. Shared by the `checklist` commands, the reminders (handlers/handover_notes.py), the App
Home and the Done button.

The checklist people work on is the next handover's. The one before it stays in view while items of
it are open: a chair's report due a month after the handover is still asked for once that handover
has passed (`checklist previous`)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from handlers.context import Context
from handlers.response import Response, UsageError
from messages import Code, Names, Text, User, Users, say
from storage import handover
from storage.matching import resolve_member
from storage.models import ChecklistItem, Group, Member
from storage.schedule import Schedule, Slot, zone

OUTGOING, INCOMING, ADMINS = handover.ROLES


@dataclass(frozen=True)
class Handover:
    """A handover and its checklist: `day` is the incoming term's first day."""

    day: date
    outgoing: Slot | None
    incoming: Slot | None
    items: list[ChecklistItem]

    def due(self, item: ChecklistItem) -> date:
        return self.day + timedelta(days=item.offset_days)

    def chairs_of(self, item: ChecklistItem) -> tuple[str, ...]:
        """The member codes responsible for the item: none for the admins' items, or when nobody
        chairs that side of the handover (a gap), which leaves the item to the admins."""
        slot = {OUTGOING: self.outgoing, INCOMING: self.incoming}.get(item.role)
        return slot.chairs if slot is not None else ()

    def is_overdue(self, item: ChecklistItem, today: date) -> bool:
        return item.done_by is None and self.due(item) < today

    def open_items(self) -> list[ChecklistItem]:
        return [i for i in self.items if i.done_by is None]

    def number_of(self, number: int) -> ChecklistItem | None:
        return next((i for i in self.items if i.number == number), None)


def focal_points(members: Sequence[Member], codes: Sequence[str]) -> tuple[str, ...]:
    found: list[str] = []
    for code in codes:
        member = resolve_member(list(members), code)
        found += member.focal_points if member is not None else []
    return tuple(dict.fromkeys(found))


def responsible_for(h: Handover, item: ChecklistItem, members: Sequence[Member], user_id: str) -> bool:
    """Whether the user is a focal point of a member responsible for the item (never for the admins')."""
    return item.role != ADMINS and user_id in focal_points(members, h.chairs_of(item))


# Finding a handover


def _at(session: Session, group: Group, day: date, items: list[ChecklistItem]) -> Handover:
    schedule = Schedule(session=session, group=group)
    incoming = schedule.slot_on(day)
    return Handover(
        day=day,
        outgoing=schedule.slot_on(day - timedelta(days=1)),
        incoming=incoming if incoming is not None and incoming.first_day == day else None,
        items=items,
    )


def coming(session: Session, group: Group, today: date) -> tuple[Handover | None, bool]:
    """The next handover with its checklist, copied from the template if it was not yet (planning
    copies it; the command line may ask first); and whether a copy was made."""
    assert group.id is not None
    schedule = Schedule(session=session, group=group)
    found = schedule.slots_after(today, 1)
    if not found:
        return None, False
    incoming = found[0]
    had = bool(handover.checklist(session=session, group_id=group.id, handover_day=incoming.first_day))
    items = handover.copy_template(session=session, group_id=group.id, handover_day=incoming.first_day)
    outgoing = schedule.slot_on(incoming.first_day - timedelta(days=1))
    return Handover(incoming.first_day, outgoing, incoming, items), bool(items) and not had


def previous(session: Session, group: Group, today: date) -> Handover | None:
    """The latest handover on or before today that has a checklist."""
    assert group.id is not None
    day = handover.last_checklist_day(session=session, group_id=group.id, on_or_before=today)
    if day is None:
        return None
    return _at(session, group, day, handover.checklist(session=session, group_id=group.id, handover_day=day))


def of_item(session: Session, group: Group, item: ChecklistItem) -> Handover:
    assert group.id is not None
    items = handover.checklist(session=session, group_id=group.id, handover_day=item.handover_day)
    return _at(session, group, item.handover_day, items)


# What an item says


def _who(h: Handover, item: ChecklistItem, members: Sequence[Member]) -> Text:
    if item.role == ADMINS:
        return say("checklist.who_admins")
    chairs = h.chairs_of(item)
    role = say(f"checklist.role_{item.role}")
    if not chairs:
        return say("checklist.who_nobody", role=role)
    users = focal_points(members, chairs)
    if not users:
        return say("checklist.who_no_focal", role=role, chairs=Names(chairs))
    return say("checklist.who", role=role, chairs=Names(chairs), users=Users(users))


def state_of(h: Handover, item: ChecklistItem, today: date, group: Group) -> Text:
    if item.done_by is not None:
        when = item.done_at.astimezone(zone(group)).date() if item.done_at is not None else h.day
        return say("checklist.state_done", who=User(item.done_by), day=when)
    if h.is_overdue(item, today):
        return say("checklist.state_overdue")
    return say("checklist.state_open")


def line(h: Handover, item: ChecklistItem, members: Sequence[Member], today: date, group: Group) -> Text:
    """`3. *Chair's report* · outgoing chair: *ILO* (@ana) · due 31 Jan 2028 · open`"""
    return say(
        "checklist.line",
        number=item.number,
        text=item.text,
        who=_who(h, item, members),
        due=h.due(item),
        state=state_of(h, item, today, group),
    )


# Marking


def may_mark(
    h: Handover,
    item: ChecklistItem,
    members: Sequence[Member],
    user_id: str,
    is_admin: Callable[[], bool | None],
) -> bool | None:
    """An admin may mark any item, a focal point of the responsible member theirs; None when Slack did
    not say whether the user is an admin and that decides it. The focal points are asked first: they
    need no call to Slack."""
    return True if responsible_for(h, item, members, user_id) else is_admin()


def mark(ctx: Context, h: Handover, item: ChecklistItem, done: bool) -> Response:
    """Marks the item done (or open again) for the user, if they may: one audited change."""
    allowed = may_mark(h, item, ctx.members, ctx.user_id, lambda: ctx.admin_answer)
    if allowed is None:
        raise UsageError(say("refused.slack_silent"))
    if not allowed:
        if item.role == ADMINS or not h.chairs_of(item):
            raise UsageError(say("checklist.refused_admins", group=ctx.short_name, number=item.number))
        raise UsageError(
            say(
                "checklist.refused",
                group=ctx.short_name,
                number=item.number,
                chairs=Names(h.chairs_of(item)),
                role=say(f"checklist.role_{item.role}"),
            )
        )
    shown = line(h, item, ctx.members, ctx.today, ctx.group)
    if (item.done_by is not None) == done:
        title = "checklist.already_done" if done else "checklist.already_open"
        return Response(title=say(title, number=item.number, day=h.day), sections=[shown])
    before = record(item)
    handover.mark(session=ctx.session, item=item, done_by=ctx.user_id if done else None, now=ctx.now)
    ctx.audit(before, record(item))
    title = "checklist.marked_done" if done else "checklist.marked_open"
    return Response(
        title=say(title, number=item.number, day=h.day),
        sections=[line(h, item, ctx.members, ctx.today, ctx.group)],
        footer=say("checklist.see", command=Code(gmg(ctx, "checklist"))),
        changed=True,
    )


def gmg(ctx: Context, words: str) -> str:
    """A command as the user types it for this group: with its name when the workspace has several."""
    return f"/gmg {ctx.group.short_name} {words}" if len(ctx.groups) > 1 else f"/gmg {words}"


def record(item: ChecklistItem) -> dict[str, object]:
    """An item as the audit log keeps it."""
    return {
        "handover": str(item.handover_day),
        "number": item.number,
        "text": item.text,
        "done_by": item.done_by,
        "done_at": item.done_at.isoformat() if item.done_by and item.done_at else None,
    }
