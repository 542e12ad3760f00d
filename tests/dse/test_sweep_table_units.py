"""The sweep command's front table prints objectives in human units, not raw floats."""

import re

from dse_spaces import make_space

from llmaccel.cli import main


def test_front_table_has_units(tmp_path, capsys):
    space = make_space(tmp_path, clocks=(500,), batches=(1,))
    assert main(["sweep", str(space), "--db", str(tmp_path / "r.sqlite"), "--workers", "1", "--quiet"]) == 0
    row = capsys.readouterr().out.splitlines()[-1].split()
    # clock, batch, then tokens_per_s and energy_per_token_j each as "<number> <SI unit>"
    assert row[:2] == ["500", "1"]
    assert re.fullmatch(r"\d+(\.\d+)?", row[2]) and row[3] == "tokens/s"
    assert re.fullmatch(r"\d+(\.\d+)?", row[4]) and row[5] in ("mJ", "uJ", "J")
