"""Pages of the strategic plan's work, one blueprint ("goals") over several modules along the
feature's own sections: a goal with its actions and contributions (``goal``), the progress
dashboard and its files (``dashboard``), the yearly cycle (``yearly``), new plans and the goal
tree in and out (``new_plans``); the filters and helpers they share are in ``common``."""

from core.goals.views import dashboard, goal, new_plans, yearly
from core.goals.views.common import blueprint

# Importing the modules above registers their routes on the one blueprint.
__all__ = ["blueprint", "dashboard", "goal", "new_plans", "yearly"]
