"""Pages of the meetings feature, one blueprint ("meetings") over several modules along the
feature's own sections: bodies, members and series (``bodies``); one meeting, its invitations
and replies (``meetings``); the agenda (``agenda``); the minutes editor (``minutes``); the round
of remarks (``remarks``); decisions, actions, approval and the attendance figures
(``decisions``); calendar feeds (``feeds``). The outbox of all platform mail is core.mail's."""

from core.meetings.views import agenda, bodies, decisions, feeds, meetings, minutes, remarks
from core.meetings.views.common import blueprint

# Importing the modules above registers their routes on the one blueprint.
__all__ = ["agenda", "blueprint", "bodies", "decisions", "feeds", "meetings", "minutes", "remarks"]
