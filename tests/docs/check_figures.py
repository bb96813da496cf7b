#!/usr/bin/env python3
"""Check that the figure scripts (plots/*.gp) draw what a reader can read right.

Each script is followed in order, as gnuplot reads it, keeping the settings that shape an axis
(`set/unset logscale`, `set yrange`, `set style data histograms`); at every `plot` command:
  - bars (histograms, `with boxes`) sit on a linear y axis that starts at 0: a bar's height is
    its value, and on a log axis starting at 1 a bar worth 1 has no height at all;
  - a plot of records per second against workers is linear from 0: the strategies differ by
    tens of percent there, a band a log axis squeezes flat;
  - a plot of model copies draws the reference lines, 1 copy and one copy per worker;
  - a plot of model copies against model size leaves out models under 1 MB, whose copies
    divide run-to-run noise by a tiny size;
  - stacked bars stack phases that follow one another: first_result_s is counted from the
    first task sent, while the workers are still setting up (ready_s), so it is not stacked
    as it is.

usage: check_figures.py PLOTS_DIR
"""
import os
import re
import sys

from check_docs import verdict

failures = []


def commands(text):
    """The script's commands, continuation lines joined, with their first line numbers."""
    out, pending, first = [], "", 0
    for n, line in enumerate(text.split("\n"), 1):
        stripped = line.split("#")[0] if not pending and line.lstrip().startswith("#") else line
        if not pending:
            first = n
        if stripped.rstrip().endswith("\\"):
            pending += stripped.rstrip()[:-1] + " "
            continue
        out.append((first, (pending + stripped).strip()))
        pending = ""
    return out


class Axes:
    def __init__(self):
        self.ylog = False
        self.ymin = None  # the start of `set yrange [A:B]`, None when autoscaled
        self.histograms = False
        self.stacked = False
        self.xlabel = self.ylabel = self.title = ""

    def read(self, cmd):
        """Follow one command; True if it is a plot."""
        words = re.sub(r"[{}]", " ", cmd).split()
        if not words:
            return False
        if words[0] == "set" and len(words) > 1:
            self.set(words[1], words[2:], cmd)
        elif words[0] == "unset" and len(words) > 1 and words[1].startswith("log"):
            axes = words[2] if len(words) > 2 else "xy"
            self.ylog = self.ylog and "y" not in axes
        elif words[0] == "unset" and len(words) > 1 and words[1] == "yrange":
            self.ymin = None
        return bool(re.search(r"(^|[{;]\s*)plot\b", cmd)) and words[0] != "set"

    def set(self, what, args, cmd):
        if what.startswith("log"):
            axes = args[0] if args else "xy"
            self.ylog = self.ylog or "y" in axes
        elif what == "yrange":
            m = re.search(r"\[\s*([^:\]]*)\s*:", cmd)
            self.ymin = m.group(1).strip() if m and m.group(1).strip() not in ("", "*") else None
        elif what == "style" and args[:1] == ["data"]:
            self.histograms = args[1:2] == ["histograms"]
        elif what == "style" and args[:1] == ["histogram"]:
            self.stacked = "rowstacked" in args[1:]
        elif what in ("xlabel", "ylabel", "title"):
            m = re.search(r"['\"](.*)['\"]", cmd)
            setattr(self, what, m.group(1) if m else "")


def check_plot(name, n, axes, cmd):
    where = f"{name}:{n}"
    bars = axes.histograms or re.search(r"\bwith\s+boxes\b|\bw\s+boxes\b", cmd)
    if bars and axes.ylog:
        failures.append(f"{where}: bars on a log y axis (a bar's height must be its value)")
    if bars and axes.ymin not in ("0", "0.0"):
        failures.append(f"{where}: bars whose y axis does not start at 0 (set yrange [0:*])")
    if bars and axes.stacked and re.search(r"using\s+'first_result_s'", cmd):
        failures.append(f"{where}: first_result_s stacked on the phases it overlaps")
    if "records per second" in axes.ylabel and "workers" in axes.xlabel:
        if axes.ylog or axes.ymin not in ("0", "0.0"):
            failures.append(f"{where}: records per second against workers must be linear from 0")
    if re.search(r"copies", cmd):
        has_one = re.search(r"(^|,)\s*1\s+with\s+lines", cmd)
        has_n = re.search(r"(^|,)\s*(x|workers)\s+with\s+lines", cmd)
        if not (has_one and has_n):
            failures.append(f"{where}: a plot of model copies without its reference lines "
                            "(1 copy, one per worker)")
        if "model_mb" in cmd and not re.search(r"column\('model_mb'\)\s*<\s*1\b", cmd):
            failures.append(f"{where}: model copies of models under 1 MB drawn (noise)")


def check_script(path):
    name = os.path.basename(path)
    axes = Axes()
    text = open(path, encoding="utf-8").read()
    if name != "style.gp" and "load 'plots/style.gp'" in text:
        style = os.path.join(os.path.dirname(path), "style.gp")
        for _, cmd in commands(open(style, encoding="utf-8").read()):
            axes.read(cmd)
    for n, cmd in commands(text):
        if cmd.startswith("#"):
            continue
        for part in re.split(r"(?<=\{)|;", cmd):  # `do for [...] { plot ...` and `a; b`
            if axes.read(part.strip()):
                check_plot(name, n, axes, part)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    scripts = sorted(os.path.join(sys.argv[1], f) for f in os.listdir(sys.argv[1])
                     if f.endswith(".gp"))
    if not scripts:
        print(f"no figure scripts in {sys.argv[1]}", file=sys.stderr)
        return 1
    for path in scripts:
        check_script(path)
    return verdict(failures, f"{len(scripts)} figure scripts")


if __name__ == "__main__":
    sys.exit(main())
