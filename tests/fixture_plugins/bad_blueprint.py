"""A plugin whose pages would squat on URLs outside its own prefix."""

from flask import Blueprint

from core.hookspecs import hookimpl

CONCERTO_PLUGIN_API = "1.0"

squatter = Blueprint("squatter", __name__, url_prefix="/admin")


@hookimpl
def blueprints():
    return [squatter]
