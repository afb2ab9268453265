"""Drives an HTTP endpoint with signed slash commands over keep-alive connections: wrk when it is
installed, else a Python load generator in a process of its own (so it does not share the GIL)."""

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

from tests.fakeslack import sign

SIGNING_SECRET = "bench-signing-secret"


@dataclass(frozen=True)
class LoadResult:
    tool: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def signed_headers(body: str) -> dict[str, str]:
    # One signature serves the whole run: Slack's window is five minutes, a run is seconds.
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(SIGNING_SECRET, timestamp, body),
    }


def run_load(url: str, body: str, *, connections: int, seconds: float) -> LoadResult:
    if shutil.which("wrk"):
        return _wrk(url, body, connections=connections, seconds=seconds)
    return _python(url, body, connections=connections, seconds=seconds)


def _wrk(url: str, body: str, *, connections: int, seconds: float) -> LoadResult:
    headers = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in signed_headers(body).items())
    script = f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n{headers}'
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--latency",
                "-s",
                file.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(file.name).unlink()
    return LoadResult(
        "wrk",
        _after(output, "Requests/sec:"),
        _percentile(output, "50%"),
        _percentile(output, "99%"),
        _errors(output),
    )


def _after(output: str, label: str) -> float:
    line = next(line for line in output.splitlines() if line.strip().startswith(label))
    return float(line.split()[-1])


def _percentile(output: str, label: str) -> float:
    value = next(line.split()[1] for line in output.splitlines() if line.strip().startswith(label))
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


def _errors(output: str) -> int:
    """Non-2xx answers plus socket errors, as wrk counts them."""
    total = 0
    for line in output.splitlines():
        label, _, counts = line.partition(":")
        if "Non-2xx" in label or "Socket errors" in label:
            total += sum(int(word) for word in counts.replace(",", " ").split() if word.isdigit())
    return total


def _python(url: str, body: str, *, connections: int, seconds: float) -> LoadResult:
    result = subprocess.run(
        [sys.executable, "-m", "bench.load", url, str(connections), str(seconds)],
        input=body,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout)
    return LoadResult("python", data["rps"], data["p50"], data["p99"], data["errors"])


def _python_worker(url: str, body: str, deadline: float, latencies: list[float], errors: list[int]) -> None:
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=10)
    headers = signed_headers(body)
    encoded = body.encode()
    while time.monotonic() < deadline:
        started = time.perf_counter()
        connection.request("POST", parts.path, body=encoded, headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            errors.append(response.status)


def main() -> None:
    url, connections, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    body = sys.stdin.read()
    latencies: list[float] = []
    errors: list[int] = []
    deadline = time.monotonic() + seconds
    workers = [
        threading.Thread(target=_python_worker, args=(url, body, deadline, latencies, errors))
        for _ in range(connections)
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100)
    print(
        json.dumps({"rps": len(latencies) / elapsed, "p50": cuts[49], "p99": cuts[98], "errors": len(errors)})
    )


if __name__ == "__main__":
    main()
