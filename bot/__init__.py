"""gmg-bot's wiring: settings, the Slack app, the server, the scheduler and the CLI."""
