"""The live page in a real browser: headless Chromium, driven through WebDriver.

- A cancellation of the documented example (loaded through the control API, cancelled through
  Zuora's API) is watched on the run's page until it reads "Completed, 9 of 10 cancelled,
  JE-00000004 failed: Transferred to Accounting is Yes", without a reload; the list of runs
  follows too.
- A manual job is stepped and finished from the page's buttons, and the accounting integration
  played on an entry, each through the control API's rules.
- Whatever a run holds is shown as text, never run as markup.
- Without JavaScript the page still shows the state and its buttons still work.
"""

import copy
import json
import time
import unittest

from selenium.common.exceptions import (
    NoAlertPresentException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import EXAMPLE, Server, chromium

SETTLED = "Completed, 9 of 10 cancelled, JE-00000004 failed: Transferred to Accounting is Yes"


def swapped(error):
    """Whether `error` says the element read was swapped out of the page: Selenium's stale
    reference, or Chromium's own words for the same race ("Node with given id does not belong
    to the document")."""
    if isinstance(error, StaleElementReferenceException):
        return True
    return isinstance(error, WebDriverException) and "does not belong to the document" in str(error)


def fresh(read):
    """`read()`, again if the live part was swapped in between finding an element and reading it."""
    for _ in range(20):
        try:
            return read()
        except WebDriverException as error:
            if not swapped(error):
                raise
            time.sleep(0.05)
    return read()


def text(driver, css):
    return fresh(lambda: driver.find_element(By.CSS_SELECTOR, css).text.strip())


def row(driver, entry):
    """An entry's row: its cells' text."""
    return fresh(
        lambda: [c.text.strip() for c in driver.find_elements(By.CSS_SELECTOR, f"tr#{entry} th, tr#{entry} td")]
    )


def cell(driver, entry, index):
    """An entry's cell's text, or None while its row is not on the page (as while a form's
    answer, a redirect, loads the page again)."""
    cells = row(driver, entry)
    return cells[index] if index < len(cells) else None


def button(driver, label):
    return driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']")


def severe_console_messages(driver):
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


class LivePage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.driver = chromium()

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def setUp(self):
        self.servers = []

    def tearDown(self):
        for server in self.servers:
            server.stop()

    def serve(self, config=None):
        server = Server(config)
        self.servers.append(server)
        return server

    def test_a_cancellation_is_watched_live_to_its_end(self):
        # Paced so that a person (and this test) sees the job move: 11 steps of 400 ms.
        server = self.serve("[jobs]\nstep_interval_ms = 400\n")
        self.assertEqual(server.load(), {"loaded": "JR-00000075"})
        driver = self.driver
        driver.get(server.base_url + "/")
        self.assertEqual(driver.current_url, server.base_url + "/_control/")
        self.assertEqual(driver.title, "Journal runs · journal-run serve")
        listed = text(driver, "table.runs tbody tr")
        self.assertIn("JR-00000075", listed)
        self.assertIn("Completed", listed)

        driver.find_element(By.LINK_TEXT, "JR-00000075").click()
        self.assertEqual(driver.current_url, server.base_url + "/_control/page/runs/JR-00000075")
        self.assertEqual(text(driver, "#job-summary"), "No cancellation job has run since the run was loaded.")
        self.assertEqual(row(driver, "JE-00000004")[:3], ["JE-00000004", "Created", "Yes"])
        # A mark that a reload would wipe out.
        driver.execute_script("window.notReloaded = 'still the same page';")

        server.cancel("JR-00000075")
        seen = []

        def settled(d):
            summary = text(d, "#job-summary")
            if not seen or seen[-1] != summary:
                seen.append(summary)
            return summary == SETTLED

        WebDriverWait(driver, 30, poll_frequency=0.1).until(settled)
        self.assertEqual(driver.execute_script("return window.notReloaded;"), "still the same page")
        self.assertTrue(
            any(s.startswith("CancelInprogress, ") and "attempted" in s for s in seen),
            f"the job's progress was shown while it ran: {seen}",
        )
        progress = fresh(
            lambda: [driver.find_element(By.CSS_SELECTOR, "#run progress").get_attribute(a) for a in ("value", "max")]
        )
        self.assertEqual(progress, ["10", "10"])
        self.assertEqual(
            text(driver, "ul.failures li"),
            "JE-00000004: not cancelled, its Transferred to Accounting was Yes when the job attempted it",
        )
        self.assertEqual(row(driver, "JE-00000001")[:3], ["JE-00000001", "Cancelled", "No"])
        self.assertEqual(row(driver, "JE-00000004")[:3], ["JE-00000004", "Created", "Yes"])
        log = text(driver, "table.log")
        self.assertIn("entryAttempted JE-00000004: failed, Transferred to Accounting is Yes", log)
        self.assertIn("cancellationSettled the run is Completed", log)
        self.assertIn("12 records, newest first", log)
        self.assertIn("Completed (now) cancelRun CancelInprogress", text(driver, "table.diagram"))

        # The list follows on its own too.
        driver.find_element(By.LINK_TEXT, "All journal runs").click()
        driver.execute_script("window.notReloaded = 'the list';")
        server.load()  # the run again, as loaded: Completed, nothing cancelled
        server.cancel("JR-00000075")
        WebDriverWait(driver, 30, poll_frequency=0.1).until(
            lambda d: "attempted" in text(d, "table.runs tbody tr")
        )
        WebDriverWait(driver, 30, poll_frequency=0.1).until(
            lambda d: "none running" in text(d, "table.runs tbody tr")
        )
        cells = fresh(lambda: [c.text for c in driver.find_elements(By.CSS_SELECTOR, "table.runs tbody tr td")])
        self.assertEqual(cells[:6], ["none", "Completed", "10", "1", "9", "No 8, Yes 1, Ignore 1"])
        self.assertEqual(driver.execute_script("return window.notReloaded;"), "the list")
        self.assertEqual(severe_console_messages(driver), [])

    def test_a_manual_job_is_stepped_from_the_page(self):
        server = self.serve('[jobs]\nmode = "manual"\n')
        server.load()
        server.cancel("JR-00000075")
        driver = self.driver
        driver.get(server.base_url + "/_control/page/runs/JR-00000075")
        self.assertEqual(text(driver, "#job-summary"), "CancelInprogress, 0 of 10 attempted, 0 cancelled")
        self.assertIn("Next background step: stepCancellation.", text(driver, "#run"))
        self.assertEqual(driver.find_elements(By.XPATH, "//button[normalize-space()='Pause job']"), [])

        button(driver, "Step").click()
        WebDriverWait(driver, 15).until(
            lambda d: text(d, "#job-summary") == "CancelInprogress, 1 of 10 attempted, 1 cancelled"
        )
        self.assertEqual(row(driver, "JE-00000001")[1], "Cancelled")
        self.assertEqual(row(driver, "JE-00000002")[1], "Created")

        # The accounting integration takes JE-00000002 before the job reaches it.
        driver.find_element(By.CSS_SELECTOR, "button[aria-label='Start transfer of JE-00000002']").click()
        WebDriverWait(driver, 15).until(lambda d: cell(d, "JE-00000002", 2) == "Processing")
        self.assertTrue(driver.current_url.endswith("/_control/page/runs/JR-00000075#JE-00000002"))
        labels = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "tr#JE-00000002 button")]
        self.assertEqual(labels, ["Transfer succeeded", "Transfer failed"])

        button(driver, "Finish").click()
        WebDriverWait(driver, 15).until(lambda d: text(d, "#job-summary").startswith("Completed"))
        self.assertEqual(
            text(driver, "#job-summary"),
            "Completed, 8 of 10 cancelled, JE-00000002 failed: Transferred to Accounting is Processing; "
            "JE-00000004 failed: Transferred to Accounting is Yes",
        )
        self.assertEqual(driver.find_elements(By.XPATH, "//button[normalize-space()='Step']"), [])
        exported = server.control("GET", "/runs/JR-00000075")
        self.assertEqual(exported["journalRun"]["status"], "Completed")
        self.assertEqual(server.control("GET", "/runs/JR-00000075/replay"), {"equal": True, "records": 13})
        self.assertEqual(severe_console_messages(driver), [])

    def test_what_a_run_holds_is_shown_as_text(self):
        server = self.serve('[jobs]\nmode = "manual"\n')
        snapshot = json.loads(EXAMPLE.read_text())
        hostile = copy.deepcopy(snapshot)
        notes = "<script>document.title = 'pwned'; alert(1)</script>"
        field = "<img src=x onerror=\"document.title = 'pwned'\">"
        hostile["journalEntries"][0]["notes"] = notes
        hostile["journalEntries"][0]["Evil__c"] = field
        server.load(hostile)
        driver = self.driver
        driver.get(server.base_url + "/_control/page/runs/JR-00000075")
        time.sleep(0.3)
        with self.assertRaises(NoAlertPresentException):
            driver.switch_to.alert.text
        self.assertEqual(driver.title, "JR-00000075 · journal-run serve")
        cells = row(driver, "JE-00000001")
        self.assertEqual(cells[4], notes)
        self.assertIn("Evil__c\n" + json.dumps(field), cells[5])
        self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "#run img, #run script"), [])

    def test_without_javascript_the_state_is_rendered_and_the_buttons_work(self):
        server = self.serve('[jobs]\nmode = "manual"\n')
        server.load()
        server.cancel("JR-00000075")
        driver = chromium(javascript=False)
        try:
            driver.get(server.base_url + "/_control/page/runs/JR-00000075")
            self.assertEqual(text(driver, "#job-summary"), "CancelInprogress, 0 of 10 attempted, 0 cancelled")
            self.assertEqual(
                text(driver, "footer noscript p"),
                "Live updates need JavaScript: reload the page to see the latest state.",
            )
            button(driver, "Finish").click()
            WebDriverWait(driver, 15).until(lambda d: text(d, "#job-summary") == SETTLED)
        finally:
            driver.quit()


if __name__ == "__main__":
    unittest.main()
