"""`journal-run serve` processes, Zuora's API and the control API, and headless Chromium.

A server is started as `journal-run serve --listen 127.0.0.1:0 --db :memory:` (with a
temporary config file when given one); its first two stdout lines name its address and an
OAuth client. It is stopped with SIGTERM. The browser is Debian's Chromium driven by Debian's
ChromeDriver through Selenium, headless, with a fresh profile and its background networking
off: only 127.0.0.1 is contacted.
"""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "jr-00000075.json"

LISTENING = re.compile(r"^listening on (http://127\.0\.0\.1:(\d+))$")
CLIENT = re.compile(r"^oauth client: (\S+) (\S+)$")


def binary():
    """The `journal-run` binary that scripts/page-test.sh built (JOURNAL_RUN_BIN)."""
    path = os.environ.get("JOURNAL_RUN_BIN")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(f"JOURNAL_RUN_BIN must name the built journal-run binary (got {path!r}); run scripts/page-test.sh")
    return path


class Server:
    """One server process: `base_url`, `port`, `client_id`, `client_secret`."""

    START_TIMEOUT = 30.0

    def __init__(self, config=None):
        self._dir = tempfile.TemporaryDirectory(prefix="journal-run-page-")
        args = [binary(), "serve", "--listen", "127.0.0.1:0", "--db", ":memory:"]
        if config is not None:
            path = Path(self._dir.name) / "config.toml"
            path.write_text(config)
            args += ["--config", str(path)]
        self._stderr_path = Path(self._dir.name) / "stderr.log"
        self._stderr = open(self._stderr_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr)
        lines = []

        def read():
            for _ in range(2):
                line = self.proc.stdout.readline()
                if not line:
                    return
                lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(self.START_TIMEOUT)
        listening = LISTENING.match(lines[0]) if lines else None
        client = CLIENT.match(lines[1]) if len(lines) > 1 else None
        if not listening or not client:
            self.stop()
            raise AssertionError(f"unexpected first lines {lines!r}; stderr: {self.stderr()}")
        self.base_url = listening.group(1)
        self.port = int(listening.group(2))
        self.client_id, self.client_secret = client.group(1), client.group(2)
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def stderr(self):
        try:
            return self._stderr_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self._stderr.close()
        self._dir.cleanup()
        return self.proc.returncode

    def request(self, method, path, body=None, headers=None):
        """One HTTP request to the server: the status and the body, as JSON when it is."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        try:
            return response.status, json.loads(data) if data else None
        except ValueError:
            return response.status, data

    def control(self, method, path, body=None):
        """The control API; a 200's JSON answer."""
        payload = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        status, answer = self.request(method, "/_control" + path, payload, {"Content-Type": "application/json"})
        if status != 200:
            raise AssertionError(f"{method} /_control{path}: HTTP {status} {answer!r}")
        return answer

    def load(self, snapshot=EXAMPLE, entity=None):
        """Loads a snapshot (a path, or a document) through the control API."""
        body = Path(snapshot).read_bytes() if isinstance(snapshot, (str, Path)) else json.dumps(snapshot).encode()
        return self.control("POST", "/runs" + (f"?entity={entity}" if entity else ""), body)

    def token(self):
        form = urllib.parse.urlencode(
            {"client_id": self.client_id, "client_secret": self.client_secret, "grant_type": "client_credentials"}
        )
        status, answer = self.request(
            "POST", "/oauth/token", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 200:
            raise AssertionError(f"no token: HTTP {status} {answer!r}")
        return answer["access_token"]

    def cancel(self, number):
        """Zuora's `PUT /v1/journal-runs/{number}/cancel`, as an integration would call it."""
        status, answer = self.request(
            "PUT", f"/v1/journal-runs/{number}/cancel", b"", {"Authorization": f"Bearer {self.token()}"}
        )
        if answer != {"success": True}:
            raise AssertionError(f"cancel {number}: HTTP {status} {answer!r}")


def chromium(javascript=True, width=1280, height=1600):
    """A headless Chromium driven by ChromeDriver (Debian's, or CHROMIUM and CHROMEDRIVER)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
    profile = tempfile.mkdtemp(prefix="journal-run-page-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    original_quit = driver.quit

    def quit_and_clean():
        try:
            original_quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean
    return driver
