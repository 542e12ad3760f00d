"""The model zoo: named transformer shapes with the source of every number.

Each model is one YAML file ``workloads/zoo/<name>.yaml``::

    schema: 1
    name: llama2-7b
    aliases: [llama-2-7b]          # optional
    source: "HF meta-llama/Llama-2-7b-hf config.json"
    config:                        # ModelConfig fields (HF names)
      hidden_size: {value: 4096, source: "..."}
      ...
      hidden_act: silu             # non-numeric leaves are plain
      gated_ffn: true

Every numeric leaf is ``{value, source}``; a bare number is rejected.
:func:`get_model` also accepts a path to a Hugging Face ``config.json`` (or a
folder holding one), read by :mod:`workloads.hf_config`, and a Hub id
``org/name``: a zoo alias (``meta-llama/Llama-2-7b-hf``) or, failing that, the
model's config.json in the local Hugging Face cache (:mod:`workloads.hf_cache`).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache, lru_cache
from pathlib import Path

import yaml

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.hf_cache import find_config, is_hf_id
from llmaccel.workloads.hf_config import load_hf_config
from llmaccel.workloads.model_config import ModelConfig

ZOO_DIR = Path(__file__).parent / "zoo"
SCHEMA_VERSION = 1
_FIELDS = set(ModelConfig.__dataclass_fields__) - {"name"}
_REQUIRED = {
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "vocab_size",
}


def _plain(cfg: dict, file: str) -> tuple[dict, dict[str, str]]:
    """Split ``{value, source}`` leaves into values and sources."""
    values: dict = {}
    sources: dict[str, str] = {}
    for key, leaf in cfg.items():
        if key not in _FIELDS:
            raise InputError(f"{file}: config.{key}", f"unknown field; allowed: {', '.join(sorted(_FIELDS))}")
        if isinstance(leaf, dict):
            if set(leaf) != {"value", "source"} or not str(leaf["source"]).strip():
                raise InputError(f"{file}: config.{key}", 'must be {value: X, source: "..."} with a non-empty source')
            values[key], sources[key] = leaf["value"], str(leaf["source"])
        elif isinstance(leaf, (int, float)) and not isinstance(leaf, bool):
            raise InputError(f"{file}: config.{key}", 'a number must be written {value: X, source: "..."}')
        else:
            values[key] = leaf
    missing = _REQUIRED - set(values)
    if missing:
        raise InputError(f"{file}: config", f"missing field(s) {', '.join(sorted(missing))}")
    return values, sources


@cache
def _load_file(path: Path) -> tuple[ModelConfig, tuple[str, ...], tuple[tuple[str, str], ...]]:
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError:
        raise InputError("model", f"malformed YAML in {path}") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_VERSION or not isinstance(doc.get("config"), dict):
        raise InputError(f"{path.name}", f"zoo file needs schema: {SCHEMA_VERSION}, name and a config mapping")
    values, sources = _plain(doc["config"], path.name)
    model = ModelConfig(name=str(doc.get("name", path.stem)), **values)
    return model, tuple(str(a).lower() for a in doc.get("aliases", ())), tuple(sorted(sources.items()))


@lru_cache(maxsize=1)
def _index() -> dict[str, Path]:
    idx: dict[str, Path] = {}
    for path in sorted(ZOO_DIR.glob("*.yaml")):
        model, aliases, _ = _load_file(path)
        for key in (model.name.lower(), *aliases):
            idx[key] = path
    return idx


def model_names() -> list[str]:
    """Canonical names of the shipped models (sorted)."""
    return sorted(p.stem for p in ZOO_DIR.glob("*.yaml"))


def get_model(name_or_path: str) -> ModelConfig:
    """A model by zoo name (case-insensitive, aliases allowed) or HF config.json path.

    Raises:
        InputError: unknown name, missing/malformed config file.
    """
    key = str(name_or_path).strip().lower()
    path = _index().get(key)
    if path is not None:
        return _load_file(path)[0]
    p = Path(str(name_or_path))
    if p.suffix == ".json" or p.is_dir() or p.exists():
        return load_hf_config(p)
    text = str(name_or_path).strip()
    if is_hf_id(text):
        return replace(load_hf_config(find_config(text)), name=text)
    raise InputError(
        "model",
        f"unknown model {name_or_path!r}; allowed: {', '.join(model_names())}, a config.json path "
        "or a Hugging Face id (org/name) in the local cache",
    )


def model_sources(name: str) -> dict[str, str]:
    """Field -> provenance text for a zoo model (empty for config.json models)."""
    path = _index().get(str(name).strip().lower())
    if path is None:
        raise InputError("model", f"unknown model {name!r}; allowed: {', '.join(model_names())}")
    return dict(_load_file(path)[2])
