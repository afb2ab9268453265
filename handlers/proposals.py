"""Theme proposals, the group's way to adopt a term's theme: `/gmg theme propose [PERIOD] TITLE |
DESCRIPTION` (an admin, or a focal point of a chair of that term), Support and Object votes (Slack
buttons: `vote`), `/gmg theme proposals [PERIOD]`, and `/gmg theme adopt [PERIOD] [N]` (admins).

A proposal is posted to the `themes` channels as a delivery; the posts show the counts, and the bot
updates them in place after each vote (a Response's `proposals` names those to update)."""

from datetime import datetime

from sqlmodel import Session

from handlers import notices, reasons
from handlers.changes import rest_of, set_theme, title_and_description
from handlers.context import Args, Context
from handlers.periods import looks_like_period, parse_period
from handlers.post import Post
from handlers.response import Part, Response, UsageError
from messages import Channel, Code, Commas, Days, Lines, Names, Text, User, say
from storage import deliveries, groups, handover, queries
from storage.models import Group, ProposalVote, Term, ThemeProposal
from storage.schedule import Schedule, Slot, schedule_day

PROPOSE_USAGE = "/gmg theme propose [PERIOD] TITLE | DESCRIPTION"
PROPOSE_EXAMPLE = "/gmg theme propose 2012-H1 Climate and mobility | How environmental change moves people"
# Objections shown under a proposal post, newest last; the rest are counted only.
SHOWN_OBJECTIONS = 5


# The term a proposal is about


def _coming_slot(ctx: Context, tokens_after: list[str]) -> tuple[Slot, int]:
    """The term named by a PERIOD first among `tokens_after` (the words after the sub-command), else the
    next term; and how many words the PERIOD took (0 or 1)."""
    if tokens_after and looks_like_period(tokens_after[0]):
        span = parse_period(tokens_after[0])
        slots = ctx.schedule.slots_overlapping(span.first, span.last)
        if len(slots) != 1:
            found = say("change.terms", count=len(slots)) if slots else say("change.no_term")
            example = Code(f"/gmg theme proposals {span.label}")
            raise UsageError(say("proposal.which_term", period=span.label, found=found, example=example))
        return slots[0], 1
    coming = ctx.schedule.slots_after(ctx.today, 1)
    if not coming:
        raise UsageError(
            say("proposal.no_term", group=ctx.short_name, example=Code("/gmg term set 2030 IOM"))
        )
    return coming[0], 0


def _chairs(slot: Slot) -> Names:
    return Names(slot.chairs)


def _days(proposal: ThemeProposal) -> Days:
    return Days(proposal.first_day, proposal.last_day)


def _is_focal_point(ctx: Context, slot: Slot) -> bool:
    members = {m.code: m for m in ctx.members}
    return any(ctx.user_id in members[code].focal_points for code in slot.chairs if code in members)


# What a proposal post says


def proposal_post(session: Session, group: Group, proposal: ThemeProposal) -> Post:
    """The post in the `themes` channels, with its counts and state as they are now."""
    assert proposal.id is not None
    support, against = handover.counts(session=session, proposal_ids=[proposal.id])[proposal.id]
    term = Schedule(session=session, group=group).slot_on(proposal.first_day)
    sections: list[Text] = [
        say(
            "proposal.post",
            days=_days(proposal),
            chairs=_chairs(term) if term else say("notice.nobody"),
            title=proposal.title,
            who=User(proposal.proposed_by),
        )
    ]
    if proposal.description:
        sections.append(say("notice.quote", text=proposal.description))
    sections.append(say("proposal.counts", support=support, against=against))
    shown = [
        say("proposal.objection", who=User(v.user_id), comment=v.comment)
        for v in handover.objections(session=session, proposal_id=proposal.id)
        if v.comment
    ]
    if shown:
        sections.append(say("lines", lines=Lines(tuple(shown[-SHOWN_OBJECTIONS:]))))
    is_open = proposal.state == handover.OPEN
    return Post(tuple(sections), say(f"proposal.state_{proposal.state}"), proposal.id if is_open else None)


# Commands


