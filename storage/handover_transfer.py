"""The handover's process in and out of documents (storage/transfer.py does the rest of a group): the
checklist template, each term's handover checklist, and theme proposals with their votes."""

from datetime import date
from typing import Any

from sqlmodel import Session

from storage import handover
from storage.documents import Document
from storage.durations import format_offset
from storage.models import ChecklistItem, ChecklistTemplateItem, ProposalVote, ThemeProposal


def import_process(*, session: Session, group_id: int, team_id: str, doc: Document) -> None:
    """The checklist template and each term's handover checklist, where the document gives them; and
    its proposals, each with exactly its votes."""
    if doc.checklist_template is not None:
        handover.replace_template(
            session=session,
            group_id=group_id,
            items=[(t.role, t.offset_days, t.text) for t in doc.checklist_template],
        )
    for term in doc.terms:
        if term.checklist is not None:
            handover.replace_checklist(
                session=session,
                group_id=group_id,
                handover_day=term.first_day,
                items=[(i.role, i.offset_days, i.text, i.done_by, i.done_at) for i in term.checklist],
            )
    # The same term and title is the same proposal, updated where it is (its posts in the channels are
    # found again by its id); several of them are paired in the order they were made.
    existing: dict[tuple[date, str], list[ThemeProposal]] = {}
    for found in handover.all_proposals(session=session, group_id=group_id):
        existing.setdefault((found.first_day, found.title), []).append(found)
    for record in doc.proposals:
        first_day, last_day = record.days
        same = existing.get((first_day, record.title), [])
        proposal = (
            same.pop(0)
            if same
            else ThemeProposal(
                group_id=group_id,
                first_day=first_day,
                last_day=last_day,
                title=record.title,
                proposed_by=record.proposed_by,
                team_id=team_id,
                proposed_at=record.proposed_at,
            )
        )
        proposal.last_day, proposal.description, proposal.state = last_day, record.description, record.state
        proposal.proposed_by, proposal.proposed_at = record.proposed_by, record.proposed_at
        proposal.team_id = record.team or team_id
        votes = [
            ProposalVote(
                proposal_id=0,
                user_id=v.user,
                team_id=v.team or team_id,
                support=v.support,
                comment=v.comment,
                at=v.at,
            )
            for v in record.votes
        ]
        handover.put_proposal(session=session, proposal=proposal, votes=votes)


def checklists_by_day(*, session: Session, group_id: int) -> dict[date, list[ChecklistItem]]:
    """Every handover's checklist by its day: a term's is the one on its first day."""
    found: dict[date, list[ChecklistItem]] = {}
    for item in handover.checklists_between(
        session=session, group_id=group_id, first=date.min, last=date.max
    ):
        found.setdefault(item.handover_day, []).append(item)
    return found


def checklist_record(item: ChecklistTemplateItem | ChecklistItem) -> dict[str, Any]:
    """A template item, or a handover's with who did it and when."""
    record: dict[str, Any] = {"role": item.role, "offset": format_offset(item.offset_days), "text": item.text}
    if isinstance(item, ChecklistItem) and item.done_by is not None and item.done_at is not None:
        record |= {"done_by": item.done_by, "done_at": item.done_at.isoformat()}
    return record


def proposal_records(*, session: Session, group_id: int, home: str) -> list[dict[str, Any]]:
    """Every proposal with its votes; the workspace of each only where it is not the group's home."""
    proposals = handover.all_proposals(session=session, group_id=group_id)
    votes = handover.votes_of(session=session, proposal_ids=[p.id for p in proposals if p.id is not None])
    records = []
    for p in proposals:
        record: dict[str, Any] = {
            "term": f"{p.first_day}..{p.last_day}",
            "title": p.title,
            "description": p.description,
            "proposed_by": p.proposed_by,
            "proposed_at": p.proposed_at.isoformat(),
            "state": p.state,
        }
        record |= {"team": p.team_id} if p.team_id != home else {}
        record["votes"] = [
            {"user": v.user_id, "support": v.support, "comment": v.comment, "at": v.at.isoformat()}
            | ({"team": v.team_id} if v.team_id != home else {})
            for v in votes.get(p.id or 0, [])
        ]
        records.append(record)
    return records
