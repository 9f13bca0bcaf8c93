"""Decoder options the product sets on a model without touching the model's folder: a tuned VIEW of the folder.

Why: Vosk takes Kaldi's decoding options only from the model's `conf/model.conf` (vosk-api src/model.cc reads it
with Kaldi's option parser; the Python API has no way to pass them). One of them sets a large part of the delay
between a spoken word and the first partial result naming it: the nnet3 looped decodable's `--frames-per-chunk`, the
number of 10 ms feature frames the acoustic network waits for and evaluates at once. Without the option Vosk 0.3.45
decodes in chunks of 24 frames (measured: the Korean model's untuned output, partial by partial, is identical to
`--frames-per-chunk=24` and differs from 20 or 21). Measured with that model on 95–130 words of the test clips
(audio time, no I/O; docs/speech.md, "Latency"): median word-end → first partial 626–639 ms at 24 frames, 573 at 12,
502–512 at 9, 486–554 at 6 and 3, every decile about 100 ms lower at 9 than at 24; CPU per second of audio +9 % at
12, +12 % at 9, +14 % at 6. 9 is the setting offered (`[asr] frames_per_chunk = 9`): below it the gain is lost in
the noise while the cost rises. It is off by default because what is recognised changes too (probably through the
online i-vector, taken at chunk ends): 28–29 % of the words of 24 espeak clips differ from the untuned model's,
against 3–4 % between two runs of one setting; better or worse cannot be told on synthetic speech (4 of the 5 words
the tests assert survive): to be checked on real calls first.

How: a folder in the user's cache directory holding a `conf/model.conf` with the option set, and links to
everything else of the model (`am/`, `graph/`, `ivector/`, the other conf files...). Chosen over writing the option
into the model at `models install` because it also applies to a model used in place (`--model DIR`, `[asr]
model_dir`, a read-only or shared folder, the test model of a Python package), it never modifies the operator's
model folder, a changed setting needs no re-install, and removing the cache only costs one rebuild (a few links).

The view's name is a digest of the model's path, its entries and the resulting model.conf, so a changed model or
setting gets a fresh view and a view is never edited in place: it is built in a temporary folder and renamed into
place (atomic; two processes racing build the same content and either wins). Links are symbolic; where the system
refuses them (Windows without the privilege) files are hard-linked instead. If neither works, the caller loads the
model as it is and logs why (the tuning is a latency gain, never a reason to refuse recognition).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from pathlib import Path

from agent_desktop.core.errors import AsrError
from agent_desktop.resources import default_cache_dir as desktop_cache_dir

#: --frames-per-chunk the product decodes with by default: None = as the model ships. The low-latency setting below
#: shows words about 0.1 s sooner but costs about 12 % more CPU and changed 29 % of the recognised words on the test
#: clips (not measurably worse, not measurably better): an operator's choice after checking it on real calls.
DEFAULT_FRAMES_PER_CHUNK: int | None = None
#: The measured low-latency setting (`[asr] frames_per_chunk = 9`, `transcribe --frames-per-chunk 9`).
LOW_LATENCY_FRAMES_PER_CHUNK = 9
MAX_FRAMES_PER_CHUNK = 300  # 3 s of feature frames: beyond any sensible look-ahead
VIEWS_FOLDER = "speech-models"
_OPTION = re.compile(r"^\s*--frames-per-chunk\s*=")
_SUBSAMPLING = re.compile(r"^\s*--frame-subsampling-factor\s*=\s*([0-9]+)\s*$", re.MULTILINE)


def default_cache_dir() -> Path:
    """Where tuned views are kept: `<user cache dir>/speech-models` (e.g. ~/.cache/agent-desktop/speech-models)."""
    return desktop_cache_dir() / VIEWS_FOLDER


def frame_subsampling_factor(model_conf: str) -> int:
    match = _SUBSAMPLING.search(model_conf)
    return int(match.group(1)) if match else 1


def check_model_setting(folder: Path, frames_per_chunk: int) -> None:
    """`check_frames_per_chunk` against the factor in `folder`'s conf/model.conf."""
    try:
        conf = (folder / "conf" / "model.conf").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AsrError(f"cannot read {folder / 'conf' / 'model.conf'}: {exc}", code="model_broken") from exc
    check_frames_per_chunk(frames_per_chunk, frame_subsampling_factor(conf))


