"""The Web API client for each workspace: every call is made with the token of the workspace it is
for. With SLACK_BOT_TOKEN (one workspace) that is the one token; with OAuth it is the bot token the
workspace's install gave, from slack-sdk's installation store on the bot's database."""

import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient

# How long a workspace's token is used before the store is read again: a reinstall (a new token)
# is seen within this, and an uninstall at once in this process (`forget`).
TOKEN_SECONDS = 60.0


class NotInstalled(LookupError):
    """The app is not installed in the workspace (never, or uninstalled): nothing can be sent there."""


class WorkspaceClients:
    def __init__(
        self,
        *,
        make: Callable[[str], WebClient],
        token: str = "",
        token_of: Callable[[str], str | None] | None = None,
    ) -> None:
        """`make` builds a client for a token; `token` is the one token, else `token_of` reads a
        workspace's from its install (None: not installed)."""
        self._make = make
        self._token_of = token_of
        self._single = make(token) if token_of is None else None
        self._tokens: dict[str, tuple[float, WebClient]] = {}
        self._lock = threading.Lock()

    @classmethod
    def single(cls, client: WebClient) -> "WorkspaceClients":
        """One client, with one token, for every workspace."""
        return cls(make=lambda _token: client)

    def for_team(self, team_id: str) -> WebClient:
        """The client of workspace `team_id`; NotInstalled when it has no install."""
        if self._single is not None:
            return self._single
        with self._lock:
            cached = self._tokens.get(team_id)
        if cached is not None and time.monotonic() - cached[0] < TOKEN_SECONDS:
            return cached[1]
        assert self._token_of is not None
        token = self._token_of(team_id)
        if not token:
            raise NotInstalled(team_id)
        client = cached[1] if cached is not None and cached[1].token == token else self._make(token)
        with self._lock:
            self._tokens[team_id] = (time.monotonic(), client)
        return client

    def forget(self, team_id: str) -> None:
        """Reads the workspace's token from the store again next time (it was refused, or replaced)."""
        with self._lock:
            self._tokens.pop(team_id, None)
