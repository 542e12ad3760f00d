"""sim.area: node scaling and provenance."""

import pytest

from llmaccel.sim.area import load_area_table
from llmaccel.workloads.errors import InputError


def test_area_scaling_by_hand():
    t = load_area_table()
    # OliVe 4-bit decoder 37.22 um^2 at 22 nm (paper Table 11) -> 28 nm: x (28/22)^2
    assert t.um2("olive_decoder_4bit", 28) == pytest.approx(37.22 * (28 / 22) ** 2)
    # 1024 int8 PEs (282 + 137 um^2 at 45 nm) at 28 nm, in mm^2
    assert t.mm2("pe_int8", 28, 1024) == pytest.approx(1024 * 419 * (28 / 45) ** 2 / 1e6)
    assert t.um2("int8_mult") == 282


def test_every_entry_has_source_and_unknown_rejected():
    t = load_area_table()
    assert all(e.source.strip() for e in t.entries.values())
    with pytest.raises(InputError):
        t.um2("no_such_thing")


def test_bad_area_file(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_text("entries:\n  x: {um2: 5, node_nm: 28}\n")
    with pytest.raises(InputError):
        load_area_table(p)
