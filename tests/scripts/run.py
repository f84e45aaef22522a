#!/usr/bin/env python3
"""CTest entry: run one unittest module of tests/scripts.

    python3 tests/scripts/run.py test_compare

Exit 0 when its tests pass, 1 on a failure, 77 (CTest SKIP_RETURN_CODE)
when every test was skipped (matplotlib or Chromium missing): a skip shows
as skipped in CTest, never as a silent pass.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    if len(sys.argv) != 2:
        print("usage: run.py TEST_MODULE", file=sys.stderr)
        return 2
    suite = unittest.defaultTestLoader.loadTestsFromName(sys.argv[1])
    res = unittest.TextTestRunner(verbosity=2).run(suite)
    if not res.wasSuccessful():
        return 1
    if res.testsRun and len(res.skipped) == res.testsRun:
        for _, why in res.skipped[:1]:
            print("SKIPPED: %s" % why)
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
