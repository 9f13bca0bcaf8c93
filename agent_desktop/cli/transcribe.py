"""`agent-desktop transcribe`: recognise a WAV file the way a call is recognised, and say how fast.

    agent-desktop transcribe FILE.wav [--model DIR] [--lang zh] [--partial-words] [--frames-per-chunk N] [--json]

The file (16-bit PCM mono, any rate from 4 to 192 kHz) is fed in 20 ms chunks, as the AudioSocket fork delivers
a call, through the same resampler and recognizer. Partial results (the guess so far) and final results (with
each word's start and end) are printed as they come, then the real-time factor: processing time / audio time
(below 1 = faster than real time). The model is `--model DIR`, else the one model installed with
`agent-desktop models install`.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from agent_desktop.cli.options import command_config

CHUNK_MS = 20


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "transcribe",
        help="recognise a WAV file with the speech model; prints partial/final text and the real-time factor",
        description="Recognise a 16-bit PCM mono WAV file as a call would be recognised (语音转写).",
    )
    parser.add_argument("file", metavar="FILE.wav", help="the recording (16-bit PCM mono)")
    parser.add_argument("--model", metavar="DIR", help="Vosk model folder (default: the installed model)")
    parser.add_argument("--lang", help="language of the model, e.g. zh (default: from the model folder's name)")
    parser.add_argument(
        "--partial-words", action="store_true", help="word timings in partial results too (they then come later)"
    )
    parser.add_argument(
        "--frames-per-chunk",
        type=int,
        metavar="N",
        help="the decoder's look-ahead in 10 ms frames, a multiple of the model's frame-subsampling factor "
        "(default: [asr] frames_per_chunk, else as the model ships; 0 = as the model ships; 9 = low latency)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # the recognizer pulls in vosk and numpy: only this command pays for them
    from asr.models import default_model_dir  # noqa: PLC0415
    from asr.recognition.events import FinalResult, PartialResult  # noqa: PLC0415
    from asr.recognition.model import load_model  # noqa: PLC0415
    from asr.recognition.recognizer import StreamRecognizer  # noqa: PLC0415
    from asr.recognition.wav import read_wav  # noqa: PLC0415

    audio = read_wav(args.file)
    # --model > [asr] model_dir of the config file > the model installed in the data folder; same for --lang
    config = command_config(args)
    model_dir = Path(args.model) if args.model else (config.asr.model_dir or default_model_dir(config.data_dir))
    args.lang = args.lang or config.asr.lang
    # --frames-per-chunk > [asr] frames_per_chunk > as the model ships (0 on the command line also means that)
    frames_per_chunk = config.asr.frames_per_chunk if args.frames_per_chunk is None else args.frames_per_chunk or None
    model = load_model(model_dir, lang=args.lang, frames_per_chunk=frames_per_chunk)
    recognizer = StreamRecognizer(model, lang=args.lang, partial_words=args.partial_words)
    step = audio.sample_rate_hz * CHUNK_MS // 1000 * 2
    events = []
    started = time.perf_counter()
    for offset in range(0, len(audio.pcm), step):
        new = recognizer.accept(audio.pcm[offset : offset + step], audio.sample_rate_hz)
        events += new
        if not args.json:
            _print_events(new)
    tail = recognizer.finish()
    events += tail
    elapsed = time.perf_counter() - started
    if not args.json:
        _print_events(tail)
    finals = [e for e in events if isinstance(e, FinalResult)]
    rtf = elapsed / audio.duration_s if audio.duration_s else 0.0
    summary = {
        "file": str(args.file),
        "model": str(model.layout.path),
        "sample_rate_hz": audio.sample_rate_hz,
        "model_rate_hz": model.sample_rate_hz,
        "frames_per_chunk": model.frames_per_chunk,
        "audio_s": round(audio.duration_s, 3),
        "processing_s": round(elapsed, 3),
        "rtf": round(rtf, 3),
        "text": " ".join(f.text for f in finals),
        "display": " ".join(f.display for f in finals) if model.lang != "zh" else "".join(f.display for f in finals),
    }
    if args.json:
        summary["partials"] = [e.to_json() for e in events if isinstance(e, PartialResult)]
        summary["finals"] = [f.to_json() for f in finals]
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(f"text: {summary['display']}")
        print(
            f"audio {summary['audio_s']:.2f} s at {audio.sample_rate_hz} Hz → model {model.sample_rate_hz} Hz, "
            f"processed in {elapsed:.2f} s, real-time factor {rtf:.2f}"
        )
    return 0


def _print_events(events: list) -> None:
    from asr.recognition.events import FinalResult  # noqa: PLC0415

    for event in events:
        if isinstance(event, FinalResult):
            span = f"{event.words[0].start_s:6.2f}–{event.words[-1].end_s:6.2f}s" if event.words else " " * 15
            print(f"[final   {span}] {event.display}")
            for word in event.words:
                conf = f" conf {word.conf:.2f}" if word.conf is not None else ""
                print(f"    {word.start_s:6.2f}–{word.end_s:6.2f}s  {word.word}{conf}")
        else:
            print(f"[partial @{event.audio_s:6.2f}s] {event.display}", flush=True)
