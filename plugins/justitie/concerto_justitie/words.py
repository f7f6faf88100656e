"""The plugin's own gettext domain, for its modules and its hooks alike (a module of its own,
so that the package's modules need not import the package while it is being loaded)."""

from core.plugin_kit import translations

domain = translations("justitie", __file__)
_l = domain.lazy_gettext
