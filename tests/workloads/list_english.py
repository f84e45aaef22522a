#!/usr/bin/env python3
"""tl-workload --list speaks English (issue 14): every workload is listed with
its lesson line, and no line carries CJK characters (the seed's section
numbers were printed as Chinese numerals, "十二"). Usage: list_english.py TL_WORKLOAD"""
import re
import subprocess
import sys

p = subprocess.run([sys.argv[1], "--list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   timeout=120, encoding="utf-8")
if p.returncode != 0:
    sys.exit("FAIL: tl-workload --list exit %d: %s" % (p.returncode, p.stderr))
heads = [l for l in p.stdout.splitlines() if " — " in l and not l.startswith(" ")]
cjk = [l for l in p.stdout.splitlines() if re.search("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]", l)]
if len(heads) < 10 or cjk:
    sys.exit("FAIL: %d workloads listed; lines with CJK characters: %r" % (len(heads), cjk))
missing = [l for l in heads if not l.split(" — ", 1)[1].strip()]
if missing:
    sys.exit("FAIL: workloads without a lesson line: %r" % missing)
print("ok: %d workloads, English lesson lines" % len(heads))
