"""CI formats of a race run (issue 14): SARIF 2.1.0 for code-scanning UIs and
JUnit XML for test-result views. Both written atomically (temp + rename).

SARIF: one `run` per detector; one `result` per distinct report (model.Report
key: kind + both stacks), whose `locations` are the top frame in our code of
its two main stacks (the two accesses of a race, the two "acquired here while
holding" sites of a lock-order inversion) and whose `stacks` carry both stacks
whole. Paths under the source root are relative with uriBaseId SRCROOT.
Level: `error` for a report the case did not expect (what a CI must look at),
`note` for the expected report of a race/deadlock fixture; properties say
which (expected, case, count, runs, seeds).

JUnit: one <testsuite> per detector, one <testcase> per case: <failure> for
FN/FP, <error> for HANG/ERROR, <skipped> for SKIP; an expected failure
(tsan-xfail) passes with the reason in <system-out>.
"""
import hashlib
import json
import os
import socket
import time
import xml.etree.ElementTree as ET

from .model import our_frame, is_runtime, relpath_under, under

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://github.com/google/sanitizers/wiki/ThreadSanitizerCppManual"
DRIVERS = {"tsan": "ThreadSanitizer", "helgrind": "Helgrind", "drd": "DRD"}


def atomic_write(path, data: str):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = os.path.join(d, ".%s.tmp%d" % (os.path.basename(path), os.getpid()))
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def rule_id(rep):
    return "%s/%s" % (rep.category, rep.kind.lower().replace(" ", "-"))


def _artifact(frame, roots):
    if not frame or not frame.file:
        return None
    for r in roots:
        if under(frame.file, r):
            return {"uri": relpath_under(frame.file, [r]), "uriBaseId": "SRCROOT"}
    if os.path.isabs(frame.file):
        return {"uri": "file://" + frame.file}
    return {"uri": frame.file}


def _location(frame, roots, text):
    loc = {"message": {"text": text}}
    art = _artifact(frame, roots)
    if art is not None:
        phys = {"artifactLocation": art}
        if frame.line:
            phys["region"] = {"startLine": frame.line}
        loc["physicalLocation"] = phys
    if frame is not None and frame.func and frame.func != "<null>":
        loc["logicalLocations"] = [{"name": frame.func, "kind": "function"}]
    return loc


def _primary(rep):
    prim = [s for s in rep.stacks if s.role == "primary"] or rep.stacks[:1]
    return prim[:2]


def result_of(v, d, roots):
    rep = d.first
    lock_site = rep.category in ("deadlock", "mutex-misuse")
    expected = rep.category == v.case.expect and d not in v.unexpected
    locs = []
    for st in _primary(rep):
        f = our_frame(st.frames, roots, lock_site) if st.frames else None
        title = st.title or rep.kind
        if not st.restored and not st.frames:
            title += " [TSan could not restore this stack]"
        locs.append(_location(f, roots, title))
    stacks = []
    for st in rep.stacks:
        frames = [{"location": _location(f, roots, f.func)} for f in st.frames
                  if not is_runtime(f)][:32]
        if frames:
            stacks.append({"message": {"text": st.title or rep.kind}, "frames": frames})
    where = rep.location_a + (" <-> " + rep.location_b if rep.location_b else "")
    text = "%s: %s (seen %d times in run(s) %s%s)%s" % (
        rep.kind, where, d.count, ",".join(str(x) for x in sorted(d.runs)),
        "; threads " + ", ".join(rep.threads) if rep.threads else "",
        "" if not expected else " [expected by the case]")
    key = "|".join([v.detector, rep.kind] + sorted([rep.location_a + "#" + rep.stack_a,
                                                    rep.location_b + "#" + rep.stack_b]))
    out = {
        "ruleId": rule_id(rep),
        "level": "note" if expected else "error",
        "message": {"text": text},
        "locations": locs or [{"message": {"text": rep.kind}}],
        "partialFingerprints": {"tlraceReport/v1": hashlib.sha1(key.encode()).hexdigest()},
        "properties": {"case": v.case.name, "expected": expected,
                       "category": rep.category, "count": d.count,
                       "runs": sorted(d.runs), "firstLog": os.path.basename(d.logs[0])
                       if d.logs else ""},
    }
    if stacks:
        out["stacks"] = stacks
    return out


