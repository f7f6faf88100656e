"""Who may do what: the one place every check is decided, for pages, API, CLI and jobs alike.

A ``Principal`` is whoever acts: a person logged in through one authority (page), a token
(API), the command line or a scheduled job. Rules name an action and look at the principal
and, for record actions, at the record's authority. Features add their rules here, next to
the others, so the authorization matrix test sees them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import abort, g


@dataclass(frozen=True)
class Principal:
    channel: str  # page, api, cli, job
    label: str
    user_id: int | None = None
    identity_id: int | None = None
    authority: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)  # coordinator, member, viewer
    platform_roles: frozenset[str] = field(default_factory=frozenset)  # secretary, administrator
    token_id: int | None = None
    # A plugin's own actions this person's authority roles allow, as (action, scope) pairs
    # (core.plugins.Role.grants); page logins only, a token never carries them.
    grants: frozenset[tuple[str, str | None]] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None or self.is_system

    @property
    def is_system(self) -> bool:
        """The command line and scheduled jobs run with the operator's full rights."""
        return self.channel in ("cli", "job")

    def has(self, role: str) -> bool:
        return role in self.roles or role in self.platform_roles


ANONYMOUS = Principal(channel="page", label="anonymous")


def system(channel: str, label: str) -> Principal:
    return Principal(channel=channel, label=label)


def _own_authority(principal: Principal, authority_code: str | None) -> bool:
    return authority_code is not None and principal.authority == authority_code


def _logged_in(principal: Principal, _record: object = None) -> bool:
    return principal.user_id is not None


def _coordinator_of(principal: Principal, record: object) -> bool:
    return principal.has("coordinator") and _own_authority(principal, authority_of(record))


def _committee(principal: Principal, _record: object = None) -> bool:
    return any(principal.has(role) for role in ("member", "secretary", "administrator"))


def _secretariat(principal: Principal, _record: object = None) -> bool:
    return principal.has("secretary") or principal.has("administrator")


def _administrator(principal: Principal, _record: object = None) -> bool:
    return principal.has("administrator")


def _own_or_committee(principal: Principal, record: object) -> bool:
    own = principal.roles and _own_authority(principal, authority_of(record))
    return bool(own) or _committee(principal)


def _signals(principal: Principal, _record: object = None) -> bool:
    return any(
        principal.has(role) for role in ("coordinator", "member", "secretary", "administrator")
    )


def _need_keeper(principal: Principal, record: object) -> bool:
    """The authority that signalled a need keeps it up to date, with the secretariat."""
    return _secretariat(principal) or _coordinator_of(principal, record)


def _coordinator_or_secretariat(principal: Principal, _record: object = None) -> bool:
    return principal.has("coordinator") or _secretariat(principal)


def _event_keeper(principal: Principal, record: object = None) -> bool:
    """An event of the committee (the study day always) is organised by the secretariat; a
    training or other event of an authority also by that authority's coordinators. With no
    record: the committee's events."""
    if _secretariat(principal):
        return True
    return (
        record is not None
        and getattr(record, "kind", None) != "study_day"
        and _coordinator_of(principal, record)
    )


def _action_keeper(principal: Principal, record: object) -> bool:
    """The secretariat, and the coordinators of the authority an action is assigned to."""
    return _secretariat(principal) or _coordinator_of(principal, record)


def plan_owner(record: object) -> tuple[bool, str | None]:
    """Whether ``record`` is (part of) a plan, and the authority owning that plan (None: the
    committee). A plan, a goal or a step is looked at through its plan; a bare authority
    code names a plan that authority would own."""
    if isinstance(record, str):
        return True, record
    for hop in ("goal", "plan"):  # a step's goal, then the goal's plan
        record = getattr(record, hop, None) or record
    if type(record).__name__ != "Plan":
        return False, None
    return True, getattr(record, "authority_code", None)


