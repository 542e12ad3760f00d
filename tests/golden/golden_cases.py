"""Golden outputs: representative `llmaccel run` cases per design plus every reproduction row.

Frozen before a refactor so that the refactor provably changes no number (issue 13).  A
change that is meant to move a number re-freezes with ``python tests/golden/golden_freeze.py``
in the same commit and names the change in its message.

Each case is the argument list of one ``llmaccel run --format json`` call.  They cover
every design host, the three dataflows, hybrid PEs and memory systems on the baseline
host, encoders, and every GPU path; layer counts are cut where the whole model adds
nothing but time.
"""
from __future__ import annotations

RUN_CASES: dict[str, list[str]] = {
    "systolic-default": [],
    "systolic-ws-prefill": ["--phase", "prefill", "--batch", "2", "--prompt-len", "128", "--layers", "2",
                            "--set", "array.dataflow=ws"],
    "systolic-is-prefill": ["--phase", "prefill", "--batch", "1", "--prompt-len", "96", "--layers", "1",
                            "--set", "array.dataflow=is", "--set", "array.rows=16", "--set", "array.cols=24"],
    "systolic-fp16-opt": ["--hw", "systolic-fp16", "--quant", "fp16", "--model", "opt-6.7b", "--phase", "prefill",
                          "--prompt-len", "64", "--layers", "1"],
    "systolic-hbm-gqa": ["--hw", "systolic-int8-hbm", "--model", "llama2-70b", "--batch", "4", "--layers", "2",
                         "--lm-head"],
    "hybrid-ovp4-hbm2": ["--set", "array.pe=olive-ovp4", "--set", "dram=hbm2", "--quant", "olive-w4a4",
                         "--batch", "8", "--layers", "2"],
    "hybrid-mixpe-ddr4": ["--set", "array.pe=mixpe-a8", "--set", "dram=ddr4-3200", "--quant", "mix-w4a8-g128",
                          "--batch", "8", "--layers", "2"],
    "hybrid-bitfusion-sparse": ["--set", "array.pe=bitfusion2", "--quant", "w8a8-sp24", "--layers", "2"],
    "bert-encoder": ["--model", "bert-base", "--phase", "prefill", "--prompt-len", "128", "--batch", "2"],
    "olive-w4a4": ["--hw", "olive-w4a4", "--quant", "olive-w4a4", "--batch", "8", "--layers", "2"],
    "olive-w8a8-prefill": ["--hw", "olive-w8a8", "--quant", "olive-w8a8", "--phase", "prefill", "--prompt-len", "64",
                           "--layers", "1"],
    "ant-w4a4": ["--hw", "ant-w4a4", "--quant", "olive-ant-w4a4", "--layers", "2"],
    "gobo": ["--hw", "gobo-w3a16", "--quant", "olive-gobo-w3a16", "--layers", "2"],
    "olaccel": ["--hw", "olaccel-w4a4", "--quant", "olive-olaccel-w4a4", "--layers", "2"],
    "adafloat": ["--hw", "adafloat-w8a8", "--quant", "olive-adafloat-w8a8", "--layers", "2"],
    "mixpe-w4a8-prefill": ["--hw", "mixpe-w4a8", "--quant", "w4a8-g128", "--phase", "prefill", "--prompt-len", "128",
                           "--layers", "2"],
    "mixpe-w4a16": ["--hw", "mixpe-w4a16", "--quant", "w4a16-g128", "--batch", "4", "--layers", "2"],
    "mixpe-shared-dq": ["--hw", "mixpe-w4a8-shared-dq", "--quant", "w4a8-g128", "--layers", "2"],
    "bitfusion": ["--hw", "bitfusion", "--quant", "w8a8", "--layers", "2"],
    "mixpe-int8": ["--hw", "mixpe-int8", "--quant", "w4a8-g128", "--layers", "2"],
    "neupims-b64": ["--hw", "neupims", "--model", "gpt3-7b", "--batch", "64", "--layers", "2", "--quant", "fp16"],
    "neupims-b256-sharegpt": ["--hw", "neupims", "--model", "gpt3-7b", "--batch", "256", "--dist", "sharegpt",
                              "--seed", "3", "--layers", "1", "--quant", "fp16"],
    "neupims-naive": ["--hw", "neupims-naive", "--model", "gpt3-7b", "--batch", "256", "--layers", "1",
                      "--quant", "fp16"],
    "neupims-npu-only": ["--hw", "neupims-npu-only", "--model", "gpt3-7b", "--batch", "64", "--layers", "1",
                         "--quant", "fp16"],
    "u280-decode": ["--hw", "u280", "--quant", "flightllm-paper", "--layers", "2"],
    "u280-prefill": ["--hw", "u280", "--quant", "flightllm-paper", "--phase", "prefill", "--prompt-len", "128",
                     "--layers", "2"],
    "u280-offchip": ["--hw", "u280-offchip", "--quant", "flightllm-dense-w8a8", "--layers", "2"],
    "vhk158": ["--hw", "vhk158", "--quant", "flightllm-paper", "--model", "opt-6.7b", "--layers", "2"],
    "gpu-a100": ["--hw", "a100-80gb", "--quant", "fp16", "--batch", "16"],
    "gpu-v100s-prefill": ["--hw", "v100s", "--quant", "fp16", "--phase", "prefill", "--prompt-len", "256",
                          "--layers", "2"],
    "run-with-gpu-ref": ["--layers", "2", "--gpu", "rtx2080ti"],
}
