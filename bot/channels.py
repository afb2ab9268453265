"""Whether the bot can post in a channel, asked of Slack when a channel is subscribed or chosen."""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack_client import error_code
from handlers.context import ChannelStatus

log = logging.getLogger("gmg.channels")
# Slack's answers for a channel the bot cannot see: gone, or private without the bot in it.
_INVISIBLE = frozenset({"channel_not_found", "not_in_channel"})


class SlackChannels:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def check(self, channel_id: str) -> ChannelStatus:
        try:
            channel = self.client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as exc:
            code = error_code(exc)
            if code in _INVISIBLE:
                return ChannelStatus.NOT_FOUND
            log.warning("conversations.info for %s failed: %s", channel_id, code)
            return ChannelStatus.UNKNOWN
        except (SlackClientError, OSError) as exc:
            log.warning("conversations.info for %s failed: %s", channel_id, type(exc).__name__)
            return ChannelStatus.UNKNOWN
        if channel.get("is_archived"):
            return ChannelStatus.ARCHIVED
        if channel.get("is_member") or channel.get("is_im"):
            return ChannelStatus.POSTABLE
        if channel.get("is_private"):
            return ChannelStatus.NOT_FOUND
        return self._join(channel_id)

    def _join(self, channel_id: str) -> ChannelStatus:
        try:
            self.client.conversations_join(channel=channel_id)
        except SlackApiError as exc:
            log.warning("conversations.join for %s failed: %s", channel_id, error_code(exc))
            return ChannelStatus.CANNOT_JOIN
        except (SlackClientError, OSError) as exc:
            log.warning("conversations.join for %s failed: %s", channel_id, type(exc).__name__)
            return ChannelStatus.UNKNOWN
        return ChannelStatus.JOINED
