"""A citizen, in a real browser, registers with an OTP, fills the profile, files a pahani grievance with a
document and finds it under My grievances: on a desktop, on a 360 px phone, and on the phone in Kannada.

Screenshots of every step go to test-output/browser/<flow>/NN-step.png (look at them)."""
from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from tests.browser.steps import RTC_NOT_ISSUED, Walk, file_rtc_grievance, register_citizen, words


@pytest.mark.parametrize("viewport, lang", [("desktop", "en"), ("phone", "en"), ("phone", "kn")],
                         ids=["desktop", "phone", "phone-kn"])
def test_citizen_registers_files_and_finds_the_grievance(page_for, live_server, document_png, viewport, lang):
    shots = viewport if lang == "en" else f"{viewport}-{lang}"
    walk = Walk(page_for(viewport, shots), viewport, lang)
    page = walk.page
    mobile = f"98{random.randrange(10 ** 8):08d}"

    register_citizen(walk, live_server, mobile)
    number = file_rtc_grievance(walk, document_png)
    page.click(f"header nav a:text-is('{words('mine', lang)}')")

    page.wait_for_url("**/grievances")
    link = page.locator(f"a[href='/grievances/{number}']")
    mine = page.locator(".grievance-list li", has=link)
    expect(mine.locator("a")).to_have_text(number)
    expect(mine).to_contain_text(RTC_NOT_ISSUED[lang])
    walk.check("mine")

    assert "Traceback" not in live_server.log_text(), live_server.log_text()[-3000:]
