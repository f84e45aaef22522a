"""Input and output validation for the scripts' entry points (issue 17).

Every bad input - a file that is not UTF-8 text, a number that is not a
finite non-negative value, an output path that cannot be written - is one
line on stderr naming the bad value and exit status 2; never a traceback.
`guard()` runs a script's main() under that contract; the readers call
`read_text()` and `check_raw_row()`, the writers `check_out_dir()`,
`check_out_file()` and `write_atomic()`. Standard library only.
"""
import argparse
import csv
import math
import os
import stat
import sys
import tempfile


class InputError(Exception):
    """Bad input: the executables print it and exit 2."""


# Largest input file read (a results CSV of a full run is well under 10 MiB):
# a bigger one, or a device such as /dev/zero, is bad input, never a hang.
MAX_INPUT_BYTES = 256 << 20


def read_bytes(path, kind="a CSV file"):
    """The whole content of a regular file of at most MAX_INPUT_BYTES, or
    InputError (missing, a directory, a device or FIFO, too big, unreadable)."""
    if not os.path.exists(path):
        raise InputError("%s: no such file" % path)
    if os.path.isdir(path):
        raise InputError("%s: is a directory, expected %s" % (path, kind))
    try:
        # stat first: opening a FIFO would block until a writer comes.
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError("%s: not a regular file (a device, FIFO or socket), expected %s"
                             % (path, kind))
        with open(path, "rb") as f:
            data = f.read(MAX_INPUT_BYTES + 1)
    except OSError as e:
        raise InputError("%s: cannot read: %s" % (path, e.strerror or e))
    if len(data) > MAX_INPUT_BYTES:
        raise InputError("%s: larger than %d MiB, not %s of a benchmark run"
                         % (path, MAX_INPUT_BYTES >> 20, kind))
    return data


def read_text(path):
    """The whole file as text, or InputError saying why it is not a UTF-8
    text file (missing, a directory, unreadable, binary, UTF-16, bad bytes)."""
    data = read_bytes(path)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("%s: UTF-16 text, expected UTF-8 (re-save the file as UTF-8)" % path)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError("%s: binary data (NUL byte at offset %d), expected a UTF-8 CSV file" % (path, nul))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError("%s: not UTF-8 (byte 0x%02x at offset %d), expected a UTF-8 CSV file"
                         % (path, data[e.start], e.start))


# Numeric columns of results.csv (reports/README.md): times, rates and
# counts are finite and never negative; a thread count is an integer >= 1.
NONNEG_COLUMNS = ("real_ns", "cpu_ns", "items_per_second", "bytes_per_second",
                  "iterations", "repetition", "packages", "cores", "pus", "allowed_pus")
INT_COLUMNS = ("iterations", "repetition", "packages", "cores", "pus", "allowed_pus")
MAX_THREADS = 1 << 20


def _number(text, where, column):
    try:
        v = float(text)
    except ValueError:
        raise InputError("%s: column %s: %r is not a number" % (where, column, text))
    if math.isinf(v):
        raise InputError("%s: column %s: %r is not a finite number" % (where, column, text))
    return v


def check_raw_row(raw, where):
    """Raise InputError for a row (csv.DictReader dict) that is shorter than
    the header (a truncated row) or whose numbers are infinite, negative, or
    (threads, counts) not integers in range."""
    if None in raw.values():
        raise InputError("%s: fewer fields than the header has (a truncated row?)" % where)
    for column in NONNEG_COLUMNS:
        text = (raw.get(column) or "").strip()
        if not text:
            continue
        v = _number(text, where, column)
        if math.isnan(v):
            continue  # results.py decides whether the column may be empty/NaN
        if v < 0:
            raise InputError("%s: column %s: %r is negative" % (where, column, text))
        if column in INT_COLUMNS and v != int(v):
            raise InputError("%s: column %s: %r is not a whole number" % (where, column, text))
    text = (raw.get("threads") or "").strip()
    if text:
        try:
            v = float(text)
        except ValueError:
            v = float("nan")
        if not (math.isfinite(v) and v == int(v) and 1 <= v <= MAX_THREADS):
            raise InputError("%s: column threads: %r is not a thread count (a whole number from 1 to %d)"
                             % (where, text, MAX_THREADS))


