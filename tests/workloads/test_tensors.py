"""Real weights from safetensors / npy / npz files."""

import json
import struct

import numpy as np
import pytest
from safetensors.numpy import save_file

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.tensors import iter_weights, load_tensor, tensor_names


@pytest.fixture
def ckpt(tmp_path):
    rng = np.random.default_rng(0)
    t = {
        "model.layers.0.mlp.up_proj.weight": rng.standard_normal((8, 4)).astype(np.float16),
        "model.layers.0.input_layernorm.weight": rng.standard_normal(4).astype(np.float32),
        "model.layers.0.self_attn.q_proj.weight": rng.standard_normal((4, 4)).astype(np.float32),
    }
    save_file(dict(list(t.items())[:2]), str(tmp_path / "model-00001-of-00002.safetensors"))
    save_file(dict(list(t.items())[2:]), str(tmp_path / "model-00002-of-00002.safetensors"))
    np.save(tmp_path / "extra.npy", np.arange(6, dtype=np.int8).reshape(2, 3))
    np.savez(tmp_path / "more.npz", a=np.ones((3, 2)), v=np.zeros(5))
    (tmp_path / "config.json").write_text("{}")
    return tmp_path, t


def test_safetensors_values(ckpt):
    d, t = ckpt
    f = d / "model-00001-of-00002.safetensors"
    assert tensor_names(f) == sorted(list(t)[:2])
    w = load_tensor(f, "model.layers.0.mlp.up_proj.weight")
    assert w.dtype == np.float16 and np.array_equal(w, t["model.layers.0.mlp.up_proj.weight"])


def test_folder_iterator_only_2d_in_file_order(ckpt):
    d, t = ckpt
    got = list(iter_weights(d))
    # sorted file names: extra.npy, model-00001, model-00002, more.npz (1-D tensors skipped)
    assert [n for n, _ in got] == [
        "extra",
        "model.layers.0.mlp.up_proj.weight",
        "model.layers.0.self_attn.q_proj.weight",
        "a",
    ]
    arrays = dict(got)
    assert np.array_equal(arrays["extra"], np.arange(6).reshape(2, 3))
    assert np.array_equal(arrays["model.layers.0.self_attn.q_proj.weight"], t["model.layers.0.self_attn.q_proj.weight"])
    assert len(list(iter_weights(d, ndim=1))) == 2 and len(list(iter_weights(d, ndim=None))) == 6


def test_npy_is_memory_mapped(ckpt):
    d, _ = ckpt
    a = load_tensor(d / "extra.npy")
    assert isinstance(a, np.memmap) and a.shape == (2, 3)


def test_bf16_widened_exactly(tmp_path):
    vals = np.array([1.0, -2.5, 3.140625, 1e-3], dtype=np.float32)
    bf16 = (vals.view(np.uint32) >> 16).astype("<u2")  # truncation: exact for these (1e-3 becomes its bf16 neighbour)
    hdr = json.dumps({"w": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]}}).encode()
    hdr += b" " * (-len(hdr) % 8)
    p = tmp_path / "bf.safetensors"
    p.write_bytes(struct.pack("<Q", len(hdr)) + hdr + bf16.tobytes())
    w = load_tensor(p)
    want = (bf16.astype(np.uint32) << 16).view(np.float32).reshape(2, 2)
    assert w.dtype == np.float32 and np.array_equal(w, want)
    assert w[0, 0] == 1.0 and w[0, 1] == -2.5 and w[1, 0] == 3.140625


def test_bad_inputs(ckpt, tmp_path):
    d, _ = ckpt
    with pytest.raises(InputError, match="not found"):
        load_tensor(d / "nope.safetensors")
    with pytest.raises(InputError, match="unsupported"):
        load_tensor(d / "config.json")
    with pytest.raises(InputError, match="pick one"):
        load_tensor(d / "more.npz")
    with pytest.raises(InputError, match="no tensor"):
        load_tensor(d / "more.npz", "zz")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x05\x00")
    with pytest.raises(InputError, match="safetensors"):
        tensor_names(junk)
    empty = tmp_path / "empty_dir"
    empty.mkdir()
    with pytest.raises(InputError, match="no .safetensors"):
        list(iter_weights(empty))
