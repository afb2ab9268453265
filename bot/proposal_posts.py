"""Theme proposal posts kept up to date in place (`chat.update`) after a vote or an adoption: each
post that went out shows the counts and state as they now are, in its channel's language, edited
with its workspace's token.

Best effort: a post that cannot be edited now (Slack down, the workspace paused) shows the counts of
an earlier vote until the next one; the votes themselves are in the database either way."""

import logging
from collections.abc import Iterable

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlmodel import Session

from bot.posts import post_payload
from bot.service import Services
from bot.slack_client import error_code
from bot.workspace_clients import NotInstalled
from handlers.post import channel_language
from handlers.proposals import proposal_post
from storage import deliveries, handover, queries
from storage.models import Group

log = logging.getLogger("gmg.proposals")


def update_posts(services: Services, proposal_ids: Iterable[int]) -> None:
    for proposal_id in dict.fromkeys(proposal_ids):
        with Session(services.engine) as session:
            proposal = handover.get_proposal(session=session, proposal_id=proposal_id)
            group = session.get(Group, proposal.group_id) if proposal is not None else None
            if proposal is None or group is None:
                continue
            params = proposal_post(session, group, proposal).stored()[1]
            posts = deliveries.sent_posts(
                session=session, group_id=group.id or 0, kind="proposal", event_id=proposal_id
            )
            # In each channel's language as it now is (the group's may have changed since the post).
            subscriptions = queries.list_subscriptions(session=session, group_id=group.id or 0)
            edits = [
                (p.team_id, p.target, p.ts, channel_language(group, p.target, subscriptions)) for p in posts
            ]
        for team_id, channel, ts, language in edits:
            text, blocks = post_payload(params, language)
            try:
                services.clients.for_team(team_id).chat_update(
                    channel=channel, ts=ts, text=text, blocks=blocks
                )
            except SlackApiError as exc:
                log.warning("proposal=%s channel=%s not updated: %s", proposal_id, channel, error_code(exc))
            except (SlackClientError, OSError, ValueError, NotInstalled) as exc:
                log.warning(
                    "proposal=%s channel=%s not updated: %s", proposal_id, channel, type(exc).__name__
                )
