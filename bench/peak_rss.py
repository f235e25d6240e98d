#!/usr/bin/env python3
"""Runs a command and prints the peak RSS of that process alone (its VmHWM), not of its children.

    python3 bench/peak_rss.py CMD [ARG ...]

GNU time and getrusage(RUSAGE_CHILDREN) fold the largest descendant into the figure, which for
`aqe execute` is a pytest worker; the issue's bound is on aqe's own memory. VmHWM only grows, so the
last sample before the process exits is its peak (sampled every 5 ms; a peak reached in the last
5 ms would be missed, which for a high-water mark of a long run does not matter).
"""
import subprocess
import sys
import time


def vm_hwm_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> int:
    proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, vm_hwm_kb(proc.pid))
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    print(f"{peak / 1024:.1f} MB peak RSS (exit {proc.returncode})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
