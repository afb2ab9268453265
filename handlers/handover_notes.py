"""Where a handover's process stands, for its reminders: whether the incoming term's theme is adopted
(and, past the group's theme deadline, a direct message to the admins), and the handover's checklist.

The planner (handlers/notices.py) asks once per coming handover: `channel()` for what the reminder in
a channel adds, `person(user)` for what a focal point's direct reminder adds (and `buttons(user)` for
their open checklist items, each with a Done button), and `planned()` for the deliveries of their own
(the deadline alerts)."""

from datetime import date, datetime, timedelta

from sqlmodel import Session

from handlers import handover_checklist as checklists
from handlers.post import Post, planned_post
from messages import Code, Days, Lines, Names, Text, say
from storage import groups, handover, queries
from storage.deliveries import Planned
from storage.models import ChecklistItem, Group, Member, ThemeProposal
from storage.schedule import Schedule, Slot, zone


class GroupProcess:
    """What the coming handovers' notes are made from, read once per re-plan in four queries (the plan
    is made while the group's other changes wait for it): the open proposals and their votes, the
    checklist template, and the handovers' checklists from `since` on."""

    def __init__(self, session: Session, group: Group, since: date) -> None:
        assert group.id is not None
        self.session, self.group = session, group
        self.proposals: dict[date, list[ThemeProposal]] = {}
        for proposal in handover.open_proposals(session=session, group_id=group.id, since=since):
            self.proposals.setdefault(proposal.first_day, []).append(proposal)
        ids = [p.id for found in self.proposals.values() for p in found if p.id is not None]
        self.votes = handover.counts(session=session, proposal_ids=ids) if ids else {}
        self.template = [
            (t.role, t.offset_days, t.text) for t in handover.template(session=session, group_id=group.id)
        ]
        self.items: dict[date, list[ChecklistItem]] = {}
        for item in handover.checklists_between(
            session=session, group_id=group.id, first=since, last=date.max
        ):
            self.items.setdefault(item.handover_day, []).append(item)

    def checklist(self, day: date) -> list[ChecklistItem]:
        return self.items.get(day, [])

    def copy(self, day: date) -> list[ChecklistItem]:
        """The handover's copy of the template (storage.handover.copy_template), written only when it
        is new or still follows a template that changed."""
        items = self.checklist(day)
        unmarked = not any(i.done_at for i in items)
        if unmarked and [(i.role, i.offset_days, i.text) for i in items] != self.template:
            assert self.group.id is not None
            items = handover.copy_template(session=self.session, group_id=self.group.id, handover_day=day)
            self.items[day] = items
        return items


def adoption_status(process: GroupProcess, slot: Slot) -> Text | None:
    """For a term without a theme: how many open proposals, and the most supported one; None when it
    has a theme."""
    if slot.theme:
        return None
    found = process.proposals.get(slot.first_day, [])
    if not found:
        return say("proposal.status_none")
    votes = process.votes

    def standing(proposal_id: int | None) -> int:
        support, against = votes[proposal_id or 0]
        return support - against

    best = max(found, key=lambda p: (standing(p.id), -(p.id or 0)))
    support, against = votes[best.id or 0]
    return say("proposal.status", count=len(found), title=best.title, support=support, against=against)


def theme_deadline(group: Group, slot: Slot) -> date | None:
    """The day by which the term's theme should be adopted (settings theme-deadline), if there is one."""
    if group.theme_deadline_days is None:
        return None
    return slot.first_day - timedelta(days=group.theme_deadline_days)


