"""The Slack Web API client every part of the bot uses, and Slack's errors in a few classes."""

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

# Errors after which the same call can never succeed for this channel: stop trying.
CHANNEL_GONE = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "method_not_supported_for_channel_type",
        "restricted_action",
        "cannot_dm_bot",
        "user_not_found",
        "user_disabled",
        "account_inactive",
    }
)
NOT_IN_CHANNEL = "not_in_channel"


def make_web_client(*, token: str, base_url: str, retry_server_errors: bool = True) -> WebClient:
    """Retries connection errors, 429 (after Retry-After) and, unless told not to, 5xx, a bounded
    number of times. The dispatcher turns 5xx retries off: it retries durably, with backoff, from the
    database, without holding up the deliveries behind it."""
    handlers: list[RetryHandler] = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=2),
    ]
    if retry_server_errors:
        handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    return WebClient(token=token, base_url=base_url, timeout=10, retry_handlers=handlers)


def error_code(exc: SlackApiError) -> str:
    """Slack's error code (`channel_not_found`, `ratelimited`...), or the HTTP status."""
    code = exc.response.get("error") if isinstance(exc.response.data, dict) else None
    return str(code or f"http_{exc.response.status_code}")
