"""The plugin contract: loading, isolation of failures, strict mode, enabling."""

from __future__ import annotations

import json
import sys

import pytest

from core import create_app
from core.plugins import PluginError, api_is_compatible, load_plugins
from tests.conftest import FIVE, app_config, run_cli
from tests.logins import login_as

FAULTY = {
    "raises_on_import": "RuntimeError: this release is broken on purpose",
    "api_two": "targets API 2.0",
    "malformed_authority": "'names' of malformed lacks 'fr'",
    "duplicate_code": "authority code 'vlaams' is already registered by plugin 'vlaams'",
    "unknown_hook": "register_authoritys",
    "bad_vocabulary": "maps to unknown domain 'astrology'",
    "bad_blueprint": "url_prefix of 'squatter' must start with /zz_bad_blueprint",
    "bad_nav_group": "nav_items: 'group' must be one of offer, meetings, plan",
}


def extra(name: str) -> str:
    # "zz" sorts after the real plugins, so that the duplicate comes second.
    return f"zz_{name} = tests.fixture_plugins.{name}"


def test_the_five_authority_plugins_load_enabled_with_their_contributions():
    registry = load_plugins(FIVE)
    assert sorted(p.name for p in registry.enabled()) == sorted(FIVE)
    assert sorted(registry.authorities) == sorted(FIVE)
    for authority in registry.authorities.values():
        assert authority.roles, authority.code
        assert any(role.platform_role == "coordinator" for role in authority.roles)
        assert authority.vocabulary, authority.code
        assert set(authority.names) == {"nl", "fr", "en"}
        for role in authority.roles:
            assert authority.default_language in role.titles
    assert registry.authorities["vlaams"].languages == ["nl"]
    assert registry.authorities["cocom"].languages == ["nl", "fr"]
    assert registry.authorities["cocof"].default_language == "fr"
    domains = {t.domain for a in registry.authorities.values() for t in a.vocabulary}
    assert len(domains) == 9, "together the authorities' words cover all nine domains"


@pytest.mark.parametrize("name", sorted(FAULTY))
def test_a_faulty_plugin_is_reported_and_the_others_keep_working(name, sqlite_url, providers):
    app = create_app(
        app_config(
            sqlite_url,
            plugins=[*FIVE, f"zz_{name}"],
            extra_plugins=[extra(name)],
            **providers.settings(),
        )
    )
    registry = app.extensions["concerto.registry"]
    record = registry.plugins[f"zz_{name}"]
    assert record.status == "failed"
    assert FAULTY[name] in record.reason
    assert sorted(p.name for p in registry.enabled()) == sorted(FIVE)
    assert registry.authorities["vlaams"].names["nl"] == "Vlaamse Gemeenschap"
    client = app.test_client()
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok"
    assert health["plugins"][f"zz_{name}"]["status"] == "failed"
    assert FAULTY[name] in health["plugins"][f"zz_{name}"]["reason"]
    assert health["plugins"]["vlaams"]["status"] == "enabled"
    assert client.get("/authorities/vlaams").status_code == 200
    login_as(client, app, "administrator")
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert FAULTY[name].replace("'", "&#39;") in page


def test_concerto_plugins_json_reports_a_failed_plugin_with_its_reason(sqlite_url):
    result = run_cli(
        "plugins",
        "--json",
        env={
            "CONCERTO_DATABASE_URL": sqlite_url,
            "CONCERTO_PLUGINS": ",".join([*FIVE, "zz_api_two"]),
            "CONCERTO_EXTRA_PLUGINS": json.dumps([extra("api_two")]),
        },
    )
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["zz_api_two"]["status"] == "failed"
    assert "targets API 2.0" in rows["zz_api_two"]["reason"]
    assert all(rows[code]["status"] == "enabled" for code in FIVE)


