"""The answers to questions (chair, next, theme, schedule, history, members, rotation, admins), and
what every command may say about its words: WHEN and PERIOD, counts, members, channels, quotes."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    # Messages one per line.
    "lines": "{lines}",
    # /gmg chair
    "chair.title": "{group} chair",
    "chair.title_span": "{group} chairs in {label}",
    "chair.named": "*{code}* ({name})",
    "chair.term_past": {
        "one": "{chairs} chaired the {group}: {days}.",
        "other": "{chairs} co-chaired the {group}: {days}.",
    },
    "chair.term_now": {
        "one": "{chairs} chairs the {group}: {days}.",
        "other": "{chairs} co-chair the {group}: {days}.",
    },
    "chair.term_future": {
        "one": "{chairs} will chair the {group}: {days}.",
        "other": "{chairs} will co-chair the {group}: {days}.",
    },
    "chair.projected": "{text} _(projected from the rotation)_",
    "chair.ended": "Ended on {day}.",
    "chair.starts": "Starts {countdown}, on {at}.",
    "chair.in_office": {
        "one": "In office: {count} day left; hands over on {at}.",
        "other": "In office: {count} days left; hands over on {at}.",
    },
    "chair.theme_not_set": "Theme: not set.",
    "chair.next": "Next: {chairs} from {day}.",
    "chair.next_unknown": "Next: not decided yet.",
    "chair.gap": "No chair is known for {when}.",
    "chair.gap_before": "Before: {chairs}, until {day}.",
    "chair.gap_after": "After: {chairs}, from {day}.",
    "chair.record_it": "Admins can record it with `/gmg term set PERIOD CHAIR`.",
    "chair.no_next": "There is no next term on record.",
    "chair.no_previous": "There is no previous term on record.",
    "chair.add_one": "Admins can add one with `/gmg term set PERIOD CHAIR`.",
    "chair.one_when": "Give one WHEN, not `{words}`.",
    # /gmg theme
    "theme.title": "{group} theme",
    "theme.term": "{chairs}, {days}:\n{theme}",
    "theme.none": "No term is known for {when}, so there is no theme.",
    "theme.none_today": "No term is known for today, so there is no theme.",
    "theme.how_to_set": "Admins set it with `/gmg theme set [PERIOD] TITLE | DESCRIPTION`.",
    # /gmg next
    "next.title": "Next {group} chair",
    "next.takes_over": {
        "one": "{chairs} takes over on {at} ({countdown}).",
        "other": "{chairs} take over on {at} ({countdown}).",
    },
    "next.takes_over_from": {
        "one": "{chairs} takes over from {outgoing} on {at} ({countdown}).",
        "other": "{chairs} take over from {outgoing} on {at} ({countdown}).",
    },
    "next.term": "Term: {days}.",
    "next.projected": "Projected from the rotation, not decided. Admins decide it with {command}.",
    "next.decided": "Decided.",
    "next.none": "No next chair is known: nothing is decided ahead and no rotation is set.",
    "next.how_to_decide": "Admins: `/gmg term set PERIOD CHAIR` or `/gmg rotation set A, B, C`.",
    # Questions that take no words, and counts
    "question.takes_nothing": "`{command}` takes nothing after it. Try `/gmg {command}`.",
    "count.terms": "`{words}` is not a count: give a number of terms from 1 to {most}.",
    "count.year_or_terms": "`{words}` is not a count: give a year like `2011` or a number of terms from 1 "
    "to {most}.",
    "count.deliveries": "`{words}` is not a count: give a number of deliveries from 1 to {most}.",
    # /gmg schedule and /gmg history
    "schedule.title": "{group} schedule",
    "schedule.line": "• {days}: {chairs}",
    "schedule.line_theme": "• {days}: {chairs} · {theme}",
    "schedule.now": "{line} ← now",
    "schedule.none": "Nothing is scheduled: no term is decided ahead and no rotation is set.",
    "schedule.footer": "Projected terms follow the rotation until an admin decides them.",
    "history.title": "{group} history",
    "history.none": "No term on record.",
    # /gmg members
    "members.title": "{group} members ({count})",
    "members.line": "• *{code}*: {name}",
    "members.line_since": "• *{code}*: {name}, since {year}",
    "members.focal": "{line} · focal: {users}",
    "members.former": "Former: {codes}",
    "members.none": "No members yet. Admins add one with `/gmg member add CODE Full name`.",
    "member.unknown": "`{name}` is not a member. See the members with `/gmg members`.",
    "member.unknown_guess": "`{name}` is not a member. Did you mean `{guess}`? See the members with "
    "`/gmg members`.",
    # /gmg rotation
    "rotation.title": "{group} rotation",
    "rotation.line": "{position}. *{code}*",
    "rotation.line_next": "{position}. *{code}* ← next in line",
    "rotation.none": "No rotation order is set, so no term is projected.",
    "rotation.how_to_set": "Admins set one with `/gmg rotation set A, B, C`.",
    "rotation.not_a_question": "`rotation {words}` is not a question. Try `/gmg rotation`, or (admins) "
    "`/gmg rotation set A, B, C`.",
    # /gmg admin
    "admins.title": "{group} admins",
    "admins.listed": "Added with `/gmg admin add`: {users}.",
    "admins.none_added": "none added",
    "admins.others": "The Slack admins and owners of the workspace the group was set up in, and the "
    "operator's GMG_ADMINS, are admins too. Each other workspace that sees the group has its Slack admins "
    "manage its own channels, topic and link.",
    "admins.question_usage": "Use `/gmg admin add @user` or `/gmg admin remove @user` (admins only).",
    # Channels the bot is to post in
    "channel.not_found": "I cannot see {channel}. If it is a private channel, invite me first "
    "(`/invite @gmg` in that channel), then send this command again.",
    "channel.archived": "{channel} is archived: nothing can be posted there.",
    "channel.cannot_join": "I could not join {channel}. Invite me first (`/invite @gmg` in that channel), "
    "then send this command again.",
    "channel.joined": "I joined {channel} to post there.",
    "channel.unknown": "Slack did not answer whether I can post in {channel}; if it is private, invite me.",
    # WHEN and PERIOD
    "period.when_forms": "`today`, `next`, `previous`, a day `2011-03-15`, a month `2011-03`, a half-year "
    "`2011-H1`/`2011-H2` or a year `2011`",
    "period.period_forms": "`2011-H1`, `2011-H2`, `2011`, `2011-03` or two days `2011-01-01..2011-06-30`",
    "period.not_a_day": "`{text}` is not a real day: check the month and the day.",
    "period.out_of_range": "`{text}` is out of range: use years from {first} to {last}.",
    "period.no_month": "`{text}` has no month {month}: months go from 01 to 12.",
    "period.unknown_when": "`{text}` is not a time I know. Use {forms}.",
    "period.not_a_period": "`{text}` is not a period. Use {forms}.",
    "period.give_one": "Give one period: {forms}.",
    "period.backwards": "`{text}` ends before it begins: put the first day first.",
    # Reading the words
    "text.unclosed_quote": 'A quote is not closed: put a `"` after the quoted words.',
}
