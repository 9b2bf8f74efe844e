"""LOCAL_LS, LOCAL_READ, LOCAL_READ_LINES, LOCAL_RM and LOCAL_WRITE on a temporary directory."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metron import stellar
from metron.stellar.stdlib.shell import table

HEADERS = ["PERMISSION", "OWNER", "GROUP", "SIZE", "LAST MOD TIME", "NAME"]


def ev(expression: str, **variables: Any) -> Any:
    return stellar.evaluate(expression, variables)


@pytest.fixture
def utc() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


# -- LOCAL_WRITE / LOCAL_READ / LOCAL_READ_LINES ------------------------------------------------


def test_write_then_read(tmp_path: Path) -> None:
    path = str(tmp_path / "notes.txt")
    assert ev("LOCAL_WRITE('alpha\\nbeta\\n', p)", p=path) is True
    assert ev("LOCAL_READ(p)", p=path) == "alpha\nbeta\n"
    assert ev("LOCAL_READ_LINES(p)", p=path) == ["alpha", "beta"]


def test_write_replaces_and_creates_parents(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c.txt"
    assert ev("LOCAL_WRITE('first, longer', p)", p=str(path)) is True
    assert ev("LOCAL_WRITE('second', p)", p=str(path)) is True
    assert path.read_bytes() == b"second"


def test_write_keeps_only_the_low_byte_of_each_character(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    assert ev("LOCAL_WRITE(s, p)", s="é€😀", p=str(path)) is True
    # é is U+00E9, € U+20AC, 😀 the surrogates D83D DE00
    assert path.read_bytes() == b"\xe9\xac\x3d\x00"
    # read back as UTF-8: E9 AC is one truncated sequence, one replacement character
    assert ev("LOCAL_READ(p)", p=str(path)) == "\ufffd=\x00"


def test_write_removes_a_stale_checksum(tmp_path: Path) -> None:
    crc = tmp_path / ".data.csv.crc"
    crc.write_bytes(b"crc\x00stale")
    assert ev("LOCAL_WRITE('x', p)", p=str(tmp_path / "data.csv")) is True
    assert not crc.exists()


@pytest.mark.parametrize(
    ("content", "path"),
    [(None, "f.txt"), ("text", None)],
)
def test_write_nulls_give_false(tmp_path: Path, content: Any, path: Any) -> None:
    target = None if path is None else str(tmp_path / path)
    assert ev("LOCAL_WRITE(c, p)", c=content, p=target) is False
    assert list(tmp_path.iterdir()) == []


def test_write_failures_give_false(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    assert ev("LOCAL_WRITE('x', p)", p=str(tmp_path)) is False  # a directory
    assert ev("LOCAL_WRITE('x', p)", p=str(tmp_path / "file" / "child")) is False


def test_write_wrong_content_type_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(stellar.StellarError, match="string"):
        ev("LOCAL_WRITE(42, p)", p=str(tmp_path / "n"))


def test_read_missing_or_unreadable_gives_null(tmp_path: Path) -> None:
    assert ev("LOCAL_READ(p)", p=str(tmp_path / "missing")) is None
    assert ev("LOCAL_READ_LINES(p)", p=str(tmp_path / "missing")) is None
    assert ev("LOCAL_READ(p)", p=str(tmp_path)) is None
    assert ev("LOCAL_READ(null)") is None
    assert ev("LOCAL_READ_LINES(null)") is None


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b"", []),
        (b"\n", [""]),
        (b"one", ["one"]),
        (b"a\r\nb\rc\nd", ["a", "b", "c", "d"]),
        (b"a\n\nb\n", ["a", "", "b"]),
        (b"a\r\n\r\n", ["a", ""]),
        (b"x\x0cy\x0bz\xe2\x80\xa8w", ["x\x0cy\x0bz\u2028w"]),
        (b"bad \xff byte", ["bad \ufffd byte"]),
    ],
)
def test_read_lines(tmp_path: Path, data: bytes, lines: list[str]) -> None:
    path = tmp_path / "f"
    path.write_bytes(data)
    assert ev("LOCAL_READ_LINES(p)", p=str(path)) == lines


def test_paths_are_resolved_like_hadoop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f.txt").write_text("hi")
    monkeypatch.chdir(tmp_path)
    assert ev("LOCAL_READ('sub/f.txt')") == "hi"
    assert ev("LOCAL_READ('sub//f.txt/')") == "hi"
    assert ev("LOCAL_READ('nope/../sub/./f.txt')") == "hi"
    assert ev("LOCAL_READ(p)", p=f"file://{tmp_path}/sub/f.txt") == "hi"
    assert ev("LOCAL_READ(p)", p=f"file:{tmp_path}/sub/f.txt") == "hi"


@pytest.mark.parametrize(
    ("path", "match"),
    [
        ("", "empty"),
        ("hdfs://namenode/data", "Wrong FS"),
        ("file://host/data", "Wrong FS"),
        ("file:relative", "Relative path"),
    ],
)
def test_bad_paths_are_errors(path: str, match: str) -> None:
    for function in ("LOCAL_READ(p)", "LOCAL_READ_LINES(p)", "LOCAL_RM(p)", "LOCAL_WRITE('x', p)"):
        with pytest.raises(stellar.StellarError, match=match):
            ev(function, p=path)


def test_missing_arguments_are_errors() -> None:
    for expression in ("LOCAL_READ()", "LOCAL_READ_LINES()", "LOCAL_RM()", "LOCAL_WRITE('x')"):
        with pytest.raises(stellar.StellarError):
            ev(expression)


# -- LOCAL_RM ---------------------------------------------------------------------------------


def test_rm_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("x")
    (tmp_path / ".f.crc").write_text("c")
    assert ev("LOCAL_RM(p)", p=str(path)) is True
    assert list(tmp_path.iterdir()) == []


def test_rm_missing_path_is_still_true(tmp_path: Path) -> None:
    assert ev("LOCAL_RM(p)", p=str(tmp_path / "ghost")) is True
    assert ev("LOCAL_RM(p, true)", p=str(tmp_path / "ghost")) is True


def test_rm_directories(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert ev("LOCAL_RM(p)", p=str(empty)) is True
    assert not empty.exists()
    full = tmp_path / "full"
    (full / "deep").mkdir(parents=True)
    (full / "deep" / "f").write_text("x")
    assert ev("LOCAL_RM(p)", p=str(full)) is False
    assert ev("LOCAL_RM(p, false)", p=str(full)) is False
    assert full.exists()
    assert ev("LOCAL_RM(p, 'true')", p=str(full)) is True
    assert not full.exists()


def test_rm_symlink_to_directory_removes_only_the_link(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep").write_text("x")
    link = tmp_path / "link"
    link.symlink_to(target)
    assert ev("LOCAL_RM(p, true)", p=str(link)) is True
    assert not link.exists()
    assert (target / "keep").exists()


def test_rm_arguments() -> None:
    assert ev("LOCAL_RM(null)") is False
    with pytest.raises(stellar.StellarError, match="boolean"):
        ev("LOCAL_RM('/nonexistent/x', 'perhaps')")
    with pytest.raises(stellar.StellarError, match="boolean"):
        ev("LOCAL_RM('/nonexistent/x', null)")


# -- LOCAL_LS ---------------------------------------------------------------------------------


def _touch(path: Path, content: str, mtime: float) -> None:
    path.write_text(content)
    os.utime(path, (mtime, mtime))


def test_ls_sorts_by_second_then_name(tmp_path: Path, utc: None) -> None:
    _touch(tmp_path / "late", "123", 1_700_000_100)
    _touch(tmp_path / "b", "", 1_700_000_000.9)
    _touch(tmp_path / "a", "12", 1_700_000_000.1)
    _touch(tmp_path / ".b.crc", "checksum", 1_600_000_000)
    out = ev("LOCAL_LS(p)", p=str(tmp_path))
    lines = out.splitlines()
    names = [line.split("│")[-1].strip(" ║") for line in lines[3::2]]
    assert names == ["a", "b", "late"]
    os.chmod(tmp_path / "a", 0o640)
    os.utime(tmp_path / "a", (1_700_000_000.1, 1_700_000_000.1))
    info = os.stat(tmp_path / "a")
    row_a = [
        "rw-r-----",
        pwd.getpwuid(info.st_uid).pw_name,
        grp.getgrgid(info.st_gid).gr_name,
        "2",
        "Nov 14, 2023 10:13:20 PM",
        "a",
    ]
    lines = ev("LOCAL_LS(p)", p=str(tmp_path)).splitlines()
    cells = [cell.strip(" ║") for cell in lines[3].split("│")]
    assert cells == row_a
    out = "\n".join(lines)
    assert "Nov 14, 2023 10:15:00 PM" in out


def test_ls_permissions_and_sticky_bit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("")
    os.chmod(path, 0o751)
    assert "rwxr-x--x" in ev("LOCAL_LS(p)", p=str(path))
    sticky = tmp_path / "d"
    sticky.mkdir()
    os.chmod(sticky, 0o1777)
    assert "rwxrwxrwt" in ev("LOCAL_LS(p)", p=str(tmp_path))


def test_ls_of_a_file_describes_it(tmp_path: Path) -> None:
    path = tmp_path / "only.txt"
    path.write_text("hello")
    lines = ev("LOCAL_LS(p)", p=str(path)).splitlines()
    assert len(lines) == 5
    assert lines[3].rstrip(" ║").endswith("only.txt")
    assert "│ 5 " in lines[3]


@pytest.mark.parametrize("path", [None, ""])
def test_ls_null_or_empty_gives_an_empty_table(path: str | None) -> None:
    assert ev("LOCAL_LS(p)", p=path) == table(HEADERS, [])


def test_ls_missing_gives_an_empty_table(tmp_path: Path) -> None:
    assert ev("LOCAL_LS(p)", p=str(tmp_path / "nothing")) == table(HEADERS, [])
    assert ev("LOCAL_LS(p)", p=str(tmp_path)) == table(HEADERS, [])  # empty directory


def test_ls_skips_dangling_links(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert ev("LOCAL_LS(p)", p=str(tmp_path)) == table(HEADERS, [])


def test_ls_without_arguments_lists_home() -> None:
    header = ev("LOCAL_LS()").splitlines()[1]
    assert [cell.strip(" ║") for cell in header.split("│")] == HEADERS


def test_ls_other_scheme_is_an_error() -> None:
    with pytest.raises(stellar.StellarError, match="Wrong FS"):
        ev("LOCAL_LS('hdfs://nn/x')")


# -- random input -----------------------------------------------------------------------------


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    # never a separator or "..": the random path must stay inside the sandbox
    name=st.text(st.characters(blacklist_characters="/"), max_size=12).filter(lambda n: n != ".."),
    content=st.text(max_size=20),
)
def test_random_names_only_raise_stellar_errors(tmp_path: Path, name: str, content: str) -> None:
    path = f"{tmp_path}/sandbox/{name}"
    for expression in ("LOCAL_WRITE(c, p)", "LOCAL_READ(p)", "LOCAL_READ_LINES(p)", "LOCAL_LS(p)"):
        with contextlib.suppress(stellar.StellarError):
            ev(expression, c=content, p=path)
    with contextlib.suppress(stellar.StellarError):
        ev("LOCAL_RM(p, true)", p=path)