def _plan_keeper(principal: Principal, record: object = None) -> bool:
    """An authority's own plan is managed by its coordinators, a committee plan by the
    secretariat. With no record: may manage some plan at all (start a new one)."""
    if record is None:
        return principal.has("coordinator") or _secretariat(principal)
    is_plan, owner = plan_owner(record)
    if not is_plan:
        return False
    if owner is None:
        return _secretariat(principal)
    return principal.has("coordinator") and principal.authority == owner


def _plan_contributor(principal: Principal, record: object = None) -> bool:
    """Who adds actions: to a committee plan any coordinator (for their own authority) and
    the secretariat; to an authority's own plan only its coordinators."""
    _is_plan, owner = plan_owner(record)
    if record is None or owner is None:
        return _coordinator_or_secretariat(principal)
    return _plan_keeper(principal, record)


def _plan_action_keeper(principal: Principal, record: object) -> bool:
    """An action of a committee plan: the secretariat and the coordinators of the authority
    leading it; of an authority's own plan: that authority's coordinators (and those of the
    authority leading it)."""
    _is_plan, owner = plan_owner(record)
    if _coordinator_of(principal, record):
        return True
    if owner is None:
        return _secretariat(principal)
    return _plan_keeper(principal, record)


def _body_keeper(principal: Principal, record: object = None) -> bool:
    """A body and everything under it (members, series, meetings, agendas, minutes, decisions,
    actions): the committee's bodies by the secretariat, an authority's own bodies by that
    authority's coordinators (issue 24). ``record`` is the body or a record under it (its
    ``body_authority`` names the owner), or an authority's code for a body it would own. With
    no record: the committee's bodies, as the event log, My work and the links ask."""
    owner = record if isinstance(record, str) else getattr(record, "body_authority", None)
    if owner is None:
        return _secretariat(principal)
    return principal.has("coordinator") and principal.authority == owner


def _meeting_action_keeper(principal: Principal, record: object = None) -> bool:
    """An action agreed in a meeting: whoever keeps the meeting's body, and the coordinators
    of the authority it is assigned to."""
    return _body_keeper(principal, record) or _coordinator_of(principal, record)


def _webhook_keeper(principal: Principal, record: object = None) -> bool:
    """Administrators keep every webhook; a coordinator those of their own authority (with no
    record: may register one at all). A webhook for every authority is the administrators'."""
    if _administrator(principal):
        return True
    if record is None:
        return principal.has("coordinator")
    return _coordinator_of(principal, record)


def _room_keeper(principal: Principal, record: object = None) -> bool:
    """The secretariat keeps every room and booking; a coordinator adds rooms and books them
    for the services of their own authority (the record, when there is one: a service or a
    booking)."""
    if _secretariat(principal):
        return True
    if not principal.has("coordinator"):
        return False
    return record is None or _coordinator_of(principal, record)


