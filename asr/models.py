"""Installing, listing and checking Vosk models in the user's data directory (`<data_dir>/models/<NAME>`).

An operator downloads a model once (e.g. vosk-model-small-cn-0.22.zip from alphacephei.com/vosk/models) on a
machine with Internet access, copies it to the seat PC and runs `agent-desktop models install FILE`. Nothing here
touches the network.

Archives are untrusted input: every member is checked before anything is written (no absolute paths, no `..`,
no links or device files, a bound on the unpacked size), the model is unpacked into a temporary folder inside the
models folder, its layout validated, and only then renamed into place, so a failed install leaves nothing behind.
"""

from __future__ import annotations

import logging
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from agent_desktop.core.errors import AsrError
from asr.recognition.model import ModelLayout, inspect_model_dir

log = logging.getLogger(__name__)

MODELS_FOLDER = "models"
# vosk-model-cn-0.22 unpacks to about 2 GB; the largest published Vosk models are under 5 GB.
DEFAULT_MAX_UNPACKED_BYTES = 8 * 1024**3
_MARKER = Path("am") / "final.mdl"


@dataclass(frozen=True, slots=True)
class InstalledModel:
    name: str
    layout: ModelLayout


def models_dir(data_dir: Path) -> Path:
    return Path(data_dir) / MODELS_FOLDER


def install_model(
    source: str | Path,
    data_dir: Path,
    *,
    name: str | None = None,
    replace: bool = False,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
) -> InstalledModel:
    """Install the model in `source` (a .zip, .tar.gz/.tgz/.tar archive, or a folder) as `<data_dir>/models/NAME`.

    NAME defaults to the model folder's own name (vosk-model-small-cn-0.22). AsrError codes: `model_missing`,
    `bad_archive`, `unsafe_archive`, `model_incomplete`, `model_exists` (unless `replace`), `install_failed`."""
    src = Path(source).expanduser()
    if not src.exists():
        raise AsrError(f"nothing to install at {src}", code="model_missing", details={"path": str(src)})
    target_root = models_dir(data_dir)
    target_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".installing-", dir=target_root) as tmp:
        staging = Path(tmp) / "unpacked"
        if src.is_dir():
            _copy_folder(src, staging)
        else:
            _unpack(src, staging, max_unpacked_bytes)
        model_root = _find_model_root(staging)
        inspect_model_dir(model_root)  # raises model_incomplete with the missing parts
        model_name = name or (model_root.name if model_root != staging else _stem(src))
        _check_name(model_name)
        target = target_root / model_name
        if target.exists():
            if not replace:
                raise AsrError(
                    f"a model named {model_name} is already installed in {target_root} (use --replace)",
                    code="model_exists",
                    details={"path": str(target)},
                )
            shutil.rmtree(target)
        try:
            model_root.rename(target)
        except OSError as exc:
            raise AsrError(f"cannot install the model into {target}: {exc}", code="install_failed") from exc
    log.info("installed speech model %s into %s", model_name, target)
    return InstalledModel(model_name, inspect_model_dir(target))


def list_models(data_dir: Path) -> list[InstalledModel | tuple[str, AsrError]]:
    """Every folder under `<data_dir>/models`, valid ones as InstalledModel, broken ones as (name, error)."""
    root = models_dir(data_dir)
    if not root.is_dir():
        return []
    out: list[InstalledModel | tuple[str, AsrError]] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            out.append(InstalledModel(folder.name, inspect_model_dir(folder)))
        except AsrError as exc:
            out.append((folder.name, exc))
    return out


def default_model_dir(data_dir: Path) -> Path:
    """The model to use when none is named: the only valid installed one. AsrError `no_model` when there is none,
    `ambiguous_model` when there are several (name one with --model)."""
    valid = [m for m in list_models(data_dir) if isinstance(m, InstalledModel)]
    if not valid:
        raise AsrError(
            f"no speech model installed in {models_dir(data_dir)}: install one with "
            f"`agent-desktop models install vosk-model-small-cn-0.22.zip` or pass --model DIR",
            code="no_model",
        )
    if len(valid) > 1:
        names = ", ".join(m.name for m in valid)
        raise AsrError(
            f"several speech models are installed ({names}): choose one with --model", code="ambiguous_model"
        )
    return valid[0].layout.path


