"""Pages of the events (the study day, reciprocal trainings and other events, one engine),
one blueprint ("studyday") over several modules along the feature's own sections: the list,
an event's programme with the registration form and the figures (``public``); the private
page of a registration (``private``); the organisers' pages (``organisers``). The study day's
old addresses by year lead to its page by redirect (``public``)."""

from core.studyday.views import organisers, private, public
from core.studyday.views.common import blueprint

# Importing the modules above registers their routes on the one blueprint.
__all__ = ["blueprint", "organisers", "private", "public"]
