"""The Slack Web API client every part of the bot uses, and Slack's errors in a few classes."""

from enum import Enum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler


class Fault(Enum):
    """What a Slack error means for a delivery (sorted as Grafana OnCall sorts Slack's errors)."""

    # The channel is gone or can never take the bot's posts: its subscription ends.
    CHANNEL_GONE = "channel gone"
    # This target or this message cannot be delivered (the user left, the message is refused): this
    # delivery fails, nothing else changes.
    UNDELIVERABLE = "undeliverable"
    # The app lacks a scope: the delivery fails and the alert names the scope to add.
    MISSING_SCOPE = "missing scope"
    # Slack no longer accepts the app's token for the workspace: its deliveries pause, all kept.
    ACCESS_GONE = "access gone"
    RATE_LIMITED = "rate limited"
    # Anything else may pass: retried with backoff, a bounded number of times, never destructive.
    TRANSIENT = "transient"


_FAULTS = {
    **dict.fromkeys(
        ("channel_not_found", "is_archived", "is_inactive", "method_not_supported_for_channel_type"),
        Fault.CHANNEL_GONE,
    ),
    **dict.fromkeys(
        (
            "user_not_found",
            "user_disabled",
            "cannot_dm_bot",
            "not_in_channel",
            # Per conversation, by Slack's word ("make sure your app is a member of the conversation").
            "no_permission",
            "restricted_action",
            "restricted_action_read_only_channel",
            "restricted_action_thread_only_channel",
            "no_text",
            "msg_too_long",
            "invalid_blocks",
            "invalid_arguments",
            "too_many_attachments",
            "too_long",
        ),
        Fault.UNDELIVERABLE,
    ),
    "missing_scope": Fault.MISSING_SCOPE,
    **dict.fromkeys(
        (
            "account_inactive",
            "invalid_auth",
            "not_authed",
            "token_revoked",
            "token_expired",
            "team_access_not_granted",
        ),
        Fault.ACCESS_GONE,
    ),
    **dict.fromkeys(("ratelimited", "rate_limited", "message_limit_exceeded"), Fault.RATE_LIMITED),
}
NOT_IN_CHANNEL = "not_in_channel"
# slack-sdk answers a body that is not JSON (an HTML error page, even with status 200) with this error.
_NOT_JSON = "Received a response in a non-JSON format"


def make_web_client(*, token: str, base_url: str, retry_server_errors: bool = True) -> WebClient:
    """Retries connection errors and, unless told not to, 5xx, a bounded number of times. A 429 is not
    waited out here: its Retry-After may be an hour, and a thread asleep inside the client serves no
    one (nor lets the process stop). The dispatcher retries durably from the database, after
    Retry-After and with backoff, without holding up the deliveries behind it; so it also turns 5xx
    retries off."""
    handlers: list[RetryHandler] = [ConnectionErrorRetryHandler(max_retry_count=2)]
    if retry_server_errors:
        handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    return WebClient(token=token, base_url=base_url, timeout=10, retry_handlers=handlers)


def retry_after(exc: SlackApiError) -> int:
    """Slack's Retry-After, in whole seconds from 1 to an hour; 1 when it is missing or not a number."""
    headers = exc.response.headers
    value = str(headers.get("Retry-After", headers.get("retry-after", "")))
    try:
        seconds = float(value)
    except ValueError:
        return 1
    return 1 if seconds != seconds else int(min(max(seconds, 1), 3600))  # NaN fails every comparison


# What a slash command may spend asking Slack (who is an admin, can the bot post in a channel), well
# within the 3 s in which Slack wants the answer.
ON_THE_ANSWER_PATH = 2


def make_answer_path_client(*, token: str, base_url: str) -> WebClient:
    """For calls made while a user waits for an answer: one try, short; their callers treat a failure
    as "Slack did not say" (not an admin; could not check the channel)."""
    return WebClient(token=token, base_url=base_url, timeout=ON_THE_ANSWER_PATH, retry_handlers=[])


def error_code(exc: SlackApiError) -> str:
    """Slack's error code (`channel_not_found`, `ratelimited`...), or the HTTP status."""
    code = exc.response.get("error") if isinstance(exc.response.data, dict) else None
    if not code or str(code).startswith(_NOT_JSON):
        return f"http_{exc.response.status_code}" + ("_not_json" if code else "")
    return str(code)


def fault(exc: SlackApiError) -> Fault:
    """The class of a Slack error; a code Slack may add later is taken as one that may pass."""
    status = exc.response.status_code
    if status == 429:
        return Fault.RATE_LIMITED
    if status >= 500:
        return Fault.TRANSIENT
    return _FAULTS.get(error_code(exc), Fault.TRANSIENT)


def needed_scope(exc: SlackApiError) -> str:
    """The scope a `missing_scope` answer names (Slack's `needed` field), or ""."""
    needed = exc.response.get("needed") if isinstance(exc.response.data, dict) else None
    return str(needed or "")
