#!/usr/bin/env python3
"""Every symbol libthreadlab.so exports is declared in a public header and
documented there; every function a header declares is exported.

    check_exports.py LIBTHREADLAB_SO INCLUDE_DIR

"Documented" means one of: a comment inside the declaration (same line or
its continuation lines); a comment that ends right above the block of code
lines it belongs to (consecutive declarations, and the typedef or struct
they use, share one comment; a blank line ends a block); or the header
naming the function in a comment (its usage example or its prose).
Exit status 0 if all holds, 1 with one line per problem, 2 on bad usage.
"""
import os
import re
import subprocess
import sys

DECL = re.compile(r"^(?:extern\s+)?[A-Za-z_][\w \t\*]*?[\s\*](tl_[a-z0-9][a-z0-9_]*)\s*\(")


def strip_comments(text):
    """Comments replaced by spaces (newlines kept): line numbers survive."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(c if c == "\n" else " " for c in text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def comment_text(text):
    return " ".join(re.findall(r"/\*.*?\*/|//[^\n]*", text, re.S))


def declarations(path):
    """{name: documented?} for the functions declared in one header."""
    text = open(path, encoding="utf-8").read()
    raw = text.split("\n")
    code = strip_comments(text).split("\n")
    comments = comment_text(text)
    decl_lines = {}
    i = 0
    while i < len(code):
        line = code[i]
        if line.startswith("#"):
            while i < len(code) and code[i].rstrip().endswith("\\"):
                i += 1
            i += 1
            continue
        m = DECL.match(line)
        if not m:
            i += 1
            continue
        start = i
        while i < len(code) and ";" not in code[i] and "{" not in code[i]:
            i += 1
        decl_lines[m.group(1)] = (start, i)
        i += 1
    result = {}
    for name, (start, end) in decl_lines.items():
        own = any(("/*" in raw[k] or "//" in raw[k]) for k in range(start, end + 1))
        # A comment of its own lines (no code on them) ending right above
        # the block of code lines this declaration belongs to (the other
        # declarations of its group, a typedef it uses, a struct it takes).
        above = False
        k = start - 1
        while k >= 0 and raw[k].strip():
            if raw[k].rstrip().endswith("*/") and not code[k].strip():
                above = True
                break
            k -= 1
        named = re.search(r"\b%s\b" % re.escape(name), comments) is not None
        result[name] = own or above or named
    return result


def main(argv):
    if len(argv) != 3:
        print("usage: check_exports.py LIBTHREADLAB_SO INCLUDE_DIR", file=sys.stderr)
        return 2
    lib, incdir = argv[1], argv[2]
    try:
        nm = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("check_exports: cannot list the symbols of %s: %s" % (lib, e), file=sys.stderr)
        return 2
    exported = set()
    for line in nm.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] in "TWDBRVi":
            exported.add(parts[2].split("@")[0])
    declared = {}
    hdir = os.path.join(incdir, "threadlab")
    for h in sorted(os.listdir(hdir)):
        if h.endswith(".h"):
            for name, doc in declarations(os.path.join(hdir, h)).items():
                declared[name] = (h, doc)
    problems = []
    for s in sorted(exported):
        if not s.startswith("tl_") or s.startswith("tl__"):
            problems.append("exported but not public API (tl_ + a letter): %s" % s)
        elif s not in declared:
            problems.append("exported but declared in no header: %s" % s)
        elif not declared[s][1]:
            problems.append("declared in %s without documentation: %s" % (declared[s][0], s))
    for name, (h, _) in sorted(declared.items()):
        if name not in exported:
            problems.append("declared in %s but not exported: %s" % (h, name))
    for p in problems:
        print(p)
    print("check_exports: %d exported, %d declared, %d problems" % (len(exported), len(declared), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
