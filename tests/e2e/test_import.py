"""An import in the browser: the file is sent, the progress shows, the report is readable
and passes axe."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import browser_login, run_axe

pytestmark = pytest.mark.browser

HEADER = "external_id,category,name_nl,name_fr,prisons,schedule,target_groups,languages\n"


def test_an_import_with_problems_reports_them_accessibly(page, live_app, tmp_path):
    base = live_app[1]
    browser_login(page, live_app, ("vlaams", "coordinator"))
    page.goto(f"{base}/language/en")
    rows = "".join(f"VG-{n},sport,Sport {n},Sport {n},haren,,,nl\n" for n in range(2000, 2300))
    path = tmp_path / "sport.csv"
    path.write_text(HEADER + rows + "VG-2999,sport,Fout,Erreur,nergens,,,nl\n", encoding="utf-8")
    page.goto(f"{base}/services/import")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector("#report-heading", timeout=30_000)
    assert "nothing was stored" in page.locator("#job").inner_text()
    assert page.locator("td code", has_text="locations.0.prison").count() == 1
    assert run_axe(page) == []
    assert page.problems == []
