"""What citizens and officers do in the browser, shared by the flows: the checks every page must pass, the
numbered screenshots, and the steps more than one flow takes (a citizen registering and filing a pahani
grievance, an officer logging in and opening a grievance from the inbox)."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Error, expect

from ipgrs.portal.i18n import TEXT

KANNADA = re.compile(r"[\u0C80-\u0CFF]")
UNDRAWN = {"HEAD", "TITLE", "SCRIPT", "STYLE", "OPTION"}  # options of a closed select are not laid out
GRIEVANCE_ID = re.compile(r"^KA-\d{4}-\d{8}$")

RTC_NOT_ISSUED = {"en": "RTC not issued within time", "kn": "ನಿಗದಿತ ಸಮಯದಲ್ಲಿ ಪಹಣಿ ನೀಡಿಲ್ಲ"}
ANEKAL = {"en": "Anekal", "kn": "ಆನೇಕಲ್"}

HORIZONTAL_OVERFLOW = """(width) => {
  const wide = [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .slice(0, 8)
    .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + String(e.className).replace(/ /g, ".") : ""));
  return {innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, wide};
}"""


def words(key: str, lang: str) -> str:
    en, kn = TEXT[key]
    return kn if lang == "kn" else en


def screenshot(page, path: Path) -> None:
    """A full-page screenshot. Headless Chromium now and then answers "Unable to capture screenshot" while a page
    it has just navigated to is still compositing; the picture is evidence, not the check, so try again."""
    for attempt in range(3):
        try:
            page.screenshot(path=path, full_page=True)
            return
        except Error as exc:
            if "Unable to capture screenshot" not in str(exc) or attempt == 2:
                raise
            page.wait_for_timeout(500)


class Story:
    """One numbered sequence of screenshots in one folder, shared by every actor of a test."""

    def __init__(self, folder: Path):
        self.folder, self.step = folder, 0

    def shoot(self, page, name: str) -> None:
        self.step += 1
        screenshot(page, self.folder / f"{self.step:02d}-{name}.png")


class Walk:
    """Checks each page an actor reaches and screenshots it as the next step of the story.

    Every page: no browser errors, no sideways scrolling on a phone, and (`fonts`) Kannada drawn with the
    Noto Sans Kannada webfont. `portal` pages also show the portal's menu, in Kannada when `lang` is kn."""

    def __init__(self, browser_page, viewport: str, lang: str = "en", *, portal: bool = True, actor: str = "",
                 story: Story | None = None, fonts: bool | None = None):
        self.page, self.errors = browser_page.page, browser_page.console_errors
        self.story = story or Story(browser_page.shots)
        self.phone, self.lang, self.portal, self.actor = viewport == "phone", lang, portal, actor
        self.fonts = lang == "kn" if fonts is None else fonts

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        page.evaluate("document.fonts.ready.then(() => true)")
        self.story.shoot(page, f"{self.actor}-{name}" if self.actor else name)
        if self.phone:
            # Against the phone's width, not innerWidth: a mobile browser widens its layout viewport to fit a too
            # wide page (and zooms out), so innerWidth grows with the page.
            width = page.viewport_size["width"]
            layout = page.evaluate(HORIZONTAL_OVERFLOW, width)
            assert layout["scrollWidth"] <= width, f"{name}: the page is wider than the phone's {width} px: {layout}"
        text = page.locator("body").inner_text()
        if self.portal and self.lang == "kn":
            assert len(KANNADA.findall(text)) > 20, f"{name}: the page is not in Kannada: {text[:300]!r}"
        if self.portal:
            assert words("file", self.lang) in text
        if self.fonts:
            assert not (boxes := kannada_without_webfont(page)), f"{name}: Kannada drawn without its font: {boxes}"
        assert not self.errors, f"{name}: the browser reported errors: {self.errors}"


