"""Every shipped preset loads and every number in it carries a source."""

from pathlib import Path

import pytest
import yaml

from llmaccel.sim.preset import load_preset, preset_names

PRESETS = Path(__file__).resolve().parents[2] / "sim" / "presets"


def _numeric_leaves(node, path=""):
    if isinstance(node, dict):
        if "value" in node:
            yield path, node
            return
        for k, v in node.items():
            yield from _numeric_leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield path, {"value": node}


@pytest.mark.parametrize("name", preset_names())
def test_preset_loads_and_every_number_has_a_source(name):
    hw = load_preset(name)
    assert hw.name and hw.design
    doc = yaml.safe_load((PRESETS / f"{name}.yaml").read_text())
    leaves = list(_numeric_leaves(doc.get("params") or {}))
    for path, leaf in leaves:
        assert str(leaf.get("source", "")).strip(), f"{name}: {path} has no source"
        assert hw.sources.get(path), f"{name}: {path} lost its source on load"


MINE = ["systolic-int8", "systolic-fp16", "systolic-int8-hbm", "v100s", "a100-40gb", "a100-80gb", "rtx2080ti"]


@pytest.mark.parametrize("name", MINE)
def test_my_presets_build_typed_params(name):
    hw = load_preset(name)
    if hw.design == "systolic":
        from llmaccel.sim.systolic.params import systolic_params

        p = systolic_params(hw)
        assert p.array.rows > 0 and p.mem_params().dram.bytes_per_cycle > 0
    else:
        from llmaccel.sim.gpu import gpu_params

        p = gpu_params(hw)
        assert p.peak_tops.fp16 > 0 and p.hbm.bandwidth_gbps > 0


def test_ant_config_values():
    p = load_preset("systolic-int8").params
    # spec/olive.md: 500 MHz, 32x32, 128/256/128 KB weight/input/output, 1024 bit/cycle DRAM
    assert p["clock_mhz"] == 500 and p["array"]["rows"] == p["array"]["cols"] == 32
    assert (p["sram"]["weight_kib"], p["sram"]["input_kib"], p["sram"]["output_kib"]) == (128, 256, 128)
    assert p["dram"]["bandwidth_gbps"] * 1e9 / (p["clock_mhz"] * 1e6) * 8 == pytest.approx(1024)


def test_bad_param_is_input_error():
    from llmaccel.sim.systolic.params import systolic_params
    from llmaccel.workloads.errors import InputError

    hw = load_preset("systolic-int8").with_overrides({"array.rows": 0})
    with pytest.raises(InputError) as e:
        systolic_params(hw)
    assert "array.rows" in e.value.field
    with pytest.raises(InputError) as e:  # a negative or non-finite override is refused by the override itself
        load_preset("systolic-int8").with_overrides({"array.rows": -4})
    assert e.value.field == "array.rows" and "[0, 1e+12]" in e.value.problem
    hw = load_preset("systolic-int8").with_overrides({"array.rows": 2.5})  # positive, but not an integer
    with pytest.raises(InputError) as e:
        systolic_params(hw)
    assert "array.rows" in e.value.field and "integer" in e.value.problem
    hw = load_preset("systolic-int8").with_overrides({"array.pe": "int3"})
    with pytest.raises(InputError):
        systolic_params(hw).pe()
