"""SCALE-Sim GEMM topology CSV -> Trace."""

import pytest

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.gemm_csv import read_gemm_csv
from llmaccel.workloads.ops import OpKind
from llmaccel.workloads.trace_io import read_trace, write_trace

GPT2_TOPO = "Layer,M,N,K,\nQKT,1024,1024,64,\nQKTV,1024,64,1024,\nLinear1,1024,4800,1600,\n\nPW-FF-L2,1024,1600,3072,\n"


def test_scalesim_rows(tmp_path):
    p = tmp_path / "gpt2.csv"
    p.write_text(GPT2_TOPO)
    t = read_gemm_csv(p)
    assert [(o.name, o.m, o.n, o.k, o.layer, o.role) for o in t.ops] == [
        ("QKT", 1024, 1024, 64, 0, "gemm"),
        ("QKTV", 1024, 64, 1024, 1, "gemm"),
        ("Linear1", 1024, 4800, 1600, 2, "gemm"),
        ("PW-FF-L2", 1024, 1600, 3072, 3, "gemm"),
    ]
    assert t.total_macs == 1024 * 1024 * 64 * 2 + 1024 * 4800 * 1600 + 1024 * 1600 * 3072
    assert t.model == "gpt2"
    back = read_trace(write_trace(t, tmp_path / "g.jsonl"))
    assert back.ops == t.ops


def test_spaces_no_trailing_comma_duplicates_sparsity_gemv_quant(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Layer, M, N, K\nfc, 1, 10, 20\nfc, 2, 10, 20, 2:4\n")
    t = read_gemm_csv(p, quant="w8a8")
    assert [o.name for o in t.ops] == ["fc", "fc#2"]
    assert t.ops[0].kind == OpKind.GEMV and t.ops[1].kind == OpKind.GEMM
    assert t.ops[1].b_spec.sparsity.density == 0.5 and t.ops[1].b_spec.fmt == "int8"
    assert t.ops[0].b_spec.sparsity is None


@pytest.mark.parametrize(
    "text, match",
    [
        ("Name,H,W\nx,1,2\n", "header"),
        ("Layer,M,N,K\nx,1,2\n", "cells"),
        ("Layer,M,N,K\nx,1,0,3\n", "N: must be a positive"),
        ("Layer,M,N,K\nx,a,2,3\n", "M: must be a positive"),
        ("Layer,M,N,K\n,1,2,3\n", "Layer"),
        ("Layer,M,N,K\nx,1,2,3,5:4\n", "sparsity"),
        ("Layer,M,N,K\nx,1,2,3,half\n", "sparsity"),
        ("Layer,M,N,K\n", "no GEMM rows"),
        ("", "header"),
    ],
)
def test_bad_csv(tmp_path, text, match):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=match):
        read_gemm_csv(p)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_gemm_csv(tmp_path / "none.csv")
