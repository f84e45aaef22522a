"""Ours-vs-baseline and ours-vs-CPython pairing (shared by plot and page).

A row names its baseline as `primitive/variant`; the baseline row is the one
with that primitive/variant and the same params, threads, mode and pin
policy, in the C peer (no row of the same policy: the baseline is missing;
a ratio never crosses policies). A CPython peer row (unpinned: pin_policy
none) pairs with the C row of the same primitive/variant, params, threads
and mode under the same policy, else under the first policy of the run
(the first such row in the CSV). Ratios are of the medians of
time per operation (Point.time_ns: a ns_per_op or ops-per-second counter
where the benchmark reports one, else real_ns): ours / baseline (< 1: ours is faster) and
cpython / ours (how many times slower CPython is).
"""


from . import families


def _norm_params(p):
    return families.canon_params(p)


def _index(points):
    idx = {}
    for p in points:
        if not p.ok:
            continue
        k = (p.peer, p.pv, _norm_params(p), p.threads, p.mode)
        idx.setdefault(k, []).append(p)
    return idx


def _pick(cands, pin, strict):
    for c in cands:
        if c.pin_policy == pin:
            return c
    return None if strict or not cands else cands[0]


class Pair:
    def __init__(self, ours, other, kind):
        self.ours, self.other, self.kind = ours, other, kind
        # Both sides from the same source, else both from real_ns.
        same = ours.time_source == other.time_source
        self.source = ours.time_source if same else "real_ns"
        a = ours.time_ns if same else ours.real_ns
        b = other.time_ns if same else other.real_ns
        if kind == "baseline":
            self.ratio = a / b if b else None
        else:
            self.ratio = b / a if a else None
        self.ours_ns, self.other_ns = a, b

    def params_label(self):
        return ";".join("%s=%s" % kv for kv in self.ours.params.items())


def baseline_pairs(points):
    """Returns (pairs, missing) where missing lists (point, baseline name)
    whose baseline row is absent from the run."""
    idx = _index(points)
    pairs, missing = [], []
    for p in points:
        if not p.baseline or p.peer != "c" or not p.ok:
            continue
        k = ("c", p.baseline, _norm_params(p), p.threads, p.mode)
        b = _pick(idx.get(k, []), p.pin_policy, strict=True)
        if b is None:
            missing.append((p, p.baseline))
        else:
            pairs.append(Pair(p, b, "baseline"))
    return pairs, missing


def cpython_pairs(points):
    idx = _index(points)
    pairs, missing = [], []
    for c in points:
        if c.peer != "cpython" or not c.ok:
            continue
        k = ("c", c.pv, _norm_params(c), c.threads, c.mode)
        ours = _pick(idx.get(k, []), c.pin_policy, strict=False)
        if ours is None:
            missing.append((c, c.pv))
        else:
            pairs.append(Pair(ours, c, "cpython"))
    return pairs, missing
