"""The suppressions policy.

TSan suppressions (`type:pattern` lines) silence a report when the pattern
matches a function name, a source file or a module of the report's frames.
Our rule: a suppression may silence third-party code only, never a report in
our own code. A line whose pattern matches one of our source files, one of
the functions defined in them, or one of our binaries/libraries is refused:
tsan-run and tsan-suite stop with exit status 2 and name the line.

The match follows sanitizer_common's TemplateMatch: `*` is any run of
characters, a leading `^` anchors at the start, `$` at the end, anything
else matches as a substring.
"""
import os
import re

TYPES = ("race", "race_top", "thread", "mutex", "signal", "deadlock",
         "called_from_lib")
SOURCE_EXT = (".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".inc")
SKIP_DIRS = {".git", "build", "reports", "__pycache__", "node_modules"}

# A C function definition starting in column 0 (musl/libuv style: the
# return type on the same line), e.g. `static void *worker(void *arg)`.
_FUNC_DEF = re.compile(r"^(?!\s)(?:[A-Za-z_][\w]*[\s\*]+)+\**([A-Za-z_]\w*)\s*\(")
_TEST_IMPL = re.compile(r"^TEST_IMPL\((\w+)\)")
_ATTR = re.compile(r"__attribute__\s*\(\(.*?\)\)\s*")
_KEYWORDS = {"if", "while", "for", "switch", "return", "sizeof", "defined"}


def template_regex(templ: str):
    start = templ.startswith("^")
    if start:
        templ = templ[1:]
    end = templ.endswith("$")
    if end:
        templ = templ[:-1]
    body = ".*".join(re.escape(p) for p in templ.split("*"))
    return re.compile(("^" if start else "") + body + ("$" if end else ""))


def parse(path):
    """[(lineno, type, pattern)], [problems]"""
    entries, problems = [], []
    with open(path, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            typ, sep, pat = line.partition(":")
            if not sep or not pat.strip():
                problems.append("%s:%d: not `type:pattern`: %s" % (path, n, line))
                continue
            if typ not in TYPES:
                problems.append("%s:%d: unknown suppression type %r (one of %s)"
                                % (path, n, typ, ", ".join(TYPES)))
                continue
            entries.append((n, typ, pat.strip()))
    return entries, problems


def our_code(roots):
    """(source paths, function names, module names) found under roots."""
    # our library as the loader and symbolizer name it
    paths, funcs, modules = [], set(), {"libthreadlab.a", "libthreadlab.so",
                                        "libthreadlab.so.0", "libthreadlab.so.0.1.0"}
    for root in roots:
        root = os.path.abspath(root)
        if os.path.isfile(root):
            walk = [(os.path.dirname(root), [], [os.path.basename(root)])]
        else:
            walk = os.walk(root)
        for d, dirs, files in walk:
            dirs[:] = [x for x in dirs if x not in SKIP_DIRS and not x.startswith("build")]
            for f in files:
                if not f.endswith(SOURCE_EXT):
                    continue
                p = os.path.join(d, f)
                paths.append(p)
                modules.add(os.path.splitext(f)[0])
                try:
                    with open(p, errors="replace") as fh:
                        for ln in fh:
                            m = _TEST_IMPL.match(ln)
                            if m:
                                funcs.add("run_test_" + m.group(1))
                                continue
                            m = _FUNC_DEF.match(_ATTR.sub("", ln))
                            if m and m.group(1) not in _KEYWORDS:
                                funcs.add(m.group(1))
                except OSError:
                    pass
    return paths, funcs, modules


def check(path, roots):
    """Problems (strings) with the suppressions file at `path`; [] if fine.
    Returns (entries, problems)."""
    if os.path.isdir(path):
        return [], ["suppressions file %s is a directory" % path]
    if not os.path.isfile(path):
        return [], ["suppressions file not found: %s" % path]
    try:
        entries, problems = parse(path)
    except UnicodeDecodeError as e:
        return [], ["suppressions file %s is not UTF-8 text: %s" % (path, e.reason)]
    except OSError as e:
        return [], ["cannot read the suppressions file %s: %s" % (path, e.strerror or e)]
    if not entries:
        return entries, problems
    paths, funcs, modules = our_code(roots)
    for n, typ, pat in entries:
        rx = template_regex(pat)
        hit = next((p for p in paths if rx.search(p)), None)
        what = "our source file %s" % hit if hit else None
        if not what:
            hit = next((f for f in sorted(funcs) if rx.search(f)), None)
            what = "our function %s()" % hit if hit else None
        if not what:
            hit = next((m for m in sorted(modules) if rx.search(m)), None)
            what = "our binary/library %s" % hit if hit else None
        if what:
            problems.append("%s:%d: `%s:%s` matches %s: suppressions may not hide "
                            "reports in our own code" % (path, n, typ, pat, what))
    return entries, problems
