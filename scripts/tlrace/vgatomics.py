"""Build a C program for Helgrind/DRD with its C11 atomics visible to them.

    python3 scripts/tlrace/vgatomics.py [--cc CC] -o PROGRAM SOURCE.c... [-- CFLAGS...]

Compiles each source with the compiler's ThreadSanitizer instrumentation
(`-fsanitize=thread`, compile step only) and links the objects WITHOUT
libtsan, against scripts/tlrace/vgatomics.c compiled plainly: every C11
atomic operation then tells Helgrind and DRD what C11 says about it (the
object is never a race candidate; release/acquire and stronger orders are
happens-before edges; relaxed ones are not), every plain access is left to
valgrind as in an uninstrumented build (see vgatomics.c for exactly what
each call does, and its limits). The result runs under
`scripts/tsan-run --detector helgrind|drd` (and natively), not under TSan.
scripts/tsan-suite builds the plain-C race fixtures this way for helgrind
and drd (`--no-vg-atomics`: the plain build instead).

Exit status 0 when built, 1 when the compiler failed (its output is
printed), 2 on a bad invocation.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIME = os.path.join(HERE, "vgatomics.c")
# gcc 12 and clang 14 at -O1 call __tsan_atomic{8,16,32,64}_*; a 128-bit
# atomic would need __tsan_atomic128_*, which the runtime does not provide
UNDEF = re.compile(r"^\s+U (__tsan_\w+)", re.M)


def build(cc, sources, out, cflags, workdir=None):
    """(ok, message). Objects go to <workdir or out.vga.d>/; the program is
    linked to a temp name and renamed, so `out` is whole or absent."""
    wd = workdir or out + ".vga.d"
    os.makedirs(wd, exist_ok=True)
    log = []

    def run(cmd):
        log.append("$ " + " ".join(shlex.quote(c) for c in cmd))
        r = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
        if r.stdout or r.stderr:
            log.append((r.stdout + r.stderr).rstrip())
        return r.returncode == 0

    base = [x for x in cflags if x != "-fsanitize=thread"]
    rt_obj = os.path.join(wd, "vgatomics.o")
    # the runtime itself: no instrumentation (its atomics are the real ones)
    if not run([cc] + base + ["-std=c11", "-c", RUNTIME, "-o", rt_obj]):
        return False, "\n".join(log)
    objs = []
    for k, src in enumerate(sources):
        obj = os.path.join(wd, "%d-%s.o" % (k, os.path.splitext(os.path.basename(src))[0]))
        if not run([cc] + base + ["-fsanitize=thread", "-c", src, "-o", obj]):
            return False, "\n".join(log)
        objs.append(obj)
    tmp = out + ".tmp"
    # no -fsanitize=thread here: libtsan stays out, vgatomics.o defines
    # every __tsan_* entry point the objects call
    if not run([cc] + base + objs + [rt_obj, "-pthread", "-o", tmp]):
        return False, "\n".join(log)
    os.replace(tmp, out)
    return True, "\n".join(log)


def missing_entry_points(path):
    """__tsan_* symbols the program still needs (none when built right)."""
    if not shutil.which("nm"):
        return []
    out = subprocess.run(["nm", path], capture_output=True, text=True,
                         errors="replace").stdout
    return sorted(set(UNDEF.findall(out)))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    extra = []
    if "--" in argv:
        k = argv.index("--")
        argv, extra = argv[:k], argv[k + 1:]
    ap = argparse.ArgumentParser(prog="vgatomics.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"),
                    help="C compiler (default $CC or cc): gcc or clang")
    ap.add_argument("-o", dest="out", required=True, help="the program to write")
    ap.add_argument("sources", nargs="+", help="C sources")
    a = ap.parse_args(argv)
    if not shutil.which(a.cc):
        print("vgatomics.py: compiler %r not found" % a.cc, file=sys.stderr)
        return 2
    for s in a.sources:
        if not os.path.isfile(s):
            print("vgatomics.py: no such source file: %s" % s, file=sys.stderr)
            return 2
    cflags = extra or ["-O1", "-g", "-gdwarf-4", "-fno-omit-frame-pointer"]
    ok, log = build(a.cc, a.sources, a.out, cflags)
    if not ok:
        print(log, file=sys.stderr)
        print("vgatomics.py: build failed", file=sys.stderr)
        return 1
    print("vgatomics.py: built %s (run it under valgrind --tool=helgrind|drd, "
          "or scripts/tsan-run --detector helgrind,drd)" % a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
