"""The notification settings page: reached from the account when logged in, or from the signed
link in every e-mail without logging in; and the digests' one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.db import db_session
from core.identity.models import User
from core.notifications import follows, services
from core.notifications.errors import ERRORS
from core.permissions import current, require
from core.security import csrf, safe_next
from core.web import attempt, field_messages

blueprint = Blueprint("notifications", __name__)


@blueprint.app_template_global("is_following")
def is_following(kind: str, record_id) -> bool:
    return follows.following(db_session(), current().user_id, kind, record_id) is not None


@blueprint.app_template_global("follow_kind_label")
def follow_kind_label(kind: str) -> str:
    return str(follows.KIND_LABELS.get(kind, ""))


@blueprint.post("/follow")
def follow():
    """Follow a record from its page; back to the page, which now offers to stop."""
    require("account.use")
    kind, record_id = request.form.get("kind", ""), request.form.get("id", "")
    outcome = attempt(
        lambda session: follows.follow(session, current().user_id, current(), kind, record_id)
    )
    if outcome.invalid is not None:
        abort(404)  # no such record to follow
    if outcome.refused is not None:
        abort(403)  # not one this person may read
    flash(
        _("You follow it now. Its changes reach you as you chose in How you are told."), "success"
    )
    return redirect(safe_next(request.form.get("next"), "notifications.settings"))


@blueprint.post("/unfollow")
def unfollow():
    require("account.use")
    session = db_session()
    kind, record_id = request.form.get("kind", ""), request.form.get("id", "")
    if follows.unfollow(session, current().user_id, kind, record_id):
        session.commit()
        flash(_("You no longer follow it."), "success")
    return redirect(safe_next(request.form.get("next"), "notifications.settings"))


@blueprint.route("/notifications/settings", methods=["GET", "POST"])
def settings():
    require("account.use")
    user = db_session().get(User, current().user_id)
    return _page(user, url_for("notifications.settings"))


@blueprint.route("/notifications/<token>", methods=["GET", "POST"])
def settings_by_link(token: str):
    user = services.user_of_token(db_session(), token)
    if user is None:
        return render_template("notifications/link_invalid.html"), 404
    return _page(user, url_for("notifications.settings_by_link", token=token), by_link=True)


@blueprint.post("/notifications/<token>/unsubscribe/<how>")
@csrf.exempt  # a mail program posts "List-Unsubscribe=One-Click" without a form of ours
def unsubscribe(token: str, how: str):
    session = db_session()
    user = services.user_of_token(session, token)
    if user is None or how not in services.DIGESTS:
        abort(404)
    services.unsubscribe(session, user, how)
    session.commit()
    return _("You will receive this digest no more."), 200, {"Content-Type": "text/plain"}


def _page(user: User, action: str, by_link: bool = False):
    session = db_session()
    values = services.settings_of(session, user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        wanted = {
            key.removeprefix("how_"): value
            for key, value in request.form.items()
            if key.startswith("how_")
        }
        outcome = attempt(lambda session: services.save_settings(session, user, wanted))
        if outcome.ok:
            flash(_("Your choices were saved."), "success")
            return redirect(action)
        errors = field_messages(outcome.invalid or {}, ERRORS)
        values = {**values, **{k: v for k, v in wanted.items() if k in values}}
    return render_template(
        "notifications/settings.html",
        person=user,
        values=values,
        errors=errors,
        kinds={name: kind.label for name, kind in services.KINDS.items()},
        followed=_followed(user) if not by_link else [],
        hows=services.HOWS,
        action=action,
        by_link=by_link,
    ), 422 if errors else 200


def _followed(user: User) -> list[dict]:
    """What the person follows, named in their language, with the page of each."""
    session = db_session()
    found = []
    for row in follows.followed_by(session, user.id):
        record = follows.find(session, row.record_kind, row.record_id)
        if record is not None:
            found.append(
                {
                    "kind": row.record_kind,
                    "id": row.record_id,
                    "title": follows.title(session, row.record_kind, record, None),
                    "link": follows.PAGES[row.record_kind].format(row.record_id),
                }
            )
    return found
