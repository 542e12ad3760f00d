"""Small real sweep spaces on the baseline systolic preset (imported by tests/dse)."""

import textwrap
from pathlib import Path

SPACE = """
schema: 1
name: {name}
host: systolic-int8
parameters:
  hw.clock_mhz: {{choices: {clocks}}}
  workload.batch: {{choices: {batches}}}
workloads:
  - {{model: llama2-7b, phase: decode, prompt_len: 128, layers: 1, quant: w8a8}}
objectives:
  - {{metric: tokens_per_s, goal: max}}
  - {{metric: energy_per_token_j, goal: min}}
search: {search}
seed: 7
"""


def make_space(tmp: Path, name: str = "t", clocks=(250, 500), batches=(1, 2), search="{method: grid}") -> Path:
    p = tmp / f"{name}.yaml"
    p.write_text(textwrap.dedent(SPACE.format(name=name, clocks=list(clocks), batches=list(batches), search=search)))
    return p
