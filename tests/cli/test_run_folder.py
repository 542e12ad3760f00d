"""Run folders written from a hand-built Result: files, columns, values, atomicity, determinism."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from cli_helpers import small_result

from llmaccel.reports import run_folder
from llmaccel.workloads.errors import InputError


def _csv(path: Path) -> list[dict]:
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One run folder with plots, shared by the read-only tests below."""
    return run_folder.write(
        small_result(), tmp_path_factory.mktemp("rf") / "run", workload={"phase": "decode", "batch": 1}
    )


def test_files_and_columns(written):
    out = written
    assert sorted(p.name for p in out.iterdir()) == [
        ".llmaccel-folder.json",
        "energy.csv",
        "layers.csv",
        "ops.csv",
        "plots",
        "summary.json",
    ]
    assert sorted(p.name for p in (out / "plots").iterdir()) == [".llmaccel-folder.json"] + sorted(
        f"{s}.{e}" for s in ("energy", "latency_breakdown", "roofline") for e in ("png", "svg")
    )
    ops = _csv(out / "ops.csv")
    assert [o["name"] for o in ops] == ["L0.q_proj", "L0.attn_score.r0", "L1.softmax"]
    assert [o["role"] for o in ops] == ["q_proj", "attn_score", "softmax"]
    q = ops[0]
    # hand values: 1000 cycles at 500 MHz = 2 us; 1000 of 1500 summed op cycles; dram 4096+1024 B
    assert float(q["time_us"]) == 2.0
    assert float(q["cycle_share"]) == pytest.approx(1000 / 1500)
    assert float(q["dram_bytes"]) == 5120.0
    assert float(q["arith_intensity"]) == pytest.approx(64_000 / 5120)
    assert float(q["energy_pj"]) == 2000.0
    assert float(q["bytes.sram_read"]) == 9000.0 and float(ops[2]["bytes.sram_read"]) == 0.0
    assert float(ops[2]["energy_pj.sfu"]) == 12.25
    layers = _csv(out / "layers.csv")
    assert list(layers[0]) == list(run_folder.LAYER_COLUMNS)
    assert [(int(l["layer"]), int(l["ops"]), int(l["cycles"]), int(l["macs"])) for l in layers] == [
        (0, 2, 1300, 80_384),
        (1, 1, 200, 0),
    ]
    assert float(layers[0]["utilisation"]) == pytest.approx(80_384 / (1300 * 1024))
    assert float(layers[0]["energy_pj"]) == 2350.5
    energy = _csv(out / "energy.csv")
    assert [e["component"] for e in energy] == ["dram", "leakage", "pe_array", "sfu"]
    assert sum(float(e["energy_pj"]) for e in energy) == 2500.0
    assert float(energy[1]["share"]) == pytest.approx(137.25 / 2500)


def test_summary_values(tmp_path):
    out = run_folder.write(small_result(), tmp_path / "run", plots=False)
    s = json.loads((out / "summary.json").read_text())
    assert s["schema"] == run_folder.RUN_FOLDER_SCHEMA
    assert s["total_cycles"] == 1500 and s["sum_op_cycles"] == 1500
    assert s["time_s"] == pytest.approx(1500 / 500e6)
    assert s["total_energy_pj"] == 2500.0
    assert s["total_macs"] == 64_000 + 16_384
    assert s["utilisation"] == pytest.approx(80_384 / (1500 * 1024))
    assert s["bytes"] == {"dram_read": 6144.0, "dram_write": 1024.0, "sram_read": 9000.0}
    assert s["roofline"]["dram_bytes_per_cycle"] == 128.0
    assert not (out / "plots").exists()


def test_roofline_and_offchip_bytes_come_from_the_typed_fields():
    from llmaccel.sim.result import LevelTraffic, MemoryRoof

    r = small_result()
    roof = run_folder.roofline_params(r)
    assert roof["dram_bytes_per_cycle"] == pytest.approx(64e9 / 500e6)  # 128 B/cycle
    assert roof["dram_bytes_per_cycle_source"] == "toy roof"
    # traffic summed per level from the ops: dram 4096 + 2048 read, 1024 written; sram 9000 read
    assert r.traffic == [LevelTraffic("dram", True, 6144.0, 1024.0), LevelTraffic("sram", False, 9000.0)]
    assert r.offchip_bytes() == 7168.0 and r.op_offchip_bytes(r.ops[0]) == 5120.0
    assert r.busy_cycles == {"array": 1300, "sfu": 200}
    # an on-chip roof is not the roofline's bandwidth; no off-chip roof -> None, said so
    r.roofs = [MemoryRoof("sram", False, 1e12, "toy")]
    assert run_folder.roofline_params(r)["dram_bytes_per_cycle"] is None
    # a level named anything is off-chip only when the design says so
    r.traffic = [LevelTraffic("dram", False, 6144.0, 1024.0), LevelTraffic("sram", False, 9000.0)]
    r.roofs = [MemoryRoof("uram", True, 460e9, "u280")]
    r.clock_mhz = 225.0
    assert run_folder.roofline_params(r)["dram_bytes_per_cycle"] == pytest.approx(460e9 / 225e6)
    assert r.offchip_bytes() == 0.0 and r.op_offchip_bytes(r.ops[0]) == 0.0


