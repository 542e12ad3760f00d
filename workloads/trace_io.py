"""The trace file: versioned JSON Lines (optionally gzip-compressed).

Format ``llmaccel-trace`` version 1 (full field list in docs/workloads.md):

* line 1, the header object: ``format`` ("llmaccel-trace"), ``version`` (1),
  ``model``, ``n_ops``, ``meta`` (generator settings), ``requests`` (list of
  ``{id, prompt_len, gen_len, kv_len}``) and ``specs`` (the distinct QuantSpecs;
  op lines refer to them by index);
* lines 2..n_ops+1, one op each: ``name kind layer phase m n k count a b out
  b_class req detail role`` where ``a``/``b``/``out`` index ``specs`` and ``req``
  is ``"all"`` (every request of the header, in order) or a list of ids.

Why JSON Lines: a trace is a stream of small records; one record per line can
be written and read in one pass, errors point at a line number, ``grep``/``head``
/``jq`` work on it, diffs are readable, and it needs no library beyond the
standard one (npz would hide records in binary arrays; Parquet would add a
pyarrow dependency for ~10 MB files).  ``.gz`` paths are gzip-compressed
(~15x smaller) with a zero timestamp so output stays byte-identical.

Writes are atomic (temporary file in the target folder, then ``os.replace``), so a
failed run never leaves half a trace.  Keys are written in a fixed order, so the
same trace gives the same bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
import zlib
from collections.abc import Iterator
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import IO

from llmaccel.workloads import limits
from llmaccel.workloads.errors import InputError
from llmaccel.workloads.ops import OPERAND_CLASSES, Op, OpKind, Phase
from llmaccel.workloads.quant_spec import QuantSpec
from llmaccel.workloads.trace import TRACE_FORMAT_VERSION, Request, Trace

FORMAT_NAME = "llmaccel-trace"
HEADER_KEYS = ("format", "version", "model", "n_ops", "meta", "requests", "specs")
OP_KEYS = (
    "name",
    "kind",
    "layer",
    "phase",
    "m",
    "n",
    "k",
    "count",
    "a",
    "b",
    "out",
    "b_class",
    "req",
    "detail",
    "role",
)
REQUEST_KEYS = ("id", "prompt_len", "gen_len", "kv_len")
_KINDS = {k.value: k for k in OpKind}
_PHASES = {p.value: p for p in Phase}
_MATMUL = {k.value for k in OpKind if k.is_matmul}


def _remember(seen: set[int], key: int) -> bool:
    """Add ``key`` to ``seen``; True (for use inside a condition)."""
    seen.add(key)
    return True


def _open_write(path: Path) -> tuple[IO[bytes], str]:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    return os.fdopen(fd, "wb"), tmp


def write_trace(trace: Trace, path: str | Path) -> Path:
    """Write ``trace`` to ``path`` atomically (``.gz`` suffix: gzip). Returns the path."""
    path = Path(path)
    if not path.parent.exists():
        raise InputError("--out", f"folder does not exist: {path.parent}")
    spec_index: dict[QuantSpec, int] = {}
    specs: list[dict] = []

    def idx(s: QuantSpec) -> int:
        i = spec_index.get(s)
        if i is None:
            i = spec_index[s] = len(specs)
            specs.append(s.to_dict())
        return i

    all_ids = tuple(r.id for r in trace.requests)
    by_id: dict[int, int] = {}  # id(spec) -> index: specs are shared objects, so this hits

    def sidx(s: QuantSpec) -> int:
        i = by_id.get(id(s))
        if i is None:
            i = by_id[id(s)] = idx(s)
        return i

    esc = encode_basestring_ascii
    strs: dict[str, str] = {}

    def cached(x: str) -> str:
        v = strs.get(x)
        if v is None:
            v = strs[x] = esc(x)
        return v

    all_like: set[int] = set()  # id() of request-id tuples equal to all_ids (shared by most ops)
    kinds = {k: esc(k.value) for k in OpKind}
    phases = {p: esc(p.value) for p in Phase}
    lines: list[str] = []
    append = lines.append
    for op in trace.ops:
        rids = op.request_ids
        if id(rids) in all_like or (len(rids) == len(all_ids) and rids == all_ids and _remember(all_like, id(rids))):
            req = '"all"'
        else:
            req = "[" + ",".join(map(str, rids)) + "]"
        append(
            f'{{"name":{esc(op.name)},"kind":{kinds[op.kind]},"layer":{op.layer:d},"phase":{phases[op.phase]},'
            f'"m":{op.m:d},"n":{op.n:d},"k":{op.k:d},"count":{op.count:d},"a":{sidx(op.a_spec)},'
            f'"b":{sidx(op.b_spec)},"out":{sidx(op.out_spec)},"b_class":{cached(op.b_class)},"req":{req},'
            f'"detail":{cached(op.detail)},"role":{cached(op.role)}}}'
        )
    header = {
        "format": FORMAT_NAME,
        "version": trace.version,
        "model": trace.model,
        "n_ops": len(trace.ops),
        "meta": trace.meta,
        "requests": [
            {"id": r.id, "prompt_len": r.prompt_len, "gen_len": r.gen_len, "kv_len": r.kv_len} for r in trace.requests
        ],
        "specs": specs,
    }
    try:
        head = json.dumps(header, separators=(",", ":"), sort_keys=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise InputError("trace.meta", f"must be JSON-serialisable: {e}") from None
    data = ("\n".join([head, *lines]) + "\n").encode("ascii")
    f, tmp = _open_write(path)
    try:
        with f:
            if path.suffix == ".gz":
                with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=6) as gz:
                    gz.write(data)
            else:
                f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _gunzip(raw: bytes, limit: int) -> bytes:
    """Decompress every gzip member of ``raw``, refusing more than ``limit`` bytes of output (no gzip bomb)."""
    out: list[bytes] = []
    total = 0
    try:
        while raw:
            d = zlib.decompressobj(wbits=31)
            chunk = d.decompress(raw, limit + 1 - total)
            total += len(chunk)
            out.append(chunk)
            if total > limit or d.unconsumed_tail:
                raise InputError("trace", f"decompresses to more than the limit {limit} bytes")
            if not d.eof:
                raise InputError("trace line 1", "corrupt gzip stream (truncated)")
            raw = d.unused_data.lstrip(b"\x00")
    except zlib.error:
        raise InputError("trace line 1", "corrupt gzip stream") from None
    return b"".join(out)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("trace", f"file not found: {path}") from None
    except OSError as e:
        raise InputError("trace", f"cannot read {path}: {e.strerror}") from None
    if len(raw) > limits.MAX_FILE_BYTES:
        raise InputError("trace", f"{path} is {len(raw)} bytes, above the limit {limits.MAX_FILE_BYTES}")
    if raw[:2] == b"\x1f\x8b":
        raw = _gunzip(raw, limits.MAX_FILE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("trace line 1", "not UTF-8 text (is this a trace file?)") from None
    yield from enumerate(io.StringIO(text), start=1)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


class _Checker:
    """Validates one trace file line by line, collecting 'trace line N: field: problem'."""

    def __init__(self, stop_at_first: bool):
        self.stop = stop_at_first
        self.problems: list[str] = []
        self.specs: list[QuantSpec] = []
        self.request_ids: set[int] = set()
        self.all_ids: tuple[int, ...] = ()
        self.names: set[str] = set()

    def bad(self, line: int, field: str, problem: str) -> None:
        msg = f"trace line {line}: {field}: {problem}"
        if self.stop:
            raise InputError(f"trace line {line}", f"{field}: {problem}")
        self.problems.append(msg)

    def header(self, ln: int, text: str) -> dict | None:
        try:
            h = json.loads(text)
        except json.JSONDecodeError as e:
            self.bad(ln, "header", f"not valid JSON ({e.msg})")
            return None
        if not isinstance(h, dict):
            self.bad(ln, "header", "must be a JSON object")
            return None
        if h.get("format") != FORMAT_NAME:
            self.bad(ln, "format", f"must be {FORMAT_NAME!r}, got {h.get('format')!r}")
            return None
        v = h.get("version")
        if not _is_int(v) or v != TRACE_FORMAT_VERSION:
            self.bad(ln, "version", f"this llmaccel reads version {TRACE_FORMAT_VERSION}, got {v!r}")
            return None
        for key in set(h) - set(HEADER_KEYS):
            self.bad(ln, key, f"unknown header field; allowed: {', '.join(HEADER_KEYS)}")
        if not isinstance(h.get("model"), str) or not h.get("model"):
            self.bad(ln, "model", "must be a non-empty string")
        if not _is_int(h.get("n_ops")) or h["n_ops"] < 0:
            self.bad(ln, "n_ops", f"must be a non-negative integer, got {h.get('n_ops')!r}")
        if not isinstance(h.get("meta"), dict):
            self.bad(ln, "meta", "must be a JSON object")
        reqs = h.get("requests")
        if not isinstance(reqs, list):
            self.bad(ln, "requests", "must be a list")
            reqs = []
        parsed = []
        for i, r in enumerate(reqs):
            if not isinstance(r, dict) or set(r) != set(REQUEST_KEYS):
                self.bad(ln, f"requests[{i}]", f"must be an object with exactly {', '.join(REQUEST_KEYS)}")
                continue
            if (
                not all(_is_int(r[k]) for k in REQUEST_KEYS)
                or r["prompt_len"] <= 0
                or r["gen_len"] <= 0
                or r["kv_len"] < 0
            ):
                self.bad(
                    ln, f"requests[{i}]", "id and kv_len must be integers >= 0 (kv_len), prompt_len and gen_len > 0"
                )
                continue
            if r["id"] in self.request_ids:
                self.bad(ln, f"requests[{i}].id", f"duplicate request id {r['id']}")
                continue
            self.request_ids.add(r["id"])
            parsed.append(Request(r["id"], r["prompt_len"], r["gen_len"], r["kv_len"]))
        h["requests"] = parsed
        self.all_ids = tuple(r.id for r in parsed)
        specs = h.get("specs")
        if not isinstance(specs, list):
            self.bad(ln, "specs", "must be a list of quant specs")
            specs = []
        for i, s in enumerate(specs):
            try:
                if not isinstance(s, dict):
                    raise InputError("spec", "must be an object")
                self.specs.append(QuantSpec.from_dict(s))
            except InputError as e:
                self.bad(ln, f"specs[{i}]", str(e))
                self.specs.append(QuantSpec())
            except TypeError as e:
                self.bad(ln, f"specs[{i}]", f"bad field ({e})")
                self.specs.append(QuantSpec())
        return h

    def op(self, ln: int, text: str) -> Op | None:
        try:
            r = json.loads(text)
        except json.JSONDecodeError as e:
            self.bad(ln, "op", f"not valid JSON ({e.msg})")
            return None
        if not isinstance(r, dict):
            self.bad(ln, "op", "must be a JSON object")
            return None
        ok = True
        if len(r) != len(OP_KEYS) or set(r) != set(OP_KEYS):
            missing, extra = set(OP_KEYS) - set(r), set(r) - set(OP_KEYS)
            for k in sorted(missing):
                self.bad(ln, k, "missing")
            for k in sorted(extra):
                self.bad(ln, k, f"unknown op field; allowed: {', '.join(OP_KEYS)}")
            if missing:
                return None
            ok = False
        name = r["name"]
        if not isinstance(name, str) or not name:
            self.bad(ln, "name", "must be a non-empty string")
            ok = False
        elif name in self.names:
            self.bad(ln, "name", f"duplicate op name {name!r}")
            ok = False
        else:
            self.names.add(name)
        kind = _KINDS.get(r["kind"]) if isinstance(r["kind"], str) else None
        if kind is None:
            self.bad(ln, "kind", f"unknown kind {r['kind']!r}; allowed: {', '.join(_KINDS)}")
            ok = False
        if not _is_int(r["layer"]) or r["layer"] < -1:
            self.bad(ln, "layer", f"must be an integer >= -1, got {r['layer']!r}")
            ok = False
        phase = _PHASES.get(r["phase"]) if isinstance(r["phase"], str) else None
        if phase is None:
            self.bad(ln, "phase", f"unknown phase {r['phase']!r}; allowed: {', '.join(_PHASES)}")
            ok = False
        for f in ("m", "n", "count"):
            if not _is_int(r[f]) or r[f] <= 0:
                self.bad(ln, f, f"must be a positive integer, got {r[f]!r}")
                ok = False
        k = r["k"]
        if not _is_int(k) or k < 0 or (kind is not None and kind.value in _MATMUL and k == 0):
            self.bad(ln, "k", f"must be a positive integer for matmul kinds, >= 0 otherwise, got {k!r}")
            ok = False
        for f in ("a", "b", "out"):
            if not _is_int(r[f]) or not 0 <= r[f] < len(self.specs):
                self.bad(ln, f, f"must index the header's specs (0..{len(self.specs) - 1}), got {r[f]!r}")
                ok = False
        if r["b_class"] not in OPERAND_CLASSES:
            self.bad(ln, "b_class", f"allowed: {', '.join(OPERAND_CLASSES)}; got {r['b_class']!r}")
            ok = False
        req = r["req"]
        if req == "all":
            ids = self.all_ids
        elif isinstance(req, list) and all(_is_int(x) and x in self.request_ids for x in req):
            ids = tuple(req)
        else:
            self.bad(ln, "req", f'must be "all" or a list of the header\'s request ids, got {req!r}'[:200])
            ok = False
        for f in ("detail", "role"):
            if not isinstance(r[f], str):
                self.bad(ln, f, f"must be a string, got {r[f]!r}")
                ok = False
        if not ok:
            return None
        # Every check of Op.__post_init__ was made above: build without re-validating.
        op = object.__new__(Op)
        object.__setattr__(
            op,
            "__dict__",
            {
                "name": name,
                "kind": kind,
                "layer": r["layer"],
                "phase": phase,
                "m": r["m"],
                "n": r["n"],
                "k": k,
                "count": r["count"],
                "a_spec": self.specs[r["a"]],
                "b_spec": self.specs[r["b"]],
                "out_spec": self.specs[r["out"]],
                "b_class": r["b_class"],
                "request_ids": ids,
                "detail": r["detail"],
                "role": r["role"],
            },
        )
        return op


_OP_KEYSET = frozenset(OP_KEYS)
_NON_MATMUL = {k for k in OpKind if not k.is_matmul}


def _fast_ops(chk: _Checker, texts: list[str]) -> list[Op] | None:
    """All op lines parsed in one ``json.loads`` and checked with cheap tests.

    Returns None as soon as anything looks wrong; the caller then re-reads line
    by line with :class:`_Checker` to name the line and field.
    """
    try:
        recs = json.loads("[" + ",".join(texts) + "]")
    except json.JSONDecodeError:
        return None
    specs, n_specs, all_ids, rid_set, names = chk.specs, len(chk.specs), chk.all_ids, chk.request_ids, chk.names
    kinds, phases, classes = _KINDS, _PHASES, OPERAND_CLASSES
    new, setattr_ = object.__new__, object.__setattr__
    ops: list[Op] = []
    append = ops.append
    for r in recs:
        if type(r) is not dict or r.keys() != _OP_KEYSET:
            return None
        name, m, n, k, count, layer = r["name"], r["m"], r["n"], r["k"], r["count"], r["layer"]
        a, b, o, req, detail, role = r["a"], r["b"], r["out"], r["req"], r["detail"], r["role"]
        kind = kinds.get(r["kind"]) if type(r["kind"]) is str else None
        phase = phases.get(r["phase"]) if type(r["phase"]) is str else None
        if (
            kind is None
            or phase is None
            or type(name) is not str
            or not name
            or name in names
            or type(m) is not int
            or type(n) is not int
            or type(k) is not int
            or type(count) is not int
            or type(layer) is not int
            or m <= 0
            or n <= 0
            or count <= 0
            or layer < -1
            or k < 0
            or (k == 0 and kind not in _NON_MATMUL)
            or type(a) is not int
            or type(b) is not int
            or type(o) is not int
            or not (0 <= a < n_specs and 0 <= b < n_specs and 0 <= o < n_specs)
            or r["b_class"] not in classes
            or type(detail) is not str
            or type(role) is not str
        ):
            return None
        if req == "all":
            ids = all_ids
        elif type(req) is list and all(type(x) is int and x in rid_set for x in req):
            ids = tuple(req)
        else:
            return None
        names.add(name)
        op = new(Op)
        setattr_(
            op,
            "__dict__",
            {
                "name": name,
                "kind": kind,
                "layer": layer,
                "phase": phase,
                "m": m,
                "n": n,
                "k": k,
                "count": count,
                "a_spec": specs[a],
                "b_spec": specs[b],
                "out_spec": specs[o],
                "b_class": r["b_class"],
                "request_ids": ids,
                "detail": detail,
                "role": role,
            },
        )
        append(op)
    return ops


def _parse(path: str | Path, stop_at_first: bool) -> tuple[Trace | None, list[str]]:
    chk = _Checker(stop_at_first)
    lines = list(_lines(Path(path)))
    if not lines:
        chk.bad(1, "header", "empty file")
        return None, chk.problems
    header = chk.header(1, lines[0][1].rstrip("\n"))
    if header is None or chk.problems:
        return None, chk.problems
    texts = [line.rstrip("\n") for _, line in lines[1:]]
    if len(texts) > limits.MAX_OPS:
        chk.bad(2, "ops", f"{len(texts)} op lines, above the limit {limits.MAX_OPS} (workloads.limits.MAX_OPS)")
        return None, chk.problems
    ops = _fast_ops(chk, texts) if all(t.strip() for t in texts) else None
    if ops is None:  # slow path: find and name every problem
        chk.names.clear()
        ops = []
        for ln, text in enumerate(texts, start=2):
            if not text.strip():
                chk.bad(ln, "line", "empty line (one op per line, no blank lines)")
                continue
            op = chk.op(ln, text)
            if op is not None:
                ops.append(op)
    n_ops = header.get("n_ops")
    if n_ops != len(texts):
        chk.bad(len(lines), "n_ops", f"header says {n_ops} ops, file has {len(texts)} op lines (truncated?)")
    for ln, op in enumerate(ops, start=2):
        problem = limits.op_size_problem(op.m, op.n, op.k, op.count)
        if problem:
            chk.bad(ln, problem[0], problem[1])
    if len(header["requests"]) > limits.MAX_REQUESTS:
        chk.bad(1, "requests", f"{len(header['requests'])} requests, above the limit {limits.MAX_REQUESTS}")
    if chk.problems:
        return None, chk.problems
    return Trace(header["model"], ops, header["requests"], header["meta"], header["version"]), []


def read_trace(path: str | Path) -> Trace:
    """Read and validate a trace; the first problem raises InputError('trace line N', 'field: problem')."""
    trace, _ = _parse(path, stop_at_first=True)
    assert trace is not None
    return trace


def validate_trace(path: str | Path) -> list[str]:
    """All problems of a trace file as ``"trace line N: field: problem"`` (empty list: valid)."""
    return _parse(path, stop_at_first=False)[1]


#: Short alias used by the shared-API description.
validate = validate_trace
