"""Per-pseudo-channel HBM model and SFU: reference == closed form; hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from llmaccel.sim.flightllm.hbm import HbmModel, HbmTiming
from llmaccel.sim.flightllm.params import flight_params
from llmaccel.sim.flightllm.sfu import reference_cycles, sfu_cycles
from llmaccel.sim.preset import load_preset


def _hbm(name="u280"):
    return flight_params(load_preset(name)).hbm


def test_timing_from_datasheet_numbers():
    t = HbmTiming.of(_hbm())
    # 1800 MT/s -> tCK = 1.111 ns; BL4 x 64 bit = 32 B in 2 tCK; tRCD 14 ns -> 13 tCK
    assert (t.t_burst, t.burst_bytes, t.t_rcd, t.t_rfc) == (2, 32, 13, 234)
    assert t.refresh_every == (3510 - 234) // 2
    assert t.row_penalty == 0  # 15 other banks x 32 bursts x 2 tCK hide tRP + tRCD


def test_reference_equals_closed_form_on_random_request_streams():
    rng = np.random.default_rng(5)
    for name in ("u280", "vhk158"):
        p = _hbm(name)
        driven = flight_params(load_preset(name)).hbm_pcs()
        for stream in range(25):
            # all PCs, the PCs the design drives (u280: 24), or an odd count
            pcs = (p.pseudo_channels, driven, int(rng.integers(1, p.pseudo_channels + 1)))[stream % 3]
            a, b = HbmModel(p, pcs), HbmModel(p, pcs)
            t = 0
            for r in range(12):
                arr = t + int(rng.integers(0, 5000))
                # mostly short transfers; every 5th stream has a 2.2 MB transfer that crosses a refresh on every PC
                n = 2_200_000 if (r == 3 and stream % 5 == 0) else int(rng.integers(1, 60000))
                w = bool(rng.integers(0, 2))
                e1 = a.transfer(arr, n, w)
                e2 = b.transfer(arr, n, w, reference=True)
                assert e1 == e2
                t = arr if rng.random() < 0.5 else e1
            assert np.array_equal(a.busy_cycles, b.busy_cycles)


def test_long_stream_efficiency_by_hand():
    p = _hbm()
    h = HbmModel(p)
    nbytes = 32 * 4096 * 40  # 40 chunks of 4 KB per PC... striped over 32 PCs
    end = h.transfer(0, nbytes, write=False)
    bursts = nbytes // 32 // 32  # per PC
    refreshes = bursts // 1638
    assert end == 13 + 243 + bursts * 2 + refreshes * (234 + 13)
    assert h.bytes_read == nbytes


def test_design_drives_eight_pcs_per_core():
    # the authors' on-board layout: each SLR core owns 8 PCs (artifact info.yaml / README, config.yaml)
    assert flight_params(load_preset("u280")).hbm_pcs() == 24  # 3 cores x 8 of 32
    assert flight_params(load_preset("vhk158")).hbm_pcs() == 32  # 4 cores x 8 = all
    five = load_preset("u280").with_overrides({"compute.cores": 5}, "test: more cores than PC sets")
    assert flight_params(five).hbm_pcs() == 32  # capped at the device's pseudo-channels


def test_long_stream_on_the_24_driven_pcs_by_hand():
    p = _hbm()
    h = HbmModel(p, 24)
    assert h.bus_free.shape == (24,) and h.driven_peak_gbps() == 460 * 24 / 32
    nbytes = 24 * 4096 * 40  # 40 chunks of 4 KB on each of the 24 PCs
    end = h.transfer(0, nbytes, write=False)
    bursts = 40 * 4096 // 32  # 5120 per PC
    assert end == 13 + 243 + bursts * 2 + (bursts // 1638) * (234 + 13)
    assert set(h.served.tolist()) == {bursts}
    # the same bytes over all 32 PCs: 30 chunks per PC, so 3/4 of the bus time
    h32 = HbmModel(p)
    end32 = h32.transfer(0, nbytes, write=False)
    assert end32 == 13 + 243 + 3840 * 2 + (3840 // 1638) * (234 + 13)


def test_pcs_outside_the_device_rejected():
    with pytest.raises(ValueError, match="pcs=33"):
        HbmModel(_hbm(), 33)


def test_read_after_write_turnaround_and_idle_latency():
    h = HbmModel(_hbm())
    e1 = h.transfer(0, 32 * 4096, write=True)  # 4 KB = 128 bursts on every PC; write: tRCD only
    assert e1 == 13 + 128 * 2
    e2 = h.transfer(0, 32 * 4096, write=False)  # queued behind the write: + tWTR (8 ns -> 8 tCK)
    assert e2 == e1 + 8 + 128 * 2
    e3 = h.transfer(10**6, 4096, write=False)  # idle PC: tRCD + read latency (270 ns -> 243 tCK)
    assert e3 == 10**6 + 13 + 243 + 128 * 2


def test_sfu_two_pass_ops_and_reference():
    sfu = flight_params(load_preset("u280")).sfu
    assert sfu_cycles("softmax", 1, 4096, sfu) == 2 * 256 + 8
    assert sfu_cycles("activation", 1, 4096, sfu) == 256 + 8
    rng = np.random.default_rng(2)
    for _ in range(200):
        kind = str(rng.choice(["softmax", "norm", "eltwise", "activation", "rope"]))
        r, c = int(rng.integers(1, 6)), int(rng.integers(1, 300))
        assert sfu_cycles(kind, r, c, sfu) == reference_cycles(kind, r, c, sfu)
