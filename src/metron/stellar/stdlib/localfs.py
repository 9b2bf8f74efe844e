"""Local filesystem functions: ``LOCAL_LS``, ``LOCAL_READ``, ``LOCAL_READ_LINES``, ``LOCAL_RM``
and ``LOCAL_WRITE``.

Metron goes through Hadoop's ``LocalFileSystem``, whose behaviour these keep:

* a path is a plain path (relative to the working directory) or a ``file:`` URI; ``.`` and
  ``..`` are resolved in the text, repeated slashes collapse; an empty path or another
  scheme (``hdfs://...``) is an error;
* a file that cannot be read gives null; a file that cannot be written gives false;
* ``LOCAL_WRITE`` creates missing parent directories, and writes each UTF-16 unit of the text
  as one byte, its low eight bits (Java's ``DataOutputStream.writeBytes``): ASCII is written
  as is, other characters are mangled;
* ``LOCAL_RM`` answers true even when there was nothing to remove; only a non-empty directory
  without the recursive flag (or an error listing it) gives false;
* ``LOCAL_LS`` hides Hadoop's ``.name.crc`` checksum files and sorts by modification time to
  the second, then by name, printing times as Java 8's default US format does.

Hadoop keeps a ``.name.crc`` checksum beside each file it writes; these functions do not
write one, but ``LOCAL_WRITE`` and ``LOCAL_RM`` remove a stale one so that Hadoop does not
later reject the file.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shutil
import stat
import time
from typing import Any

from metron.stellar.convert import to_boolean
from metron.stellar.errors import StellarError
from metron.stellar.functions import Example, stellar
from metron.stellar.stdlib._javacodec import java_utf8_decode
from metron.stellar.stdlib._sensorconfig import is_string
from metron.stellar.stdlib.shell import table
from metron.stellar.types import java_type_name, to_java_string

_LS_HEADERS = ["PERMISSION", "OWNER", "GROUP", "SIZE", "LAST MOD TIME", "NAME"]
_SCHEME = re.compile(r"([^/:]*):")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _path(value: Any) -> str:
    """The local file a Hadoop ``Path`` string names (raises StellarError as Hadoop would)."""
    if not is_string(value):
        raise StellarError(f"the path must be a string, got {java_type_name(value)}")
    text = str(value)
    if not text:
        raise StellarError("Can not create a Path from an empty string")
    scheme = _SCHEME.match(text)
    if scheme:
        rest = text[scheme.end() :]
        if scheme.group(1) != "file":
            raise StellarError(f"Wrong FS: {text}, expected: file:///")
        if rest.startswith("//") and len(rest) > 2:
            authority, _, path = rest[2:].partition("/")
            if authority:
                raise StellarError(f"Wrong FS: {text}, expected: file:///")
            rest = "/" + path
        if not rest.startswith("/"):
            raise StellarError(f"Relative path in absolute URI: {text}")
        text = rest
    if "\x00" in text:
        raise StellarError("the path contains a NUL character")
    return os.path.normpath(os.path.join(os.getcwd(), re.sub("/+", "/", text)))


def _checksum_file(path: str) -> str:
    head, name = os.path.split(path)
    return os.path.join(head, f".{name}.crc")


def _drop_checksum(path: str) -> None:
    crc = _checksum_file(path)
    if os.path.lexists(crc):
        with contextlib.suppress(OSError):
            os.remove(crc)


def _read(args: tuple[Any, ...]) -> str | None:
    if args[0] is None:
        return None
    path = _path(args[0])
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return java_utf8_decode(data)


@stellar(
    "LOCAL_READ",
    params=["path - the file"],
    returns="the file's content as a string (read as UTF-8), or null when it cannot be read",
    description="Reads a local file into a string.",
    examples=[("LOCAL_READ(null)", None)],
)
def local_read(*args: Any) -> str | None:
    return _read(args)


@stellar(
    "LOCAL_READ_LINES",
    params=["path - the file"],
    returns="the file's lines (without line terminators), or null when it cannot be read",
    description="Reads a local file as a list of lines; \\n, \\r and \\r\\n all end a line and a"
    " final line terminator does not start another line.",
    examples=[("LOCAL_READ_LINES(null)", None)],
)
def local_read_lines(*args: Any) -> list[str] | None:
    text = _read(args)
    if text is None:
        return None
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


@stellar(
    "LOCAL_WRITE",
    params=["content - the text to write", "path - the file"],
    returns="true if the file was written, false otherwise",
    description="Writes text to a local file, replacing it and creating missing directories."
    " Each character is written as one byte (its low eight bits), so only ASCII text survives"
    " unchanged.",
    examples=[("LOCAL_WRITE(null, '/tmp/unused.txt')", False)],
)
def local_write(*args: Any) -> bool:
    content = args[0]
    if content is None:
        return False
    if not is_string(content):
        raise StellarError(f"the content must be a string, got {java_type_name(content)}")
    if args[1] is None:
        return False
    path = _path(args[1])
    data = content.encode("utf-16-le", "surrogatepass")[::2]  # the low byte of each unit
    try:
        parent = os.path.dirname(path)
        os.makedirs(parent, exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError:
        return False
    _drop_checksum(path)
    return True


@stellar(
    "LOCAL_RM",
    params=[
        "path - the file or directory",
        "recursive - (optional) remove a directory and its content; false by default",
    ],
    returns="true, unless the path is a non-empty directory and recursive is not set (false)",
    description="Removes a local file or directory. Removing a missing path is not an error:"
    " the answer is still true.",
    examples=[("LOCAL_RM(null)", False), Example("LOCAL_RM('/tmp/x', 'maybe')", error=True)],
)
def local_rm(*args: Any) -> bool:
    if args[0] is None:
        return False
    recursive = False
    if len(args) > 1:
        flag = to_boolean(args[1])
        if flag is None:
            raise StellarError(f"recursive must be a boolean, got {to_java_string(args[1])}")
        recursive = flag
    path = _path(args[0])
    try:
        info = os.stat(path)
    except OSError:
        return True  # nothing there (Hadoop answers false, which Metron ignores)
    if not stat.S_ISDIR(info.st_mode):
        _drop_checksum(path)
        with contextlib.suppress(OSError):
            os.remove(path)
        return True
    try:
        empty = not os.listdir(path)
    except OSError:
        return False
    if not empty and not recursive:
        return False
    if os.path.islink(path):
        os.remove(path)
    else:
        shutil.rmtree(path, ignore_errors=True)
    return True


def _permission(mode: int) -> str:
    bits = "".join(
        ch if mode & bit else "-"
        for ch, bit in zip("rwxrwxrwx", (0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 4, 2, 1))
    )
    if mode & stat.S_ISVTX:
        bits = bits[:-1] + ("t" if mode & 1 else "T")
    return bits


def _owner(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _date(seconds: int) -> str:
    """Java 8's ``DateFormat.getDateTimeInstance()`` in the US locale, local time."""
    t = time.localtime(seconds)
    hour = t.tm_hour % 12 or 12
    half = "AM" if t.tm_hour < 12 else "PM"
    month = _MONTHS[t.tm_mon - 1]
    return f"{month} {t.tm_mday}, {t.tm_year} {hour}:{t.tm_min:02d}:{t.tm_sec:02d} {half}"


