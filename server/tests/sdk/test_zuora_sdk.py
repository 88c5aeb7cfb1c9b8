"""`journal-run serve` driven by Zuora's official Python client, `zuora-sdk` (unmodified).

Each test starts its own server (harness.Server) and points the SDK's `ZuoraClient` at it
through `Configuration(host=...)`: the SDK fetches its token from `/oauth/token` and sends every
call there. Run by scripts/sdk-test.sh.
"""

import re
import time
import unittest

import pydantic
from zuora_sdk import Configuration
from zuora_sdk.exceptions import ApiException, UnauthorizedException
from zuora_sdk.models.journal_entry_status import JournalEntryStatus
from zuora_sdk.models.journal_run_status import JournalRunStatus
from zuora_sdk.zuora_client import ZuoraClient

from harness import Server

RUN = "JR-00000075"
ENTRIES = [f"JE-{n:08d}" for n in range(1, 11)]
TRANSFERRED = "JE-00000004"

# Zuora's Finance permissions, as the server's config names them.
FINANCE = [
    "Create Journal Run",
    "Cancel Journal Run",
    "Delete Cancelled Journal Run",
    "Create Journal Entry",
    "Edit Journal Entry",
    "Cancel Journal Entry",
    "Delete Cancelled Journal Entry",
    "Override Transferred to Accounting",
]

# Two OAuth clients (ids of exactly 36 characters, secrets of at most 42: the SDK's limits).
ADMIN_ID = "5d1c2b8e-0a4f-4c3e-9b7a-1f2e3d4c5b6a"
ADMIN_SECRET = "sdk-admin-secret-0123456789abcdef01234567"
VIEWER_ID = "7e9f0a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
VIEWER_SECRET = "sdk-viewer-secret-0123456789abcdef0123456"


def toml_list(items):
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


MULTI_ENTITY_CONFIG = f"""
multi_entity = true
multi_org = true
http_status_mapping = "zuora"
token_lifetime_secs = 3600

[jobs]
mode = "auto"
step_interval_ms = 50

[[clients]]
client_id = "{ADMIN_ID}"
client_secret = "{ADMIN_SECRET}"
user = "finance-admin"
caller = {{ permissions = {toml_list(FINANCE)}, entities = ["entity-a", "entity-b"], orgs = "all" }}

[[clients]]
client_id = "{VIEWER_ID}"
client_secret = "{VIEWER_SECRET}"
user = "finance-viewer"
caller = {{ permissions = {toml_list(p for p in FINANCE if p != "Cancel Journal Run")}, entities = ["entity-a", "entity-b"], orgs = "all" }}
"""


def codes(response):
    return [str(r.code) for r in (response.reasons or [])]


class ServerTest(unittest.TestCase):
    """A server per test, stopped (SIGTERM) and checked to have exited cleanly."""

    config = None

    def setUp(self):
        self.server = Server(self.config)
        self.addCleanup(self._stop)
        self.clients = []

    def _stop(self):
        for client in self.clients:
            # A client started with initialize() has a refresh thread; stop it.
            client.stop_auto_auth()
        status = self.server.stop()
        self.assertEqual(status, 0, f"the server's exit status after SIGTERM; stderr: {self.server.stderr()}")

    def sdk(self, client_id, client_secret, initialize=True):
        """A ZuoraClient pointed at the server. `initialize()` is the SDK's documented start: a
        first token, then a thread that refreshes it every 10 minutes. `refresh_token()` fetches
        a token without that thread."""
        client = ZuoraClient(client_id, client_secret, env=None, config=Configuration(host=self.server.base_url))
        if initialize:
            client.initialize()
            self.clients.append(client)
        else:
            client.refresh_token()
        # ZuoraClient._auth prints and swallows a failed token request: check it got one.
        self.assertIsNotNone(client.token["access_token"], "the SDK got no token from /oauth/token")
        return client


