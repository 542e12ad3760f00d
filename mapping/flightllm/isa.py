"""FlightLLM instruction set: LD, ST, MM, MV, MISC, SYS with wait/release dependency masks.

Widths (spec/flightllm.md [A]): LD 7, ST 3, MM 4, MV 4, MISC 3, SYS 1 words of 32 bits;
4-bit opcodes.  Word 0 of every instruction::

    [3:0] opcode  [7:4] wait mask  [11:8] release mask  [31:12] op id (20 bits)

Mask bits name the *other* units (decoupled queues, one token FIFO per ordered
pair): bit 0 LD, bit 1 ST, bit 2 MPE (MM/MV), bit 3 SFU (MISC).  ``wait`` pops one
token per listed unit (a unit may be listed twice: ``wait_extra`` in word fields),
``release`` pushes one.  The remaining words carry the operands (our layout; the
spec gives only the counts):

* LD:  bytes, hbm_addr_lo, hbm_addr_hi, sram_addr, kind (0 weight, 1 kv, 2 act), extra waits
* ST:  bytes, hbm_addr
* MM/MV: m (16) | n (16), k (16) | nnz_per_col16 (16), cols_first
* MISC: func (4) | passes (4) | rows (24), cols
* SYS: (header only)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from llmaccel.workloads.errors import InputError

OPCODES = {"LD": 1, "ST": 2, "MM": 3, "MV": 4, "MISC": 5, "SYS": 6}
UNIT_OF = {"LD": "ld", "ST": "st", "MM": "mpe", "MV": "mpe", "MISC": "sfu", "SYS": "sys"}
UNIT_BITS = {"ld": 0, "st": 1, "mpe": 2, "sfu": 3}
MISC_FUNCS = ("add", "mul", "softmax", "layernorm", "rmsnorm", "silu", "gelu", "rope")
LD_KINDS = ("weight", "kv", "act")
_MASK32 = 0xFFFFFFFF


@dataclass
class Instr:
    """One instruction before encoding.

    Attributes:
        opcode: LD/ST/MM/MV/MISC/SYS.
        op: index of the trace op it implements (-1: none).
        wait: units whose token it consumes before starting (may repeat a unit).
        release: units it signals when done.
        args: operands (bytes, m, n, k, nnz, func ...), see module docstring.
    """

    opcode: str
    op: int = -1
    wait: list[str] = field(default_factory=list)
    release: list[str] = field(default_factory=list)
    args: dict = field(default_factory=dict)

    @property
    def unit(self) -> str:
        return UNIT_OF[self.opcode]


def _mask(units: list[str]) -> int:
    m = 0
    for u in set(units):
        m |= 1 << UNIT_BITS[u]
    return m


def _units(mask: int) -> list[str]:
    return [u for u, b in UNIT_BITS.items() if mask >> b & 1]


def _field(name: str, v: int, bits: int) -> int:
    v = int(v)
    if v < 0 or v >= (1 << bits):
        raise InputError(f"isa.{name}", f"value {v} does not fit in {bits} bits")
    return v


def encode(ins: Instr, words: dict[str, int]) -> list[int]:
    """32-bit words of ``ins`` (length ``words[opcode]``)."""
    extra = len(ins.wait) - len(set(ins.wait))
    head = (
        OPCODES[ins.opcode] | _mask(ins.wait) << 4 | _mask(ins.release) << 8 | _field("op", ins.op & 0xFFFFF, 20) << 12
    )
    a = ins.args
    if ins.opcode == "LD":
        addr = int(a.get("addr", 0))
        body = [
            _field("bytes", a["bytes"], 32),
            addr & _MASK32,
            addr >> 32 & _MASK32,
            int(a.get("sram", 0)) & _MASK32,
            LD_KINDS.index(a["kind"]),
            _field("extra_waits", extra, 32),
        ]
    elif ins.opcode == "ST":
        body = [_field("bytes", a["bytes"], 32), int(a.get("addr", 0)) & _MASK32]
    elif ins.opcode in ("MM", "MV"):
        body = [
            _field("m", a["m"], 16) | _field("n", a["n"], 16) << 16,
            _field("k", a["k"], 16) | _field("nnz16", a.get("nnz16", 16), 16) << 16,
            _field("col0", a.get("col0", 0), 32),
        ]
    elif ins.opcode == "MISC":
        body = [
            MISC_FUNCS.index(a["func"])
            | _field("passes", a.get("passes", 1), 4) << 4
            | _field("rows", a["rows"], 24) << 8,
            _field("cols", a["cols"], 32),
        ]
    else:
        body = []
    out = [head] + body
    if len(out) != words[ins.opcode]:
        raise InputError(f"isa.words.{ins.opcode}", f"encoding has {len(out)} words, preset says {words[ins.opcode]}")
    return out


def decode(ws: list[int]) -> Instr:
    """Inverse of :func:`encode` (args that are encoded; ``extra`` waits restored on LD)."""
    head = ws[0]
    opcode = {v: k for k, v in OPCODES.items()}[head & 0xF]
    wait = _units(head >> 4 & 0xF)
    release = _units(head >> 8 & 0xF)
    op = head >> 12 & 0xFFFFF
    a: dict = {}
    if opcode == "LD":
        a = {"bytes": ws[1], "addr": ws[2] | ws[3] << 32, "sram": ws[4], "kind": LD_KINDS[ws[5]]}
        # repeated waits are listed on the first unit in bit order that repeats (compiler only repeats 'ld'/'st')
        wait = wait + [wait[0]] * ws[6] if ws[6] else wait
    elif opcode == "ST":
        a = {"bytes": ws[1], "addr": ws[2]}
    elif opcode in ("MM", "MV"):
        a = {"m": ws[1] & 0xFFFF, "n": ws[1] >> 16, "k": ws[2] & 0xFFFF, "nnz16": ws[2] >> 16, "col0": ws[3]}
    elif opcode == "MISC":
        a = {"func": MISC_FUNCS[ws[1] & 0xF], "passes": ws[1] >> 4 & 0xF, "rows": ws[1] >> 8, "cols": ws[2]}
    return Instr(opcode, op, wait, release, a)
