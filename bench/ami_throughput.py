"""AMI throughput and screen-pop latency of the desktop's AMI connection + call tracker.

A peer process (pinned to another core when there is one) serves two AMI peers on 127.0.0.1, port 0:
- a capture replay: banner, Login, then on `BenchFlood` N events of queue calls made from the real Asterisk 20 capture
  `tests/data/ami/03_queue_inbound.ami.raw` (each call renumbered: own Uniqueids, channels, recording name), with
  all of its `read = all` noise (VarSet/Newexten/DeviceStateChange), written as fast as TCP takes them;
- the simulator PBX (`telephony.simulator.SimulatorPbx`) and its flood mode (`start_flood(calls/s, noise/s)`); a
  listener stamps `time.perf_counter_ns()` right after each AgentCalled was written to the session (CLOCK_MONOTONIC is
  system-wide on Linux, so this process can subtract it).
The measured side is this process: `telephony.ami.connection.AmiConnection` (panoramisk transport, byte-level parser,
listener dispatch) feeding `telephony.tracking.CallTracker` for seat `Local/agent1@agents`.

1. Throughput on one core (this process pinned): the replay flood → AMI events/s sustained, and per CPU-second (the
   fair figure when other processes share the core); the simulator flood (default 300 calls/s + 20,000 noise/s).
2. Screen-pop latency: the simulator at 20 calls/s under 5,000 noise events/s → AgentCalled written → the tracker's
   `call_offered` returned in our listener, p50/p99. Not pinned by default (a desktop is not; `--pin-latency` pins).
3. Ceiling: panoramisk 1.4's own `AMIProtocol.data_received` parse of the same bytes with dispatch stubbed out (bare
   parse rate) and the ratio events_per_s / panoramisk_parse_per_s, also in CPU time (`ratio_cpu`). The bare rates of
   our AmiParser and of CallTracker.feed show where the time goes.

Usage: python bench/ami_throughput.py [--events N] [--latency-seconds S] [--noise-rate R] [--call-rate C] [--json]
Figures only; nothing is asserted. Targets (issue 3): >= 5,000 events/s, screen-pop p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from telephony.ami.capture import read_capture  # noqa: E402
from telephony.ami.protocol import AmiMessage, AmiParser, encode_message  # noqa: E402

SEAT = "Local/agent1@agents"
CAPTURE_NAMES = ("03_queue_inbound.ami.raw",)
NOISE_EVENTS = ("VarSet", "Newexten", "DeviceStateChange")
SEAT_EVENTS = ("QueueMemberAdded", "QueueMemberRemoved", "SuccessfulAuth", "FullyBooted")


def _capture_path() -> Path:
    for base in (REPO / "tests" / "data" / "ami",):
        path = base / CAPTURE_NAMES[0]
        if path.is_file():
            return path
    raise SystemExit("bench: cannot find tests/data/ami/03_queue_inbound.ami.raw")


# ---------------------------------------------------------------------------------------------------- call templates


class CallTemplate:
    """One queue call's events (from the capture) as bytes, split around AgentCalled, renumbered per call."""

    UID = re.compile(rb"1795702470\.")
    CHAN = re.compile(rb"-0000000([0-9a-f])\b")
    BRIDGE = b"28ede955-21e2-4ae5-ba5d-b97755bc47d3"

    def __init__(self, messages: list[AmiMessage], *, keep_noise: bool) -> None:
        call = [
            m
            for m in messages
            if m.kind == "event"
            and not m.action_id
            and m.event not in SEAT_EVENTS
            and m.event != "OriginateResponse"
            and (keep_noise or m.event not in NOISE_EVENTS or m.get("Variable") == "MIXMONITOR_FILENAME")
        ]
        cut = next(i for i, m in enumerate(call) if m.event == "AgentCalled")
        self.events = len(call)
        self.pre = b"".join(m.to_bytes() for m in call[:cut])
        called = call[cut].to_bytes()
        assert called.endswith(b"\r\n\r\n")
        self.called = called[:-2]  # the stamp header goes before the blank line
        self.post = b"".join(m.to_bytes() for m in call[cut + 1 :])

    def render(self, n: int, stamp: bool) -> bytes:
        epoch = b"%d." % (1_800_000_000 + n)

        def chan(match: re.Match[bytes]) -> bytes:
            return b"-%08x" % (4 * n + int(match.group(1), 16))

        parts = [self.pre, self.called, b"BenchSentNs: %d\r\n\r\n" % time.perf_counter_ns() if stamp else b"\r\n"]
        parts.append(self.post)
        data = b"".join(parts)
        data = self.UID.sub(epoch, data)
        data = self.CHAN.sub(chan, data)
        return data.replace(self.BRIDGE, b"%08x-0000-4000-8000-000000000000" % n)