def sarif(verdicts, roots, run_dir=None):
    runs = {}
    root = roots[0] if roots else os.getcwd()
    for v in verdicts:
        if v.detector == "native" or v.verdict == "SKIP":
            continue
        r = runs.get(v.detector)
        if r is None:
            r = runs[v.detector] = {
                "tool": {"driver": {"name": DRIVERS.get(v.detector, v.detector),
                                    "informationUri": TOOL_URI if v.detector == "tsan"
                                    else "https://valgrind.org/docs/manual/manual.html",
                                    "rules": []}},
                "originalUriBaseIds": {"SRCROOT": {"uri": "file://" +
                                                   root.rstrip("/") + "/"}},
                "automationDetails": {"id": "tlrace/%s/" % v.detector},
                "results": [],
                "invocations": [{"executionSuccessful": True}],
            }
        rules = r["tool"]["driver"]["rules"]
        for d in v.distinct:
            res = result_of(v, d, roots)
            ids = [x["id"] for x in rules]
            if res["ruleId"] not in ids:
                rules.append({"id": res["ruleId"], "name": d.first.kind,
                              "shortDescription": {"text": "%s (%s)" % (
                                  d.first.kind, d.first.category)},
                              "defaultConfiguration": {"level": "error"}})
                ids.append(res["ruleId"])
            res["ruleIndex"] = ids.index(res["ruleId"])
            r["results"].append(res)
        if v.result.errors or v.result.hung:
            inv = r["invocations"][0]
            inv["executionSuccessful"] = False
            inv.setdefault("toolExecutionNotifications", []).extend(
                {"level": "error", "message": {"text": "%s: %s" % (v.case.name, w)}}
                for w in v.why)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": list(runs.values())}


def write_sarif(path, verdicts, roots, run_dir=None):
    atomic_write(path, json.dumps(sarif(verdicts, roots, run_dir), indent=1) + "\n")
    return path


def _details(v, run_dir):
    lines = ["verdict %s (expected %s, found %s)" % (v.verdict, v.case.expect,
                                                     ",".join(v.found) or "-")]
    lines += v.why
    for d in v.distinct:
        r = d.first
        lines.append("%s: %s%s (x%d)" % (r.kind, r.location_a,
                                          " <-> " + r.location_b if r.location_b else "",
                                          d.count))
    for r in v.result.runs:
        lines.append("run %d seed %d %s%s: exit %s, %.2f s%s" % (
            r.index, r.seed, r.schedule, " [%s]" % r.chaos if r.chaos else "",
            r.returncode, r.seconds, "; found " + ", ".join(r.found) if r.found else ""))
    return "\n".join(lines)


def junit(verdicts, suite_name, run_dir=None):
    top = ET.Element("testsuites", name=suite_name)
    by_det = {}
    for v in verdicts:
        if v.detector == "native":
            continue
        by_det.setdefault(v.detector, []).append(v)
    totals = dict(tests=0, failures=0, errors=0, skipped=0, time=0.0)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    for det, vs in by_det.items():
        ts = ET.SubElement(top, "testsuite", name="%s.%s" % (suite_name, det),
                           timestamp=stamp, hostname=socket.gethostname())
        n = dict(tests=0, failures=0, errors=0, skipped=0, time=0.0)
        for v in vs:
            secs = v.result.seconds
            tc = ET.SubElement(ts, "testcase", classname="%s.%s" % (suite_name, det),
                               name=v.case.name, time="%.3f" % secs)
            n["tests"] += 1
            n["time"] += secs
            text = _details(v, run_dir)
            if v.verdict == "SKIP":
                ET.SubElement(tc, "skipped", message=v.case.reason or "skipped")
                n["skipped"] += 1
            elif v.failed and (v.result.hung or v.verdict.startswith(("ERROR", "HANG"))):
                e = ET.SubElement(tc, "error", type=v.verdict.split()[0],
                                  message="%s: %s" % (v.verdict, (v.why or [""])[0]))
                e.text = text
                n["errors"] += 1
            elif v.failed:
                f = ET.SubElement(tc, "failure", type=v.verdict.split()[0],
                                  message="%s (expected %s, found %s)" % (
                                      v.verdict, v.case.expect, ",".join(v.found) or "-"))
                f.text = text
                n["failures"] += 1
            so = ET.SubElement(tc, "system-out")
            so.text = text
        for k in ("tests", "failures", "errors", "skipped"):
            ts.set(k, str(n[k]))
            totals[k] += n[k]
        ts.set("time", "%.3f" % n["time"])
        totals["time"] += n["time"]
    for k in ("tests", "failures", "errors", "skipped"):
        top.set(k, str(totals[k]))
    top.set("time", "%.3f" % totals["time"])
    return top


def write_junit(path, verdicts, suite_name, run_dir=None):
    top = junit(verdicts, suite_name, run_dir)
    ET.indent(top) if hasattr(ET, "indent") else None
    data = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(top, encoding="unicode")
    atomic_write(path, data + "\n")
    return path
