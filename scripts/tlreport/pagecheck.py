"""Load a report page in headless Chromium and count the images that rendered.

A copy of the page gets a small script that, on `load`, writes into the DOM
how many <img> have naturalWidth > 0, which did not, and any src/href that
is not a data: URI, and how the page lays out in a 1400 x 1000 window: each
plot's natural and displayed width and height, and the order of the
sections from the top. Chromium's --dump-dom prints the DOM after load.
Stdlib only. The Debian package is `chromium`; TL_CHROMIUM overrides the binary.
"""
import os
import re
import shutil
import subprocess
import tempfile

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--virtual-time-budget=10000", "--window-size=%d,%d" % (1400, 1000))
WINDOW_WIDTH = 1400

PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = document.images, ok = 0, bad = [], ext = [];
  for (var i = 0; i < imgs.length; i++) {
    var im = imgs[i];
    if (im.complete && im.naturalWidth > 0) ok++;
    else bad.push(im.getAttribute('data-plot') || im.alt || String(i));
  }
  document.querySelectorAll('[src], link[href], [srcset]').forEach(function (e) {
    var u = e.getAttribute('src') || e.getAttribute('href') || e.getAttribute('srcset');
    if (!/^data:/.test(u)) ext.push(u);
  });
  var p = document.createElement('pre');
  p.id = 'tl-img-check';
  p.textContent = ['TLCHECK', 'total=' + imgs.length, 'rendered=' + ok,
                   'broken=' + bad.join(','), 'external=' + ext.join(','), 'END'].join(' ');
  document.body.appendChild(p);
  var sizes = [], secs = [];
  for (var j = 0; j < imgs.length; j++) {
    var m = imgs[j];
    sizes.push((m.getAttribute('data-plot') || String(j)) + ':' + m.naturalWidth + ':' +
               m.naturalHeight + ':' + Math.round(m.getBoundingClientRect().width) + ':' +
               Math.round(m.getBoundingClientRect().height));
  }
  document.querySelectorAll('body > section[id], body > details[id], body > p[id]').forEach(function (e) {
    secs.push(e.id + ':' + Math.round(e.getBoundingClientRect().top + window.scrollY));
  });
  var q = document.createElement('pre');
  q.id = 'tl-layout-check';
  q.textContent = ['TLLAYOUT', 'viewport=' + window.innerWidth, 'sizes=' + sizes.join(','),
                   'sections=' + secs.join(','), 'END'].join(' ');
  document.body.appendChild(q);
});
</script>"""

RESULT_RE = re.compile(r"TLCHECK total=(\d+) rendered=(\d+) broken=(\S*) external=(\S*) END")
LAYOUT_RE = re.compile(r"TLLAYOUT viewport=(\d+) sizes=(\S*) sections=(\S*) END")


class ChromiumMissing(Exception):
    pass


def find_chromium():
    env = os.environ.get("TL_CHROMIUM")
    if env:
        return env if os.access(env, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def check(html_path, timeout=120):
    """Returns {'total', 'rendered', 'broken': [...], 'external': [...]}.
    Raises ChromiumMissing, or RuntimeError when Chromium gives no answer."""
    exe = find_chromium()
    if not exe:
        raise ChromiumMissing("chromium not found (Debian: apt-get install chromium; "
                              "or set TL_CHROMIUM=/path/to/chromium)")
    with open(html_path, encoding="utf-8") as f:
        doc = f.read()
    if "</body>" not in doc:
        raise RuntimeError("%s: no </body>" % html_path)
    with tempfile.TemporaryDirectory(prefix="tl-pagecheck-") as tmp:
        probe = os.path.join(tmp, "page.html")
        with open(probe, "w", encoding="utf-8") as f:
            f.write(doc.replace("</body>", PROBE + "</body>", 1))
        profile = os.path.join(tmp, "profile")
        os.mkdir(profile)
        cmd = [exe] + list(FLAGS) + ["--user-data-dir=" + profile, "--dump-dom",
                                     "file://" + os.path.abspath(probe)]
        env = dict(os.environ, HOME=tmp)
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout, env=env, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise RuntimeError("chromium did not finish within %d s" % timeout)
    out = p.stdout.decode("utf-8", "replace")
    m = RESULT_RE.search(out)
    if not m:
        err = p.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise RuntimeError("chromium (exit %d) printed no check result; stderr tail:\n%s"
                           % (p.returncode, "\n".join(err)))
    res = {"total": int(m.group(1)), "rendered": int(m.group(2)),
           "broken": [x for x in m.group(3).split(",") if x],
           "external": [x for x in m.group(4).split(",") if x],
           "viewport": None, "images": {}, "sections": []}
    lay = LAYOUT_RE.search(out)
    if lay:
        res["viewport"] = int(lay.group(1))
        for item in filter(None, lay.group(2).split(",")):
            stem, nw, nh, w, h = item.rsplit(":", 4)
            res["images"][stem] = {"natural": (int(nw), int(nh)), "shown": (int(w), int(h))}
        # section ids from the top of the page down
        secs = [x.rsplit(":", 1) for x in filter(None, lay.group(3).split(","))]
        res["sections"] = [i for i, _ in sorted(secs, key=lambda x: int(x[1]))]
    return res