def kannada_without_webfont(page) -> list[tuple[str, str, list]]:
    """Elements whose Kannada text Chromium did not draw with the Noto Sans Kannada webfont, as the DevTools
    protocol reports the fonts it really used: boxes (tofu) show up here as a Latin font's missing glyphs."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        found = []

        def walk(node):
            texts = [c["nodeValue"] for c in node.get("children", []) if c["nodeType"] == 3]
            if node.get("nodeName") not in UNDRAWN and any(KANNADA.search(t) for t in texts):
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
                if fonts and not any(f["familyName"] == "Noto Sans Kannada" and f["isCustomFont"] for f in fonts):
                    found.append((node["nodeName"].lower(), " ".join(texts).strip()[:40],
                                  [(f["familyName"], f["glyphCount"]) for f in fonts]))
            for child in node.get("children", []):
                if child["nodeType"] == 1:
                    walk(child)

        walk(cdp.send("DOM.getDocument", {"depth": -1})["root"])
        return found
    finally:
        cdp.detach()


# --- the citizen -------------------------------------------------------------------------------------

def register_citizen(walk: Walk, live_server, mobile: str, name: str = "Asha Kumari") -> None:
    """From the login page through the OTP and the profile (Anekal, Bengaluru Urban) to the home page."""
    page, lang = walk.page, walk.lang
    page.goto("/citizen/login" + ("?lang=kn" if lang == "kn" else ""))
    expect(page.locator("h1")).to_have_text(words("login", lang))
    page.fill("#mobile", mobile)
    walk.check("login")
    page.click("main form button[type=submit]")

    page.wait_for_url("**/citizen/verify**")
    expect(page.locator("main .muted")).to_have_text("+91******" + mobile[-4:])
    page.fill("#code", live_server.latest_otp("+91" + mobile))
    walk.check("verify")
    page.click("main form button[type=submit]")

    page.wait_for_url("**/citizen/profile**")
    expect(page.locator("h1")).to_have_text(words("profile", lang))
    page.fill("#name", name)
    page.select_option("#district", "Bengaluru Urban")
    page.select_option("#taluk", "Anekal")  # waits until portal.js has filled the district's taluks
    expect(page.locator("#taluk option:checked")).to_have_text(ANEKAL[lang])
    page.fill("#pincode", "562106")
    walk.check("profile")
    page.click("main form button[type=submit]")

    page.wait_for_url(live_server.url + "/")
    walk.check("home")


RTC_DESCRIPTION = "Applied for the RTC of my land at the Nadakacheri two months ago; it is not issued yet."


def file_rtc_grievance(walk: Walk, document: Path, description: str = RTC_DESCRIPTION, survey_number: str = "123/2A") -> str:
    """From any portal page: finds "RTC not issued within time" by searching "pahani", fills its form with a
    document, files it and returns the grievance number shown."""
    page, lang = walk.page, walk.lang
    page.click(f"header nav a:text-is('{words('file', lang)}')")

    page.wait_for_url("**/file")
    page.locator("#grievance-search").press_sequentially("pahani", delay=20)
    result = page.locator("#search-results a[href^='/file/REV_RTC_NOT_ISSUED']").first
    expect(result.locator("strong")).to_have_text(RTC_NOT_ISSUED[lang])
    walk.check("search")
    result.click()

    page.wait_for_url("**/file/REV_RTC_NOT_ISSUED**")
    expect(page.locator("h1")).to_have_text(RTC_NOT_ISSUED[lang])
    page.select_option("#category", "DELAY")
    page.select_option("#subcategory", "OVER_30_DAYS")  # filled by portal.js from the category
    page.fill("#description", description)
    page.fill("#form-survey_number", survey_number)
    page.fill("#form-village_name", "Hebbagodi")
    page.set_input_files("#attachments", document)
    walk.check("form")
    if lang == "kn":  # the issue's screenshot of the Kannada filing page, under a name that does not move
        expect(page.locator("label[for=description]")).to_have_text(words("description", "kn"))
        screenshot(page, walk.story.folder.parent / "filing-kn.png")
    page.click("main form button[type=submit]")

    page.wait_for_url(re.compile(r"/grievances/KA-\d{4}-\d{8}\?filed=1$"))
    number = page.locator("#grievance-number").inner_text().strip()
    assert GRIEVANCE_ID.match(number), number
    expect(page.locator(".notice")).to_contain_text(words("filed", lang))
    expect(page.locator("main .card a[href^='/attachments/']")).to_have_text(document.name)
    walk.check("filed")
    return number


# --- officers ------------------------------------------------------------------------------------------

def officer_login(walk: Walk, live_server, username: str) -> None:
    """Logs in at FAB's /login/ with a demo login (password = username)."""
    page = walk.page
    page.goto("/login/")
    page.fill("#username", username)
    page.fill("#password", username)
    walk.check("login")
    page.click("form[name=login] input[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def open_from_inbox(walk: Walk, number: str, query: str = ""):
    """Opens /officer/inbox (with `query`), checks it, and returns the grievance's row, not yet clicked."""
    page = walk.page
    page.goto("/officer/inbox" + query)
    expect(page.locator("h1")).to_have_text("Inbox")
    row = page.locator(f"#inbox-table tr[data-number='{number}']")
    expect(row).to_have_count(1)
    walk.check("inbox")
    return row
