"""The report page's opening table (issue 18): for every benchmark of ours
that peer libraries ran next to, in the same run,

    primitive | pattern | ours | native baseline | best blocking peer |
    best spinning peer | ratios | cv

Who is who, from the CSV alone (reports/README.md):
  - a peer row is one with `waits` set (`block` or `spin`: a third-party
    library's benchmark, bench/peers/);
  - ours is a C row without `waits`, not native code (families.is_native_peer)
    that names a baseline;
  - a peer competes with ours when it names the same baseline and has the
    same variant, params, threads, mode and pin policy (tl-bench registers
    every peer with the baseline of the primitive of ours it stands next to),
    and, where two of ours share that floor (PEER_OF: Event and Condition
    ping-pongs), when it stands in for that one;
  - the native baseline is the row ours names.
"Best" is the least time per operation (Point.time_ns: the throughput
counter's inverse where the benchmark reports one, else the median real
time). Ratios are ours / other: below 1, ours is faster. Stdlib only.
"""
import html

from . import families, results


# Ours that share a floor and a pattern with another primitive of ours: the
# Event and Condition ping-pongs both name futex/pingpong, so a peer of one
# would also match the other. Such a peer (by its primitive's name) stands
# next to the one of ours it stands in for only; other peers match as usual.
PEER_OF = {
    "absl_notification": "event", "std_atomic_wait": "event",
    "absl_condvar": "condition", "std_condvar": "condition",
}


def waits(p):
    """`block` / `spin` for a peer library's point, '' otherwise."""
    return p.rows[0].fact("waits") if p.rows else ""


def _match_key(p):
    pin = p.key[3] if len(p.key) > 3 else ""
    return (p.baseline, p.variant, p.params_str, p.threads, p.mode, pin)


class Line:
    """One headline row: ours, its baseline, and the best peer of each kind."""

    def __init__(self, ours, base, block, spin):
        self.ours, self.base, self.block, self.spin = ours, base, block, spin

    @staticmethod
    def ratio(a, b):
        if a is None or b is None or not a.time_ns or not b.time_ns:
            return None
        return a.time_ns / b.time_ns

    @property
    def pattern(self):
        o = self.ours
        parts = [o.variant]
        if o.params_str:
            parts.append(o.params_str.replace(";", " "))
        parts.append("%d thread%s" % (o.threads, "" if o.threads == 1 else "s"))
        pin = o.key[3] if len(o.key) > 3 else ""
        if pin:
            parts.append("pin " + pin)
        if o.mode != "threads":
            parts.append(o.mode)
        return ", ".join(parts)


def lines(points):
    """[Line] in the run's order of ours, for every point of ours that has at
    least one peer point (ok, same match key)."""
    ok = [p for p in points if p.ok]
    peers = {}
    for p in ok:
        w = waits(p)
        if w in ("block", "spin") and p.baseline:
            peers.setdefault(_match_key(p), {}).setdefault(w, []).append(p)
    by_pv = {}
    for p in ok:
        by_pv.setdefault((p.pv, p.params_str, p.threads, p.mode, p.key[3] if len(p.key) > 3 else ""), p)
    out = []
    for p in ok:
        if p.peer != "c" or waits(p) or not p.baseline or families.is_native_peer(p):
            continue
        mine = {w: [q for q in qs if PEER_OF.get(q.primitive, p.primitive) == p.primitive]
                for w, qs in peers.get(_match_key(p), {}).items()}
        if not any(mine.values()):
            continue
        pin = p.key[3] if len(p.key) > 3 else ""
        base = by_pv.get((p.baseline, p.params_str, p.threads, p.mode, pin))

        def best(kind):
            c = [q for q in mine.get(kind, []) if q.time_ns]
            return min(c, key=lambda q: q.time_ns) if c else None
        out.append(Line(p, base, best("block"), best("spin")))
    return out


def _esc(x):
    return html.escape("" if x is None else str(x))


def _cls(r):
    if r is None:
        return "num"
    return "num good" if r < 0.95 else ("num bad" if r > 1.05 else "num")


def _ratio_cell(r):
    return "<td class='%s'>%s</td>" % (_cls(r), "&times;%.3g" % r if r else "-")


def _who(p):
    if p is None:
        return "<td>-</td><td class=num>-</td>"
    note = p.rows[0].fact("label") if p.rows else ""
    title = (' title="%s"' % _esc(note)) if note else ""
    return "<td%s>%s%s</td><td class=num>%s</td>" % (
        title, _esc(p.primitive), " *" if note else "", _esc(results.fmt_time(p.time_ns)))


def _cv(p):
    return "-" if p is None or p.cv is None else "%.1f%%" % (100 * p.cv)


def section(points):
    """The page's opening section (id="headline"), '' when no peer ran."""
    ls = lines(points)
    out = ['<section id="headline"><h2>Ours against the field</h2>']
    if not ls:
        out.append('<p class="note">No peer library ran next to ours in this run '
                   '(tl-bench --no-peers, a build without them: see run.json peers_skipped).</p>'
                   '</section>')
        return "\n".join(out)
    out.append('<p class="note">Medians of the time per operation, one run. A blocking peer '
               'sleeps when it must wait, a spinning one busy-waits (the CSV\'s <code>waits</code>); '
               'ours blocks. Ratios are ours / other: below 1 ours is faster. cv: coefficient of '
               'variation over the repetitions (ours / baseline / blocking / spinning). * the row has '
               'a label (hover), e.g. Debian\'s Abseil is built without NDEBUG.</p>')
    out.append('<table id="headline-table"><tr><th>primitive</th><th>pattern</th><th>ours</th>'
               '<th>native baseline</th><th>time</th><th>best blocking peer</th><th>time</th>'
               '<th>best spinning peer</th><th>time</th><th>ours / baseline</th>'
               '<th>ours / blocking</th><th>ours / spinning</th><th>cv</th></tr>')
    for ln in ls:
        o = ln.ours
        out.append("<tr data-primitive='%s'><td>%s</td><td>%s</td><td class=num>%s</td>%s%s%s%s%s%s"
                   "<td class=num>%s</td></tr>" % (
                       _esc(o.primitive), _esc(o.primitive), _esc(ln.pattern),
                       _esc(results.fmt_time(o.time_ns)), _who(ln.base), _who(ln.block), _who(ln.spin),
                       _ratio_cell(Line.ratio(o, ln.base)), _ratio_cell(Line.ratio(o, ln.block)),
                       _ratio_cell(Line.ratio(o, ln.spin)),
                       " / ".join(_cv(p) for p in (o, ln.base, ln.block, ln.spin))))
    out.append("</table></section>")
    return "\n".join(out)
