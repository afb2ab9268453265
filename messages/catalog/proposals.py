"""Theme proposals: proposing, voting, listing, adopting."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    "proposal.post": "*Theme proposed for {days}* ({chairs}): *{title}*\nProposed by {who}.",
    "proposal.counts": ":thumbsup: {support} for · :thumbsdown: {against} against",
    "proposal.objection": "• {who}: {comment}",
    "proposal.state_open": "Support it or object with the buttons; you can change your vote.",
    "proposal.state_adopted": ":white_check_mark: *Adopted* as the theme of the term.",
    "proposal.state_closed": "Closed: the group adopted another theme for this term.",
    "proposal.button_support": "Support",
    "proposal.button_object": "Object",
    "proposal.object_title": "Object to a theme",
    "proposal.object_label": "Why? (optional)",
    "proposal.object_submit": "Object",
    "proposal.cancel": "Cancel",
    "proposal.saved": "Theme proposed",
    "proposal.saved_body": "*{title}* for {days} ({chairs}), number {number} of this term's proposals.",
    "proposal.posted_to": "Posted to {channels} for support or objections.",
    "proposal.no_channel": "No channel follows the group's themes, so it was not posted: subscribe one "
    "with {example}. It can still be voted on from App Home.",
    "proposal.usage": "Use {usage}, e.g. {example}.",
    "proposal.refused": "Only an admin of {group} or a focal point of a chair of that term ({chairs}) can "
    "propose its theme.",
    "proposal.past_term": "The term {days} has already started: themes are proposed before a term begins.",
    "proposal.no_term": "No term starts after today in {group}: decide one with {example} first.",
    "proposal.which_term": "{period} does not name one coming term: {found}. Give the term's period, "
    "e.g. {example}.",
    "proposal.list_title": "Theme proposals for {days}",
    "proposal.line": "{number}. *{title}* by {who}: {support} for, {against} against{state}",
    "proposal.line_adopted": " · adopted",
    "proposal.line_closed": " · closed",
    "proposal.none": "No proposals yet. Admins and the chairs' focal points propose one with {example}.",
    "proposal.list_footer": "Admins adopt one with {example}.",
    "proposal.adopted": "Theme adopted",
    "proposal.adopted_body": "*{title}* is now the theme of {days} ({chairs}); the other proposals for the "
    "term are closed.",
    "proposal.adopt_projected": "The term {days} is only projected, and so is a term before it: "
    "adopting its theme would decide it alone and leave those before it without their chair. Decide the "
    "terms up to it first, e.g. {example}, then adopt.",
    "proposal.adopt_none": "There are no open proposals for {days} to adopt.",
    "proposal.adopt_which": "Several proposals are tied for the most support; say which: {example}.",
    "proposal.adopt_number": "There is no open proposal {number} for {days}; see {command}.",
    "proposal.voted_for": "You support *{title}*.",
    "proposal.voted_against": "You object to *{title}*.",
    "proposal.vote_unchanged": "Your vote on *{title}* was already that; nothing changed.",
    "proposal.vote_closed": "*{title}* is no longer open for votes ({state}).",
    "proposal.word_adopted": "adopted",
    "proposal.word_closed": "closed",
    "proposal.word_started": "its term has started",
    "proposal.vote_gone": "That proposal no longer exists.",
    "proposal.status_none": "Theme not adopted yet: no proposals.",
    "proposal.status": {
        "one": "Theme not adopted yet: {count} proposal, the most supported: {title}, {support} for, "
        "{against} against.",
        "other": "Theme not adopted yet: {count} proposals, the most supported: {title}, {support} for, "
        "{against} against.",
    },
    "proposal.deadline_passed": ":warning: The theme of {days} ({chairs}) should have been adopted by "
    "{deadline}. {status} Adopt one with {example}.",
    "settings.theme_deadline": {
        "one": "Theme deadline: adopted {count} day before a term starts",
        "other": "Theme deadline: adopted {count} days before a term starts",
    },
    "settings.theme_deadline_off": "Theme deadline: none",
    "reason.proposal_decided": "the group decided the theme before this proposal was posted",
    "settings.bad_deadline": "`{value}` is not a deadline: give whole days before the term, like `14d`, "
    "or `off`.",
}
