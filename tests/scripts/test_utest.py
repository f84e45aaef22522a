"""Mann-Whitney U test (scripts/tlreport/utest.py) against known values."""
import math
import random
import unittest

import common  # noqa: F401  (puts scripts/ on sys.path)
from tlreport import utest


class KnownValues(unittest.TestCase):
    # Values from scipy 1.10 mannwhitneyu(x, y, alternative='two-sided'), which
    # Google Benchmark's tools/gbench/report.py calls; the first two are the
    # BM_Two pair of its own tests (expected "1.0000" time, "0.6667" cpu).
    CASES = [
        # x, y, U1, p, method
        ([9, 8], [10, 7], 2.0, 1.0, "exact"),
        ([90, 86], [89, 72], 3.0, 2.0 / 3.0, "exact"),
        ([1, 2, 3], [4, 5, 6], 0.0, 0.1, "exact"),
        ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 0.0, 2.0 / 252.0, "exact"),
        ([1, 2, 2, 3, 5], [2, 4, 6, 6, 7, 8], 4.0, 0.052477978971014166, "asymptotic"),
    ]

    def test_known(self):
        for x, y, u, p, method in self.CASES:
            with self.subTest(x=x, y=y):
                got_u, got_p, got_m = utest.mannwhitneyu(x, y)
                self.assertEqual(got_m, method)
                self.assertAlmostEqual(got_u, u, places=12)
                self.assertAlmostEqual(got_p, p, places=12)

    def test_asymptotic_large_samples(self):
        # n = 10 each, no ties: auto picks the normal approximation.
        # Hand computation: U1 = 0, mu = 50, var = 10*10/12*21 = 175,
        # z = (100 - 50 - 0.5) / sqrt(175), p = erfc(z / sqrt 2).
        x, y = list(range(10)), list(range(10, 20))
        u, p, m = utest.mannwhitneyu(x, y)
        self.assertEqual(m, "asymptotic")
        self.assertEqual(u, 0.0)
        self.assertAlmostEqual(p, math.erfc((49.5 / math.sqrt(175.0)) / math.sqrt(2.0)), places=15)

    def test_symmetry_and_identity(self):
        x, y = [3.1, 2.2, 5.3, 4.4], [1.0, 0.5, 6.1, 7.2, 8.0]
        ua, pa, _ = utest.mannwhitneyu(x, y)
        ub, pb, _ = utest.mannwhitneyu(y, x)
        self.assertAlmostEqual(pa, pb, places=15)
        self.assertAlmostEqual(ua + ub, len(x) * len(y), places=12)
        self.assertEqual(utest.mannwhitneyu([5, 5, 5], [5, 5, 5])[1], 1.0)

    def test_exact_distribution_sums_to_one(self):
        for n1, n2 in ((1, 1), (2, 3), (4, 4), (3, 8)):
            counts = utest._u_counts(n1, n2)
            self.assertEqual(sum(counts), math.comb(n1 + n2, n1))
            self.assertEqual(counts, counts[::-1])  # U is symmetric about n1*n2/2

    def test_min_pvalue(self):
        self.assertAlmostEqual(utest.min_pvalue(3, 3), 0.1)
        self.assertAlmostEqual(utest.min_pvalue(5, 5), 2.0 / 252.0)

    def test_bad_input(self):
        with self.assertRaises(ValueError):
            utest.mannwhitneyu([], [1.0])
        with self.assertRaises(ValueError):
            utest.mannwhitneyu([1, 1], [1, 2], method="exact")

    def test_against_scipy_when_present(self):
        try:
            from scipy.stats import mannwhitneyu
        except ImportError:
            self.skipTest("scipy not importable by this interpreter (cross-check only)")
        rng = random.Random(7)
        for _ in range(300):
            x = [rng.randint(0, 9) if rng.random() < .5 else rng.random() for _ in range(rng.randint(1, 12))]
            y = [rng.randint(0, 9) if rng.random() < .5 else rng.random() for _ in range(rng.randint(1, 12))]
            ref = mannwhitneyu(x, y, alternative="two-sided")
            u, p, _ = utest.mannwhitneyu(x, y)
            self.assertAlmostEqual(u, ref.statistic, places=9)
            self.assertAlmostEqual(p, ref.pvalue, places=9)


if __name__ == "__main__":
    unittest.main()
