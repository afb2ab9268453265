"""The handover as the group's process: theme proposals and their votes, the checklist template, and
each handover's own checklist. Reads and writes; the callers audit (which re-plans the deliveries)."""

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from storage.models import ChecklistItem, ChecklistTemplateItem, ProposalVote, ThemeProposal

OPEN, ADOPTED, CLOSED = "open", "adopted", "closed"
ROLES = ("outgoing", "incoming", "admins")


# Proposals


def add_proposal(
    *,
    session: Session,
    group_id: int,
    first_day: date,
    last_day: date,
    title: str,
    description: str,
    user_id: str,
    team_id: str,
    now: datetime,
) -> ThemeProposal:
    proposal = ThemeProposal(
        group_id=group_id,
        first_day=first_day,
        last_day=last_day,
        title=title,
        description=description,
        proposed_by=user_id,
        team_id=team_id,
        proposed_at=now,
    )
    session.add(proposal)
    session.flush()
    return proposal


def proposals_for(*, session: Session, group_id: int, first_day: date) -> list[ThemeProposal]:
    """The term's proposals, in the order they were made (their numbers in `theme proposals`)."""
    return list(
        session.exec(
            select(ThemeProposal)
            .where(col(ThemeProposal.group_id) == group_id, col(ThemeProposal.first_day) == first_day)
            .order_by(col(ThemeProposal.id))
        )
    )


def open_proposals(*, session: Session, group_id: int, since: date) -> list[ThemeProposal]:
    """Open proposals for terms starting on or after `since`, by term then order."""
    return list(
        session.exec(
            select(ThemeProposal)
            .where(
                col(ThemeProposal.group_id) == group_id,
                col(ThemeProposal.state) == OPEN,
                col(ThemeProposal.first_day) >= since,
            )
            .order_by(col(ThemeProposal.first_day), col(ThemeProposal.id))
        )
    )


def get_proposal(*, session: Session, proposal_id: int) -> ThemeProposal | None:
    return session.get(ThemeProposal, proposal_id)


def vote(
    *,
    session: Session,
    proposal: ThemeProposal,
    user_id: str,
    team_id: str,
    support: bool,
    comment: str,
    now: datetime,
) -> ProposalVote | None:
    """Records the person's vote, replacing theirs; returns the vote it replaced (a copy), or None."""
    assert proposal.id is not None
    found = session.get(ProposalVote, (proposal.id, user_id))
    before = ProposalVote.model_validate(found) if found is not None else None
    if found is None:
        found = ProposalVote(
            proposal_id=proposal.id, user_id=user_id, team_id=team_id, support=support, at=now
        )
    found.support, found.comment, found.at, found.team_id = support, comment, now, team_id
    session.add(found)
    session.flush()
    return before


