"""Pages of the inventory, on one blueprint named "inventory": search with facets, a
service, its form, the review queue, its history (service_forms, service_page); the
coverage matrix and the yearly snapshots (overview); import and export (transfer); the
register of needs (needs); organisations (organizations); and the pages that keep the
inventory true (upkeep). Each module adds its routes to the blueprint of ``common``; the
app factory registers ``blueprint`` from here once every module is read."""

from core.inventory.views import (
    needs,
    organizations,
    overview,
    service_forms,
    service_page,
    transfer,
    upkeep,
)
from core.inventory.views.common import blueprint

__all__ = [
    "blueprint",
    "needs",
    "organizations",
    "overview",
    "service_forms",
    "service_page",
    "transfer",
    "upkeep",
]