def test_strict_mode_makes_any_plugin_failure_fatal(sqlite_url):
    with pytest.raises(PluginError, match="targets API 2.0"):
        create_app(
            app_config(
                sqlite_url,
                plugins=[*FIVE, "zz_api_two"],
                extra_plugins=[extra("api_two")],
                strict_plugins=True,
            )
        )


def test_installed_is_not_enabled_and_a_disabled_plugin_is_never_imported():
    sys.modules.pop("tests.fixture_plugins.raises_on_import", None)
    registry = load_plugins(["vlaams"], extra=[extra("raises_on_import")])
    assert registry.plugins["zz_raises_on_import"].status == "disabled"
    assert "tests.fixture_plugins.raises_on_import" not in sys.modules
    assert registry.plugins["cocof"].status == "disabled"
    assert list(registry.authorities) == ["vlaams"]


def test_a_plugin_enabled_in_configuration_but_not_installed_is_reported():
    registry = load_plugins(["vlaams", "atlantis"])
    assert registry.plugins["atlantis"].status == "failed"
    assert "not installed" in registry.plugins["atlantis"].reason


@pytest.mark.parametrize(
    ("declared", "accepted"),
    [
        ("1.0", True),
        ("1.1", True),
        ("1.2", True),
        ("1.3", False),
        ("0.9", False),
        ("2.0", False),
        ("one", False),
        ("1", False),
    ],
)
def test_plugin_api_versions_are_accepted_by_major_and_minor(declared, accepted):
    assert api_is_compatible(declared) is accepted


def test_no_plugin_field_can_take_the_name_of_an_inventory_field():
    from core.contributions import CORE_SERVICE_FIELDS
    from core.inventory.models import Service
    from core.inventory.services import FIELDS

    columns = {c.key for c in Service.__table__.columns}
    stems = {name.rsplit("_", 1)[0] for name in columns if name[-3:] in ("_nl", "_fr", "_en")}
    own = (set(FIELDS) | columns) - {f"{s}_{lang}" for s in stems for lang in ("nl", "fr", "en")}
    assert (
        own
        - {
            "id",
            "authority_code",
            "domain_code",
            "organization_id",
            "pending",
            "review_comment",
            "updated_at",
            "published_at",
        }
        <= CORE_SERVICE_FIELDS
    )
    assert stems <= CORE_SERVICE_FIELDS


def test_a_roles_grants_are_named_after_its_authority_and_checked():
    """A role may hold one of its plugin's own actions beyond its platform role (the Flemish
    network managers are readers who review their province's placement sites); the core
    names the action after the authority, so no plugin grants a core action or another
    authority's, and refuses a grant it cannot read."""
    from core.contributions import Authority, ContributionError, validate_roles

    vlaams = load_plugins(["vlaams"]).authorities["vlaams"]
    antwerp = next(r for r in vlaams.roles if r.code == "netwerkbeheerder_antwerpen")
    assert antwerp.platform_role == "viewer"
    assert antwerp.grants == [("vlaams:placement_sites.review", "antwerpen")]
    assert all(not r.grants for r in vlaams.roles if not r.code.startswith("netwerkbeheerder"))

    gewest = Authority("gewest", "gewest", {"nl": "Gewest"}, {}, "nl", ["nl"])
    role = {"code": "lezer", "titles": {"nl": "Lezer"}, "platform_role": "viewer"}
    (anywhere,) = validate_roles([role | {"grants": [{"action": "inventory.edit"}]}], gewest)
    assert anywhere.grants == [("gewest:inventory.edit", None)]  # not the core's action
    for grant, problem in [
        ({"action": "vlaams:placement_sites.review"}, "dotted lowercase"),
        ({"action": "Review"}, "dotted lowercase"),
        ({"action": "review", "scope": "Antwerpen"}, "lowercase identifier"),
        ({"action": "review", "everywhere": True}, "unknown keys"),
    ]:
        with pytest.raises(ContributionError, match=problem):
            validate_roles([role | {"grants": [grant]}], gewest)