def propose(ctx: Context, args: Args) -> Response:
    words = args.words[1:]  # after `propose`
    slot, took = _coming_slot(ctx, words)
    if slot.first_day <= ctx.today:
        raise UsageError(say("proposal.past_term", days=Days(slot.first_day, slot.last_day)))
    allowed = ctx.is_admin or _is_focal_point(ctx, slot)
    if not allowed:
        raise UsageError(say("proposal.refused", group=ctx.short_name, chairs=_chairs(slot)))
    title, description = title_and_description(rest_of(args.text, args.tokens, 1 + took))
    if not title:
        raise UsageError(say("proposal.usage", usage=Code(PROPOSE_USAGE), example=Code(PROPOSE_EXAMPLE)))
    # Two proposals at once get their numbers in turn.
    queries.lock_for_update(session=ctx.session, group_id=ctx.group_id)
    proposal = handover.add_proposal(
        session=ctx.session,
        group_id=ctx.group_id,
        first_day=slot.first_day,
        last_day=slot.last_day,
        title=title,
        description=description,
        user_id=ctx.user_id,
        team_id=ctx.team_id,
        now=ctx.now,
    )
    assert proposal.id is not None
    ctx.audit(None, _record(proposal))
    channels = [
        s
        for s in queries.list_subscriptions(session=ctx.session, group_id=ctx.group_id)
        if s.kind == "themes"
    ]
    post = proposal_post(ctx.session, ctx.group, proposal)
    # Keyed by the proposal: its posts are found again to be updated after each vote.
    planned = notices.event_posts("proposal", proposal.id, ctx.group, channels, ctx.now, post)
    deliveries.record_events(session=ctx.session, group_id=ctx.group_id, planned=planned)
    number = len(handover.proposals_for(session=ctx.session, group_id=ctx.group_id, first_day=slot.first_day))
    sections: list[Part] = [
        say(
            "proposal.saved_body",
            title=title,
            days=Days(slot.first_day, slot.last_day),
            chairs=_chairs(slot),
            number=number,
        )
    ]
    if channels:
        sections.append(
            say("proposal.posted_to", channels=Commas(tuple(Channel(s.channel_id) for s in channels)))
        )
    else:
        sections.append(say("proposal.no_channel", example=Code("/gmg subscribe #channel themes")))
    return Response(title=say("proposal.saved"), sections=sections, changed=True)


def _record(proposal: ThemeProposal) -> dict[str, object]:
    return {
        "proposal": proposal.id,
        "term": f"{proposal.first_day}..{proposal.last_day}",
        "title": proposal.title,
        "state": proposal.state,
    }


def _listed(ctx: Context, words: list[str]) -> tuple[Slot, list[ThemeProposal], int]:
    slot, took = _coming_slot(ctx, words)
    found = handover.proposals_for(session=ctx.session, group_id=ctx.group_id, first_day=slot.first_day)
    return slot, found, took


def list_proposals(ctx: Context, args: Args) -> Response:
    words = args.words[1:]  # after `proposals`
    slot, found, took = _listed(ctx, words)
    if len(words) > took:
        raise UsageError(
            say(
                "proposal.usage",
                usage=Code("/gmg theme proposals [PERIOD]"),
                example=Code("/gmg theme proposals 2012-H1"),
            )
        )
    days = Days(slot.first_day, slot.last_day)
    if not found:
        return Response(
            title=say("proposal.list_title", days=days),
            sections=[say("proposal.none", example=Code(PROPOSE_EXAMPLE))],
        )
    votes = handover.counts(session=ctx.session, proposal_ids=[p.id for p in found if p.id is not None])
    lines = [
        say(
            "proposal.line",
            number=i,
            title=p.title,
            who=User(p.proposed_by),
            support=votes[p.id or 0][0],
            against=votes[p.id or 0][1],
            state=say(f"proposal.line_{p.state}") if p.state != handover.OPEN else "",
        )
        for i, p in enumerate(found, start=1)
    ]
    return Response(
        title=say("proposal.list_title", days=days),
        sections=[say("lines", lines=Lines(tuple(lines)))],
        footer=say("proposal.list_footer", example=Code("/gmg theme adopt [PERIOD] [N]")),
    )


def _chosen(ctx: Context, slot: Slot, found: list[ThemeProposal], number: int | None) -> ThemeProposal:
    """Proposal N of the term, or the only open one, or the most supported one (refused on a tie)."""
    days = Days(slot.first_day, slot.last_day)
    if number is not None:
        if not 1 <= number <= len(found) or found[number - 1].state != handover.OPEN:
            raise UsageError(
                say("proposal.adopt_number", number=number, days=days, command=Code("/gmg theme proposals"))
            )
        return found[number - 1]
    open_ones = [p for p in found if p.state == handover.OPEN]
    if not open_ones:
        raise UsageError(say("proposal.adopt_none", days=days))
    votes = handover.counts(session=ctx.session, proposal_ids=[p.id for p in open_ones if p.id is not None])
    best = max(votes[p.id or 0][0] - votes[p.id or 0][1] for p in open_ones)
    leaders = [p for p in open_ones if votes[p.id or 0][0] - votes[p.id or 0][1] == best]
    if len(leaders) > 1:
        numbers = " | ".join(str(found.index(p) + 1) for p in leaders)
        span = f"{slot.first_day}..{slot.last_day}"
        raise UsageError(say("proposal.adopt_which", example=Code(f"/gmg theme adopt {span} {numbers}")))
    return leaders[0]


