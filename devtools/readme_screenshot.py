"""Retake docs/screenshot.png, the README's picture: a teacher's home in the seeded demo.

    bin/run                                   # in one terminal: the demo at http://127.0.0.1:8000
    .venv/bin/python devtools/readme_screenshot.py [http://127.0.0.1:8000]

Drives Debian's Chromium (/usr/bin/chromium) with Playwright at 1280 × 900, signed in as the
demo teacher.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshot.png"


def main(base: str = "http://127.0.0.1:8000") -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Email").fill("ms.rivera@demo.learnhub.school")
        page.get_by_label("Password").fill("learnhub-demo")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("networkidle")
        page.goto(f"{base}/teach/")
        page.screenshot(path=str(OUT))
        browser.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
