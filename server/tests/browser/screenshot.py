"""The screenshot of a run's page in docs/SERVER.md: scripts/page-screenshot.sh runs this.

The documented example in a server whose jobs are manual, mid-cancellation: cancelled through
Zuora's API, six steps of its job taken and the accounting integration started on JE-00000007
through the control API (the calls the page's buttons make), then the whole page in headless
Chromium, 1280 pixels wide.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import Server, chromium  # noqa: E402

WIDTH = 1280


def main(out):
    server = Server('[jobs]\nmode = "manual"\n')
    try:
        server.load()
        server.cancel("JR-00000075")
        for _ in range(6):
            server.control("POST", "/runs/JR-00000075/job/step")
        server.control("POST", "/entries/JE-00000007/transfer", {"to": "Processing"})
        driver = chromium(width=WIDTH, height=1000)
        try:
            driver.get(server.base_url + "/_control/page/runs/JR-00000075")
            summary = driver.find_element("css selector", "#job-summary").text
            expected = "CancelInprogress, 6 of 10 attempted, 5 cancelled, JE-00000004 failed: Transferred to Accounting is Yes"
            if summary != expected:
                raise SystemExit(f"page-screenshot: the page says {summary!r}, not {expected!r}")
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(WIDTH, height)
            if not driver.save_screenshot(str(out)):
                raise SystemExit(f"page-screenshot: could not write {out}")
        finally:
            driver.quit()
    finally:
        server.stop()
    print(f"page-screenshot: wrote {out} ({WIDTH}x{height})")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "docs" / "images" / "run-page.png")
