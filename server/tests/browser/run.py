"""Runs the browser tests of the live page (unittest) and closes with a plain
'N passed, N failed' line."""

import sys
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main():
    started = time.monotonic()
    suite = unittest.defaultTestLoader.discover(str(HERE), pattern="test_*.py", top_level_dir=str(HERE))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped) - len(result.expectedFailures)
    skipped = len(result.skipped) + len(result.expectedFailures)
    print(f"page: the browser tests took {time.monotonic() - started:.1f} s")
    print(f"page: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 0 if result.testsRun > 0 and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
