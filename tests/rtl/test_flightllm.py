"""FlightLLM DSP-group / chain RTL: model-side checks (latency, chain size, vector coverage, area);
the cocotb runs on both simulators are in test_rtl_checks.py."""

from __future__ import annotations

from llmaccel.rtl.flightllm import checks
from llmaccel.rtl.flightllm.dsp_group import LATENCY, DspGroup
from llmaccel.rtl.flow import cell_counts


def test_rtl_latency_is_the_presets_dg_pipeline_depth():
    from llmaccel.sim.preset import load_preset

    for name in ("u280", "vhk158"):
        assert load_preset(name).get("compute.dg_pipeline_stages") == LATENCY


def test_dsp_group_maps_to_two_dsp48e2():
    """Yosys synth_xilinx: the two packed 27x8 multiplies land in exactly two DSP48E2 slices."""
    cells = cell_counts(DspGroup(), "flightllm_dg", target="xilinx")
    assert cells.get("DSP48E2") == 2


def test_checked_chain_is_one_full_csd_chain_of_every_preset():
    """The chain check covers pK = 16 DSPs (8 DGs of 2) in both modes of every FlightLLM preset."""
    from llmaccel.sim.preset import load_preset

    for name in ("u280", "vhk158"):
        p = load_preset(name)
        for mode in ("mm", "mv"):
            assert p.get(f"compute.{mode}.pk") == checks.CHAIN_GROUPS * p.get("compute.dsps_per_group") == 16


def _chain_vectors():
    from llmaccel.rtl.flightllm.vectors import build_chain

    return build_chain(checks.CHAIN_GROUPS)


def test_chain_vectors_cover_every_seg_valid_invalid_and_change():
    vec = _chain_vectors()
    segs = [b[4] for b in vec["beats"]]
    valid = [b[5] for b in vec["beats"]]
    assert {(s, v) for s, v in zip(segs, valid)} == {(s, v) for s in range(4) for v in (0, 1)}
    # every seg -> seg change between neighbouring beats (the skew must move seg with its beat)
    assert set(zip(segs, segs[1:])) == {(a, b) for a in range(4) for b in range(4)}
    assert vec["valid_beats"] == sum(valid)
    # RN emit: seg s ends a block at DGs 2^s - 1, 2*2^s - 1, ... (8 / 2^s blocks per beat)
    for s, v, ends in zip(segs, valid, vec["ends"]):
        assert ends == ([[0, 1, 2, 3, 4, 5, 6, 7], [1, 3, 5, 7], [3, 7], [7]][s] if v else [])


def test_chain_corner_sums_hand_computed():
    """First corner patterns (rtl/flightllm/vectors.py order), each under seg 0,1,2,3,3,2,1,0.

    One packed DSP with a_hi = a_lo = -128, w = -128 adds 16384 to both lanes; with
    w = 127 it adds -16256; a_hi = -128, a_lo = 127, w = -128 adds (16384, -16256);
    a_hi = 127, a_lo = -128, w = 127 adds (16129, -16256); a_hi = 0, a_lo = -1, w = 1
    adds (0, -1) (the lower product's borrow cancelled in the upper lane).  DG j of a
    block of 2^seg DGs holds 2 * (j mod 2^seg + 1) products.
    """
    vec = _chain_vectors()
    per_dsp = [(16384, 16384), (-16256, -16256), (16384, -16256), (16129, -16256), (0, -1)]
    order = (0, 1, 2, 3, 3, 2, 1, 0)
    for p, (hi, lo) in enumerate(per_dsp):
        for k, seg in enumerate(order):
            b = 8 * p + k
            assert vec["beats"][b][4] == seg and vec["beats"][b][5] == 1
            span = 1 << seg
            want = [[hi * 2 * (j % span + 1), lo * 2 * (j % span + 1)] for j in range(8)]
            assert vec["expect"][b] == want, (p, seg)
    # pattern 5: every DSP unused -> all sums 0 whatever the activations
    assert all(vec["expect"][40 + k] == [[0, 0]] * 8 for k in range(8))
