"""`make chaos`: hostile input and faults, on loopback, in one run; goal | measured | verdict.

Phases: 10,000 events with 5 % duplicates through three disconnects, three SIGKILLs mid-write
and a downtime (recovered from the failed-push list) into two listeners on one inbox; at least
10,000 fuzzed frames (lone surrogates, deep nesting, 1 MB frames, wrong types,
missing headers, absurd dates, SQL- and path-like ids) through a real WebSocket into a real
listener process, then a flood of 10 MB frames (peak RSS); the API under 10 % throttles, 10 %
5xx and token expiry every 7 calls (ledger against the emulator's billed count) and through an
IP ban; concurrent partition writers beside a reader holding warehouse.duckdb, cold and warm; a
`sync` killed with SIGKILL mid-write and run again, then every file under the data directory
and the Dagster home scanned for the client secret and every token issued; the listening
sockets. Writes bench/results/chaos.json (or --json PATH).

    .venv/bin/python bench/chaos.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]  # chaos_lib, and the listener harness of tests/

from chaos_lib import (  # noqa: E402
    api_phase,
    delivery_phase,
    listener_phase,
    readers_phase,
    scan_phase,
)

from pipelines.emulator.server import EmulatorConfig, EmulatorServer  # noqa: E402

RESULTS = BENCH / "results"
FULL = {
    "events": 10_000,
    "disconnects": 3,
    "sigkills": 3,
    "frames": 10_400,
    "flood": 30,
    "ban_s": 20.0,
    "runs": 8,
    "days": 7,
    "employees": 30,
}
QUICK = {
    "events": 1_000,
    "disconnects": 1,
    "sigkills": 1,
    "frames": 1_200,
    "flood": 3,
    "ban_s": 2.0,
    "runs": 4,
    "days": 2,
    "employees": 12,
}
FLOOD_BYTES = 10 * 2**20


def delivery_check(delivery: dict, size: dict) -> tuple[str, str, bool]:
    """The listener chaos row: every emitted event stored exactly once, the faults all struck."""
    return (
        f"{size['events']:,} events, 5 % duplicates, {size['disconnects']} disconnects,"
        f" {size['sigkills']} SIGKILLs mid-write, a downtime, 2 listeners on one inbox:"
        " 0 lost, 0 stored twice",
        f"{delivery['lost']} lost, {delivery['stored_twice']} twice of"
        f" {delivery['emulator_events_emitted']} emitted ({delivery['from_failed_push']} via"
        f" failed list)",
        delivery["lost"] == delivery["stored_twice"] == delivery["unexpected"] == 0
        and delivery["emulator_events_emitted"] == size["events"]
        and delivery["from_failed_push"] > 0
        and len(delivery["sigkills"]) == size["sigkills"]
        and all(kill["in_flight_at_kill"] > 0 for kill in delivery["sigkills"]),
    )


def _checks(found: dict, size: dict) -> list[tuple[str, str, bool]]:
    fuzz, api, readers, scan = found["fuzz"], found["api"], found["readers"], found["scan"]
    ban_limit = 30.0 if size["ban_s"] >= 20 else size["ban_s"] + 10
    sockets = found["listening_sockets"]
    return [
        delivery_check(found["delivery"], size),
        (
            "every fuzzed frame stored or quarantined (0 neither)",
            f"{fuzz['frames']} frames: {fuzz['stored']} stored, {fuzz['quarantined']} quarantined,"
            f" {fuzz['neither']} neither",
            fuzz["neither"] == 0,
        ),
        (
            "10 MB frames recorded and ACKed, no reconnect loop",
            f"{fuzz['flood_frames']} frames, {fuzz['flood_neither']} neither, "
            f"{fuzz['connections']} connection(s)",
            fuzz["flood_neither"] == 0 and fuzz["connections"] == 1,
        ),
        (
            "listener peak RSS < 300 MB in the 10 MB flood",
            f"{fuzz['peak_rss_mb']} MB",
            fuzz["peak_rss_mb"] < 300,
        ),
        (
            "0 secret or token occurrences in persisted state",
            f"{scan['secret_or_token_occurrences']} in {scan['files_scanned']} files "
            f"({scan['tokens_issued']} tokens issued)",
            scan["secret_or_token_occurrences"] == 0 and scan["tokens_issued"] > 0,
        ),
        (
            "sync killed mid-write, rerun: succeeds, all Parquet readable, no .tmp left",
            f"exit {scan['sync_exit_code']}, {scan['unreadable_parquet']}/{scan['parquet_files']}"
            f" unreadable, {scan['orphan_tmp_files']} .tmp",
            scan["sync_exit_code"] == 0
            and scan["unreadable_parquet"] == 0
            and scan["orphan_tmp_files"] == 0
            and scan["parquet_files"] > 0,
        ),
        (
            "0 failed runs with a reader connected, cold or warm",
            f"{readers['failed_runs']} of {readers['runs']}",
            readers["failed_runs"] == 0,
        ),
        (
            f"a {size['ban_s']:g} s IP ban costs at most {ban_limit:g} s",
            f"{api['ban_stall_seconds']} s",
            api["ban_stall_seconds"] <= ban_limit,
        ),
        (
            "ledger equals the emulator's billed count under faults",
            f"{api['ledger_billed']} vs {api['emulator_billed']} "
            f"({api['retried_attempts']} retried, {api['throttled_attempts']} throttled apart)",
            api["ledger_billed"] == api["emulator_billed"],
        ),
        (
            "same rows under faults as clean",
            f"{api['rows_under_faults']} vs {api['rows_clean']}",
            api["rows_under_faults"] == api["rows_clean"],
        ),
        (
            "only loopback listening sockets",
            ", ".join(sockets) or "none",
            all(s.startswith("127.0.0.1:") for s in sockets),
        ),
    ]


def run(size: dict, work: Path) -> dict:
    found: dict = {}
    seconds: dict[str, float] = {}

    def timed(phase: str, measure: Callable[[], object]) -> None:
        started = time.monotonic()
        found[phase] = measure()
        seconds[phase] = round(time.monotonic() - started, 1)

    plan = delivery_phase.Plan(size["events"], size["disconnects"], size["sigkills"])
    timed("delivery", lambda: delivery_phase.run(work, plan))
    config = EmulatorConfig(employees=size["employees"], days=max(14, size["days"]))
    with EmulatorServer(config) as emulator:
        found["listening_sockets"] = scan_phase.listening_sockets()
        timed("fuzz", lambda: listener_phase.run(work, size["frames"], size["flood"], FLOOD_BYTES))
        timed("api", lambda: api_phase.run(work, emulator, size["ban_s"]))
        timed("readers", lambda: readers_phase.run(work, size["runs"]))
        secrets = [emulator.client_secret.encode(), b"chaos-listener-secret"]
        timed("scan", lambda: scan_phase.run(work / "sync", emulator, size["days"], secrets))
    found["phase_seconds"] = seconds
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the reduced run CI uses")
    parser.add_argument("--json", type=Path, default=None, help="where to write the results")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="chaos-") as folder:
        found = run(size, Path(folder))
    checks = _checks(found, size)
    print(f"{'goal':<72} | {'measured':<62} | verdict")
    for goal, measured, ok in checks:
        print(f"{goal:<72} | {measured:<62} | {'PASS' if ok else 'FAIL'}")
    elapsed = round(time.monotonic() - started, 1)
    print(f"{'quick' if args.quick else 'full'} run in {elapsed} s")
    target = args.json or RESULTS / ("chaos-quick.json" if args.quick else "chaos.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    checks_json = [{"goal": g, "measured": m, "pass": ok} for g, m, ok in checks]
    report = {
        "mode": "quick" if args.quick else "full",
        "seconds": elapsed,
        "size": size,
        "checks": checks_json,
        "figures": found,
    }
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    return 0 if all(ok for _, _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