def _parent(path):
    return os.path.dirname(os.path.abspath(path)) or "/"


def _writable_dir(d):
    return os.access(d, os.W_OK | os.X_OK)


def check_out_dir(path, flag):
    """An output directory: a writable directory, or a new one whose parent
    is a writable directory (one level is created, not a whole path)."""
    if not path:
        raise InputError("%s needs a directory" % flag)
    if os.path.exists(path):
        if not os.path.isdir(path):
            raise InputError("%s %s: exists and is not a directory" % (flag, path))
        if not _writable_dir(path):
            raise InputError("%s %s: directory is not writable (read-only or no permission)" % (flag, path))
        return
    parent = _parent(path)
    if not os.path.isdir(parent):
        raise InputError("%s %s: parent directory %s does not exist" % (flag, path, parent))
    if not _writable_dir(parent):
        raise InputError("%s %s: cannot create it, %s is not writable (read-only or no permission)"
                         % (flag, path, parent))


def check_out_file(path, flag):
    """An output file: not a directory, in an existing writable directory."""
    if not path:
        raise InputError("%s needs a file name" % flag)
    if os.path.isdir(path):
        raise InputError("%s %s: is a directory, expected a file name" % (flag, path))
    d = _parent(path)
    if not os.path.isdir(d):
        raise InputError("%s %s: directory %s does not exist" % (flag, path, d))
    if not _writable_dir(d):
        raise InputError("%s %s: directory %s is not writable (read-only or no permission)" % (flag, path, d))


def write_atomic(path, text, flag):
    """Write text to path by temp file + rename in its directory: a reader
    sees the old file or the whole new one. A failed write is InputError."""
    check_out_file(path, flag)

    def put(f):
        f.write(text.encode("utf-8"))
    write_atomic_with(path, put, "%s %s" % (flag, path))


def write_atomic_with(path, put, what):
    """put(binary file) writes path's content into a temporary file in
    path's directory, which is synced and renamed over path: a reader, or a
    full disk, never sees a truncated file. A failed write is InputError
    naming `what`; the temporary file is removed."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp",
                                   dir=_parent(path))
        with os.fdopen(fd, "wb") as f:
            put(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise InputError("%s: cannot write: %s" % (what, e.strerror or e))
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _umask():
    m = os.umask(0)
    os.umask(m)
    return m


def _one_line_error(self, message):
    sys.stderr.write("%s: error: %s (see --help)\n" % (self.prog, message))
    sys.exit(2)


def guard(prog, main, argv=None):
    """Run main(argv) so that bad input is one line and exit 2: argparse
    errors lose their usage line, InputError / OSError / UnicodeError are
    printed as `prog: error: ...`. Anything else is a bug: one line, exit 3."""
    argparse.ArgumentParser.error = _one_line_error
    try:
        return main(argv)
    except InputError as e:
        print("%s: error: %s" % (prog, e), file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 1
    except UnicodeError as e:
        print("%s: error: not UTF-8 text: %s" % (prog, e), file=sys.stderr)
        return 2
    except csv.Error as e:
        print("%s: error: malformed CSV: %s" % (prog, e), file=sys.stderr)
        return 2
    except OSError as e:
        where = e.filename if e.filename is not None else ""
        print("%s: error: %s%s%s" % (prog, where, ": " if where else "", e.strerror or e), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("%s: interrupted" % prog, file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the contract is one line, never a traceback
        print("%s: internal error: %s: %s (please report it)" % (prog, type(e).__name__, e), file=sys.stderr)
        return 3