RULES: dict[str, Callable[[Principal, object], bool]] = {
    "account.use": _logged_in,  # own tokens, linked identities
    "authority.edit": _coordinator_of,  # the authority's own profile
    "shared.read": _committee,
    "audit.read": _secretariat,
    "admin.plugins": _administrator,
    "admin.users": _administrator,  # grant and revoke platform roles
    "inventory.edit": _coordinator_of,  # create, edit and submit the authority's services
    "inventory.read_unpublished": _own_or_committee,  # drafts and their history
    "inventory.review": _committee,  # approve and publish, or return with a comment
    "inventory.freeze": _secretariat,  # the yearly state of affairs
    # say the authority's published service is still true (issue 23, verification)
    "inventory.confirm": _coordinator_of,
    # read and close the errors the public reported on a service (issue 23)
    "inventory.handle_reports": _action_keeper,
    "needs.read": _logged_in,
    "needs.signal": _signals,
    "needs.edit": _need_keeper,  # status and the services that answer the need
    "meetings.read": _logged_in,  # meetings, agendas, minutes, decisions and actions
    # bodies, members, meetings, agendas, invitations, minutes and their approval: of the
    # committee's bodies the secretariat, of an authority's own its coordinators (issue 24)
    "meetings.manage": _body_keeper,
    "actions.update": _meeting_action_keeper,  # status, due date and note of an action item
    # remarks on draft minutes sent for remarks: whoever is among those present, which the
    # minutes decide (core.meetings.services.attendance_of_user), not a role
    "minutes.remark": _logged_in,
    "outbox.read": _secretariat,  # the e-mail the platform wrote
    # add actions to a plan (to the committee's: led by the coordinator's own authority)
    "plan.add_action": _plan_contributor,
    "plan.edit_action": _plan_action_keeper,  # status, progress, term of an action it leads
    # a plan, its goals, their import, indicators, evaluations, annual plans and the links
    # of its goals to other plans' goals: the owner's coordinators, or for the committee's
    # plans the secretariat (issue 24)
    "plan.manage": _plan_keeper,
    # an event's programme, registrations, lists, check-in, certificates and reports: the
    # secretariat, and for an authority's training or other event its coordinators (issue 24)
    "studyday.organise": _event_keeper,
    # plan a training or another event: the secretariat (for the committee, or the study day)
    # and coordinators (for their own authority)
    "events.create": _coordinator_or_secretariat,
    "studyday.participants": _logged_in,  # the list of those who agreed to be on it
    # an authority's reports and figures: its own people and the committee
    "reports.read": _own_or_committee,
    "figures.edit": _action_keeper,  # the authority's coordinators and the secretariat
    # register, change, rotate the secret of and redeliver webhooks (core.webhooks)
    "webhooks.manage": _webhook_keeper,
    # the rooms of the prisons and the services' bookings of them (issue 24, goal 6.3)
    "rooms.manage": _room_keeper,
    # the register of signals and recommendations (goal 1.2, core.signals): read by everyone
    # logged in; written by coordinators and the secretariat; kept by the writer's authority
    # and the secretariat; its public summary published (or withdrawn) by the secretariat
    "signals.read": _logged_in,
    "signals.write": _coordinator_or_secretariat,
    "signals.edit": _action_keeper,
    "signals.publish": _secretariat,
    # the register of outside partners (issue 24, goal 5.2, core.partners): read by everyone
    # logged in; kept together by the secretariat and every authority's coordinators, since a
    # partner belongs to no authority
    "partners.read": _logged_in,
    "partners.manage": _coordinator_or_secretariat,
}


def authority_of(record: object) -> str | None:
    """The authority a record belongs to: its ``authority_code``, or its own code for an
    authority. A record without one belongs to no authority and no coordinator may edit it."""
    if isinstance(record, str):
        return record
    code = getattr(record, "authority_code", None)
    if code is None and type(record).__name__ == "Authority":
        code = getattr(record, "code", None)
    return code


def can(principal: Principal, action: str, record: object = None) -> bool:
    """Whether ``principal`` may do ``action`` (on ``record``). Core actions follow RULES.
    A plugin's own action, ``<authority>:<action>``, is allowed only by a role of that
    authority granting it (``coordinator_roles``' ``grants``), for the scope given as
    ``record`` (a code such as a province) or anywhere; no platform role implies it."""
    plugin_action = ":" in action
    if not plugin_action and action not in RULES:
        raise KeyError(f"unknown action {action!r}; add it to core.permissions.RULES")
    if principal.is_system:
        return True
    if plugin_action:
        scope = record if isinstance(record, str) else None
        return bool(granted_scopes(principal, action) & {None, scope})
    return RULES[action](principal, record)


def granted_scopes(principal: Principal, action: str) -> set[str | None]:
    """The scopes in which the principal's roles grant a plugin's ``action``; None among
    them means anywhere."""
    return {scope for granted, scope in principal.grants if granted == action}


def current() -> Principal:
    return g.get("principal", ANONYMOUS)


def require(action: str, record: object = None) -> None:
    """Stop the request unless the current principal may do ``action``: 401 for anonymous
    visitors (so they are sent to log in), 403 for those who may not."""
    principal = current()
    if can(principal, action, record):
        return
    abort(403 if principal.is_authenticated else 401)
