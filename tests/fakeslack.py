"""A fake Slack for tests: Web API, OAuth installs, response_url, Socket Mode, signed-request helpers.

Everything runs on one loopback HTTP server (stdlib only). The Web API lives under ``/api/``,
``response_url`` posts under ``/commands/``, and the Socket Mode WebSocket at ``/link`` (the URL that
``apps.connections.open`` returns; slack-sdk's builtin client skips TLS when the port is not 443).

    with FakeSlack() as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.base_url)

Several workspaces: ``bot_token`` is workspace ``TEAM_ID``'s; ``install_code(team)`` gives a one-time OAuth
code that ``oauth.v2.access`` exchanges for that workspace's bot token, and every Web API call is answered
as the workspace of its token (``Call.team`` names it).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import io
import json
import math
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

TEAM_ID = "T1"
APP_ID = "A1"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
DEFAULT_SCOPES = "chat:write,commands,users:read,channels:read,channels:join,channels:manage,im:write"

_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_OP_TEXT, _OP_CLOSE, _OP_PING, _OP_PONG = 0x1, 0x8, 0x9, 0xA
# Slack's servers ping Socket Mode clients too; frequent pings also wake slack-sdk's builtin client,
# whose close() otherwise waits for its 3 s socket read timeout.
_WS_PING_INTERVAL = 0.1
# Methods that need the bot to be a member of the channel (see set_not_in_channel).
_MEMBER_ONLY = {"chat.postMessage", "chat.postEphemeral", "conversations.setTopic"}
# Methods called without a bot token: with the app-level token, or with the client id and secret.
_APP_LEVEL = {"apps.connections.open", "oauth.v2.access"}


def bot_user_id_of(team_id: str) -> str:
    """The app's bot user in a workspace: ``UBOT`` in ``TEAM_ID``, ``UBOT_<team>`` elsewhere."""
    return BOT_USER_ID if team_id == TEAM_ID else f"{BOT_USER_ID}_{team_id}"


def bot_id_of(team_id: str) -> str:
    """The app's bot id in a workspace: ``BBOT`` in ``TEAM_ID``, ``BBOT_<team>`` elsewhere."""
    return BOT_ID if team_id == TEAM_ID else f"{BOT_ID}_{team_id}"


@dataclass(frozen=True)
class Call:
    """One request the fake received. ``at`` is ``time.monotonic()`` at arrival; header keys are lowercase."""

    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    team: str = ""  # the workspace of the bot token that made the call; "" for none or an unknown one
    path: str = ""  # a response_url post's path, which names the command it answers


@dataclass(frozen=True)
class _Failure:
    status: int
    error: str
    retry_after: int
    needed: str = ""  # the scope a missing_scope answer names


@dataclass
class _Workspace:
    team_id: str
    name: str
    enterprise_id: str | None
    scopes: str
    token: str | None = None  # the current bot token; None until installed
    error: str | None = None  # what the current token answers while revoked
    users: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        slug = "".join(c if c.isalnum() else "-" for c in self.name.lower()).strip("-")
        return f"https://{slug or self.team_id.lower()}.slack.com/"


@dataclass(frozen=True)
class _Grant:
    """What an OAuth code stands for until oauth.v2.access exchanges it."""

    team_id: str
    user_id: str
    scopes: str


