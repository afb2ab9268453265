"""The /gmg command language: parse, decide, render. Pure of Slack's transport (no Bolt)."""

from handlers.commands import handle_command
from handlers.response import Response

__all__ = ["Response", "handle_command"]
