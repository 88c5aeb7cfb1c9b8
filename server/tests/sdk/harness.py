"""A `journal-run serve` process for one test, and the control API.

The server is started as `journal-run serve --listen 127.0.0.1:0 --db :memory:` (with a
temporary config file when the test gives one); its two first stdout lines name its address
and an OAuth client. It is stopped with SIGTERM and waited for. Only 127.0.0.1 is contacted.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "jr-00000075.json"

LISTENING = re.compile(r"^listening on (http://127\.0\.0\.1:(\d+))$")
CLIENT = re.compile(r"^oauth client: (\S+) (\S+)$")


def binary():
    """The `journal-run` binary scripts/sdk-test.sh built (JOURNAL_RUN_BIN)."""
    path = os.environ.get("JOURNAL_RUN_BIN")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(f"JOURNAL_RUN_BIN must name the built journal-run binary (got {path!r}); run scripts/sdk-test.sh")
    return path


class Server:
    """One server process. `base_url`, `port`, `client_id`, `client_secret` once started."""

    START_TIMEOUT = 30.0

    def __init__(self, config=None):
        self._dir = tempfile.TemporaryDirectory(prefix="journal-run-sdk-")
        args = [binary(), "serve", "--listen", "127.0.0.1:0", "--db", ":memory:"]
        if config is not None:
            path = Path(self._dir.name) / "config.toml"
            path.write_text(config)
            args += ["--config", str(path)]
        self._stderr_path = Path(self._dir.name) / "stderr.log"
        self._stderr = open(self._stderr_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr)
        lines = self._first_lines(2)
        listening = LISTENING.match(lines[0])
        client = CLIENT.match(lines[1])
        if not listening or not client:
            self.stop()
            raise AssertionError(f"unexpected first lines {lines!r}; stderr: {self.stderr()}")
        self.base_url = listening.group(1)
        self.port = int(listening.group(2))
        self.client_id, self.client_secret = client.group(1), client.group(2)
        # Whatever else reaches stdout is read, so that the pipe never fills.
        self._drain = threading.Thread(target=self.proc.stdout.read, daemon=True)
        self._drain.start()

    def _first_lines(self, n):
        lines = []

        def read():
            for _ in range(n):
                line = self.proc.stdout.readline()
                if not line:
                    return
                lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(self.START_TIMEOUT)
        if len(lines) < n:
            self.stop()
            raise AssertionError(f"the server printed {lines!r} within {self.START_TIMEOUT}s; stderr: {self.stderr()}")
        return lines

    def stderr(self):
        try:
            return self._stderr_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self):
        """SIGTERM, then wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("the server did not stop within 15 s of SIGTERM")
        if self.proc.stdout:
            self.proc.stdout.close()
        self._stderr.close()
        self._dir.cleanup()
        return self.proc.returncode

    # The control API (plain http.client: it is no Zuora endpoint).

    def control(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, "/_control" + path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise AssertionError(f"{method} /_control{path}: HTTP {response.status} {data!r}")
        return json.loads(data) if data else None

    def load(self, snapshot=EXAMPLE, entity=None):
        query = f"?entity={entity}" if entity else ""
        return self.control("POST", "/runs" + query, Path(snapshot).read_bytes())