class DocumentedExample(ServerTest):
    """Scenario 1: the documented example, examples/jr-00000075.json, cancelled through the SDK."""

    def test_cancel_documented_example(self):
        server = self.server
        # The default client: a UUID and 40 hex digits.
        self.assertRegex(server.client_id, r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        self.assertRegex(server.client_secret, r"^[0-9a-f]{40}$")
        self.assertEqual(server.load(), {"loaded": RUN})

        client = self.sdk(server.client_id, server.client_secret)
        runs = client.journal_runs_api()
        entries = client.summary_journal_entries_api()

        before = runs.get_journal_run(RUN)
        self.assertTrue(before.success)
        self.assertEqual(before.number, RUN)
        self.assertEqual(before.status, JournalRunStatus.COMPLETED)
        self.assertEqual(before.total_journal_entry_count, 10)

        # Cancel, through *_with_http_info to see the answer's headers.
        cancelled = runs.cancel_journal_run_with_http_info(RUN, zuora_track_id="sdk-test-cancel-1")
        self.assertEqual(cancelled.status_code, 200)
        self.assertTrue(cancelled.data.success, cancelled.data)
        self.assertEqual(cancelled.zuora_track_id, "sdk-test-cancel-1", "Zuora-Track-Id echoed")
        self.assertRegex(cancelled.zuora_request_id, r"^[0-9a-f-]{36}$", "a Zuora-Request-Id")

        # Poll until the run leaves CancelInprogress; at 50 ms a step it is seen in it.
        seen = []
        deadline = time.monotonic() + 30
        while True:
            run = runs.get_journal_run(RUN)
            self.assertTrue(run.success, run)
            seen.append(run.status)
            if run.status != JournalRunStatus.CANCELINPROGRESS:
                break
            self.assertLess(time.monotonic(), deadline, f"still CancelInprogress after 30 s ({len(seen)} polls)")
            time.sleep(0.01)
        self.assertIn(JournalRunStatus.CANCELINPROGRESS, seen, f"statuses seen: {seen}")
        self.assertEqual(seen[-1], JournalRunStatus.COMPLETED, f"statuses seen: {seen}")

        # Every entry, four a page (the SDK refuses more than 40), following nextPage.
        listed, page, pages = [], 1, 0
        while True:
            answer = entries.get_all_summary_journal_entries_with_http_info(
                RUN, page=page, page_size=4, zuora_track_id=f"sdk-test-page-{page}"
            )
            self.assertEqual(answer.zuora_track_id, f"sdk-test-page-{page}")
            self.assertTrue(answer.data.success, answer.data)
            listed += answer.data.journal_entries or []
            pages += 1
            if answer.data.next_page is None:
                break
            self.assertTrue(answer.data.next_page.startswith(server.base_url + "/v1/journal-entries/journal-runs/" + RUN))
            self.assertIn(f"page={page + 1}", answer.data.next_page)
            page += 1
            self.assertLessEqual(page, 10, "nextPage never ends")
        self.assertEqual(pages, 3)
        self.assertEqual([e.number for e in listed], ENTRIES)
        status = {e.number: e for e in listed}
        for number in ENTRIES:
            if number == TRANSFERRED:
                self.assertEqual(status[number].status, JournalEntryStatus.CREATED)
                self.assertEqual(status[number].transferred_to_accounting, "Yes")
            else:
                self.assertEqual(status[number].status, JournalEntryStatus.CANCELLED, number)
        self.assertEqual(sum(e.status == JournalEntryStatus.CANCELLED for e in listed), 9)

        # The single-entry GET agrees.
        kept = entries.get_summary_journal_entry(TRANSFERRED)
        self.assertTrue(kept.success)
        self.assertEqual(kept.status, JournalEntryStatus.CREATED)
        self.assertEqual(kept.transferred_to_accounting, "Yes")
        self.assertEqual(entries.get_summary_journal_entry("JE-00000001").status, JournalEntryStatus.CANCELLED)

        # The SDK refuses a page size above 40 before sending anything.
        with self.assertRaises(pydantic.ValidationError):
            entries.get_all_summary_journal_entries(RUN, page_size=41)

        # The server's log rebuilds the run it holds.
        self.assertTrue(server.control("GET", f"/runs/{RUN}/replay")["equal"])


class EntitiesTokensPermissions(ServerTest):
    """Scenario 2: Multi-entity scoping, an expired token, a missing permission."""

    config = MULTI_ENTITY_CONFIG

    def setUp(self):
        super().setUp()
        self.assertEqual(self.server.client_id, ADMIN_ID, "the first configured client is printed")
        self.assertEqual(self.server.load(entity="entity-a"), {"loaded": RUN})

    def test_entity_scoping(self):
        runs = self.sdk(ADMIN_ID, ADMIN_SECRET, initialize=False).journal_runs_api()

        elsewhere = runs.get_journal_run(RUN, zuora_entity_ids="entity-b")
        self.assertIs(elsewhere.success, False)
        self.assertTrue(any(c.endswith("40") for c in codes(elsewhere)), f"not found (…40): {codes(elsewhere)}")

        found = runs.get_journal_run(RUN, zuora_entity_ids="entity-a")
        self.assertTrue(found.success, found)
        self.assertEqual(found.number, RUN)
        self.assertEqual(found.status, JournalRunStatus.COMPLETED)

        unnamed = runs.get_journal_run(RUN)
        self.assertIs(unnamed.success, False)
        self.assertTrue(any(c.endswith("22") for c in codes(unnamed)), f"entity required (…22): {codes(unnamed)}")

    def test_entity_as_sdk_default_header(self):
        client = self.sdk(ADMIN_ID, ADMIN_SECRET, initialize=False)
        client.set_entity_id("entity-a")
        listed = client.summary_journal_entries_api().get_all_summary_journal_entries(RUN, page_size=40)
        self.assertTrue(listed.success, listed)
        self.assertEqual([e.number for e in listed.journal_entries], ENTRIES)
        self.assertIsNone(listed.next_page)

    def test_expired_token(self):
        client = self.sdk(ADMIN_ID, ADMIN_SECRET)
        runs = client.journal_runs_api()
        self.assertTrue(runs.get_journal_run(RUN, zuora_entity_ids="entity-a").success)
        old_token = client.token["access_token"]

        expired = self.server.control("POST", "/tokens/expire")
        self.assertGreaterEqual(expired["expired"], 1)
        # The SDK still believes in its token: it knows only expires_in.
        self.assertFalse(client.is_token_expired())

        # ZuoraClient neither refreshes nor retries on a 401: the call raises.
        with self.assertRaises(UnauthorizedException) as raised:
            runs.get_journal_run(RUN, zuora_entity_ids="entity-a", zuora_track_id="sdk-test-expired")
        self.assertIsInstance(raised.exception, ApiException)
        self.assertEqual(raised.exception.status, 401)
        self.assertEqual(raised.exception.zuora_track_id, "sdk-test-expired", "Zuora-Track-Id echoed on the 401")
        self.assertEqual(client.token["access_token"], old_token, "the SDK did not fetch a new token by itself")

        # The SDK's refresh_token() fetches a new one; the next call succeeds.
        client.refresh_token()
        self.assertNotEqual(client.token["access_token"], old_token)
        again = runs.get_journal_run(RUN, zuora_entity_ids="entity-a")
        self.assertTrue(again.success, again)
        self.assertEqual(again.status, JournalRunStatus.COMPLETED)

    def test_cancel_without_permission(self):
        viewer = self.sdk(VIEWER_ID, VIEWER_SECRET, initialize=False).journal_runs_api()
        refused = viewer.cancel_journal_run(RUN, zuora_entity_ids="entity-a")
        self.assertIs(refused.success, False)
        self.assertTrue(any(c.endswith("10") for c in codes(refused)), f"permission (…10): {codes(refused)}")

        # Nothing changed: the run is still Completed, its entries still Created.
        admin = self.sdk(ADMIN_ID, ADMIN_SECRET, initialize=False)
        run = admin.journal_runs_api().get_journal_run(RUN, zuora_entity_ids="entity-a")
        self.assertEqual(run.status, JournalRunStatus.COMPLETED)
        listed = admin.summary_journal_entries_api().get_all_summary_journal_entries(
            RUN, page_size=40, zuora_entity_ids="entity-a"
        )
        self.assertTrue(all(e.status == JournalEntryStatus.CREATED for e in listed.journal_entries))

        # The same request with the permission succeeds.
        allowed = admin.journal_runs_api().cancel_journal_run(RUN, zuora_entity_ids="entity-a")
        self.assertTrue(allowed.success, allowed)


if __name__ == "__main__":
    unittest.main()