def check_frames_per_chunk(frames_per_chunk: int, subsampling: int) -> None:
    """AsrError `bad_frames_per_chunk` unless a positive multiple of the model's frame-subsampling factor (Kaldi would
    silently round it up, so the decoder would not do what the setting says)."""
    if (
        isinstance(frames_per_chunk, bool)
        or not isinstance(frames_per_chunk, int)
        or not 0 < frames_per_chunk <= MAX_FRAMES_PER_CHUNK
        or frames_per_chunk % subsampling
    ):
        raise AsrError(
            f"frames_per_chunk must be a multiple of the model's frame-subsampling factor {subsampling} "
            f"between {subsampling} and {MAX_FRAMES_PER_CHUNK}, not {frames_per_chunk!r}",
            code="bad_frames_per_chunk",
            details={"frames_per_chunk": frames_per_chunk, "frame_subsampling_factor": subsampling},
        )


def tuned_model_conf(original: str, frames_per_chunk: int) -> str:
    """`original` (a model.conf) with every --frames-per-chunk line replaced by one with the given value."""
    lines = [line for line in original.splitlines() if not _OPTION.match(line)]
    return "\n".join([*lines, f"--frames-per-chunk={frames_per_chunk}"]) + "\n"


def tuned_model_view(folder: Path, frames_per_chunk: int, cache_dir: Path | None = None) -> Path:
    """A folder that Vosk loads as `folder` decoded with `--frames-per-chunk=frames_per_chunk`; created when missing.

    `folder` must be a checked model folder (`inspect_model_dir`). Returns `folder` itself when its model.conf already
    says so. AsrError `bad_frames_per_chunk` for a bad value; OSError when the view cannot be built."""
    folder = folder.resolve()
    conf_dir = folder / "conf"
    original = (conf_dir / "model.conf").read_text(encoding="utf-8")
    check_frames_per_chunk(frames_per_chunk, frame_subsampling_factor(original))
    conf = tuned_model_conf(original, frames_per_chunk)
    if conf.strip() == original.strip():
        return folder
    entries = sorted(p.name for p in folder.iterdir() if p.name != "conf")
    conf_entries = sorted(p.name for p in conf_dir.iterdir() if p.name != "model.conf")
    digest = hashlib.sha256(
        json.dumps([str(folder), entries, conf_entries, conf], ensure_ascii=False).encode("utf-8")
    ).hexdigest()[:16]
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    view = root / f"{folder.name}.fpc{frames_per_chunk}.{digest}"
    if _is_view(view, folder, entries, conf_entries, conf):
        return view
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    try:
        for name in entries:
            _link(folder / name, staging / name)
        (staging / "conf").mkdir()
        for name in conf_entries:
            _link(conf_dir / name, staging / "conf" / name)
        (staging / "conf" / "model.conf").write_text(conf, encoding="utf-8")
        try:
            staging.rename(view)
        except OSError:
            # another process renamed its identical view first, or a broken leftover is in the way
            if not _is_view(view, folder, entries, conf_entries, conf):
                shutil.rmtree(view, ignore_errors=True)
                staging.rename(view)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return view


def _is_view(view: Path, folder: Path, entries: list[str], conf_entries: list[str], conf: str) -> bool:
    try:
        if (view / "conf" / "model.conf").read_text(encoding="utf-8") != conf:
            return False
    except (OSError, UnicodeDecodeError):
        return False
    # every link still leads somewhere (exists() follows links: a dangling one is False)
    return all((view / name).exists() for name in entries) and all(
        (view / "conf" / name).exists() for name in conf_entries
    )


def _link(source: Path, target: Path) -> None:
    try:
        target.symlink_to(source, target_is_directory=source.is_dir())
    except OSError:
        # no symbolic links here (Windows without Developer Mode): hard-link the files (same volume only)
        if source.is_dir():
            target.mkdir()
            for child in source.iterdir():
                _link(child, target / child.name)
        else:
            target.hardlink_to(source)
