"""Markdown and number formatting, and the machine the report was measured on."""
import os
import platform
import subprocess

from .load import spread


def fmt(v, digits=0):
    if v != v:
        return "n/a"
    return f"{v:,.{digits}f}"


def cell(values, digits=0):
    med, lo, hi = spread(values)
    return f"{fmt(med, digits)} ({fmt(lo, digits)}-{fmt(hi, digits)})"


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return "unknown"


def machine():
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    libs = sh("dpkg-query -W -f='${Package} ${Version}, ' libcsv3 libbenchmark1debian libuuid1 "
              "libcmocka0 gnuplot-nox 2>/dev/null").rstrip(", ")
    return [("CPU", cpu), ("online CPUs", str(os.cpu_count())), ("memory", mem),
            ("kernel", platform.release()), ("compiler", sh("gcc --version | head -n 1")),
            ("flags", "release preset: -O2 -DNDEBUG -ffp-contract=off -Wall -Wextra -Werror"),
            ("libraries", libs)]


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)
