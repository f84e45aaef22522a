"""Load the report page in headless Chromium and count the images that
rendered (naturalWidth > 0). Skipped (CTest: 77) without Chromium."""
import os
import re
import unittest

from common import TSAN, TmpDir, run, script
from test_page import make_run
from tlreport import pagecheck


class PageInChromium(TmpDir):
    def setUp(self):
        super().setUp()
        if not pagecheck.find_chromium():
            self.skipTest("chromium not installed (Debian: apt-get install chromium, or "
                          "scripts/install-deps with its browser option; TL_CHROMIUM=path)")

    def test_every_image_renders(self):
        run_dir = make_run(self)
        r = run([script("report-page"), run_dir, "--tsan", TSAN])
        self.assertEqual(r.returncode, 0, r.stderr)
        page = os.path.join(run_dir, "index.html")
        n = len([x for x in os.listdir(os.path.join(run_dir, "plots")) if x.endswith(".png")])
        res = pagecheck.check(page)
        self.assertEqual(res["external"], [])
        self.assertEqual(res["broken"], [])
        self.assertEqual(res["total"], n)
        self.assertEqual(res["rendered"], n)

    def test_a_broken_image_is_caught(self):
        # Negative control: corrupt one embedded PNG; the check must see it.
        run_dir = make_run(self)
        self.assertEqual(run([script("report-page"), run_dir]).returncode, 0)
        page = os.path.join(run_dir, "index.html")
        with open(page) as f:
            html = f.read()
        html, k = re.subn(r'(data-plot="handoff" alt="[^"]*" src="data:image/png;base64,)[A-Za-z0-9+/]{64}',
                          r"\1" + "A" * 64, html, count=1)
        self.assertEqual(k, 1)
        with open(page, "w") as f:
            f.write(html)
        res = pagecheck.check(page)
        self.assertEqual(res["broken"], ["handoff"])
        self.assertEqual(res["rendered"], res["total"] - 1)

    def test_report_page_check_flag(self):
        run_dir = make_run(self)
        r = run([script("report-page"), run_dir, "--check"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"chromium rendered (\d+) of \1 images")


if __name__ == "__main__":
    unittest.main()