def test_byte_identical(written, tmp_path):
    a = written
    b = run_folder.write(small_result(), tmp_path / "b", workload={"phase": "decode", "batch": 1})
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) == 12  # 4 tables, 6 plots, 2 markers
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_read_back(tmp_path):
    out = run_folder.write(small_result(), tmp_path / "run", plots=False)
    rf = run_folder.read(out)
    assert rf.summary["model"] == "toy-model"
    assert [o["cycles"] for o in rf.ops] == [1000, 300, 200]
    assert rf.ops[0]["name"] == "L0.q_proj" and rf.ops[1]["utilisation"] == pytest.approx(16_384 / (300 * 1024))


def test_failed_build_leaves_existing_folder(tmp_path):
    out = run_folder.write(small_result(), tmp_path / "run", plots=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(tmp):
        (tmp / "summary.json").write_text("{}")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        run_folder.atomic_folder(out, boom)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # temp sibling cleaned up


def test_replaces_existing_run_folder_only(tmp_path):
    out = run_folder.write(small_result(), tmp_path / "run", plots=False)
    r = small_result()
    r.total_cycles = 1600
    run_folder.write(r, out, plots=False)
    assert json.loads((out / "summary.json").read_text())["total_cycles"] == 1600
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(InputError) as e:
        run_folder.write(small_result(), other)
    assert e.value.field == "--out"
    assert (other / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    "damage, field",
    [
        (lambda d: (d / "summary.json").unlink(), "run folder"),
        (lambda d: (d / "summary.json").write_text("{not json"), "summary.json"),
        (lambda d: (d / "summary.json").write_text('{"schema": 99}'), "summary.json: schema"),
        (lambda d: (d / "ops.csv").write_text("index,name\n0,x\n"), "ops.csv: header"),
        (lambda d: (d / "layers.csv").unlink(), "run folder"),
        (lambda d: (d / "energy.csv").write_text("component,energy_pj,share\ndram,1\n"), "energy.csv line 2"),
    ],
)
def test_read_malformed(tmp_path, damage, field):
    out = run_folder.write(small_result(), tmp_path / "run", plots=False)
    damage(out)
    with pytest.raises(InputError) as e:
        run_folder.read(out)
    assert e.value.field == field


def test_plots_show_the_data(written):
    """SVG text is kept as text: every role appears as a bar label, the roofs in the legend."""
    out = written
    lat = (out / "plots" / "latency_breakdown.svg").read_text()
    for role in ("q_proj", "attn_score", "softmax"):
        assert f">{role}<" in lat, role
    # q_proj: 1000 of 1500 summed cycles
    assert "66.7%" in lat
    roof = (out / "plots" / "roofline.svg").read_text()
    assert "roof: 64 GB/s, 512 GMAC/s" in roof  # 128 B/cycle and 1024 MAC/cycle at 500 MHz
    assert "achieved throughput (MAC/s)" in roof and "MAC/B" in roof
    assert ">gemm<" in roof and ">attn_score<" in roof and ">softmax<" not in roof  # vector ops are not points
    energy = (out / "plots" / "energy.svg").read_text()
    assert "dram (70.0%)" in energy  # 1750.5 / 2500
    # bars per role: q_proj 500 + 1500 = 2000 pJ, attn_score 350.5 pJ, softmax 12.25 pJ, and the
    # leakage no op carries (137.25 pJ) as its own bar
    for role, text in (
        ("q_proj", "2 nJ"),
        ("attn_score", "350.5 pJ"),
        ("softmax", "12.25 pJ"),
        ("not in ops", "137.2 pJ"),
    ):
        assert f">{role}<" in energy and f"> {text}<" in energy, role
    assert (out / "plots" / "roofline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_roles_from_trace_override_names(tmp_path):
    out = run_folder.write(small_result(), tmp_path / "run", plots=False, roles={"L1.softmax": "attn_softmax"})
    assert [o["role"] for o in _csv(out / "ops.csv")] == ["q_proj", "attn_score", "attn_softmax"]
    assert run_folder.op_role("lm_head") == "lm_head" and run_folder.op_role("L12.ffn_up") == "ffn_up"
