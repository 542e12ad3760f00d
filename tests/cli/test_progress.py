"""Progress bars: on stderr only when it is a terminal, never with --quiet, never on stdout."""

from __future__ import annotations

import io
import sys

from llmaccel import progress


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_on_tty_stderr(monkeypatch, capsys):
    err = FakeTTY()
    monkeypatch.setattr(sys, "stderr", err)
    assert progress.enabled() and not progress.enabled(quiet=True)
    assert list(progress.progress([1, 2, 3], "work")) == [1, 2, 3]
    with progress.stages(["a", "b"]) as bar:
        bar.step("a")
        bar.step("b")
    text = err.getvalue()
    assert "work:" in text and "/3 [" in text and "b:" in text and "/2 [" in text  # tqdm throttles redraws
    assert capsys.readouterr().out == ""


def test_no_bar_when_quiet_or_not_a_tty(monkeypatch):
    err = FakeTTY()
    monkeypatch.setattr(sys, "stderr", err)
    assert list(progress.progress(range(4), "work", quiet=True)) == [0, 1, 2, 3]
    with progress.stages(["a"], quiet=True) as bar:
        bar.step("a")
    assert err.getvalue() == ""
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stderr", plain)
    assert not progress.enabled()
    assert list(progress.progress("ab", "x")) == ["a", "b"]
    assert plain.getvalue() == ""


def test_run_success_writes_nothing_to_stderr(cli):
    r = cli("run", "--layers", "1")  # capsys stderr is not a terminal
    assert r.rc == 0 and r.err == ""
