"""Drawing: each figure is one gnuplot script in plots/, fed a CSV of aggregates."""
import os
import subprocess


HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # plots/


def gnuplot(script, out, **variables):
    args = ["gnuplot", "-e", f"out='{out}'"]
    for k, v in variables.items():
        args += ["-e", f"{k}='{v}'" if isinstance(v, str) else f"{k}={v}"]
    args.append(os.path.join(HERE, script))
    subprocess.run(args, check=True, stdin=subprocess.DEVNULL, cwd=os.path.dirname(HERE))
    return os.path.basename(out) + ".png"