class _Server(ThreadingHTTPServer):
    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class FakeSlack:
    """Fake Slack Web API + Socket Mode server on 127.0.0.1; use as a context manager."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        rate_limit_per_channel: float | None = None,
        rate_limit_burst: int = 1,
        scopes: str = DEFAULT_SCOPES,
        client_id: str = "111.222",
        client_secret: str = "fake-client-secret",
    ) -> None:
        self.app_token = app_token
        self.client_id = client_id
        self.client_secret = client_secret
        self._app_scopes = scopes  # what an install grants unless install_code says otherwise
        self._rate = rate_limit_per_channel
        self._burst = rate_limit_burst
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        home = _Workspace(TEAM_ID, "GMG Test", None, scopes, token=bot_token)
        self._workspaces: dict[str, _Workspace] = {TEAM_ID: home}
        self._tokens: dict[str, str] = {bot_token: TEAM_ID}  # every bot token ever issued -> its team
        self._retired: dict[str, str] = {}  # tokens replaced after a revoke -> the error they answer
        self._codes: dict[str, _Grant] = {}
        self._users = home.users  # TEAM_ID's users (some tests reach in here)
        self._fail_next: dict[str, deque[_Failure]] = {}
        self._fail_channel: dict[str, str] = {}
        self._html_next: dict[str, deque[int]] = {}
        self._hangs: dict[tuple[str, str], float] = {}  # (method, channel or "") -> seconds
        self._not_in: set[str] = set()
        self._topics: dict[str, str] = {}
        self._messages: set[tuple[str, str]] = set()
        self._posted: list[tuple[str, str, str]] = []  # (team, channel, text) of each message that went out
        # (team, channel) -> (tokens, last refill)
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._ts = 1_700_000_000_000_000  # microseconds
        self._ws: socket.socket | None = None
        self._ws_send_lock = threading.Lock()
        self._acks: dict[str, dict[str, Any]] = {}
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._cond:
            ws = self._ws
        if ws is not None:  # unblocks the WebSocket reader thread
            with contextlib.suppress(OSError):
                ws.shutdown(socket.SHUT_RDWR)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """For ``WebClient(base_url=...)``; ends with a slash."""
        return f"{self.url}/api/"

    @property
    def response_url(self) -> str:
        return f"{self.url}/commands/{TEAM_ID}/1/abc"

    @property
    def bot_token(self) -> str:
        """Workspace ``TEAM_ID``'s current bot token."""
        return self.token_of(TEAM_ID)

    @bot_token.setter
    def bot_token(self, token: str) -> None:
        with self._cond:
            home = self._workspaces[TEAM_ID]
            self._tokens.pop(home.token or "", None)
            home.token = token
            self._tokens[token] = TEAM_ID

    @property
    def scopes(self) -> str:
        """The scopes of workspace ``TEAM_ID``'s token (``x-oauth-scopes``, ``provided``)."""
        with self._cond:
            return self._workspaces[TEAM_ID].scopes

    @scopes.setter
    def scopes(self, scopes: str) -> None:
        with self._cond:
            self._workspaces[TEAM_ID].scopes = scopes

    # -- workspaces and installs -----------------------------------------------------------------

    def add_workspace(
        self, team_id: str, *, name: str | None = None, enterprise_id: str | None = None
    ) -> None:
        """Register a workspace (not installed: no token yet); renames an existing one if ``name``."""
        with self._cond:
            ws = self._workspaces.get(team_id)
            if ws is None:
                self._workspaces[team_id] = _Workspace(
                    team_id, name or f"Workspace {team_id}", enterprise_id, self._app_scopes
                )
                return
            ws.name = name or ws.name
            ws.enterprise_id = enterprise_id or ws.enterprise_id

    def install_code(self, team_id: str, *, user_id: str = "UINSTALL", scopes: str | None = None) -> str:
        """A fresh one-time OAuth ``code`` (as Slack puts on the redirect URL) for ``user_id`` installing
        the app in ``team_id`` (registered if needed) with ``scopes`` (default: the fake's ``scopes``)."""
        self.add_workspace(team_id)
        code = f"{time.time_ns()}.{uuid.uuid4().int % 10**13}.{uuid.uuid4().hex}"
        with self._cond:
            self._codes[code] = _Grant(team_id, user_id, scopes or self._app_scopes)
        return code

    def token_of(self, team_id: str) -> str:
        """The workspace's current bot token; KeyError if it was never installed."""
        with self._cond:
            token = self._workspaces[team_id].token
        if token is None:
            raise KeyError(team_id)
        return token

    def revoke_workspace(self, team_id: str, error: str = "token_revoked") -> None:
        """Every Web API call with the workspace's current token answers ``error``, auth.test too, until
        restore_workspace(); an install meanwhile issues a new token (the old one stays refused)."""
        with self._cond:
            self._workspaces[team_id].error = error

    def restore_workspace(self, team_id: str) -> None:
        with self._cond:
            self._workspaces[team_id].error = None

    # -- configuration ---------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        tz: str = "Europe/Zurich",
        name: str | None = None,
        locale: str = "en-US",
        team_id: str = TEAM_ID,
    ) -> None:
        """A person in workspace ``team_id`` (registered if needed), for users.info there."""
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        name = name or user_id.lower()
        user = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "real_name": name.title(),
            "deleted": False,
            "tz": tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_admin": is_admin or is_owner,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_bot": False,
            "profile": {"real_name": name.title(), "display_name": name},
            "locale": locale,
        }
        self.add_workspace(team_id)
        with self._cond:
            self._workspaces[team_id].users[user_id] = user

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int = 1,
        times: int = 1,
        needed: str = "",
    ) -> None:
        """Fail the next ``times`` calls to ``method``: 429 (with Retry-After), 5xx, or 200 ok:false.

        ``needed`` (with ``error="missing_scope"``) is the scope Slack names, with ``provided``."""
        if error is None:
            error = "ratelimited" if status == 429 else "internal_error"
        with self._cond:
            queue = self._fail_next.setdefault(method, deque())
            queue.extend([_Failure(status, error, retry_after, needed)] * times)

    def answer_html_next(self, method: str, *, status: int = 200, times: int = 1) -> None:
        """The next ``times`` calls to ``method`` get an HTML error page (as a proxy or an outage
        answers), with ``status``, even 200."""
        with self._cond:
            self._html_next.setdefault(method, deque()).extend([status] * times)

    def hang(self, method: str, seconds: float, *, channel: str = "") -> None:
        """Calls to ``method`` (naming ``channel``, if given) wait ``seconds`` before they are answered,
        until clear_failures()."""
        with self._cond:
            self._hangs[(method, channel)] = seconds

    def revoke_token(self, error: str = "token_revoked") -> None:
        """Every Web API call with the bot token answers ``error`` (``account_inactive``,
        ``invalid_auth``...), auth.test too, until restore_token(). (revoke_workspace(TEAM_ID, error))"""
        self.revoke_workspace(TEAM_ID, error)

    def restore_token(self) -> None:
        self.restore_workspace(TEAM_ID)

    def fail_channel(self, channel_id: str, error: str = "channel_not_found") -> None:
        """Every call naming ``channel`` answers ``error`` until clear_failures()."""
        with self._cond:
            self._fail_channel[channel_id] = error

    def set_not_in_channel(self, channel_id: str) -> None:
        """Posting there answers not_in_channel until conversations.join succeeds for it."""
        with self._cond:
            self._not_in.add(channel_id)

    def clear_failures(self) -> None:
        with self._cond:
            self._fail_next.clear()
            self._fail_channel.clear()
            self._html_next.clear()
            self._hangs.clear()

    # -- recorded calls --------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if c.method == method]

    @property
    def messages(self) -> list[tuple[str, str]]:
        """(channel, text) of each message chat.postMessage accepted, in order; refused calls are not
        messages (a DM shows under the user's id)."""
        with self._cond:
            return [(channel, text) for _, channel, text in self._posted]

    def posts_by_team(self) -> list[tuple[str, str, str]]:
        """(team, channel, text) of each message chat.postMessage accepted, in order; the team is the
        workspace of the token that posted it."""
        with self._cond:
            return list(self._posted)

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` was called ``count`` times; return those calls (raise TimeoutError)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.calls_to(method)) >= count, timeout):
                seen = [c.method for c in self._calls]
                raise TimeoutError(
                    f"{method} called {len(self.calls_to(method))}/{count} times; calls: {seen}"
                )
            return self.calls_to(method)

    def wait_for_response(self, path: str, timeout: float = 5.0) -> dict[str, Any]:
        """The body of the first post to the response_url whose path is ``path`` (raise TimeoutError)."""
        with self._cond:
            if not self._cond.wait_for(lambda: any(c.path == path for c in self._calls), timeout):
                raise TimeoutError(f"nothing was posted to the response_url {path}")
            return next(c.body for c in self._calls if c.path == path)

    def reset(self) -> None:
        """Forget recorded calls and Socket Mode acks (configuration and failures stay)."""
        with self._cond:
            self._calls.clear()
            self._acks.clear()

    # -- Socket Mode -----------------------------------------------------------------------------

    def socket_wait_connected(self, timeout: float = 5.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._ws is not None, timeout):
                raise TimeoutError("no Socket Mode client connected")

    def socket_wait_disconnected(self, timeout: float = 5.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._ws is None, timeout):
                raise TimeoutError("the Socket Mode client is still connected")

    def socket_send(self, envelope_type: str, payload: dict[str, Any]) -> str:
        """Send an envelope (slash_commands, interactive, events_api) to the client; return envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "accepts_response_payload": envelope_type != "events_api",
            "payload": payload,
        }
        if envelope_type == "events_api":
            envelope |= {"retry_attempt": 0, "retry_reason": ""}
        with self._cond:
            ws = self._ws
        if ws is None:
            raise RuntimeError("no Socket Mode client connected")
        self._ws_send(ws, _OP_TEXT, json.dumps(envelope).encode())
        return envelope_id

    def socket_wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """The client's ack, ``{"envelope_id": ..., "payload"?: ...}``."""
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(f"no ack for envelope {envelope_id}")
            return self._acks[envelope_id]

    def _ws_send(self, ws: socket.socket, opcode: int, data: bytes) -> None:
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        with self._ws_send_lock:
            ws.sendall(header + data)

    def _ws_serve(self, ws: socket.socket, rfile: io.BufferedIOBase) -> None:
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "fakeslack", "build_number": 1, "approximate_connection_time": 3600},
            "connection_info": {"app_id": APP_ID},
        }
        self._ws_send(ws, _OP_TEXT, json.dumps(hello).encode())
        with self._cond:
            self._ws = ws
            self._cond.notify_all()
        stop = threading.Event()
        threading.Thread(target=self._ws_keepalive, args=(ws, stop), daemon=True).start()
        try:
            while (frame := _read_frame(rfile)) is not None:
                opcode, data = frame
                if opcode == _OP_PING:
                    self._ws_send(ws, _OP_PONG, data)
                elif opcode == _OP_TEXT:
                    message = json.loads(data)
                    with self._cond:
                        self._acks[message["envelope_id"]] = message
                        self._cond.notify_all()
                elif opcode == _OP_CLOSE:
                    self._ws_send(ws, _OP_CLOSE, data or struct.pack("!H", 1000))
                    break
        except OSError:
            pass
        finally:
            stop.set()
            with self._cond:
                if self._ws is ws:
                    self._ws = None

    def _ws_keepalive(self, ws: socket.socket, stop: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while not stop.wait(_WS_PING_INTERVAL):
                # a non-empty payload: the builtin client stalls on frames of only 2 bytes
                self._ws_send(ws, _OP_PING, b"fakeslack")

    # -- Web API ---------------------------------------------------------------------------------

    def _record(
        self, method: str, body: dict[str, Any], headers: dict[str, str], team: str = "", path: str = ""
    ) -> None:
        with self._cond:
            self._calls.append(Call(method, body, headers, time.monotonic(), team, path))
            self._cond.notify_all()

    def _team_of(self, token: str) -> str:
        """The workspace of a bot token (current or replaced); "" for any other token."""
        with self._cond:
            return self._tokens.get(token, "")

    def _api(
        self, method: str, body: dict[str, Any], token: str
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Answer one Web API call: (HTTP status, JSON body, extra headers).

        A bot token's call is answered as its workspace; app-level calls (apps.connections.open with the
        app token, oauth.v2.access with the client id and secret) as workspace TEAM_ID's."""
        handler = _METHODS.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        if not token and method != "oauth.v2.access":
            return 200, {"ok": False, "error": "not_authed"}, {}
        team = self._team_of(token)
        refused = ""
        if method == "apps.connections.open" and token != self.app_token:
            refused = "not_allowed_token_type" if team else "invalid_auth"
        elif method not in _APP_LEVEL and not team:
            refused = "not_allowed_token_type" if token == self.app_token else "invalid_auth"
        if refused:
            return 200, {"ok": False, "error": refused}, {}
        channel = str(body.get("channel", ""))
        with self._cond:
            hang = self._hangs.get((method, channel), self._hangs.get((method, ""), 0.0))
        time.sleep(hang)
        with self._cond:
            ws = self._workspaces[team or TEAM_ID]
            if method not in _APP_LEVEL and (error := self._retired.get(token) or ws.error):
                return 200, {"ok": False, "error": error}, {}
            queue = self._fail_next.get(method)
            if queue:
                failure = queue.popleft()
                headers = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else {}
                scope = {"needed": failure.needed, "provided": ws.scopes} if failure.needed else {}
                return failure.status, {"ok": False, "error": failure.error, **scope}, headers
            if channel in self._fail_channel:
                return 200, {"ok": False, "error": self._fail_channel[channel]}, {}
            if method in _MEMBER_ONLY and channel in self._not_in:
                return 200, {"ok": False, "error": "not_in_channel"}, {}
            if method == "chat.postMessage" and (retry_after := self._take_token(ws.team_id, channel)):
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
            answer = handler(self, body, ws)
            headers = {"x-oauth-scopes": ws.scopes} if method == "auth.test" else {}
        return 200, {"ok": "error" not in answer, **answer}, headers

    def _take_html(self, method: str) -> int | None:
        """The status of an HTML page to answer instead of the method's JSON, if one is queued."""
        with self._cond:
            queue = self._html_next.get(method)
            return queue.popleft() if queue else None

    def _take_token(self, team: str, channel: str) -> int:
        """Token bucket per channel of a workspace (caller holds the lock); 0 if allowed, else seconds
        to wait."""
        if self._rate is None:
            return 0
        now = time.monotonic()
        tokens, last = self._buckets.get((team, channel), (float(self._burst), now))
        tokens = min(float(self._burst), tokens + (now - last) * self._rate)
        if tokens < 1:
            self._buckets[(team, channel)] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self._rate))
        self._buckets[(team, channel)] = (tokens - 1, now)
        return 0

    def _next_ts(self) -> str:
        self._ts += 100
        return f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    # Method implementations: called with the lock held and the workspace of the call's token;
    # return the answer without "ok", or {"error": code}.

    def _auth_test(self, body: dict[str, Any], ws: _Workspace) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "url": ws.url,
            "team": ws.name,
            "user": "gmg-bot",
            "team_id": ws.team_id,
            "user_id": bot_user_id_of(ws.team_id),
            "bot_id": bot_id_of(ws.team_id),
            "is_enterprise_install": False,
        }
        if ws.enterprise_id:
            answer["enterprise_id"] = ws.enterprise_id
        return answer

    def _oauth_v2_access(self, body: dict[str, Any], ws: _Workspace) -> dict[str, Any]:
        """Exchange a code from install_code() for the workspace's bot token (see _Handler for how the
        client id and secret arrive)."""
        if body.get("client_id") != self.client_id:
            return {"error": "invalid_client_id"}
        if body.get("client_secret") != self.client_secret:
            return {"error": "bad_client_secret"}
        grant = self._codes.pop(str(body.get("code", "")), None)
        if grant is None:
            return {"error": "invalid_code"}
        target = self._workspaces[grant.team_id]
        if target.token is None or target.error is not None:  # first install, or reinstall after a revoke
            if target.token is not None and target.error is not None:
                self._retired[target.token] = target.error
            target.token = f"xoxb-{target.team_id}-{uuid.uuid4().hex[:24]}"
            target.error = None
            self._tokens[target.token] = target.team_id
        target.scopes = grant.scopes
        return {
            "app_id": APP_ID,
            "authed_user": {"id": grant.user_id},
            "scope": grant.scopes,
            "token_type": "bot",
            "access_token": target.token,
            "bot_user_id": bot_user_id_of(target.team_id),
            "team": {"id": target.team_id, "name": target.name},
            "enterprise": _enterprise(target.enterprise_id),
            "is_enterprise_install": False,
        }

    def _users_info(self, body: dict[str, Any], ws: _Workspace) -> dict[str, Any]:
        # Only the token's workspace: Slack Connect (people of other workspaces in shared channels) is
        # out of this fake's scope.
        user = ws.users.get(str(body.get("user")))
        if not user:
            return {"error": "user_not_found"}
        # Slack says a user's locale only when asked with include_locale.
        if str(body.get("include_locale", "")).lower() not in ("1", "true"):
            user = {k: v for k, v in user.items() if k != "locale"}
        return {"user": user}

    def _post_message(self, body: dict[str, Any], ws: _Workspace) -> dict[str, Any]:
        channel = str(body.get("channel") or "")
        if not channel:
            return {"error": "channel_not_found"}
        if not (body.get("text") or body.get("blocks") or body.get("attachments")):
            return {"error": "no_text"}
        if _blocks_invalid(body.get("blocks"), 50):
            return {"error": "invalid_blocks"}
        if channel[0] in "UW":  # posting to a user id opens/uses the DM with the app
            channel = "D" + channel[1:]
        ts = self._next_ts()
        self._messages.add((channel, ts))
        self._posted.append((ws.team_id, str(body.get("channel")), str(body.get("text", ""))))
        return {"channel": channel, "ts": ts, "message": _message(body, ts, ws.team_id)}

    def _post_ephemeral(self, body: dict[str, Any], ws: _Workspace) -> dict[str, Any]:
        if not body.get("channel") or not body.get("user"):
            return {"error": "user_not_found" if body.get("channel") else "channel_not_found"}
        if _blocks_invalid(body.get("blocks"), 50):
            return {"error": "invalid_blocks"}
        return {"message_ts": self._next_ts()}

    def _update(self, body: dict[str, Any], ws: _Workspace) -> dict[str, Any]:
        channel, ts = str(body.get("channel")), str(body.get("ts"))
        if (channel, ts) not in self._messages:
            return {"error": "message_not_found"}
        if _blocks_invalid(body.get("blocks"), 50):
            return {"error": "invalid_blocks"}
        message = _message(body, ts, ws.team_id)
        return {"channel": channel, "ts": ts, "text": body.get("text", ""), "message": message}

    def _view(self, body: dict[str, Any], needs: str, ws: _Workspace) -> dict[str, Any]:
        view = _maybe_json(body.get("view"))
        if not body.get(needs) or not isinstance(view, dict) or _blocks_invalid(view.get("blocks"), 100):
            return {"error": "invalid_arguments"}
        return {
            "view": {
                "id": f"V{uuid.uuid4().hex[:10].upper()}",
                "team_id": ws.team_id,
                "app_id": APP_ID,
                **view,
            }
        }

    def _views_publish(self, body: dict[str, Any], ws: _Workspace) -> dict[str, Any]:
        return self._view(body, "user_id", ws)

    def _views_open(self, body: dict[str, Any], ws: _Workspace) -> dict[str, Any]:
        return self._view(body, "trigger_id", ws)

    def _channel(self, channel: str, ws: _Workspace) -> dict[str, Any]:
        return {
            "id": channel,
            "name": f"channel-{channel.lower()}",
            "is_channel": channel.startswith("C"),
            "is_im": channel.startswith("D"),
            "is_member": channel not in self._not_in,
            "topic": {
                "value": self._topics.get(channel, ""),
                "creator": bot_user_id_of(ws.team_id),
                "last_set": 0,
            },
        }

    def _join(self, body: dict[str, Any], ws: _Workspace) -> dict[str, Any]:
        channel = str(body.get("channel") or "")
        if not channel.startswith("C"):
            return {"error": "method_not_supported_for_channel_type" if channel else "channel_not_found"}
        self._not_in.discard(channel)
        return {"channel": self._channel(channel, ws)}

    def _set_topic(self, body: dict[str, Any], ws: _Workspace) -> dict[str, Any]:
        channel = str(body.get("channel") or "")
        if not channel:
            return {"error": "channel_not_found"}
        self._topics[channel] = str(body.get("topic", ""))
        return {"channel": self._channel(channel, ws)}

    def _conversations_info(self, body: dict[str, Any], ws: _Workspace) -> dict[str, Any]:
        channel = str(body.get("channel") or "")
        return {"channel": self._channel(channel, ws)} if channel else {"error": "channel_not_found"}

    def _connections_open(self, body: dict[str, Any], ws: _Workspace) -> dict[str, Any]:
        return {"url": f"ws://{self.url.removeprefix('http://')}/link"}


_METHODS = {
    "auth.test": FakeSlack._auth_test,
    "users.info": FakeSlack._users_info,
    "chat.postMessage": FakeSlack._post_message,
    "chat.postEphemeral": FakeSlack._post_ephemeral,
    "chat.update": FakeSlack._update,
    "views.publish": FakeSlack._views_publish,
    "views.open": FakeSlack._views_open,
    "conversations.join": FakeSlack._join,
    "conversations.setTopic": FakeSlack._set_topic,
    "conversations.info": FakeSlack._conversations_info,
    "apps.connections.open": FakeSlack._connections_open,
    "oauth.v2.access": FakeSlack._oauth_v2_access,
}


def _enterprise(enterprise_id: str | None) -> dict[str, str] | None:
    """The ``enterprise`` of an install: None for a workspace outside an Enterprise organization."""
    return {"id": enterprise_id, "name": f"Org {enterprise_id}"} if enterprise_id else None


def _maybe_json(value: Any) -> Any:
    """Form-encoded calls carry blocks/views as JSON strings."""
    return json.loads(value) if isinstance(value, str) and value[:1] in ("[", "{") else value


def _blocks_invalid(blocks: Any, limit: int) -> bool:
    """More than ``limit`` blocks, or a section text over 3000 characters."""
    blocks = _maybe_json(blocks) or []
    return len(blocks) > limit or any(
        len(str((b.get("text") or {}).get("text", ""))) > 3000 for b in blocks if b.get("type") == "section"
    )


def _message(body: dict[str, Any], ts: str, team_id: str) -> dict[str, Any]:
    message = {
        "type": "message",
        "user": bot_user_id_of(team_id),
        "bot_id": bot_id_of(team_id),
        "text": body.get("text", ""),
        "ts": ts,
    }
    for key in ("blocks", "attachments", "thread_ts", "metadata"):
        if key in body:
            message[key] = _maybe_json(body[key])
    return message


def _basic_credentials(encoded: str) -> dict[str, str]:
    """``{"client_id", "client_secret"}`` from the base64 of ``id:secret``; {} if it is not that."""
    try:
        client_id, sep, client_secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return {}
    return {"client_id": client_id, "client_secret": client_secret} if sep else {}


def _read_frame(rfile: io.BufferedIOBase) -> tuple[int, bytes] | None:
    """Read one (unfragmented) WebSocket frame; None at end of stream."""
    head = rfile.read(2)
    if len(head) < 2:
        return None
    length = head[1] & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", rfile.read(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", rfile.read(8))
    mask = rfile.read(4) if head[1] & 0x80 else b""
    data = rfile.read(length)
    if mask:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return head[0] & 0x0F, data


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # WebSocket handshakes need it; other answers close the connection

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/link" and self.headers.get("Upgrade", "").lower() == "websocket":
            self._upgrade()
        else:
            self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _upgrade(self) -> None:
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + _WS_GUID).encode()).digest()).decode()
        self.send_response_only(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.server.fake._ws_serve(self.connection, self.rfile)
        self.close_connection = True

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/_calls":
            # For a fake run in its own process (benchmarks): what it received, with monotonic times,
            # which are comparable across processes on one machine.
            calls = [
                {"method": c.method, "body": c.body, "at": c.at, "team": c.team}
                for c in self.server.fake.calls
            ]
            data = json.dumps(calls).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        headers = {k.lower(): v for k, v in self.headers.items()}
        fake = self.server.fake
        if parts.path.startswith("/commands/"):
            try:
                payload = json.loads(raw)
            except json.JSONDecodeError:
                return self._reply(400, b"invalid_payload", "text/html", {})
            fake._record("response_url", payload, headers, path=parts.path)
            return self._reply(200, b"ok", "text/html", {})
        body: dict[str, Any] = dict(parse_qsl(parts.query, keep_blank_values=True))
        if headers.get("content-type", "").startswith("application/json"):
            body |= json.loads(raw or "{}")
        else:
            body |= dict(parse_qsl(raw, keep_blank_values=True))
        method = parts.path.removeprefix("/api/")
        auth = headers.get("authorization", "")
        token = (
            auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else str(body.get("token", ""))
        )
        fake._record(method, body, headers, fake._team_of(token))
        html_status = fake._take_html(method)
        if html_status is not None:
            page = b"<html><head><title>Slack is down</title></head><body>Try again later.</body></html>"
            return self._reply(html_status, page, "text/html; charset=utf-8", {})
        if method == "oauth.v2.access" and auth.startswith("Basic "):
            # slack-sdk sends the client id and secret as HTTP Basic auth (Slack also takes form fields).
            body = body | _basic_credentials(auth.removeprefix("Basic ").strip())
        status, answer, extra = fake._api(method, body, token)
        self._reply(status, json.dumps(answer).encode(), "application/json; charset=utf-8", extra)

    def _reply(self, status: int, data: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True


# -- helpers for sending signed requests into a Bolt HTTP endpoint ------------------------------


def sign(secret: str, timestamp: str | int, body: str) -> str:
    """Slack's request signature: ``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def slash_command_payload(
    text: str,
    *,
    user_id: str = "U1",
    team_id: str = TEAM_ID,
    channel_id: str = "C1",
    command: str = "/gmg",
    response_url: str = "http://127.0.0.1:9/commands/T1/1/abc",
    **overrides: str,
) -> dict[str, str]:
    """The fields Slack sends for a slash command (also the Socket Mode ``slash_commands`` payload).

    The default response_url points at a closed loopback port so that a forgotten override never
    reaches the real Slack; pass ``FakeSlack.response_url`` to record posts.
    """
    fields = {
        "token": "verification-token",
        "team_id": team_id,
        "team_domain": "gmg-test",
        "channel_id": channel_id,
        "channel_name": "directmessage" if channel_id.startswith("D") else "general",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{time.time_ns()}.1.{uuid.uuid4().hex}",
    }
    return fields | overrides


def slash_command_body(text: str, **fields: str) -> str:
    """Form-encoded slash command request body; same arguments as slash_command_payload."""
    return urlencode(slash_command_payload(text, **fields))


def event_body(event: dict[str, Any], team_id: str = TEAM_ID, *, enterprise_id: str | None = None) -> str:
    """JSON ``event_callback`` envelope for the Events API; the authorization is the app's bot user
    in ``team_id``."""
    return json.dumps(
        {
            "token": "verification-token",
            "team_id": team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": enterprise_id,
                    "team_id": team_id,
                    "user_id": bot_user_id_of(team_id),
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
    )


def app_uninstalled_body(team_id: str = TEAM_ID, *, enterprise_id: str | None = None) -> str:
    """The ``app_uninstalled`` event Slack sends once the app is gone from ``team_id`` (all its tokens
    revoked; a ``tokens_revoked`` event comes too, in either order)."""
    return event_body({"type": "app_uninstalled"}, team_id, enterprise_id=enterprise_id)


def tokens_revoked_body(
    team_id: str = TEAM_ID,
    *,
    bot: list[str] | None = None,
    oauth: list[str] | None = None,
    enterprise_id: str | None = None,
) -> str:
    """The ``tokens_revoked`` event: ``tokens`` lists user ids (not tokens), ``bot`` the bot users whose
    xoxb tokens went (default: the app's bot user in ``team_id``), ``oauth`` the users whose user tokens
    went (default none)."""
    tokens = {"oauth": oauth or [], "bot": [bot_user_id_of(team_id)] if bot is None else bot}
    return event_body({"type": "tokens_revoked", "tokens": tokens}, team_id, enterprise_id=enterprise_id)


def interactivity_body(payload: dict[str, Any]) -> str:
    """Form body with the ``payload`` field holding JSON (block_actions, view_submission, ...)."""
    return "payload=" + quote(json.dumps(payload))


def post_signed(
    url: str, body: str, *, secret: str, content_type: str, timestamp: int | None = None
) -> tuple[int, dict[str, str], str]:
    """POST ``body`` signed like Slack does; return (status, lowercase headers, body text)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(secret, ts, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read().decode(),
            )
    except urllib.error.HTTPError as error:
        with error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode()


def main() -> None:
    """`python -m tests.fakeslack [RATE_PER_CHANNEL]`: serve until killed; prints the base URL first."""
    import sys

    rate = float(sys.argv[1]) if len(sys.argv) > 1 else None
    with FakeSlack(rate_limit_per_channel=rate) as fake:
        print(fake.base_url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