def _entries(path: str) -> list[tuple[str, os.stat_result]] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return [(os.path.basename(path), info)]
    try:
        names = os.listdir(path)
    except OSError:
        return None
    found = []
    for name in names:
        if name.startswith(".") and name.endswith(".crc"):
            continue
        try:
            found.append((name, os.stat(os.path.join(path, name))))
        except OSError:
            continue  # vanished, or a dangling link: Hadoop skips it
    return found


def _home() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return os.path.expanduser("~")


@stellar(
    "LOCAL_LS",
    params=["path - (optional) the directory; the home directory when omitted"],
    returns="a table of the directory's entries (PERMISSION, OWNER, GROUP, SIZE, LAST MOD TIME,"
    " NAME), oldest first; an empty table when the path cannot be listed",
    description="Lists a local directory (or describes a file), sorted by last modification"
    " time, to the second, then by name.",
    examples=[Example("LOCAL_LS('/')", check=False)],
)
def local_ls(*args: Any) -> str:
    if not args:
        path = _home()
    elif args[0] is None or args[0] == "":
        return table(_LS_HEADERS, [])
    else:
        path = _path(args[0])
    entries = _entries(path)
    if entries is None:
        return table(_LS_HEADERS, [])
    entries.sort(
        key=lambda e: (e[1].st_mtime_ns // 1_000_000_000, e[0].encode("utf-16-be", "surrogatepass"))
    )
    rows = [
        [
            _permission(info.st_mode),
            _owner(info.st_uid),
            _group(info.st_gid),
            str(info.st_size),
            _date(info.st_mtime_ns // 1_000_000_000),
            name,
        ]
        for name, info in entries
    ]
    return table(_LS_HEADERS, rows)