# ---------------------------------------------------------------------------------------------------- flood peer


class FloodPeer:
    """The replay peer: banner, Challenge/Login/Ping/Logoff answered; `BenchFlood` streams renumbered real calls."""

    def __init__(self) -> None:
        messages = read_capture(_capture_path())
        self.full = CallTemplate(messages, keep_noise=True)

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parser = AmiParser()
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        try:
            while data := await reader.read(65536):
                for action in parser.feed(data):
                    name, action_id = (action.get("Action") or ""), action.action_id or ""
                    reply = [("Response", "Success"), ("ActionID", action_id)]
                    if name == "Challenge":
                        writer.write(encode_message([*reply, ("Challenge", "840215763")]))
                    elif name == "Login":
                        writer.write(encode_message([*reply, ("Message", "Authentication accepted")]))
                    elif name == "Ping":
                        writer.write(encode_message([*reply, ("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}")]))
                    elif name == "Logoff":
                        writer.write(encode_message([("Response", "Goodbye"), ("ActionID", action_id)]))
                        await writer.drain()
                        return
                    elif name == "BenchFlood":
                        await self.throughput(writer, action, reply)
                    else:
                        writer.write(encode_message([*reply, ("Message", "")]))
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def throughput(self, writer: asyncio.StreamWriter, action: AmiMessage, reply: list[tuple[str, str]]) -> None:
        """Pre-rendered back-to-back calls, written as fast as the reader takes them."""
        target = int(action.get("Events") or "50000")
        calls, blob = 0, []
        while calls * self.full.events < target:
            blob.append(self.full.render(calls, stamp=False))
            calls += 1
        data = b"".join(blob)
        events = str(calls * self.full.events)
        writer.write(encode_message([*reply, ("Message", "Flood follows"), ("Events", events), ("Calls", str(calls))]))
        await writer.drain()
        view = memoryview(data)
        for start in range(0, len(data), 1 << 18):
            writer.write(view[start : start + (1 << 18)])
            await writer.drain()
        writer.write(encode_message([("Event", "BenchDone"), ("Events", events)]))
        await writer.drain()


async def _serve() -> None:
    """Two peers in this (other) process: the capture replay and the simulator PBX with its flood mode. Prints both
    ports; then each stdin line `flood CALLS_PER_S NOISE_PER_S SECONDS` runs a simulator flood and answers one JSON
    line: events published and, per AgentCalled Uniqueid, the perf_counter_ns() right after it was written."""
    from telephony.simulator import SimulatorPbx

    peer = FloodPeer()
    server = await asyncio.start_server(peer.session, "127.0.0.1", 0)
    pbx = SimulatorPbx(port=0, username="bench", secret="bench")
    await pbx.start()
    sent_ns: dict[str, int] = {}

    def stamp(event: object) -> None:
        # SimulatorPbx publishes to the sessions (transport.write) first, then to listeners.
        if getattr(event, "name", "") == "AgentCalled":
            sent_ns[event.get("Uniqueid") or ""] = time.perf_counter_ns()  # type: ignore[attr-defined]

    pbx.add_listener(stamp)
    print(server.sockets[0].getsockname()[1], pbx.port, flush=True)
    loop = asyncio.get_running_loop()
    async with server:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            _, calls, noise, seconds = line.split()
            sent_ns.clear()
            before = pbx.events_published
            pbx.start_flood(float(calls), float(noise), float(seconds), interface=SEAT)
            await asyncio.sleep(float(seconds) + 0.3)  # the last calls finish (ring 10 ms, talk 50 ms)
            await pbx.stop_flood()
            print(json.dumps({"events": pbx.events_published - before, "sent_ns": sent_ns}), flush=True)
    await pbx.stop()