# --- unpacking -------------------------------------------------------------------------------------------------


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _check_name(name: str) -> None:
    if not name or name in {".", ".."} or "/" in name or "\\" in name or name.startswith("."):
        raise AsrError(f"not a usable model name: {name!r}", code="bad_name")


def _copy_folder(src: Path, staging: Path) -> None:
    try:
        shutil.copytree(src, staging / src.resolve().name, symlinks=False)
    except (OSError, shutil.Error) as exc:
        raise AsrError(f"cannot copy the model folder {src}: {exc}", code="install_failed") from exc


def _safe_member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise AsrError(f"archive member {name!r} would be written outside the model folder", code="unsafe_archive",
                       details={"member": name})
    return path


def _unpack(archive: Path, staging: Path, max_bytes: int) -> None:
    staging.mkdir()
    if zipfile.is_zipfile(archive):
        _unpack_zip(archive, staging, max_bytes)
    elif tarfile.is_tarfile(archive):
        _unpack_tar(archive, staging, max_bytes)
    else:
        raise AsrError(f"{archive} is neither a folder, a zip nor a tar archive", code="bad_archive")


def _unpack_zip(archive: Path, staging: Path, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            total = 0
            for info in members:
                _safe_member_path(info.filename)
                mode = info.external_attr >> 16
                if mode and (mode & 0o170000) not in (0, 0o100000, 0o040000):  # only plain files and folders
                    raise AsrError(f"archive member {info.filename!r} is a link or special file",
                                   code="unsafe_archive", details={"member": info.filename})
                total += info.file_size
                _check_total(total, max_bytes)
            for info in members:
                target = staging / _safe_member_path(info.filename)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as source, target.open("wb") as sink:
                    shutil.copyfileobj(source, sink, 1024 * 1024)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise AsrError(f"cannot unpack {archive}: {exc}", code="bad_archive") from exc


def _unpack_tar(archive: Path, staging: Path, max_bytes: int) -> None:
    try:
        with tarfile.open(archive) as tf:
            members = tf.getmembers()
            total = 0
            for member in members:
                _safe_member_path(member.name)
                if not (member.isfile() or member.isdir()):
                    raise AsrError(f"archive member {member.name!r} is a link or special file",
                                   code="unsafe_archive", details={"member": member.name})
                total += member.size
                _check_total(total, max_bytes)
            for member in members:
                target = staging / _safe_member_path(member.name)
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tf.extractfile(member)
                if source is None:  # pragma: no cover - isfile() members always have data
                    continue
                with source, target.open("wb") as sink:
                    shutil.copyfileobj(source, sink, 1024 * 1024)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise AsrError(f"cannot unpack {archive}: {exc}", code="bad_archive") from exc


def _check_total(total: int, max_bytes: int) -> None:
    if total > max_bytes:
        raise AsrError(f"the archive unpacks to more than {max_bytes} bytes; refusing it", code="unsafe_archive")


def _find_model_root(staging: Path) -> Path:
    """The folder holding am/final.mdl: the archive's top folder (vosk-model-.../) or the archive root itself."""
    candidates = sorted({marker.parent.parent for marker in _markers(staging)}, key=lambda p: len(p.parts))
    if not candidates:
        # no acoustic model at all: report the layout problem against the most likely root
        children = [p for p in staging.iterdir() if p.is_dir()]
        return children[0] if len(children) == 1 else staging
    return candidates[0]


def _markers(root: Path) -> Iterator[Path]:
    for marker in root.rglob("final.mdl"):
        if marker.parent.name == "am":
            yield marker
