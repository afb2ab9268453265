"""Changes to the members, their focal points and the rotation, for admins only: each one is checked
whole, written in one transaction and audited."""

from handlers.changes import MAX_NAME_WORDS, done, free_text, rest_of, words_of
from handlers.context import Args, Context
from handlers.response import Response, UsageError
from handlers.text import user_id_of
from handlers.translated import member_name
from messages import Users, say
from storage import queries
from storage.groups import LOCAL
from storage.matching import canonical_code, member_key, resolve_member
from storage.models import Member

# Rotation and members


def rotation_clear(ctx: Context, args: Args) -> Response:
    if len(args.tokens) > 1:
        raise UsageError(say("change.rotation_clear_alone"))
    return _rotation(ctx, [])


def rotation_set(ctx: Context, args: Args) -> Response:
    text, tokens = args.text, args.tokens
    if [t.value.lower() for t in tokens] == ["set", "clear"]:
        codes: list[str] = []
    else:
        names = [n.strip() for n in rest_of(text, tokens, 1).split(",") if n.strip()]
        if not names:
            raise UsageError(say("change.rotation_needed"))
        members = [ctx.member(n) for n in names]
        codes = [m.code for m in members]
        if len(set(codes)) != len(codes):
            raise UsageError(say("change.rotation_twice"))
        former = [m.code for m in members if not m.active]
        if former:
            raise UsageError(say("change.rotation_former", code=former[0]))
    return _rotation(ctx, codes)


def _rotation(ctx: Context, codes: list[str]) -> Response:
    before = queries.get_rotation(session=ctx.session, group_id=ctx.group_id)
    queries.set_rotation(session=ctx.session, group_id=ctx.group_id, codes=codes)
    ctx.audit(before, codes)
    # The order as a command gives it: `ILO, IOM, UNDP`.
    order = say("change.rotation", codes=", ".join(codes)) if codes else say("change.rotation_empty")
    return done(ctx, say("change.rotation_saved"), order)


def member_add(ctx: Context, args: Args) -> Response:
    if len(args.tokens) < 3:
        raise UsageError(say("change.member_usage"))
    name = free_text(rest_of(args.text, args.tokens, 2), "change.name_too_long", 200)
    return _member_add(ctx, args.tokens[1].value, name)


def member_remove(ctx: Context, args: Args) -> Response:
    if len(args.tokens) < 2:
        raise UsageError(say("change.member_usage"))
    return _member_remove(ctx, ctx.member(rest_of(args.text, args.tokens, 1)))


def _member_add(ctx: Context, code: str, name: str) -> Response:
    code = free_text(canonical_code(code), "change.code_too_long", 50)
    if not member_key(code):
        raise UsageError(say("change.code_needs_letters"))
    existing = resolve_member(ctx.members, code)
    if existing is not None and existing.active:
        raise UsageError(say("change.already_member", code=existing.code, name=member_name(existing)))
    before = None
    if existing is None:
        member = Member(group_id=ctx.group_id, code=code, name=name, joined=ctx.today.year)
    else:
        before = {"code": existing.code, "name": existing.name, "active": False}
        member = existing
        # Names in other languages were the old name's.
        if name != member.name:
            member.names = {}
        member.name, member.active = name, True
    queries.save(session=ctx.session, record=member)
    ctx.audit(before, {"code": member.code, "name": member.name, "active": True})
    return done(
        ctx, say("change.member_added"), say("change.member", code=member.code, name=member_name(member))
    )


def _member_remove(ctx: Context, member: Member) -> Response:
    if not member.active:
        raise UsageError(say("change.already_former", code=member.code))
    rotation = queries.get_rotation(session=ctx.session, group_id=ctx.group_id)
    member.active = False
    queries.save(session=ctx.session, record=member)
    if member.code in rotation:
        queries.set_rotation(
            session=ctx.session,
            group_id=ctx.group_id,
            codes=[c for c in rotation if c != member.code],
        )
    ctx.audit({"code": member.code, "active": True}, {"code": member.code, "active": False})
    removed = "change.now_former_rotation" if member.code in rotation else "change.now_former"
    return done(ctx, say("change.member_removed"), say(removed, code=member.code))


def focal(ctx: Context, args: Args) -> Response:
    tokens = args.tokens
    clear = bool(tokens) and tokens[-1].value.lower() == "clear"
    end = len(tokens) - 1 if clear else len(tokens)
    if end == 0:
        raise UsageError(say("change.focal_usage"))
    # The member is the longest run of leading words naming one (codes like UNICEF look like
    # user ids); failing that, the words before the first user, for a "did you mean".
    code_end = next(
        (
            i
            for i in range(min(end, MAX_NAME_WORDS), 0, -1)
            if resolve_member(ctx.members, words_of(tokens[:i]))
        ),
        next((i for i in range(1, end) if user_id_of(tokens[i].value)), end),
    )
    member = ctx.member(words_of(tokens[:code_end]))
    users = [user_id_of(t.value) for t in tokens[code_end:end]]
    if clear and users:
        raise UsageError(say("change.focal_or_clear"))
    if not clear and not users:
        raise UsageError(say("change.focal_needed", code=member.code))
    if None in users:
        bad = next(t.value for t in tokens[code_end:end] if not user_id_of(t.value))
        raise UsageError(say("change.not_a_user", word=bad))
    chosen = list(dict.fromkeys(u for u in users if u))
    before = list(member.focal_points)
    member.focal_points = chosen
    # People named here are in this workspace, whose token writes to them (the command line's `local`
    # is no workspace: theirs is the group's home).
    member.focal_teams = {u: ctx.team_id for u in chosen} if ctx.team_id != LOCAL else {}
    queries.save(session=ctx.session, record=member)
    ctx.audit({"code": member.code, "focal_points": before}, {"code": member.code, "focal_points": chosen})
    who = Users(tuple(chosen)) if chosen else say("change.no_focal")
    return done(ctx, say("change.focal_saved"), say("change.focal", code=member.code, users=who))
