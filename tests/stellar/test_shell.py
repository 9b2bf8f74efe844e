"""The Stellar shell: assignments, magics, docs, completion, and a real terminal session."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from metron.stellar import StellarContext
from metron.stellar.shell import StellarShell


def lines(shell: StellarShell, *inputs: str) -> list[str | None]:
    out = []
    for line in inputs:
        result = shell.execute(line)
        out.append(None if result is None else result.text)
    return out


def test_assignment_and_reuse() -> None:
    shell = StellarShell()
    assert lines(shell, "total := 2 + 3", "total * 10") == [None, "50"]
    assert shell.variables["total"].expression == "2 + 3"


def test_values_print_as_java_prints_them() -> None:
    shell = StellarShell()
    assert lines(shell, "{'a' : [1, 2.0]}", "'text'", "null") == ["{a=[1, 2.0]}", "text", "null"]


def test_errors_are_results_not_exceptions() -> None:
    shell = StellarShell()
    result = shell.execute("1 +")
    assert result is not None and result.error and "Syntax error" in result.text
    result = shell.execute("x := 1 / 0")
    assert result is not None and result.error
    assert "x" not in shell.variables


def test_magics() -> None:
    shell = StellarShell(context=StellarContext(global_config={"a": 1}), variables={"v": 7})
    assert lines(shell, "%vars") == ["v = 7"]
    assert lines(shell, "%globals") == ["a = 1"]
    assert lines(shell, "%define b := 'two'", "%globals") == [None, 'a = 1\nb = "two"']
    assert lines(shell, "%undefine a", "%globals") == [None, 'b = "two"']
    functions = lines(shell, "%functions SHELL_")[0]
    assert functions is not None and "SHELL_MAP2TABLE" in functions
    bad = shell.execute("%bogus")
    assert bad is not None and bad.error


def test_comments_and_blank_lines_print_nothing() -> None:
    assert lines(StellarShell(), "", "   ", "# a comment") == [None, None, None]


def test_function_docs() -> None:
    shell = StellarShell()
    doc = lines(shell, "?SHELL_MAP2TABLE")[0]
    assert doc is not None and doc.startswith("SHELL_MAP2TABLE\nDescription:")
    missing = shell.execute("?SHELL_MAP2TABEL")
    assert missing is not None and missing.error and "SHELL_MAP2TABLE" in missing.text


def test_completion_of_functions_variables_and_magics() -> None:
    shell = StellarShell(variables={"src_ip": "10.0.0.1"})
    assert "SHELL_LIST_VARS" in shell.completions("SHELL_L")
    assert shell.completions("x := src_") == ["src_ip"]
    assert shell.completions("%gl") == ["%globals"]
    assert shell.completions("?SHELL_GET") == ["SHELL_GET_EXPRESSION"]


def test_shell_functions_see_the_shell() -> None:
    shell = StellarShell()
    lines(shell, "a := 1 + 1")
    assert lines(shell, "SHELL_GET_EXPRESSION('a')") == ["1 + 1"]
    assert lines(shell, "SHELL_VARS2MAP('a', 'nope')") == ["{a=1 + 1}"]
    table = lines(shell, "SHELL_LIST_VARS()")[0]
    assert table is not None and "║ a        │ 2     │ 1 + 1      ║" in table


def test_piped_input_runs_until_quit(capsys: pytest.CaptureFixture[str]) -> None:
    StellarShell().run(stdin=["1 + 1\n", "quit\n", "2 + 2\n"])
    assert capsys.readouterr().out == "2\n"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs a shell for the pty")
def test_interactive_terminal_session(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = {
        **os.environ,
        "METRON_DATA_DIR": str(tmp_path),
        "TERM": "xterm",
        "COLUMNS": "120",
        "PROMPT_TOOLKIT_NO_CPR": "1",
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "metron.cli.main", "stellar", "shell"],
        env=env,
        encoding="utf-8",
        timeout=60,
    )
    try:
        child.expect_exact("[Stellar]>>>")
        child.sendline("n := 40 + 2")
        child.expect_exact("[Stellar]>>>")
        child.send("SHELL_MAP2T")
        time.sleep(1.0)  # let the prompt render before the key presses that follow
        child.send("\t")  # completes to SHELL_MAP2TABLE
        time.sleep(1.0)
        child.send("({'n' : n})\r")
        child.expect_exact("║ n   │ 42    ║")
        child.expect_exact("[Stellar]>>>")
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert (tmp_path / "stellar_history").read_text().count("n := 40 + 2") == 1
