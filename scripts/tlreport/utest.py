"""Mann-Whitney U test, two-sided, standard library only.

Matches scipy.stats.mannwhitneyu(x, y, alternative='two-sided') with its
defaults (use_continuity=True, method='auto'), which is what Google
Benchmark's tools/compare.py calls: the exact distribution when there are
no ties and at least one sample has at most 8 values, otherwise the normal
approximation with continuity and tie correction.
"""
import math

EXACT_MAX_N = 8


def _ranks(values):
    """Average ranks (1-based) and the tie group sizes."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def _u_counts(n1, n2):
    """Number of orderings giving each U = 0..n1*n2: the coefficients of the
    Gaussian binomial [n1+n2 choose n1]_q = prod_{i=1..n1} (1-q^(n2+i))/(1-q^i)."""
    if n1 > n2:
        n1, n2 = n2, n1
    size = n1 * n2 + 1
    poly = [0] * size
    poly[0] = 1
    for i in range(1, n1 + 1):
        # multiply by (1 - q^(n2+i)), truncated to the degree we keep
        step = n2 + i
        for d in range(size - 1, step - 1, -1):
            poly[d] -= poly[d - step]
        # divide by (1 - q^i): running sum with stride i
        for d in range(i, size):
            poly[d] += poly[d - i]
    return poly


def exact_sf(u, n1, n2):
    """P(U >= u) under H0, exact."""
    counts = _u_counts(n1, n2)
    total = sum(counts)
    lo = max(0, int(math.ceil(u - 1e-9)))
    return sum(counts[lo:]) / total


def mannwhitneyu(x, y, method="auto", continuity=True):
    """Two-sided test of x against y. Returns (U1, p_value, method_used),
    U1 being the statistic of x as scipy reports it."""
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples need at least one value")
    ranks, ties = _ranks(x + y)
    r1 = sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2.0
    u2 = n1 * n2 - u1
    big = max(u1, u2)
    has_ties = any(t > 1 for t in ties)
    if method == "auto":
        method = "exact" if (min(n1, n2) <= EXACT_MAX_N and not has_ties) else "asymptotic"
    if method == "exact":
        if has_ties:
            raise ValueError("the exact test needs samples without ties")
        p = 2.0 * exact_sf(big, n1, n2)
    elif method == "asymptotic":
        n = n1 + n2
        tie_term = sum(t ** 3 - t for t in ties) / float(n * (n - 1))
        var = n1 * n2 / 12.0 * ((n + 1) - tie_term)
        if var <= 0:  # every value tied: no evidence of a difference
            return u1, 1.0, method
        z = (big - n1 * n2 / 2.0 - (0.5 if continuity else 0.0)) / math.sqrt(var)
        p = math.erfc(z / math.sqrt(2.0))  # 2 * normal survival function
    else:
        raise ValueError("method must be auto, exact or asymptotic")
    return u1, min(1.0, max(0.0, p)), method


def min_pvalue(n1, n2):
    """Smallest two-sided p the exact test can reach with these sizes:
    below alpha no difference can ever be called significant."""
    if n1 == 0 or n2 == 0:
        return 1.0
    return min(1.0, 2.0 / math.comb(n1 + n2, n1))


