"""Bolt listeners, one module per kind; each exposes `register(app, services)`."""

from slack_bolt import App

from bot.listeners import checklist, commands, home, installs, proposals
from bot.service import Services


def register_listeners(app: App, services: Services) -> None:
    checklist.register(app, services)
    commands.register(app, services)
    home.register(app, services)
    installs.register(app, services)
    proposals.register(app, services)
