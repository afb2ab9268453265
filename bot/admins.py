"""Who is an admin by Slack's word: workspace admins and owners, cached for a few minutes."""

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack_client import error_code

CACHE_SECONDS = 300
log = logging.getLogger(__name__)


class WorkspaceAdmins:
    def __init__(self, *, client: WebClient, operators: frozenset[str]) -> None:
        self.client = client
        self.operators = operators
        # (workspace, user): an admin of one workspace is not one of another's.
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def is_admin(self, team_id: str, user_id: str) -> bool | None:
        """GMG_ADMINS, or an admin or owner of workspace `team_id` per `users.info`; None when Slack
        fails or is slow to say (asked again next time)."""
        if user_id in self.operators:
            return True
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get((team_id, user_id))
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, error_code(exc))
            # Slack's word on the user (not found, say) is a no; an outage or a limit says nothing.
            status = exc.response.status_code
            return None if status == 429 or status >= 500 else False
        except (SlackClientError, OSError, ValueError) as exc:  # the network, or an answer not JSON
            log.warning("users.info failed for %s: %s", user_id, type(exc).__name__)
            return None
        answer = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        with self._lock:
            self._cache[(team_id, user_id)] = (now, answer)
        return answer