def _adopted_term(ctx: Context, slot: Slot) -> Term:
    """The term that takes the adopted theme: the decided one in the slot's place (its days may have
    been decided since the proposal), else the projected one, decided as projected. A projected term
    with projected terms before it is refused: deciding it alone would leave those without a chair."""
    decided = list(
        queries.terms_overlapping(
            session=ctx.session, group_id=ctx.group_id, first=slot.first_day, last=slot.last_day
        )
    )
    if len(decided) == 1:
        return decided[0]
    days = Days(slot.first_day, slot.last_day)
    if decided:
        found = say("change.terms", count=len(decided))
        raise UsageError(
            say("proposal.which_term", period=str(slot.first_day), found=found, example=Code("/gmg schedule"))
        )
    current = ctx.schedule.slot_on(ctx.today)
    before = [s for s in ctx.schedule.slots_after(ctx.today, 12) if s.first_day < slot.first_day]
    if any(s.projected for s in ([current] if current else []) + before):
        span = f"{slot.first_day}..{slot.last_day}"
        raise UsageError(
            say("proposal.adopt_projected", days=days, example=Code(f"/gmg term set {span} {slot.chairs[0]}"))
        )
    return Term(
        group_id=ctx.group_id, first_day=slot.first_day, last_day=slot.last_day, chairs=list(slot.chairs)
    )


def adopt(ctx: Context, args: Args) -> Response:
    words = args.words[1:]  # after `adopt`
    queries.lock_for_update(session=ctx.session, group_id=ctx.group_id)
    slot, found, took = _listed(ctx, words)
    rest = words[took:]
    if len(rest) > 1 or (rest and not rest[0].isdecimal()):
        raise UsageError(
            say(
                "proposal.usage",
                usage=Code("/gmg theme adopt [PERIOD] [N]"),
                example=Code("/gmg theme adopt 2012-H1 2"),
            )
        )
    chosen = _chosen(ctx, slot, found, int(rest[0]) if rest else None)
    set_theme(ctx, _adopted_term(ctx, slot), chosen.title, chosen.description)
    for proposal in found:
        if proposal.state == handover.OPEN:
            before = _record(proposal)
            # Its posts not yet out would show a vote that is over.
            deliveries.skip_unsent_posts(
                session=ctx.session,
                group_id=ctx.group_id,
                kind="proposal",
                event_id=proposal.id or 0,
                reason=reasons.PROPOSAL_DECIDED,
                now=ctx.now,
            )
            handover.set_state(
                session=ctx.session,
                proposal=proposal,
                state=handover.ADOPTED if proposal is chosen else handover.CLOSED,
            )
            ctx.audit(before, _record(proposal))
    body = say(
        "proposal.adopted_body",
        title=chosen.title,
        days=Days(slot.first_day, slot.last_day),
        chairs=_chairs(slot),
    )
    return Response(
        title=say("proposal.adopted"),
        sections=[body],
        changed=True,
        proposals=tuple(p.id for p in found if p.id is not None),
    )


# Votes (Slack buttons)


def vote(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    proposal_id: int,
    support: bool,
    comment: str,
    now: datetime,
) -> Response:
    """A Support or Object from a person of a workspace that sees the proposal's group; one vote per
    person, changeable. The caller commits a change."""
    proposal = handover.get_proposal(session=session, proposal_id=proposal_id)
    group = session.get(Group, proposal.group_id) if proposal is not None else None
    if (
        proposal is None
        or group is None
        or group.id not in {g.id for g in groups.workspace_groups(session=session, team_id=team_id)}
    ):
        return Response(title=say("usage.failed"), sections=[say("proposal.vote_gone")], ok=False)
    # An adoption in progress decides first: the vote then finds the proposal as it left it.
    queries.lock_for_update(session=session, group_id=group.id or 0, record=proposal)
    if proposal.state != handover.OPEN or proposal.first_day <= schedule_day(group, now):
        state = say(
            f"proposal.word_{proposal.state}" if proposal.state != handover.OPEN else "proposal.word_started"
        )
        return Response(
            title=say("usage.failed"),
            sections=[say("proposal.vote_closed", title=proposal.title, state=state)],
            ok=False,
        )
    before = handover.vote(
        session=session,
        proposal=proposal,
        user_id=user_id,
        team_id=team_id,
        support=support,
        comment=comment[:500],
        now=now,
    )
    if before is not None and (before.support, before.comment) == (support, comment[:500]):
        return Response(title=say("proposal.vote_unchanged", title=proposal.title), proposals=(proposal_id,))
    queries.add_audit_entry(
        session=session,
        group_id=group.id or 0,
        team_id=team_id,
        at=now,
        user_id=user_id,
        action=f"theme vote {'support' if support else 'object'} #{proposal_id}",
        before=_vote_record(before),
        after={"proposal": proposal_id, "support": support, "comment": comment[:500]},
    )
    # Its posts not sent yet go out with the counts as they now are.
    deliveries.refresh_unsent_posts(
        session=session,
        group_id=group.id or 0,
        kind="proposal",
        event_id=proposal_id,
        params=proposal_post(session, group, proposal).stored()[1],
    )
    title = "proposal.voted_for" if support else "proposal.voted_against"
    return Response(title=say(title, title=proposal.title), changed=True, proposals=(proposal_id,))


def _vote_record(vote: ProposalVote | None) -> dict[str, object] | None:
    return (
        None
        if vote is None
        else {"proposal": vote.proposal_id, "support": vote.support, "comment": vote.comment}
    )
