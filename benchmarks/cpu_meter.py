"""CPU and memory a run costs this host, told apart from what else runs on it.

On a shared machine the host's busy time includes other people's work; a Docker run's own
cost is (1) the CPU of every container (the Docker cgroup's cpuacct.usage, cgroup v1, or
cpu.stat under cgroup v2: it keeps the usage of containers already removed), (2) the Docker
daemon and containerd, and (3) the run's own process tree (the eval, the docker CLI and
compose processes it starts; reaped children count). Shims and runc are not counted (a
lower bound). Peak memory is the host's MemTotal - MemAvailable.

    python benchmarks/cpu_meter.py -- COMMAND ...   # prints one JSON line on stderr at the end

`Meter` does the same in-process (benchmarks/bench_concurrency.py).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Self

_CGROUPS = (
    Path("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage"),  # v1, cgroupfs driver
    Path("/sys/fs/cgroup/cpu,cpuacct/docker/cpuacct.usage"),
    Path("/sys/fs/cgroup/system.slice/cpu.stat"),  # v2, systemd driver (all services: coarse)
)
_TICK = os.sysconf("SC_CLK_TCK")


def host_busy() -> float:
    """CPU seconds the host has been busy since boot (all cores)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / _TICK


def containers_cpu() -> float:
    for path in _CGROUPS:
        if path.exists():
            text = path.read_text()
            if path.name == "cpu.stat":
                usage = dict(line.split() for line in text.splitlines())
                return int(usage["usage_usec"]) / 1e6
            return int(text) / 1e9
    return 0.0


def daemons_cpu() -> float:
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
            if name in ("dockerd", "containerd"):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / _TICK
        except OSError:
            continue
    return total


def own_cpu() -> float:
    """This process and its reaped children."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def mem_used_mb() -> float:
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":", 1)
            info[key] = int(value.split()[0])
    return (info["MemTotal"] - info["MemAvailable"]) / 1024


class Meter:
    """`with Meter() as m: ...` then `m.result()`: wall, CPU by source, peak memory."""

    def __enter__(self) -> Self:
        self.t0, self.busy0 = time.monotonic(), host_busy()
        self.cont0, self.daem0, self.own0 = containers_cpu(), daemons_cpu(), own_cpu()
        self.mem0 = self.peak = mem_used_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, mem_used_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.wall = time.monotonic() - self.t0
        self.busy = host_busy() - self.busy0
        self.cont = containers_cpu() - self.cont0
        self.daem = daemons_cpu() - self.daem0
        self.own = own_cpu() - self.own0

    def result(self) -> dict[str, float]:
        ours = self.cont + self.daem + self.own
        cores = os.cpu_count() or 1
        return {
            "wall_s": round(self.wall, 1),
            "cpu_ours_s": round(ours, 1),  # containers + daemons + this process tree
            "cpu_containers_s": round(self.cont, 1),
            "cpu_daemons_s": round(self.daem, 1),
            "cpu_process_tree_s": round(self.own, 1),
            "cpu_host_s": round(self.busy, 1),  # everything, other users included
            "ours_share_of_cores": round(ours / (self.wall * cores), 2),
            "host_share_of_cores": round(self.busy / (self.wall * cores), 2),
            "peak_mem_mb": round(self.peak),
            "mem_rise_mb": round(self.peak - self.mem0),
        }


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        sys.exit(__doc__)
    with Meter() as m:
        rc = subprocess.run(argv, check=False).returncode
    print(
        "cpu_meter: " + json.dumps({"argv": " ".join(argv)[:120], "rc": rc, **m.result()}),
        file=sys.stderr,
    )
    sys.exit(rc)


if __name__ == "__main__":
    main()
