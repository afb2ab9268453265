"""What Slack says about a person: whether they are a workspace admin or owner, and the language their
Slack is set to. One `users.info` call answers both, cached for a few minutes and then asked again in
the background while the cached answer serves; a lookup in flight is shared by whoever needs it.

An answer waits for the person's language only briefly (LANGUAGE_WAIT): when Slack is slow, it goes
out in English and the lookup, left to finish, serves the person's next answers."""

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack_client import error_code
from bot.workspace_clients import NotInstalled, WorkspaceClients
from messages.languages import DEFAULT, of_locale

CACHE_SECONDS = 300
# Past CACHE_SECONDS, the language Slack last said still serves while it is asked again, up to this
# age: an answer never waits for Slack about a reader it knows. (Whether someone is an admin does not.)
STALE_SECONDS = 3600
# Slack's word that there is no such person to ask about: no admin, and English. Any other error
# (an outage Slack reports with a 200, a proxy's page) says nothing, and is asked again next time.
NO_SUCH_USER = frozenset({"user_not_found", "user_not_visible", "account_inactive"})
# How long an answer waits for its reader's language; Slack usually says in a fraction of that.
LANGUAGE_WAIT = 1.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackUser:
    is_admin: bool
    language: str


class SlackUsers:
    def __init__(self, *, clients: WorkspaceClients, operators: frozenset[str]) -> None:
        self.clients = clients
        self.operators = operators
        # (workspace, user): an admin of one workspace is not one of another's.
        self._cache: dict[tuple[str, str], tuple[float, SlackUser]] = {}
        self._asking: dict[tuple[str, str], Future[SlackUser | None]] = {}
        self._lock = threading.Lock()
        self._lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="users-info")

    def is_admin(self, team_id: str, user_id: str) -> bool | None:
        """GMG_ADMINS, or an admin or owner of workspace `team_id` per `users.info`; None when Slack
        fails or is slow to say (asked again next time). Never from an answer past CACHE_SECONDS: a
        demoted admin is one no more within that."""
        if user_id in self.operators:
            return True
        # The client's own timeout bounds the wait.
        user = self._user(team_id, user_id, wait=None, stale=False)
        return user.is_admin if user else None

    def language(self, team_id: str, user_id: str, *, wait: float | None = LANGUAGE_WAIT) -> str:
        """The language of the user's Slack (its locale); English when Slack does not say, or not
        within `wait` seconds."""
        user = self._user(team_id, user_id, wait=wait, stale=True)
        return user.language if user else DEFAULT

    def known_language(self, team_id: str, user_id: str) -> str:
        """The user's language if ever known, without asking Slack (for a quick failure notice)."""
        with self._lock:
            cached = self._cache.get((team_id, user_id))
        return cached[1].language if cached else DEFAULT

    def cached_language(self, team_id: str, user_id: str) -> str | None:
        """The user's language if known (and asked again in the background when it is due), without
        waiting for Slack; None when not known yet."""
        user = self._user(team_id, user_id, wait=0, stale=True)
        return user.language if user else None

    def _user(self, team_id: str, user_id: str, *, wait: float | None, stale: bool) -> SlackUser | None:
        """The user as Slack describes them: from the cache, or from the lookup in flight; None when
        Slack has not said within `wait` seconds. Once CACHE_SECONDS old, a cached answer is asked
        again; meanwhile it still serves, if `stale` allows, up to STALE_SECONDS."""
        key = (team_id, user_id)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and now - cached[0] < CACHE_SECONDS:
                return cached[1]
            asking = self._asking.get(key)
            if asking is None:
                asking = self._asking[key] = self._lookups.submit(self._ask, key)
        if stale and cached is not None and now - cached[0] < STALE_SECONDS:
            return cached[1]
        try:
            return asking.result(timeout=wait)
        except FutureTimeout:
            if wait:
                log.info("users.info for %s: no answer within %.1f s; asked again later", user_id, wait)
            return None

    def _ask(self, key: tuple[str, str]) -> SlackUser | None:
        try:
            return self._lookup(key)
        finally:
            with self._lock:
                self._asking.pop(key, None)

    def _lookup(self, key: tuple[str, str]) -> SlackUser | None:
        team_id, user_id = key
        now = time.monotonic()
        try:
            # The user's own workspace's token: another workspace's does not know them.
            user = self.clients.for_team(team_id).users_info(user=user_id, include_locale=True).get("user")
        except NotInstalled:
            log.warning("users.info for %s: the app is not installed in %s", user_id, team_id)
            return None
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, error_code(exc))
            if error_code(exc) not in NO_SUCH_USER:
                return None
            found = SlackUser(is_admin=False, language=DEFAULT)
        except (SlackClientError, OSError, ValueError, TypeError, KeyError) as exc:
            # The network, or an answer not JSON.
            log.warning("users.info failed for %s: %s", user_id, type(exc).__name__)
            return None
        else:
            if not isinstance(user, dict):  # an answer not shaped as Slack's says nothing
                log.warning("users.info for %s: no user in the answer", user_id)
                return None
            found = SlackUser(
                is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
                language=of_locale(user.get("locale") if isinstance(user.get("locale"), str) else None),
            )
        with self._lock:
            self._cache[key] = (now, found)
        return found
