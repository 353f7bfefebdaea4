"""The state monitor's dashboard on the real platform (`python app.py` with its demo history): log in, see the
charts drawn by Chart.js, click a bar and land on the grievances behind it; then the same on a 360 px phone, and
the public transparency page. Screenshots: test-output/browser/dashboard.png and test-output/browser/dashboard/*."""
from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.steps import Walk, officer_login, screenshot

HISTORY_SECONDS = 240  # the first start adds the demo history on a background thread, then refreshes the rollup


def _wait_for_figures(page) -> int:
    deadline = time.monotonic() + HISTORY_SECONDS
    while True:
        page.goto("/dashboards/")
        received = int(page.locator("#kpi-received").inner_text() or 0)
        if received >= 1000:
            return received
        assert time.monotonic() < deadline, f"the dashboard still shows {received} grievances after {HISTORY_SECONDS} s"
        time.sleep(3)


def test_state_monitor_opens_the_dashboard_and_drills_down_from_a_chart(page_for, live_server):
    walk = Walk(page_for("desktop", "dashboard"), "desktop", portal=False, actor="monitor")
    page = walk.page
    officer_login(walk, live_server, "monitor")
    received = _wait_for_figures(page)
    expect(page.locator("h1")).to_contain_text("All of Karnataka")
    expect(page.locator("#as-of")).to_contain_text("Figures as of")
    page.wait_for_function("document.querySelector('#chart-pendency_district').chart !== undefined")
    walk.check("dashboard")
    screenshot(page, SCREENSHOTS / "dashboard.png")

    # Click the first (largest) bar of "Pendency by district": Chart.js maps the click to that bar.
    canvas = page.locator("#chart-pendency_district")
    canvas.scroll_into_view_if_needed()
    first = page.evaluate("""() => {
        const chart = document.querySelector('#chart-pendency_district').chart;
        const bar = chart.getDatasetMeta(0).data[0];
        return {x: (bar.base + bar.x) / 2, y: bar.y, label: chart.data.labels[0], value: chart.data.datasets[0].data[0]};
    }""")
    canvas.click(position={"x": first["x"], "y": first["y"]})
    page.wait_for_url(re.compile(r"/dashboards/grievances\?.*measure=pending"))
    expect(page.locator("h1")).to_have_text("Grievances behind the figure")
    total = int(page.locator("#list-total").inner_text())
    assert 0 < total <= received and "district=" in page.url
    assert page.locator("#drill-list tbody tr").count() == min(total, 25)
    walk.check("drill-down")
    screenshot(page, SCREENSHOTS / "dashboard-drill-down.png")


def test_the_dashboard_reads_on_a_phone_in_kannada(page_for, live_server):
    walk = Walk(page_for("phone", "dashboard-phone"), "phone", lang="kn", portal=False, actor="monitor", fonts=True)
    page = walk.page
    officer_login(walk, live_server, "monitor")
    _wait_for_figures(page)
    page.goto("/dashboards/?lang=kn")
    page.wait_for_function("document.querySelector('#chart-channels').chart !== undefined")
    expect(page.locator("h1")).to_contain_text("ಡ್ಯಾಶ್‌ಬೋರ್ಡ್")
    walk.check("dashboard-kn")


def test_the_public_transparency_page(page_for, live_server):
    walk = Walk(page_for("phone", "transparency"), "phone", portal=False, actor="public")
    page = walk.page
    page.goto("/transparency")
    expect(page.locator("h1")).to_have_text("How departments redress grievances")
    walk.check("transparency")
    page.goto("/transparency?lang=kn")
    expect(page.locator("h1")).to_have_text("ಇಲಾಖೆಗಳು ಕುಂದುಕೊರತೆಗಳನ್ನು ಹೇಗೆ ಪರಿಹರಿಸುತ್ತಿವೆ")
