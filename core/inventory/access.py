"""Which services a reader may see, for the pages and the API alike: a published one, or
an unpublished one for its authority's people and the committee. An unpublished service
the reader may not see is not even shown to exist (404)."""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import selectinload

from core.db import db_session
from core.inventory.models import Service
from core.permissions import can, current
from core.web import LARGEST_ID


def may_see(service: Service) -> bool:
    return service.published_at is not None or can(current(), "inventory.read_unpublished", service)


def service_or_404(service_id: int) -> Service:
    """The service, if the caller may see it; an unpublished one is not even shown to exist."""
    if not 0 < service_id <= LARGEST_ID:
        abort(404)
    service = db_session().get(Service, service_id, options=[selectinload(Service.locations)])
    if service is None or not may_see(service):
        abort(404)
    return service
