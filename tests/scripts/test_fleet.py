"""report-page A B (issue 14): runs of two machines on one page, side by side
(stdlib; the Chromium check is skipped without Chromium)."""
import csv
import os
import re
import shutil
import unittest

from common import FIX, RESULTS, TmpDir, run, script
from tlreport import pagecheck, ratios, results

FLIP = "semaphore/uncontended"


def fleet_runs(test):
    """reports/host-a (the fixture, run.json) and reports/host-b (another
    host, CPU and commit; semaphore/uncontended twice as fast, so it beats
    sem_t there while it loses on host-a)."""
    reports = os.path.join(test.tmp, "reports")
    a, b = os.path.join(reports, "host-a"), os.path.join(reports, "host-b")
    os.makedirs(a)
    os.makedirs(b)
    shutil.copy(RESULTS, os.path.join(a, "results.csv"))
    shutil.copy(os.path.join(FIX, "run.json"), os.path.join(a, "run.json"))
    with open(RESULTS, newline="") as f:
        rd = csv.DictReader(f)
        header, rows = rd.fieldnames, list(rd)
    for x in rows:
        x.update(host="box-b", cpu_model="Other CPU 9000", git_commit="fedcba9876543210fedcba9876543210fedcba98")
        if x["name"].startswith(FLIP + "/") and x["peer"] == "c" and x["real_ns"] and x["aggregate"] != "cv":
            x["real_ns"] = repr(float(x["real_ns"]) * 0.5)
    with open(os.path.join(b, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(rows)
    return reports, a, b


class Fleet(TmpDir):
    def test_two_hosts_side_by_side(self):
        reports, a, b = fleet_runs(self)
        r = run([script("report-page"), a, b])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = os.path.join(reports, "fleet.html")
        self.assertIn(out, r.stdout)
        with open(out, encoding="utf-8") as f:
            page = f.read()
        # a column per machine: host, CPU model, commit
        mach = page[page.index('<section id="machines">'):page.index("</section>")]
        self.assertIn("<th>fixture-host</th><th>box-b</th>", mach)
        self.assertIn("<td>Fixture CPU @ 2.00GHz</td><td>Other CPU 9000</td>", mach)
        self.assertIn("<td>0123456789ab</td><td>fedcba987654</td>", mach)
        self.assertIn("<td>1 pkg / 2 cores / 2 PUs (2 allowed)</td>", mach)
        # ratios per host, as each run's own pairing computes them
        want = {}
        for d in (a, b):
            pts = [p for p in results.points(results.load(os.path.join(d, "results.csv"))) if p.ok]
            for pr in ratios.baseline_pairs(pts)[0]:
                if pr.ours.pv == FLIP and pr.ours.peer == "c":
                    want.setdefault(d, []).append(pr.ratio)
        self.assertEqual(len(want[a]), 1)
        self.assertGreater(want[a][0], 1)
        self.assertLess(want[b][0], 1)
        sec = page[page.index('<section id="ratios">'):]
        rows = re.findall(r"<tr( class=\"split\")?><td>([^<]*)</td>(.*?)</tr>", sec[:sec.index("</section>")])
        flip = [x for x in rows if x[1] == FLIP]
        self.assertEqual(len(flip), 1)
        self.assertEqual(flip[0][0], ' class="split"')  # the machines disagree: marked
        self.assertEqual(rows[0][1], FLIP)  # and first
        cells = re.findall(r"<td class='num (\w+)'>&times;([0-9.e+-]+)</td>", flip[0][2])
        self.assertEqual([c for c, _ in cells], ["bad", "good"])
        self.assertAlmostEqual(float(cells[0][1]), want[a][0], delta=want[a][0] * 0.01)
        self.assertAlmostEqual(float(cells[1][1]), want[b][0], delta=want[b][0] * 0.01)
        self.assertIn("<b>1</b> pair(s) where the machines disagree", page)

    def test_output_option_and_bad_inputs(self):
        _, a, b = fleet_runs(self)
        out = os.path.join(self.tmp, "x", "f.html")
        os.makedirs(os.path.dirname(out))
        r = run([script("report-page"), a, b, "-o", out])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(out))
        r = run([script("report-page"), a, os.path.join(self.tmp, "nope")])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        r = run([script("report-page"), a, b, "--tsan", a])
        self.assertEqual(r.returncode, 2)

    def test_bad_output_is_one_clear_line(self):
        reports, a, b = fleet_runs(self)
        for out, text in ((a, "--output %s: is a directory, expected a file name" % a),
                          (os.path.join(self.tmp, "nodir", "x.html"), "--output %s: directory %s does not exist"
                           % (os.path.join(self.tmp, "nodir", "x.html"), os.path.join(self.tmp, "nodir"))),
                          ("", "--output needs a file name")):
            with self.subTest(out=out):
                r = run([script("report-page"), a, b, "-o", out])
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertEqual(r.stderr.strip().splitlines(), ["report-page: error: " + text])
                self.assertFalse(os.path.exists(os.path.join(reports, "fleet.html")))
        self.assertEqual(sorted(os.listdir(reports)), ["host-a", "host-b"])  # no temporary files

    def test_renders_in_chromium(self):
        if not pagecheck.find_chromium():
            self.skipTest("chromium not installed")
        reports, a, b = fleet_runs(self)
        self.assertEqual(run([script("report-page"), a, b]).returncode, 0)
        res = pagecheck.check(os.path.join(reports, "fleet.html"))
        self.assertEqual((res["external"], res["broken"]), ([], []))
        self.assertEqual([s for s in res["sections"] if s in ("machines", "ratios")], ["machines", "ratios"])


if __name__ == "__main__":
    unittest.main()
