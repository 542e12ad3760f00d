"""PIM busy time per channel (sim.neupims.utilisation): the artifact's channel-mean reading."""

import numpy as np

from llmaccel.sim.neupims.params import neupims_params
from llmaccel.sim.neupims.pim import PimTiming
from llmaccel.sim.neupims.placement import place_kv
from llmaccel.sim.neupims.utilisation import pim_busy_per_channel
from llmaccel.sim.preset import load_preset

P, DRAM = neupims_params(load_preset("neupims"))
PT = PimTiming.of(DRAM, P.pim)
CH = DRAM.org.channels


def _place(kv, policy="round_robin"):
    return place_kv(kv, 8, 128, DRAM, P.pim, policy, dual_row_buffer=True)


def test_one_request_per_channel_is_its_alone_time():
    # 32 requests round robin: channel c holds request c only, so its busy time is the
    # request's PIM time alone (placement's load, computed when the request was placed)
    rng = np.random.default_rng(3)
    kv = [int(x) for x in rng.integers(6, 700, CH)]
    place = _place(kv)
    busy = pim_busy_per_channel(place, [np.ones(CH, bool)], PT, True, CH)
    for c in range(CH):
        (i,) = np.flatnonzero(place.channel == c)
        assert busy[c] == place.load[i]
    assert busy.mean() == np.mean(place.load)


def test_idle_channels_count_as_zero():
    place = _place([300])
    busy = pim_busy_per_channel(place, [np.ones(1, bool)], PT, True, CH)
    assert np.count_nonzero(busy) == 1
    assert busy.sum() == place.load[0]
    assert busy.mean() == place.load[0] / CH


def test_masks_add_and_mean_is_below_the_slowest_channel():
    rng = np.random.default_rng(5)
    kv = [int(x) for x in rng.integers(6, 900, 100)]
    place = _place(kv, "greedy_longest_first")
    half = place.sub_batch == 0
    whole = pim_busy_per_channel(place, [half, ~half], PT, True, CH)
    a = pim_busy_per_channel(place, [half], PT, True, CH)
    b = pim_busy_per_channel(place, [~half], PT, True, CH)
    assert (whole == a + b).all()
    assert whole.mean() < whole.max()
    # a channel's stream of several requests takes at least the longest of them alone
    for c in range(CH):
        idx = np.flatnonzero(place.channel == c)
        assert whole[c] >= max(place.load[i] for i in idx)
