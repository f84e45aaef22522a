#!/usr/bin/env python3
"""The install tree as an outside project sees it (issue 14).

test_install.py GROUP SOURCE_DIR BUILD_DIR WORK_DIR, CC in $TL_CC:
  pkgconfig  `cmake --install` this build into WORK/stage, move the tree
             elsewhere (relocatable), then compile tests/install/consumer/main.c
             with `pkg-config threadlab` (shared: NEEDED libthreadlab.so.0) and
             `pkg-config threadlab-static` (no NEEDED libthreadlab), run both;
             the installed tl-* script commands answer --help.
  package    the same moved tree through find_package(threadlab 0.1 CONFIG):
             threadlab::threadlab and threadlab::threadlab_static; a request
             for version 9 is refused.
  subdir     add_subdirectory(SOURCE_DIR) from a C-only project whose C++
             compiler does not exist: only the library is built (no tl-bench,
             no tests).
Exit 0 pass, 1 fail, 77 skip (a tool missing).
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONSUMER = os.path.join(HERE, "consumer")


def run(cmd, env=None, check=True, cwd=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, env=e, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=900)
    if check and p.returncode != 0:
        sys.exit("FAIL: %s -> %d\n%s" % (" ".join(cmd), p.returncode, p.stdout))
    return p


def need(tool):
    if not shutil.which(tool):
        print("SKIP: %s not found" % tool)
        sys.exit(77)


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def needed_libs(exe):
    out = run(["readelf", "-d", exe]).stdout
    return [l.split("[", 1)[1].rstrip("]") for l in out.splitlines() if "(NEEDED)" in l]


def check_consumer(exe, env=None):
    out = run([exe], env=env).stdout
    if "threadlab consumer ok 42" not in out:
        sys.exit("FAIL: %s printed %r" % (exe, out))


def installed_tree(build, work):
    """Install into WORK/stage, then move it to WORK/moved: every path the
    tree uses must be relative to where it is now."""
    stage, moved = os.path.join(work, "stage"), os.path.join(work, "moved")
    shutil.rmtree(stage, ignore_errors=True)
    shutil.rmtree(moved, ignore_errors=True)
    run(["cmake", "--install", build, "--prefix", stage])
    os.rename(stage, moved)
    return moved


def libdir_of(prefix):
    for root, dirs, files in os.walk(prefix):
        if "threadlab.pc" in files:
            return os.path.dirname(root)
    sys.exit("FAIL: no threadlab.pc under %s" % prefix)


def group_pkgconfig(src, build, work, cc):
    need("pkg-config")
    need("readelf")
    prefix = installed_tree(build, work)
    libdir = libdir_of(prefix)
    env = {"PKG_CONFIG_PATH": os.path.join(libdir, "pkgconfig"), "PKG_CONFIG_LIBDIR": ""}
    cflags = run(["pkg-config", "--cflags", "threadlab"], env=env).stdout.split()
    inc = [f[2:] for f in cflags if f.startswith("-I")]
    if not inc or not os.path.isfile(os.path.join(inc[0], "threadlab", "threadlab.h")):
        sys.exit("FAIL: pkg-config --cflags %r does not point at the moved headers" % cflags)
    main_c = os.path.join(CONSUMER, "main.c")
    for pc, exe, dynamic in (("threadlab", "pc_shared", True), ("threadlab-static", "pc_static", False)):
        flags = run(["pkg-config", "--cflags", "--libs", pc], env=env).stdout.split()
        out = os.path.join(work, exe)
        run([cc, "-std=c11", main_c, "-o", out] + flags)
        libs = needed_libs(out)
        has = any(l.startswith("libthreadlab.so") for l in libs)
        if has != dynamic:
            sys.exit("FAIL: %s built with %s: NEEDED %s" % (exe, pc, libs))
        check_consumer(out, env={"LD_LIBRARY_PATH": libdir} if dynamic else {"LD_LIBRARY_PATH": ""})
    static_flags = run(["pkg-config", "--static", "--libs", "threadlab"], env=env).stdout.split()
    if "-lrt" not in static_flags:
        sys.exit("FAIL: pkg-config --static --libs threadlab lacks Libs.private: %r" % static_flags)
    # The user scripts as commands: each answers --help through its symlink.
    bindir = os.path.join(prefix, "bin")
    if os.path.exists(os.path.join(bindir, "tl-compare")):
        for name in ("tl-plot", "tl-compare", "tl-report-page", "tl-tsan-run"):
            p = run([os.path.join(bindir, name), "--help"], check=False)
            if p.returncode != 0 or "usage" not in p.stdout.lower():
                sys.exit("FAIL: installed %s --help -> %d\n%s" % (name, p.returncode, p.stdout))
    print("ok: pkg-config threadlab / threadlab-static from a moved install; tl-* commands")


def configure_consumer(work, cc, extra, check=True):
    b = fresh(os.path.join(work, "consumer-build"))
    return run(["cmake", "-S", CONSUMER, "-B", b, "-DCMAKE_C_COMPILER=" + cc,
                "-DCMAKE_CXX_COMPILER=/nonexistent/c++"] + extra, check=check), b


def group_package(src, build, work, cc):
    prefix = installed_tree(build, work)
    libdir = libdir_of(prefix)
    _, b = configure_consumer(work, cc, ["-DTL_CONSUMER=package", "-DCMAKE_PREFIX_PATH=" + prefix])
    run(["cmake", "--build", b, "-j2"])
    check_consumer(os.path.join(b, "consumer_shared"), env={"LD_LIBRARY_PATH": libdir})
    check_consumer(os.path.join(b, "consumer_static"), env={"LD_LIBRARY_PATH": ""})
    if not any(l.startswith("libthreadlab.so") for l in needed_libs(os.path.join(b, "consumer_shared"))):
        sys.exit("FAIL: threadlab::threadlab did not link the shared library")
    if any(l.startswith("libthreadlab.so") for l in needed_libs(os.path.join(b, "consumer_static"))):
        sys.exit("FAIL: threadlab::threadlab_static linked the shared library")
    # A version this package does not satisfy is refused.
    probe = fresh(os.path.join(work, "version-probe"))
    with open(os.path.join(probe, "CMakeLists.txt"), "w") as f:
        f.write("cmake_minimum_required(VERSION 3.18)\nproject(p LANGUAGES C)\n"
                "find_package(threadlab 9.0 CONFIG REQUIRED)\n")
    p = run(["cmake", "-S", probe, "-B", os.path.join(probe, "b"), "-DCMAKE_PREFIX_PATH=" + prefix,
             "-DCMAKE_C_COMPILER=" + cc], check=False)
    if p.returncode == 0 or "version" not in p.stdout.lower():
        sys.exit("FAIL: find_package(threadlab 9.0) was not refused:\n" + p.stdout)
    print("ok: find_package(threadlab 0.1) from a moved install, shared and static; 9.0 refused")


def group_subdir(src, build, work, cc):
    _, b = configure_consumer(work, cc, ["-DTL_CONSUMER=subdir", "-DTHREADLAB_SRC=" + src])
    run(["cmake", "--build", b, "-j2"])
    check_consumer(os.path.join(b, "consumer_static"))
    check_consumer(os.path.join(b, "consumer_shared"), env={"LD_LIBRARY_PATH": os.path.join(b, "threadlab", "primitives")})
    extra = []
    for root, dirs, files in os.walk(b):
        for f in files:
            if f in ("tl-bench", "tl-workload", "CTestTestfile.cmake") or f.startswith("test_"):
                extra.append(os.path.join(root, f))
    if extra:
        sys.exit("FAIL: a vendored threadlab built more than the library: %s" % extra[:5])
    print("ok: add_subdirectory without a C++ compiler builds only the library")


def main(argv):
    if len(argv) != 5 or argv[1] not in ("pkgconfig", "package", "subdir"):
        sys.exit("usage: test_install.py pkgconfig|package|subdir SOURCE_DIR BUILD_DIR WORK_DIR")
    need("cmake")
    group, src, build, work = argv[1:]
    cc = os.environ.get("TL_CC") or "cc"
    work = os.path.join(work, group)
    fresh(work)
    globals()["group_" + group](src, build, work, cc)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
