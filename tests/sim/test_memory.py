"""sim.memory: channel transfer cycles and SRAM fit checks (hand-computed)."""

import numpy as np
import pytest

from llmaccel.sim.memory import OffChip, SramBuffer
from llmaccel.workloads.errors import InputError


def test_transfer_cycles_by_hand():
    # 64 GB/s at 500 MHz = 128 B/cycle total, 64 B/cycle per channel; 100 ns = 50 cycles.
    mem = OffChip(channels=2, bandwidth_gbps=64.0, latency_ns=100.0, burst_bytes=64, clock_mhz=500.0)
    assert mem.bytes_per_cycle == pytest.approx(128.0)
    # 1000 B -> 16 bursts -> 8 per channel -> 8 * 64 B / 64 B/cycle = 8 cycles, + 50 latency
    assert mem.transfer_cycles(1000) == 58
    # 1 B still moves one whole burst: 1 * 64 / 64 = 1 cycle + 50
    assert mem.transfer_cycles(1) == 51
    assert mem.transfer_cycles(0) == 0
    # 3 bursts over 2 channels: 2 on one channel -> 2 cycles
    assert mem.transfer_cycles(129) == 52
    arr = mem.transfer_cycles_array(np.array([0, 1, 129, 1000]))
    assert arr.tolist() == [0, 51, 52, 58]


def test_fractional_latency_rounds_up():
    mem = OffChip(1, 10.0, 15.0, 32, 1000.0)  # 10 B/cycle, latency 15 cycles
    # 100 B -> 4 bursts of 32 B = 128 B / 10 = 12.8 -> 15 + 12.8 = 27.8 -> 28
    assert mem.transfer_cycles(100) == 28


@pytest.mark.parametrize(
    "kw", [dict(channels=0), dict(bandwidth_gbps=0), dict(latency_ns=-1), dict(burst_bytes=1.5), dict(clock_mhz=-5)]
)
def test_offchip_bad_input(kw):
    args = dict(channels=1, bandwidth_gbps=1.0, latency_ns=0.0, burst_bytes=64, clock_mhz=100.0)
    args.update(kw)
    with pytest.raises(InputError):
        OffChip(**args)


def test_sram_double_buffer_halves_capacity():
    buf = SramBuffer("weight_sram", 128 * 1024, double_buffered=True)
    buf.check_fits(64 * 1024, "weight tile")
    with pytest.raises(InputError) as e:
        buf.check_fits(64 * 1024 + 1, "weight tile 32x2049")
    assert e.value.field == "tile"
    assert "needs 65537 B but weight_sram holds 65536 B" in str(e.value)
    single = SramBuffer("out", 1000, double_buffered=False)
    assert single.fits(1000) and not single.fits(1001)
    single.read(10)
    single.write(4)
    assert (single.bytes_read, single.bytes_written) == (10, 4)


def test_sram_bad_capacity():
    with pytest.raises(InputError):
        SramBuffer("x", 0)


def test_offchip_from_command_level_dram():
    from llmaccel.sim.dram import load_dram

    cfg = load_dram("hbm2-neupims")
    mem = OffChip.from_dram(cfg, clock_mhz=1000.0)
    # 32 channels x 128 bit x 2 (DDR) / 1 ns = 1024 GB/s, derated by refresh 1 - tRFC/tREFI = 1 - 260/3900
    assert mem.bandwidth_gbps == pytest.approx(1024 * (1 - 260 / 3900))
    # closed-page first access: tRCD 14 + CL 14 + BL4/2 = 2 cycles of 1 ns
    assert mem.latency_ns == pytest.approx(30.0)
    assert (mem.channels, mem.burst_bytes) == (32, 64)