def counts(*, session: Session, proposal_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(for, against) of each proposal."""
    rows = session.exec(
        select(ProposalVote.proposal_id, ProposalVote.support, func.count())
        .where(col(ProposalVote.proposal_id).in_(list(proposal_ids)))
        .group_by(col(ProposalVote.proposal_id), col(ProposalVote.support))
    ).all()
    found = {i: [0, 0] for i in proposal_ids}
    for proposal_id, support, count in rows:
        found[proposal_id][0 if support else 1] = count
    return {i: (pair[0], pair[1]) for i, pair in found.items()}


def objections(*, session: Session, proposal_id: int) -> list[ProposalVote]:
    """The votes against, with their comments, oldest first."""
    return list(
        session.exec(
            select(ProposalVote)
            .where(col(ProposalVote.proposal_id) == proposal_id, col(ProposalVote.support).is_(False))
            .order_by(col(ProposalVote.at))
        )
    )


def set_state(*, session: Session, proposal: ThemeProposal, state: str) -> None:
    proposal.state = state
    session.add(proposal)
    session.flush()


# The checklist template


def template(*, session: Session, group_id: int) -> list[ChecklistTemplateItem]:
    """The template's items by due offset, then as added: their numbers in `checklist template`."""
    return list(
        session.exec(
            select(ChecklistTemplateItem)
            .where(col(ChecklistTemplateItem.group_id) == group_id)
            .order_by(col(ChecklistTemplateItem.offset_days), col(ChecklistTemplateItem.id))
        )
    )


def add_template_item(*, session: Session, group_id: int, role: str, offset_days: int, text: str) -> None:
    session.add(ChecklistTemplateItem(group_id=group_id, role=role, offset_days=offset_days, text=text))
    session.flush()


def remove_template_item(*, session: Session, item: ChecklistTemplateItem) -> None:
    session.delete(item)
    session.flush()


def replace_template(*, session: Session, group_id: int, items: Sequence[tuple[str, int, str]]) -> None:
    session.execute(delete(ChecklistTemplateItem).where(col(ChecklistTemplateItem.group_id) == group_id))
    for role, offset_days, text in items:
        add_template_item(session=session, group_id=group_id, role=role, offset_days=offset_days, text=text)


# Each handover's checklist


def checklist(*, session: Session, group_id: int, handover_day: date) -> list[ChecklistItem]:
    return list(
        session.exec(
            select(ChecklistItem)
            .where(col(ChecklistItem.group_id) == group_id, col(ChecklistItem.handover_day) == handover_day)
            .order_by(col(ChecklistItem.number))
        )
    )


def checklists_between(*, session: Session, group_id: int, first: date, last: date) -> list[ChecklistItem]:
    """The items of the handovers from `first` to `last`, by handover then number."""
    return list(
        session.exec(
            select(ChecklistItem)
            .where(
                col(ChecklistItem.group_id) == group_id,
                col(ChecklistItem.handover_day) >= first,
                col(ChecklistItem.handover_day) <= last,
            )
            .order_by(col(ChecklistItem.handover_day), col(ChecklistItem.number))
        )
    )


def copy_template(*, session: Session, group_id: int, handover_day: date) -> list[ChecklistItem]:
    """The handover's own checklist, copied from the template when the handover is planned. Until an
    item of it is marked, the copy follows the template (a handover planned long ahead gets the items
    added since): it is made anew, so a Done button sent for an item no longer there finds nothing,
    never another item in its place. From the first mark on, it is the handover's own."""
    items = checklist(session=session, group_id=group_id, handover_day=handover_day)
    if any(item.done_at for item in items):
        return items
    wanted = [(t.role, t.offset_days, t.text) for t in template(session=session, group_id=group_id)]
    if [(i.role, i.offset_days, i.text) for i in items] == wanted:
        return items
    for item in items:
        session.delete(item)
    session.flush()
    session.add_all(
        ChecklistItem(
            group_id=group_id,
            handover_day=handover_day,
            number=number,
            role=role,
            offset_days=offset_days,
            text=text,
        )
        for number, (role, offset_days, text) in enumerate(wanted, start=1)
    )
    session.flush()
    return checklist(session=session, group_id=group_id, handover_day=handover_day)


def mark(*, session: Session, item: ChecklistItem, done_by: str | None, now: datetime) -> None:
    """Done by `done_by`, or open again (None). `done_at` keeps when it last changed: a copy marked once
    is the handover's own, even with the mark taken back (copy_template)."""
    item.done_by, item.done_at = done_by, now
    session.add(item)
    session.flush()


def get_item(*, session: Session, item_id: int) -> ChecklistItem | None:
    return session.get(ChecklistItem, item_id)


def last_checklist_day(*, session: Session, group_id: int, on_or_before: date) -> date | None:
    """The latest handover on or before the day that has a checklist."""
    return session.exec(
        select(func.max(ChecklistItem.handover_day)).where(
            col(ChecklistItem.group_id) == group_id, col(ChecklistItem.handover_day) <= on_or_before
        )
    ).one()


def replace_checklist(
    *,
    session: Session,
    group_id: int,
    handover_day: date,
    items: Sequence[tuple[str, int, str, str | None, datetime | None]],
) -> None:
    """The handover's checklist, exactly `items` (role, offset, text, done_by, done_at), numbered in
    their order: for an import. Items keep their rows (and ids, which Done buttons already sent name)
    by number."""
    existing = {i.number: i for i in checklist(session=session, group_id=group_id, handover_day=handover_day)}
    for number, (role, offset_days, text, done_by, done_at) in enumerate(items, start=1):
        item = existing.pop(number, None) or ChecklistItem(
            group_id=group_id, handover_day=handover_day, number=number, role=role, offset_days=0, text=text
        )
        item.role, item.offset_days, item.text, item.done_by, item.done_at = (
            role,
            offset_days,
            text,
            done_by,
            done_at,
        )
        session.add(item)
    for item in existing.values():
        session.delete(item)
    session.flush()


# Proposals as documents hold them (storage/transfer.py)


def all_proposals(*, session: Session, group_id: int) -> list[ThemeProposal]:
    """Every proposal of the group, by term then in the order they were made."""
    return list(
        session.exec(
            select(ThemeProposal)
            .where(col(ThemeProposal.group_id) == group_id)
            .order_by(col(ThemeProposal.first_day), col(ThemeProposal.id))
        )
    )


def votes_of(*, session: Session, proposal_ids: Sequence[int]) -> dict[int, list[ProposalVote]]:
    """Each proposal's votes, oldest first."""
    found: dict[int, list[ProposalVote]] = {i: [] for i in proposal_ids}
    for vote_ in session.exec(
        select(ProposalVote)
        .where(col(ProposalVote.proposal_id).in_(list(proposal_ids)))
        .order_by(col(ProposalVote.at), col(ProposalVote.user_id))
    ):
        found[vote_.proposal_id].append(vote_)
    return found


def put_proposal(*, session: Session, proposal: ThemeProposal, votes: Sequence[ProposalVote]) -> None:
    """A proposal, new or changed, with exactly these votes (an import)."""
    session.add(proposal)
    session.flush()
    assert proposal.id is not None
    session.execute(delete(ProposalVote).where(col(ProposalVote.proposal_id) == proposal.id))
    for each in votes:
        each.proposal_id = proposal.id
        session.add(each)
    session.flush()
