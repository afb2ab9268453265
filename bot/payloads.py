"""The shapes of the requests Slack sends an app: what the bot (or Bolt) reads from each must be there
before a listener runs, so that a signed but malformed request gets a 400 at once."""

import re
from collections.abc import Callable
from typing import Any

# Slack's ids (T..., U..., C...) are letters and digits; the database keeps 32 characters of one.
_SLACK_ID = re.compile(r"[A-Za-z0-9_]{1,32}")


def _is_id(value: object) -> bool:
    return isinstance(value, str) and _SLACK_ID.fullmatch(value) is not None


def _get(value: object, name: str) -> object:
    return value.get(name) if isinstance(value, dict) else None


def _command_ok(body: dict[str, Any]) -> bool:
    channel, command = body.get("channel_id"), body.get("command")
    return (
        _is_id(body.get("team_id"))
        and _is_id(body.get("user_id"))
        and isinstance(command, str)
        and command.startswith("/")
        and isinstance(body.get("text") or "", str)
        and isinstance(body.get("response_url") or "", str)
        and (not channel or _is_id(channel))
    )


def _actor_ok(body: dict[str, Any]) -> bool:
    return _is_id(_get(body.get("team"), "id")) and _is_id(_get(body.get("user"), "id"))


def _action_ok(action: object) -> bool:
    return isinstance(_get(action, "action_id"), str) and isinstance(_get(action, "value") or "", str)


def _actions_ok(body: dict[str, Any]) -> bool:
    actions, channel = body.get("actions"), body.get("channel")
    return (
        isinstance(actions, list)
        and bool(actions)
        and all(map(_action_ok, actions))
        and isinstance(body.get("trigger_id"), str)
        and (channel is None or _is_id(_get(channel, "id")))
        and _actor_ok(body)
    )


def _field_ok(state: object) -> bool:
    """What the modals read from a field: `value` (text or null), `selected_options` (values)."""
    options = _get(state, "selected_options") or []
    return (
        isinstance(state, dict)
        and isinstance(state.get("value") or "", str)
        and isinstance(options, list)
        and all(isinstance(_get(o, "value"), str) for o in options)
    )


def _view_ok(body: dict[str, Any]) -> bool:
    view = body.get("view")
    values = _get(_get(view, "state"), "values")
    return (
        isinstance(_get(view, "callback_id"), str)
        and isinstance(_get(view, "type"), str)
        and isinstance(values, dict)
        and all(isinstance(block, dict) and all(map(_field_ok, block.values())) for block in values.values())
        and _actor_ok(body)
    )


def _event_ok(body: dict[str, Any]) -> bool:
    event, event_id = body.get("event"), body.get("event_id")
    return (
        _is_id(body.get("team_id"))
        and isinstance(event_id, str)
        and 0 < len(event_id) <= 100
        and isinstance(_get(event, "type"), str)
        and (_get(event, "type") != "app_home_opened" or _is_id(_get(event, "user")))
    )


# Every kind of request Slack sends an app, with what the bot (or Bolt) reads from it. A kind that no
# listener takes is still answered, at once (see SlackHandler.dispatch).
SHAPES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "event_callback": _event_ok,
    "url_verification": lambda body: isinstance(body.get("challenge"), str),
    "app_rate_limited": lambda body: True,
    "block_actions": _actions_ok,
    "view_submission": _view_ok,
    "view_closed": _actor_ok,
    "shortcut": _actor_ok,
    "message_action": _actor_ok,
    "block_suggestion": _actor_ok,
}


def well_formed(body: dict[str, Any]) -> bool:
    """Whether `body` (a parsed Slack request) has the shape of one Slack sends."""
    if "ssl_check" in body:
        return True
    if "command" in body:
        return _command_ok(body)
    shape = SHAPES.get(str(body.get("type")))
    return shape is not None and shape(body)
