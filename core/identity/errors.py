"""What a login or a token refuses, in the reader's language: for the identity pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# What went wrong, and what to do about it, in the user's language. The log says why.
FAILURES = {
    "provider_unreachable": (
        _l("The login service of %(authority)s cannot be reached right now."),
        _l("Try again in a few minutes. If it keeps failing, tell the committee secretariat."),
    ),
    "provider_misconfigured": (
        _l("The login service of %(authority)s is not set up the way Concerto expects."),
        _l(
            "You cannot fix this yourself: tell the administrator of your authority and give "
            "them the reference below."
        ),
    ),
    "not_configured": (
        _l("Logging in through %(authority)s is not set up on this platform."),
        _l("Ask the platform administrator to configure the login service of your authority."),
    ),
    "state_invalid": (
        _l("This login has expired or was already used."),
        _l("Start again from the login page."),
    ),
    "wrong_callback": (
        _l("The answer of a login service came back through the entrance of %(authority)s."),
        _l("Start again from the login page and choose your own authority."),
    ),
    "issuer_mismatch": (
        _l("The answer did not come from the login service of %(authority)s."),
        _l(
            "Start again from the login page. If this happens again, tell the administrator of "
            "your authority and give them the reference below."
        ),
    ),
    "provider_error": (
        _l("The login service of %(authority)s did not let you in."),
        _l(
            "Check your user name and password with your authority, or ask its administrator "
            "for access to Concerto."
        ),
    ),
    "token_exchange_failed": (
        _l("Concerto could not complete the login with %(authority)s."),
        _l(
            "Try again. If it keeps failing, tell the administrator of your authority and give "
            "them the reference below."
        ),
    ),
    "id_token_invalid": (
        _l("Concerto could not verify the answer of the login service of %(authority)s."),
        _l(
            "You were not logged in. Try again; if it keeps failing, tell the administrator of "
            "your authority and give them the reference below."
        ),
    ),
    "userinfo_invalid": (
        _l("The login service of %(authority)s gave details about another person."),
        _l(
            "You were not logged in. Tell the administrator of your authority and give them "
            "the reference below."
        ),
    ),
    "roles_unavailable": (
        _l("Your roles at %(authority)s could not be read."),
        _l("Tell the administrator of your authority and give them the reference below."),
    ),
    "account_disabled": (
        _l("Your Concerto account has been disabled."),
        _l("Ask the committee secretariat if you need access again."),
    ),
    "identity_taken": (
        _l("This identity already belongs to another Concerto account, so it was not linked."),
        _l("Log in with that identity to use its account."),
    ),
    "rate_limited": (
        _l("Too many login attempts from your address."),
        _l("Wait a minute, then try again."),
    ),
}


TOKEN_ERRORS = {
    "name": _l("Give the token a name of at most 100 characters."),
    "roles": _l("Choose at least one of your own roles."),
    "expires": _l("Give a whole number of days between 1 and 366."),
}
