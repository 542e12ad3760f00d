"""quant-eval on real checkpoints (issue 14 §4): a BERT-style folder built here from scratch goes
through ``run`` and ``quant-eval``; Linear-only selection, patterns, sampling stated, group methods,
JSON, bad files -> one line; the fast scale searches equal the reference ones."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from llmaccel.cli import main
from llmaccel.workloads.checkpoint import bert_block_linears
from llmaccel.workloads.quant import ant, fast_search, ovp

E, F, L, VOCAB, POS = 32, 64, 2, 50, 40


def _bert_folder(tmp_path):
    """config.json + model.safetensors with the tensor names of HF BertModel (2 layers, 32 wide)."""
    from safetensors.numpy import save_file

    rng = np.random.default_rng(3)
    t: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": rng.normal(0, 0.02, (VOCAB, E)).astype(np.float32),
        "embeddings.position_embeddings.weight": rng.normal(0, 0.02, (POS, E)).astype(np.float32),
        "embeddings.token_type_embeddings.weight": rng.normal(0, 0.02, (2, E)).astype(np.float32),
        "embeddings.position_ids": np.arange(POS, dtype=np.int64)[None, :],
        "embeddings.LayerNorm.weight": np.ones(E, np.float32),
        "embeddings.LayerNorm.bias": np.zeros(E, np.float32),
    }
    for i in range(L):
        p = f"encoder.layer.{i}."
        for name, shape in bert_block_linears(E, F):
            w = rng.standard_t(4, shape) * 0.02
            w[:, 1] *= 15  # an outlier input channel
            t[p + name + ".weight"] = w.astype(np.float32)
            t[p + name + ".bias"] = np.zeros(shape[0], np.float32)
        t[p + "attention.output.LayerNorm.weight"] = np.ones(E, np.float32)
        t[p + "output.LayerNorm.weight"] = np.ones(E, np.float32)
    t["pooler.dense.weight"] = rng.normal(0, 0.02, (E, E)).astype(np.float32)
    folder = tmp_path / "my-bert"
    folder.mkdir()
    save_file(t, str(folder / "model.safetensors"))
    cfg = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": E,
        "intermediate_size": F,
        "num_hidden_layers": L,
        "num_attention_heads": 4,
        "vocab_size": VOCAB,
        "max_position_embeddings": POS,
        "type_vocab_size": 2,
        "hidden_act": "gelu",
    }
    (folder / "config.json").write_text(json.dumps(cfg))
    return folder


def _json(capsys, argv):
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_checkpoint_folder_runs_through_run(tmp_path, capsys):
    """BERT 2 x (4 E^2 + 2 E F) MACs per token of the linears, attention 2 * P^2 * E per layer:
    P = 40 (max positions, the default prompt of an encoder): 2 * (4*32*32*40 + 2*32*64*40 + 2*40*40*32)
    = 2 * (163840 + 163840 + 102400) = 860160."""
    folder = _bert_folder(tmp_path)
    d = _json(capsys, ["run", "--quiet", "--format", "json", "--model", str(folder)])
    assert d["workload"]["phase"] == "prefill" and d["workload"]["prompt_len"] == POS
    assert d["total_macs"] == 860160


def test_checkpoint_folder_quant_eval_takes_linear_weights_only(tmp_path, capsys):
    folder = _bert_folder(tmp_path)
    d = _json(capsys, ["quant-eval", str(folder), "--format", "json", "--methods", "ovp4,int4-group", "--quiet"])
    names = {r["tensor"] for r in d["rows"]} - {"OVERALL"}
    # 6 linears per layer + the pooler; no embeddings, position ids, norms or biases
    assert len(names) == 6 * L + 1 and "pooler.dense.weight" in names
    assert not any("embed" in n or "LayerNorm" in n or "position" in n for n in names)
    overall = {r["method"]: r for r in d["rows"] if r["tensor"] == "OVERALL"}
    # elements: per layer 4 E^2 + 2 E F, plus the pooler E^2
    assert overall["ovp4"]["elements"] == L * (4 * E * E + 2 * E * F) + E * E
    assert d["sampling"] == "all rows of every tensor"
    # skipped: 3 embeddings (2-D, named), position_ids (int), the 1-D norm weights and biases (2 + 2 per layer) and the 6 biases per layer
    assert d["skipped"] == {"embedding/norm/other": 3, "not 2-D": 2 + 2 * L + 6 * L, "not floating point": 1}
    per = [r for r in d["rows"] if r["method"] == "ovp4" and r["tensor"] != "OVERALL"]
    assert all(r["ovp_normal"] in ("int4", "flint4") for r in per)
    assert overall["ovp4"]["ovp_normal"].split()[0].split(":")[0] in ("flint4", "int4")


def test_include_exclude_and_stated_sampling(tmp_path, capsys):
    folder = _bert_folder(tmp_path)
    argv = ["quant-eval", str(folder), "--methods", "int8", "--include", "*attention*", "--exclude", "*key*"]
    d = _json(capsys, [*argv, "--format", "json", "--max-rows", "8"])
    names = {r["tensor"] for r in d["rows"]} - {"OVERALL"}
    assert names == {
        f"encoder.layer.{i}.attention.{n}.weight"
        for i in range(L)
        for n in ("self.query", "self.value", "output.dense")
    }
    assert all(r["rows"] == 8 and r["rows_total"] == E for r in d["rows"] if r["tensor"] != "OVERALL")
    assert "first 8 output rows" in d["sampling"]
    assert main([*argv, "--max-rows", "8"]) == 0
    out = capsys.readouterr().out
    assert "rows evaluated: first 8 output rows" in out and "tensors: 6 tensors; skipped" in out


def test_group_methods_error_shrinks_with_bits_and_group_size():
    rng = np.random.default_rng(0)
    w = rng.standard_t(4, (16, 256)) * 0.02
    from llmaccel.commands.quant_eval import evaluate

    err = {m: np.mean((evaluate(w, m, 128)[0] - w) ** 2) for m in ("int2-group", "int3-group", "int4-group")}
    assert err["int4-group"] < err["int3-group"] < err["int2-group"]
    # a group holding only the values -1, 0, 2 on a 2-bit grid (step 1, zero 1) is exact
    exact = np.tile(np.array([-1.0, 0.0, 2.0, 1.0]), (2, 32))
    xq, detail, _, _ = evaluate(exact, "int2-group", 128)
    assert np.array_equal(xq, exact) and detail.startswith("g128")


def _bad_files(tmp_path):
    trunc = tmp_path / "trunc.npy"
    np.save(trunc, np.ones((8, 8), np.float32))
    trunc.write_bytes(trunc.read_bytes()[:-40])
    (tmp_path / "garbage.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!")
    (tmp_path / "empty.npz").write_bytes(b"")
    obj = tmp_path / "obj.npy"
    np.save(obj, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    badzip = tmp_path / "bad.npz"
    with zipfile.ZipFile(badzip, "w") as z:
        z.writestr("w.npy", b"\x93NUMPY garbage")
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    return [trunc, tmp_path / "garbage.safetensors", tmp_path / "empty.npz", obj, badzip, empty_dir]


def test_bad_inputs_are_one_line_errors(tmp_path, capsys):
    for path in _bad_files(tmp_path):
        assert main(["quant-eval", str(path), "--methods", "int8", "--quiet"]) == 2, path
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("llmaccel: error:"), (path, err)


@pytest.mark.parametrize("shape", [(7, 33), (5, 64), (1, 2)])
def test_fast_searches_equal_the_reference(shape):
    rng = np.random.default_rng(sum(shape))
    w = rng.standard_t(4, shape) * 0.02
    w[:, 0] *= 25
    for bits in (4, 8):
        ref = ovp.ovp_quantize(w, bits, axis=1, channel_axis=0)
        fast = fast_search.ovp_quantize_rows(w, bits)
        assert fast.fmt == ref.fmt and np.array_equal(fast.scale, ref.scale)
        assert np.array_equal(fast.dequantize(), ref.dequantize()) and fast.stats == ref.stats
        codes, name, scale = ant.ant_quantize(w, bits, axis=0)
        xq, name2 = fast_search.ant_quantize_rows(w, bits)
        assert name2 == name and np.array_equal(xq, ant.ant_dequantize(codes, name, scale))
        xq, _ = fast_search.ant_quantize_rows(w, bits, (f"int{bits}",))
        assert np.array_equal(xq, ant.int_quantize(w, bits, axis=0))


def test_hub_id_in_the_local_cache_and_a_non_utf8_config(tmp_path, capsys, monkeypatch):
    folder = _bert_folder(tmp_path)
    hub = tmp_path / "hf" / "hub" / "models--acme--tiny-bert"
    (hub / "snapshots").mkdir(parents=True)
    folder.rename(hub / "snapshots" / "r1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for v in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        monkeypatch.delenv(v, raising=False)
    d = _json(capsys, ["quant-eval", "acme/tiny-bert", "--format", "json", "--methods", "int8", "--quiet"])
    assert len({r["tensor"] for r in d["rows"]}) == 6 * L + 1 + 1  # linears, pooler, OVERALL
    d = _json(capsys, ["run", "--quiet", "--format", "json", "--model", "acme/tiny-bert"])
    assert d["model"] == "acme/tiny-bert" and d["total_macs"] == 860160
    (hub / "snapshots" / "r1" / "config.json").write_bytes(b'{"model_type": "bert", "name": "\xff\xfe"}')
    assert main(["run", "--quiet", "--model", "acme/tiny-bert"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
