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
        self._cache: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def is_admin(self, user_id: str) -> bool:
        """GMG_ADMINS, or a Slack admin or owner per `users.info`; Slack failing means no."""
        if user_id in self.operators:
            return True
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(user_id)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, error_code(exc))
            return False
        except SlackClientError as exc:
            log.warning("users.info failed for %s: %s", user_id, type(exc).__name__)
            return False
        answer = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        with self._lock:
            self._cache[user_id] = (now, answer)
        return answer
