"""A new service as the inventory's tests fill it in (tests/test_inventory_*.py): the values of
the form, the form sent for them with places in prisons, and a service's id by its key."""

from __future__ import annotations

from sqlalchemy import select

from core.inventory.models import Service

NEW_SERVICE = {
    "external_id": "VG-99",
    "category": "sport",
    "name_nl": "Klimmen in de sportzaal",
    "name_fr": "Escalade en salle de sport",
    "description_nl": "Wekelijkse klimsessies voor beginners.",
    "description_fr": "Séances d'escalade hebdomadaires pour débutants.",
    "delivery": "group",
    "setting": "inside",
    "access": "on_request",
    "free_of_charge": "1",
    "target_groups": ["sentenced"],
    "languages": ["nl", "fr"],
    "capacity": "8",
}


def _form(values: dict, csrf: str, prisons=("sint_gillis",)) -> dict:
    form = {"csrf_token": csrf, **values}
    for prison in prisons:
        form[f"loc_{prison}"] = "1"
        form[f"loc_{prison}_schedule"] = "FREQ=WEEKLY;BYDAY=WE"
        form[f"loc_{prison}_places"] = "8"
    return form


def _id(app, external_id: str) -> int:
    with app.extensions["concerto.db"].session() as db:
        return db.scalar(select(Service.id).where(Service.external_id == external_id))
