"""`agent-desktop models install/list/check` and `agent-desktop transcribe`, through the real console entry.

Installs use small fake model folders (the layout is what install checks; loading is `check`'s job), so no test
copies the 250 MB Korean model. Archives are hostile input: traversal, absolute paths and links are refused and
leave nothing behind."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import platformdirs
import pytest

from agent_desktop.cli import EXIT_FAILURE, EXIT_OK, main
from agent_desktop.core.errors import AsrError
from asr.models import default_model_dir, install_model, list_models
from tests.asr.conftest import CLIP_8K, CLIP_16K, CLIP_WORDS

MODEL_FILES = {
    "am/final.mdl": b"acoustic",
    "conf/mfcc.conf": b"--use-energy=false\n--sample-frequency=8000\n",
    "conf/model.conf": b"--beam=10\n",
    "graph/HCLG.fst": b"graph",
    "rescore/G.carpa": b"carpa",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir("agent-desktop"))


def fake_model(root: Path, name: str = "vosk-model-small-cn-0.22", files: dict[str, bytes] = MODEL_FILES) -> Path:
    folder = root / name
    for rel, content in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(content)
    return folder


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return path


def make_tar(path: Path, members: dict[str, bytes], *, symlink: str | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tf.addfile(info, io.BytesIO(content))
        if symlink:
            info = tarfile.TarInfo(symlink)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tf.addfile(info)
    return path


def prefixed(prefix: str) -> dict[str, bytes]:
    return {f"{prefix}/{rel}": content for rel, content in MODEL_FILES.items()}


def test_install_from_zip_then_list_and_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = make_zip(tmp_path / "vosk-model-small-cn-0.22.zip", prefixed("vosk-model-small-cn-0.22"))
    code, out, err = run(capsys, "models", "install", str(archive), "--json")
    assert (code, err) == (EXIT_OK, "")
    report = json.loads(out)
    target = data_dir() / "models" / "vosk-model-small-cn-0.22"
    assert report["name"] == "vosk-model-small-cn-0.22" and Path(report["path"]) == target
    assert report["sample_rate_hz"] == 8000 and report["has_rescore"] and not report["has_rnnlm"]
    assert report["lang"] == "zh"
    assert (target / "am" / "final.mdl").read_bytes() == b"acoustic"
    assert sorted(p.name for p in (data_dir() / "models").iterdir()) == ["vosk-model-small-cn-0.22"]  # no leftovers
    code, out, _ = run(capsys, "models", "list")
    assert code == EXIT_OK and "vosk-model-small-cn-0.22" in out and "8000 Hz" in out and "rescoring: yes" in out
    assert default_model_dir(data_dir()) == target


def test_install_from_tar_gz_and_from_a_folder(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "m.tar.gz", prefixed("vosk-model-cn-0.22"))
    first = install_model(archive, tmp_path / "data")
    assert first.name == "vosk-model-cn-0.22" and first.layout.graph == "static"
    folder = fake_model(tmp_path / "src", "my-model")
    second = install_model(folder, tmp_path / "data", name="seat-model")
    assert second.layout.path == (tmp_path / "data" / "models" / "seat-model").resolve()
    assert [m.name for m in list_models(tmp_path / "data")] == ["seat-model", "vosk-model-cn-0.22"]  # type: ignore[union-attr]
    with pytest.raises(AsrError) as caught:
        default_model_dir(tmp_path / "data")
    assert caught.value.code == "ambiguous_model"


def test_an_archive_without_a_top_folder_is_named_after_the_file(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "vosk-model-small-cn-0.22.zip", dict(MODEL_FILES))
    installed = install_model(archive, tmp_path / "data")
    assert installed.name == "vosk-model-small-cn-0.22"


@pytest.mark.parametrize(
    "members",
    [
        {"../evil.txt": b"x", **prefixed("m")},
        {"m/../../evil.txt": b"x", **prefixed("m")},
        {"/tmp/evil.txt": b"x", **prefixed("m")},
    ],
)
def test_path_traversal_is_refused_and_nothing_is_written(tmp_path: Path, members: dict[str, bytes]) -> None:
    archive = make_zip(tmp_path / "bad.zip", members)
    with pytest.raises(AsrError) as caught:
        install_model(archive, tmp_path / "data" / "x")
    assert caught.value.code == "unsafe_archive"
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "data" / "evil.txt").exists()
    assert list((tmp_path / "data" / "x" / "models").iterdir()) == []


def test_links_in_a_tar_are_refused(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "bad.tar.gz", prefixed("m"), symlink="m/am/link")
    with pytest.raises(AsrError) as caught:
        install_model(archive, tmp_path / "data")
    assert caught.value.code == "unsafe_archive"


def test_oversized_archives_are_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "big.zip", prefixed("m"))
    with pytest.raises(AsrError) as caught:
        install_model(archive, tmp_path / "data", max_unpacked_bytes=10)
    assert caught.value.code == "unsafe_archive"


def test_incomplete_model_is_refused_naming_what_is_missing(tmp_path: Path, capsys) -> None:
    members = {k: v for k, v in prefixed("m").items() if "graph" not in k}
    archive = make_zip(tmp_path / "m.zip", members)
    code, out, err = run(capsys, "models", "install", str(archive))
    assert code == EXIT_FAILURE and out == ""
    assert err.startswith("agent-desktop: error: ") and "HCLG.fst" in err
    assert list((data_dir() / "models").iterdir()) == []


def test_existing_model_needs_replace(tmp_path: Path, capsys) -> None:
    folder = fake_model(tmp_path)
    assert run(capsys, "models", "install", str(folder))[0] == EXIT_OK
    code, _, err = run(capsys, "models", "install", str(folder))
    assert code == EXIT_FAILURE and "--replace" in err
    assert run(capsys, "models", "install", str(folder), "--replace")[0] == EXIT_OK


def test_not_an_archive_and_missing_source(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(AsrError) as caught:
        install_model(tmp_path / "notes.txt", tmp_path / "data")
    assert caught.value.code == "bad_archive"
    with pytest.raises(AsrError) as caught:
        install_model(tmp_path / "absent.zip", tmp_path / "data")
    assert caught.value.code == "model_missing"


def test_list_shows_broken_folders(capsys) -> None:
    (data_dir() / "models" / "half").mkdir(parents=True)
    code, out, _ = run(capsys, "models", "list", "--json")
    assert code == EXIT_OK
    [row] = json.loads(out)["models"]
    assert row["name"] == "half" and row["ok"] is False and row["code"] == "model_incomplete"
    assert "BROKEN" in run(capsys, "models", "list")[1]


def test_check_loads_the_model_and_reports_it(korean_model, korean_model_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "models", "check", str(korean_model_dir), "--json")
    assert code == EXIT_OK
    report = json.loads(out)
    assert report["loads"] and report["sample_rate_hz"] == 16000
    assert report["has_rescore"] is False and report["has_rnnlm"] is False and report["size_bytes"] > 50_000_000
    assert report["frames_per_chunk"] == korean_model.frames_per_chunk is None


def test_check_without_a_folder_takes_the_desks_model_and_decoder_setting(
    tmp_path: Path, korean_model_dir: Path, capsys
) -> None:
    code, _out, err = run(capsys, "models", "check")  # nothing configured, nothing installed
    assert code == EXIT_FAILURE and "no speech model installed" in err
    config = tmp_path / "config.toml"
    config.write_text(f'[asr]\nmodel_dir = "{korean_model_dir}"\nframes_per_chunk = 9\n', encoding="utf-8")
    code, out, err = run(capsys, "--config", str(config), "models", "check", "--json")
    assert code == EXIT_OK, err
    report = json.loads(out)
    assert report["path"] == str(korean_model_dir.resolve()) and report["frames_per_chunk"] == 9


def test_check_of_a_broken_model_is_one_error_line(tmp_path: Path, capsys) -> None:
    folder = fake_model(tmp_path)
    code, out, err = run(capsys, "models", "check", str(folder))
    assert code == EXIT_FAILURE and out == ""
    assert err.count("\n") == 1 and "Vosk could not load" in err


# --- transcribe -----------------------------------------------------------------------------------------------


def test_transcribe_json_has_partials_finals_timings_and_rtf(korean_model, korean_model_dir: Path, capsys) -> None:
    code, out, _ = run(capsys, "transcribe", str(CLIP_8K), "--model", str(korean_model_dir), "--json")
    assert code == EXIT_OK
    report = json.loads(out)
    assert (report["sample_rate_hz"], report["model_rate_hz"]) == (8000, 16000)
    assert report["audio_s"] == pytest.approx(2.78, abs=0.01) and report["rtf"] > 0
    words = {w["word"] for f in report["finals"] for w in f["words"]}
    assert CLIP_WORDS[CLIP_8K] <= words
    assert all(w["start_s"] < w["end_s"] for f in report["finals"] for w in f["words"])
    assert report["partials"] and all(p["event"] == "partial" for p in report["partials"])


def test_transcribe_text_uses_the_installed_model(korean_model, korean_model_dir: Path, capsys) -> None:
    # an installed model is found without --model (installed by symlinking the package's folder: no 250 MB copy)
    (data_dir() / "models").mkdir(parents=True)
    (data_dir() / "models" / "vosk-model-small-ko-0.22").symlink_to(korean_model_dir)
    code, out, _ = run(capsys, "transcribe", str(CLIP_16K))
    assert code == EXIT_OK
    assert "[partial" in out and "[final" in out and "real-time factor" in out
    assert all(word in out for word in CLIP_WORDS[CLIP_16K])


def test_transcribe_without_model_or_with_broken_audio_fails_clearly(
    tmp_path: Path, korean_model_dir: Path, capsys
) -> None:
    code, _, err = run(capsys, "transcribe", str(CLIP_8K))
    assert code == EXIT_FAILURE and "no speech model installed" in err
    (tmp_path / "bad.wav").write_bytes(b"RIFF....WAVEfmt garbage")
    code, _, err = run(capsys, "transcribe", str(tmp_path / "bad.wav"), "--model", str(korean_model_dir))
    assert code == EXIT_FAILURE and "not a 16-bit PCM WAV" in err