class HandoverNotes:
    def __init__(
        self,
        process: GroupProcess,
        members: list[Member],
        outgoing: Slot | None,
        incoming: Slot,
        today: date,
    ) -> None:
        self.process, self.session, self.group, self.members = (
            process,
            process.session,
            process.group,
            members,
        )
        self.outgoing, self.incoming, self.today = outgoing, incoming, today
        self.status = adoption_status(process, incoming)
        # Each coming handover gets its own copy of the template when it is planned.
        items = process.copy(incoming.first_day)
        self.checklist = checklists.Handover(incoming.first_day, outgoing, incoming, items)
        self.before = self._before()

    def _before(self) -> checklists.Handover | None:
        """The handover before this one (where the outgoing term began), whose overdue items this
        one's reminders carry."""
        if self.outgoing is None or self.group.id is None:
            return None
        day = self.outgoing.first_day
        items = self.process.checklist(day)
        if not any(checklists.Handover(day, None, None, items).is_overdue(i, self.today) for i in items):
            return None
        eve = Schedule(session=self.session, group=self.group).slot_on(day - timedelta(days=1))
        return checklists.Handover(day, eve, self.outgoing, items)

    def _line(self, h: checklists.Handover, item: ChecklistItem) -> Text:
        return checklists.line(h, item, self.members, self.today, self.group)

    def channel(self) -> list[Text]:
        """Where adoption stands; the checklist in numbers, and its overdue items (with the previous
        handover's)."""
        notes = [self.status] if self.status is not None else []
        h, command = self.checklist, Code(f"/gmg {self.group.short_name} checklist")
        if h.items:
            still = h.open_items()
            late = [i for i in still if h.is_overdue(i, self.today)]
            if not still:
                notes.append(say("checklist.all_done", count=len(h.items), command=command))
            else:
                overdue: Text | str = say("checklist.summary_overdue", count=len(late)) if late else ""
                notes.append(
                    say(
                        "checklist.summary",
                        open=len(still),
                        total=len(h.items),
                        overdue=overdue,
                        command=command,
                    )
                )
        for each in (self.before, h):
            late = [i for i in each.open_items() if each.is_overdue(i, self.today)] if each else []
            if each is not None and late:
                lines = Lines(tuple(self._line(each, i) for i in late))
                notes.append(say("checklist.overdue_from", day=each.day, lines=lines))
        return notes

    def mine(self, user_id: str) -> list[tuple[checklists.Handover, ChecklistItem]]:
        """The person's open items: the overdue ones of the handover before, then this one's."""
        found = []
        if self.before is not None:
            found += [
                (self.before, i)
                for i in self.before.open_items()
                if self.before.is_overdue(i, self.today)
                and checklists.responsible_for(self.before, i, self.members, user_id)
            ]
        h = self.checklist
        found += [(h, i) for i in h.open_items() if checklists.responsible_for(h, i, self.members, user_id)]
        return found

    def person(self, user_id: str) -> list[Text]:
        """Where adoption stands, and a heading for the person's own open items, which follow with
        their Done buttons (`buttons`)."""
        notes = [self.status] if self.status is not None else []
        mine = self.mine(user_id)
        if mine:
            notes.append(say("checklist.yours", count=len(mine)))
        return notes

    def buttons(self, user_id: str) -> tuple[tuple[int, Text], ...]:
        """The person's open items, each with its line, for their Done buttons."""
        return tuple((i.id, self._line(h, i)) for h, i in self.mine(user_id) if i.id is not None)

    def planned(self, handover_at: datetime, now: datetime) -> list[Planned]:
        """The admins' direct message when the deadline passes with no theme adopted (re-planned with
        every change: adopting a theme takes it back). A deadline already past when it is planned (a
        term decided late, a deadline set late) is told at once."""
        deadline = theme_deadline(self.group, self.incoming)
        if deadline is None or self.status is None or self.group.id is None:
            return []
        due = datetime.combine(deadline, handover_at.astimezone(zone(self.group)).timetz()).astimezone(
            handover_at.tzinfo
        )
        due = max(due, now)
        span = f"{self.incoming.first_day}..{self.incoming.last_day}"
        post = Post(
            (
                say(
                    "proposal.deadline_passed",
                    days=Days(self.incoming.first_day, self.incoming.last_day),
                    chairs=Names(self.incoming.chairs),
                    deadline=Days(deadline, deadline),
                    status=self.status,
                    example=Code(f"/gmg theme adopt {span}"),
                ),
            )
        )
        admins = queries.list_admins(session=self.session, group_id=self.group.id)
        # Admins are listed without a workspace: their messages go through the group's home.
        home = (groups.teams_of(session=self.session, group_id=self.group.id) or [groups.LOCAL])[0]
        return [
            planned_post(
                f"deadline:{self.incoming.first_day}:{user}", "deadline", home, user, due, handover_at, post
            )
            for user in admins
        ]
