"""What the bot posts on its own: reminders, announcements, topics, theme posts, change notices,
alerts; and how `/gmg deliveries` describes them."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    "duration": "{parts}",
    "duration.days": {"one": "{count} day", "other": "{count} days"},
    "duration.hours": {"one": "{count} hour", "other": "{count} hours"},
    "duration.minutes": {"one": "{count} minute", "other": "{count} minutes"},
    "duration.seconds": {"one": "{count} second", "other": "{count} seconds"},
    "notice.nobody": "nobody (no chair is recorded)",
    "notice.reminder": ":calendar: *{group} handover in {lead}*: {outgoing} hands over to {incoming} on "
    "{at} ({timezone}).",
    "notice.reminder_term": "Term: {days}. Incoming theme: {theme}",
    "notice.theme": "*{theme}*",
    "notice.theme_not_set": "not set yet.",
    "notice.theme_line": "Theme: {theme}",
    "notice.quote": ">{text}",
    "notice.not_decided": "Not decided yet: {fixes} (admins).",
    "notice.fix_projected": "the next chair is only projected from the rotation: {command}",
    "notice.fix_theme": "the theme is not decided: {command}",
    "notice.announcement": {
        "one": ":tada: {chairs} now chairs the {group}, {days}.",
        "other": ":tada: {chairs} now chair the {group}, {days}.",
    },
    "topic": "{group} chair: {chairs}{theme}",
    "topic.theme": " · Theme: {theme}",
    "notice.theme_post": ":speech_balloon: *{group} theme* for {chairs}, {days}: *{theme}*",
    "notice.set_by": "Set by {who}.",
    "notice.change": ":warning: *{group} schedule change* for {days}: {summary}",
    "notice.change_set": "{chairs} to chair.",
    "notice.change_set_was": "{chairs} to chair (was {was}).",
    "notice.change_cleared": "cleared; no chair is recorded now. Was:\n{terms}",
    "notice.cleared_term": "• {days}: {chairs}",
    "notice.changed_by": "Changed by {who}. See `/gmg schedule`.",
    "notice.alert": ":x: A post ({kind}) to {where} could not be delivered: {reason}.",
    "notice.alert_count": "{count} posts to {where} failed today.",
    "notice.alert_footer": "Further failures like it today send no more alerts. See `/gmg deliveries` for "
    "what was sent, what is pending and what failed.",
    "notice.paused": ":double_vertical_bar: *Deliveries are paused* since {since}: Slack no longer accepts "
    "the app's token (`{error}`). Nothing is lost: reminders and posts wait, and those still useful go out "
    "by themselves once Slack accepts the token again (reinstall the app to the workspace, or give the bot "
    "a valid token).",
    "notice.paused_elsewhere": ":double_vertical_bar: *Posts in workspace `{team}` are paused* since "
    "{since}: Slack no longer accepts the app's token there (`{error}`). They wait, kept, and go out once "
    "the app is installed there again; the other workspaces get theirs.",
    "delivery.sent": "• {kind} to {where}: sent {at}",
    "delivery.failed": "• {kind} to {where}: failed {at}: {reason}",
    "delivery.skipped": "• {kind} to {where}: skipped: {reason}",
    "delivery.pending": "• {kind} to {where}: due {at}",
    "delivery.retrying": "• {kind} to {where}: due {at} (attempt {attempt}; last: {reason})",
    "deliveries.title": "{group} deliveries",
    "deliveries.pending": "*Pending next*\n{lines}",
    "deliveries.failed": "*Failed*\n{lines}",
    "deliveries.finished": "*Lately finished*\n{lines}",
    "deliveries.in_all": "In all: {states}.",
    "deliveries.none": "In all: nothing planned yet.",
    # Plural forms alike in English; other languages agree the word with the count.
    "deliveries.count_pending": {"one": "{count} pending", "other": "{count} pending"},
    "deliveries.count_sent": {"one": "{count} sent", "other": "{count} sent"},
    "deliveries.count_failed": {"one": "{count} failed", "other": "{count} failed"},
    "deliveries.count_skipped": {"one": "{count} skipped", "other": "{count} skipped"},
    # What a delivery is, in `/gmg deliveries` and alerts
    "delivery.kind_reminder": "reminder",
    "delivery.kind_announcement": "announcement",
    "delivery.kind_topic": "channel topic",
    "delivery.kind_theme": "theme post",
    "delivery.kind_proposal": "theme proposal",
    "delivery.kind_deadline": "theme deadline alert",
    "delivery.kind_change": "schedule change",
    "delivery.kind_alert": "alert",
    # Why a delivery was retried, failed or skipped (handlers/reasons.py)
    "reason.replanned": "the plan changed before it was due",
    "reason.rate_limited": "Slack asked to wait (rate limit)",
    "reason.too_late": "too late: it was due {due} and is no longer useful",
    "reason.connection": "connection error ({error})",
    "reason.slack_status": "Slack answered {status}",
    "reason.not_json": "Slack answered a page that is not JSON (HTTP {status})",
    "reason.missing_scope": "{code}: the app needs the {scope} scope; add it on the app's OAuth & "
    "Permissions page, then reinstall the app",
    "reason.subscription_ended": "the channel's subscription ended ({code})",
    "reason.still_failing": {
        "one": "{reason}, still after {count} attempt",
        "other": "{reason}, still after {count} attempts",
    },
    "deliveries.footer": "Reminders are planned for the next handovers and re-planned after every change.",
}