def serve_flood() -> None:
    _pin(1)
    asyncio.run(_serve())


# ---------------------------------------------------------------------------------------------------- measured side


def _pin(index: int) -> int | None:
    """Pin this process to one core (the `index`-th allowed one, wrapping): 'on one core' and away from the peer."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    cpu = cpus[index % len(cpus)]
    os.sched_setaffinity(0, {cpu})
    return cpu


class Meter:
    """The measured side of one connection: AmiConnection → CallTracker, counting and timing screen pops."""

    def __init__(self, port: int, username: str, secret: str) -> None:
        from telephony.ami.connection import AmiConnection, AmiSettings
        from telephony.tracking import CallTracker

        # Events "on" (read = all): the noise reaches us and is parsed, the worst case; no server-side Filter.
        settings = AmiSettings("127.0.0.1", port, username, secret, ping_interval=0, server_filters=(),
                               event_classes="on")
        self.connection = AmiConnection(settings)
        self.connection.add_event_listener(self.on_event)
        self.tracker = CallTracker(interface=SEAT)
        self.done: asyncio.Future[AmiMessage] | None = None
        self.popped_ns: dict[str, int] = {}
        self.first_ns = self.last_ns = 0

    def on_event(self, message: AmiMessage) -> None:
        from telephony.tracking.events import CallOffered

        now_ns = time.perf_counter_ns()
        self.first_ns = self.first_ns or now_ns
        self.last_ns = now_ns
        if message.event == "BenchDone":
            if self.done is not None and not self.done.done():
                self.done.set_result(message)
            return
        for event in self.tracker.feed(message, datetime.now(UTC)):
            if isinstance(event, CallOffered):
                self.popped_ns[message.get("Uniqueid") or ""] = time.perf_counter_ns()

    def received(self) -> int:
        """Events read off the wire: handed to the listeners, or dropped as noise by the connection."""
        return self.connection.stats["events"] + self.connection.stats["dropped"]

    def reset(self) -> None:
        self.popped_ns.clear()
        self.first_ns = self.last_ns = 0
        self.connection.stats["events"] = self.connection.stats["dropped"] = 0


async def replay_throughput(port: int, events: int) -> dict:
    """Real calls (renumbered 03_queue_inbound, read = all) as fast as TCP allows: the capacity of our side."""
    meter = Meter(port, "bench", "bench")
    await meter.connection.start()
    try:
        meter.reset()
        meter.done = asyncio.get_running_loop().create_future()
        reply = await meter.connection.send_action("BenchFlood", {"Events": events})
        wall0, cpu0 = time.perf_counter(), time.process_time()
        await asyncio.wait_for(meter.done, timeout=600)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        received = meter.received() - 1  # BenchDone
        calls = int(reply.get("Calls") or 0)
        await meter.connection.send_action("Logoff", {})
    finally:
        await meter.connection.aclose()
    return {
        "peer": "capture replay",
        "events": int(reply.get("Events") or 0),
        "events_received": received,
        "calls": calls,
        "calls_offered": len(meter.popped_ns),
        "seconds": round(wall, 3),
        "events_per_s": round(received / wall, 1),
        "calls_per_s": round(calls / wall, 1),
        "cpu_utilisation": round(cpu / wall, 2),  # < 1 when other processes share the core
        "events_per_cpu_s": round(received / cpu, 1) if cpu > 0 else None,
        "tracker_anomalies": sum(meter.tracker.anomalies.values()),
    }


async def simulator_flood(port: int, peer: subprocess.Popen[str], calls_per_s: float, noise_per_s: float,
                          seconds: float) -> dict:
    """The simulator PBX floods queue calls + noise; screen-pop latency = AgentCalled written → call_offered."""
    assert peer.stdin is not None and peer.stdout is not None
    meter = Meter(port, "bench", "bench")
    loop = asyncio.get_running_loop()
    await meter.connection.start()
    try:
        meter.reset()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        peer.stdin.write(f"flood {calls_per_s} {noise_per_s} {seconds}\n")
        peer.stdin.flush()
        answer = json.loads(await loop.run_in_executor(None, peer.stdout.readline))
        # The reply comes after the peer's last write; let our reader drain what is still in flight.
        for _ in range(200):
            if meter.received() >= answer["events"]:
                break
            await asyncio.sleep(0.01)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        await meter.connection.send_action("Logoff", {})
    finally:
        await meter.connection.aclose()
    sent_ns: dict[str, int] = answer["sent_ns"]
    latencies_ms = sorted(
        (meter.popped_ns[uid] - ns) / 1e6 for uid, ns in sent_ns.items() if uid in meter.popped_ns
    )
    span = (meter.last_ns - meter.first_ns) / 1e9
    received = meter.received()
    out = {
        "peer": "simulator PBX flood",
        "calls_per_s_offered": calls_per_s,
        "noise_events_per_s": noise_per_s,
        "seconds": seconds,
        "events_published": answer["events"],
        "events_received": received,
        "calls": len(sent_ns),
        "calls_offered": len(meter.popped_ns),
        "samples": len(latencies_ms),
        "events_per_s": round(received / span, 1) if span > 0 else None,
        "events_per_cpu_s": round(received / cpu, 1) if cpu > 0 else None,
        "cpu_utilisation": round(cpu / wall, 2),  # busy share of the run (< 1 also when the load is light)
        "tracker_anomalies": sum(meter.tracker.anomalies.values()),
    }
    if latencies_ms:
        out["screen_pop_p50_ms"] = round(statistics.median(latencies_ms), 3)
        out["screen_pop_p99_ms"] = round(latencies_ms[min(len(latencies_ms) - 1, int(0.99 * len(latencies_ms)))], 3)
        out["screen_pop_max_ms"] = round(latencies_ms[-1], 3)
    return out


# ---------------------------------------------------------------------------------------------------- bare rates


def flood_bytes(events: int) -> tuple[bytes, int]:
    template = CallTemplate(read_capture(_capture_path()), keep_noise=True)
    calls = max(1, -(-events // template.events))
    return b"".join(template.render(n, stamp=False) for n in range(calls)), calls * template.events


def _chunks(data: bytes, size: int = 65536) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def panoramisk_parse_rate(data: bytes) -> tuple[float, float]:
    """panoramisk 1.4's own parse (decode, split, Message.from_line) with message handling stubbed out: messages per
    second of wall time and per CPU-second."""
    from panoramisk.ami_protocol import AMIProtocol

    protocol = AMIProtocol()
    protocol.connection_made(None)
    protocol.encoding = "utf-8"
    count = [0]

    def handle(_message: object) -> None:
        count[0] += 1

    protocol.handle_message = handle  # type: ignore[method-assign]
    chunks = _chunks(data)
    start, cpu = time.perf_counter(), time.process_time()
    for chunk in chunks:
        protocol.data_received(chunk)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return count[0] / wall, count[0] / cpu if cpu > 0 else float("nan")


def ami_parser_rate(data: bytes) -> tuple[float, list[AmiMessage]]:
    parser = AmiParser()
    out: list[AmiMessage] = []
    chunks = _chunks(data)
    start = time.perf_counter()
    for chunk in chunks:
        out.extend(parser.feed(chunk))
    return len(out) / (time.perf_counter() - start), out


def tracker_rate(messages: list[AmiMessage]) -> float:
    from telephony.tracking import CallTracker

    tracker = CallTracker(interface=SEAT)
    now = datetime.now(UTC)
    start = time.perf_counter()
    for message in messages:
        tracker.feed(message, now)
    return len(messages) / (time.perf_counter() - start)


# ---------------------------------------------------------------------------------------------------- main


async def run_all(ports: tuple[int, int], peer: subprocess.Popen[str], args: argparse.Namespace,
                  all_cpus: set[int] | None) -> dict:
    replay_port, simulator_port = ports
    replay = await replay_throughput(replay_port, args.events)
    simulator = await simulator_flood(simulator_port, peer, args.sim_calls, args.sim_noise, args.sim_seconds)
    if all_cpus and not args.pin_latency:
        # A desktop is not pinned: the OS may run its AMI thread on whichever core is free. Pinned, a busy neighbour
        # on that one core delays every wake-up (the throughput runs above measure one core on purpose).
        os.sched_setaffinity(0, all_cpus)
    latency = await simulator_flood(simulator_port, peer, args.call_rate, args.noise_rate, args.latency_seconds)
    latency["pinned"] = bool(args.pin_latency)
    return {"replay": replay, "simulator": simulator, "latency": latency}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="events in the capture-replay flood")
    parser.add_argument("--sim-calls", type=float, default=300.0, help="simulator flood: queue calls/s")
    parser.add_argument("--sim-noise", type=float, default=20_000.0, help="simulator flood: noise events/s")
    parser.add_argument("--sim-seconds", type=float, default=3.0, help="simulator flood: seconds")
    parser.add_argument("--latency-seconds", type=float, default=10.0, help="length of the screen-pop run")
    parser.add_argument("--noise-rate", type=float, default=5000.0, help="screen-pop run: noise events/s")
    parser.add_argument("--call-rate", type=float, default=20.0, help="screen-pop run: queue calls/s")
    parser.add_argument("--pin-latency", action="store_true", help="keep the screen-pop run on the one core too")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--serve-flood", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_flood:
        serve_flood()
        return 0

    all_cpus = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cpu = _pin(0)
    peer = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve-flood"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert peer.stdout is not None
        replay_port, simulator_port = (int(p) for p in peer.stdout.readline().split())
        live = asyncio.run(run_all((replay_port, simulator_port), peer, args, all_cpus))
    finally:
        if peer.stdin is not None:
            peer.stdin.close()
        try:
            peer.wait(timeout=10)
        except subprocess.TimeoutExpired:
            peer.kill()
            peer.wait()
        if peer.stdout is not None:
            peer.stdout.close()

    data, n_events = flood_bytes(min(args.events, 50_000))
    # Best of three: on a shared machine the slowest runs only measure the neighbours.
    pmk, pmk_cpu = max(panoramisk_parse_rate(data) for _ in range(3))
    ours, parsed = max((ami_parser_rate(data) for _ in range(3)), key=lambda r: r[0])
    feed = max(tracker_rate(parsed) for _ in range(3))
    replay, simulator, latency = live["replay"], live["simulator"], live["latency"]
    result = {
        "events_per_s": replay["events_per_s"],
        "events_per_cpu_s": replay["events_per_cpu_s"],
        "calls_per_s": replay["calls_per_s"],
        "simulator_events_per_s": simulator["events_per_s"],
        "simulator_events_per_cpu_s": simulator["events_per_cpu_s"],
        "screen_pop_p50_ms": latency.get("screen_pop_p50_ms"),
        "screen_pop_p99_ms": latency.get("screen_pop_p99_ms"),
        "screen_pop_max_ms": latency.get("screen_pop_max_ms"),
        "screen_pop_samples": latency["samples"],
        "noise_events_per_s": args.noise_rate,
        "panoramisk_parse_per_s": round(pmk, 1),
        "ratio": round(replay["events_per_s"] / pmk, 3) if pmk else None,
        "panoramisk_parse_per_cpu_s": round(pmk_cpu, 1),
        # Same ratio in CPU time: fair when other processes share the core (wall-clock rates then drop together).
        "ratio_cpu": round(replay["events_per_cpu_s"] / pmk_cpu, 3) if pmk_cpu and replay["events_per_cpu_s"] else None,
        "ami_parser_parse_per_s": round(ours, 1),
        "tracker_feed_per_s": round(feed, 1),
        "bare_rate_events": n_events,
        "replay": replay,
        "simulator": simulator,
        "latency": latency,
        "tracker_anomalies": sum(run["tracker_anomalies"] for run in (replay, simulator, latency)),
        "pinned_cpu": cpu,
        "cpus": os.cpu_count(),
        "transport": "telephony.ami.connection.AmiConnection over TCP 127.0.0.1 (peers in another process)",
        "targets": {"events_per_s": 5000, "screen_pop_p99_ms": 50},
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print_report(result, args)
    return 0


def print_report(result: dict, args: argparse.Namespace) -> None:
    replay, simulator, latency = result["replay"], result["simulator"], result["latency"]
    cpu, pmk, pmk_cpu = result["pinned_cpu"], result["panoramisk_parse_per_s"], result["panoramisk_parse_per_cpu_s"]
    ours, feed = result["ami_parser_parse_per_s"], result["tracker_feed_per_s"]
    print(f"AMI connection + call tracker (seat {SEAT}) in one process pinned to cpu {cpu}; peers in another process.")
    print(f"  capture replay (real 03_queue_inbound calls, read = all), as fast as TCP allows: "
          f"{replay['events_received']} events in {replay['seconds']} s = {replay['events_per_s']:,.0f} events/s "
          f"({replay['calls_per_s']:,.1f} calls/s, {replay['calls_offered']}/{replay['calls']} screen pops)"
          f"   target >= 5,000")
    print(f"    the core was ours {replay['cpu_utilisation']:.0%} of that time: "
          f"{replay['events_per_cpu_s']:,.0f} events per CPU-second")
    print(f"  simulator PBX flood ({args.sim_calls:g} calls/s + {args.sim_noise:,.0f} noise/s, "
          f"{args.sim_seconds:g} s): {simulator['events_received']}/{simulator['events_published']} events received, "
          f"{simulator['events_per_s'] or 0:,.0f} events/s ({simulator['events_per_cpu_s'] or 0:,.0f} per CPU-second), "
          f"{simulator['calls_offered']}/{simulator['calls']} screen pops")
    if latency.get("screen_pop_p99_ms") is not None:
        where = "same core" if latency["pinned"] else "not pinned"
        print(f"  screen pop (simulator: {args.call_rate:g} calls/s under {args.noise_rate:,.0f} noise events/s, "
              f"{args.latency_seconds:g} s, {where}): p50 {latency['screen_pop_p50_ms']} ms, "
              f"p99 {latency['screen_pop_p99_ms']} ms, max {latency['screen_pop_max_ms']} ms "
              f"({latency['samples']} calls)   target p99 < 50 ms")
    print(f"  ceiling: panoramisk 1.4 bare parse {pmk:,.0f} msgs/s ({pmk_cpu:,.0f} per CPU-second); "
          f"ratio {result['ratio']} (wall clock), {result['ratio_cpu']} (CPU time)")
    print(f"  for reference: our AmiParser bare {ours:,.0f} msgs/s, CallTracker.feed {feed:,.0f} msgs/s")
    if result["tracker_anomalies"]:
        print(f"  tracker anomalies: {result['tracker_anomalies']}")


if __name__ == "__main__":
    raise SystemExit(main())
