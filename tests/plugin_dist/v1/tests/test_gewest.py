"""The Region's own tests, as its developer writes them with ``core.testing``."""

from sqlalchemy import text

from core.events.hooks import deliver
from core.testing import csrf_token


def test_an_adviser_logs_in_through_the_regions_provider_as_a_coordinator(concerto_app, login_as):
    client = concerto_app.test_client()
    login_as(client, "gewest", "adviseur")
    # A coordinator of the Region may open the form for a new service of the Region.
    page = client.get("/services/new")
    assert page.status_code == 200
    # Its own words for services are offered (English falls back to Dutch, then French).
    assert "Tewerkstelling" in page.get_data(as_text=True)
    assert csrf_token(client, "/services/new")


def test_a_collaborator_only_reads(concerto_app, login_as):
    client = concerto_app.test_client()
    login_as(client, "gewest", "medewerker")
    assert client.get("/services/new").status_code == 403


def test_the_projects_page_and_the_report_show_the_regions_own_table(concerto_app):
    engine = concerto_app.extensions["concerto.db"].engine
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO gewest_projects (year, prison, title, participants) "
                "VALUES (2026, 'Prison de Haren', 'Jobcoaching', 12)"
            )
        )
    client = concerto_app.test_client()
    page = client.get("/gewest/projects", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    assert "Projets de la Région" in page.get_data(as_text=True)
    assert "Jobcoaching" in page.get_data(as_text=True)
    registry = concerto_app.extensions["concerto.registry"]
    report = registry.authorities["gewest"].reports[0]
    with concerto_app.extensions["concerto.db"].session() as session:
        assert "Jobcoaching" in report.render(session, 2026, "fr").decode("utf-8-sig")


def _hear(app) -> None:
    """What the scheduler's plugin_events job does every minute."""
    with app.app_context(), app.extensions["concerto.db"].session() as session:
        deliver(session, app.extensions["concerto.registry"])


def test_the_region_hears_once_of_a_service_it_adds(concerto_app, login_as):
    from concerto_gewest import HEARD

    HEARD.clear()
    _hear(concerto_app)  # the first run marks the plugin's place: what comes after is told
    client = concerto_app.test_client()
    login_as(client, "gewest", "adviseur")
    created = client.post(
        "/services/new",
        data={
            "csrf_token": csrf_token(client, "/services/new"),
            "external_id": "GW-1",
            "category": "tewerkstelling",
            "name_nl": "Jobcoaching in Haren",
            "name_fr": "Jobcoaching à Haren",
            "delivery": "individual",
            "setting": "inside",
            "access": "on_request",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    service_id = int(created.location.rsplit("/", 1)[1])
    _hear(concerto_app)
    _hear(concerto_app)  # a second run tells nothing twice
    assert [("service.created", "service", service_id)] == HEARD
