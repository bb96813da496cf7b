#!/usr/bin/python3
"""Every Python idiom (strategies/python) gives the C harness's exact figures.

For each idiom, each start method it supports, and 1, 2 and 4 workers (on the conformance
cases one count per start and case, in turn, unless SHAREBENCH_LONG=1), on both conformance
cases and on a generated 100,000-record file (there also the lists model, and workers that run
gc.collect() every few chunks): the same rows, rejected and checksum as `sharebench run`
(serial, in C), and the same rejection lines on stderr, byte for byte. Then the malformed
inputs of datasets/malformed, broken specs and random rules: the same exit status, stdout and
stderr as C.
Then refusals: an idiom that needs fork refuses spawn, one that needs the forkserver refuses
fork and spawn, a flat idiom refuses the objects model, all with exit 2 before building
anything; and a global idiom run with forkserver starts its workers, which find no model:
exit 1, saying why. Then --output and --limit against C.

usage: check_idioms.py SHAREBENCH SHAREBENCH_PY CONFORMANCE_DIR MALFORMED_DIR WORK
  ONLY=section,...  run only some sections (conformance generated malformed spec literal patterns
                   refusal output)
  JOBS=N           runs at a time (default 2)
  SHAREBENCH_LONG=1  every worker count for every idiom and start on the conformance cases
                   (CI; by default one count per start, in turn)
"""
import concurrent.futures
import os
import re
import subprocess
import sys
import time

try:
    import numpy  # noqa: F401  (the idioms need it; without it there is nothing to test)
except ImportError:
    print("python3-numpy is not installed: skipped (scripts/install-deps installs it)")
    sys.exit(77)

SB, SBPY, CONFORMANCE, MALFORMED, WORK = sys.argv[1:6]
PYTHON = "/usr/bin/python3"  # Debian's, with python3-numpy: what the harness will run
ONLY = set(filter(None, os.environ.get("ONLY", "").split(",")))
JOBS = int(os.environ.get("JOBS", "2"))
LONG = bool(os.environ.get("SHAREBENCH_LONG"))
NEEDED_KEYS = ("strategy start workers chunk rows rejected failed checksum seconds rows_per_s "
               "setup_seconds build_s prepare_s ready_s input_bytes").split()
failures = []


def check(what, ok, detail=""):
    if not ok:
        failures.append(what)
        print("FAIL: %s %s" % (what, detail), file=sys.stderr)


def run(argv, timeout=300, env=None):
    p = subprocess.run(argv, capture_output=True, timeout=timeout,
                       env=dict(os.environ, **env) if env else None)
    return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode("latin-1")


def c_run(*args):
    return run([SB, "run", "--no-baseline", "--sample-ms", "0", *args])


def py_run(*args):
    return run([PYTHON, SBPY, "run", *args])


def summary(stdout):
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    return dict(item.split("=", 1) for item in last.split() if "=" in item)


def figures(stdout):
    s = summary(stdout)
    return s.get("rows"), s.get("rejected"), s.get("checksum")


def idioms():
    """[(name, kind, starts)] from `sharebench_py.py list`."""
    rc, out, _ = run([PYTHON, SBPY, "list"])
    found = []
    for line in out.splitlines():
        name = line.split()[0][3:]
        starts = re.search(r"\[start: ([^;]*);", line).group(1).split("/")
        found.append((name, starts))
    return found


def matrix(idiom_list, workers_list, turn=None):
    """(name, start, workers) for every start each idiom supports and every worker count; with
    turn (a number), one worker count per start, taken in turn (from turn on) so that every
    count still comes up."""
    k = turn or 0
    for name, starts in idiom_list:
        for start in starts:
            counts = workers_list if turn is None else [workers_list[k % len(workers_list)]]
            k += 1
            for workers in counts:
                yield name, start, workers
                if start == "none":
                    break  # serial: no workers, one run is the run


def compare_runs(label, reference, jobs):
    """Run every (what, argv[, timeout, env]) of jobs JOBS at a time; each must match
    reference exactly."""
    want_rc, want_out, want_err = reference
    with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
        results = pool.map(lambda job: (job[0], run(*job[1:])), jobs)
        for what, (rc, out, err) in results:
            what = "%s %s" % (label, what)
            check(what + " exit", rc == want_rc, "%d != %d: %s" % (rc, want_rc, err[-300:]))
            check(what + " figures", figures(out) == figures(want_out),
                  "%s != %s" % (figures(out), figures(want_out)))
            check(what + " stderr", err == want_err, "\n--- C:\n%s--- Python:\n%s" % (want_err, err))
            missing = [k for k in NEEDED_KEYS if k not in summary(out)]
            check(what + " summary keys", rc != 0 or not missing, "missing %s" % missing)


def py_args(name, start, workers, spec, records, *extra):
    start_args = [] if start in ("none", "thread") else ["--start", start]
    return [PYTHON, SBPY, "run", "--strategy", name, "--spec", spec, "--input", records,
            "--workers", str(workers), *start_args, *extra]


def conformance(idiom_list):
    """Both conformance cases: every idiom x start x workers 1, 2, 4, chunk sizes varied. By
    default each idiom and start runs one worker count per case, in turn (the counts and
    chunk sizes a start sees differ between the two cases); SHAREBENCH_LONG=1 (CI) runs them
    all."""
    expected = open(os.path.join(CONFORMANCE, "EXPECTED.md")).read()
    for case, (spec, records, rows, rejected, checksum) in enumerate(re.findall(
            r"^\| (spec-\S+) \| (records-\S+) \| (\d+) \| (\d+) \| ([0-9a-f]{16}) \|$", expected, re.M)):
        spec, records = os.path.join(CONFORMANCE, spec), os.path.join(CONFORMANCE, records)
        reference = c_run("--spec", spec, "--input", records)
        check("C %s figures" % records, figures(reference[1]) == (rows, rejected, checksum))
        jobs = []
        for name, start, workers in matrix(idiom_list, (1, 2, 4), None if LONG else case):
            chunk = {1: 256, 2: 7, 4: 64}[workers] if name != "per_task_pickle" else 1000
            jobs.append(("%s %s workers=%d chunk=%d" % (name, start, workers, chunk),
                         py_args(name, start, workers, spec, records, "--chunk", str(chunk))))
        compare_runs(os.path.basename(records), reference, jobs)
        print("conformance %s: %d runs" % (os.path.basename(records), len(jobs)))


def generated(idiom_list):
    """A generated 100,000-record file: every idiom once with 2 workers; 1 and 4 workers for
    a fork idiom and a shared-memory one; every start method of the idioms that can use
    spawn or forkserver, spread over them; the numpy model once. (All combinations would take
    minutes on two cores; the conformance cases above run them all.)"""
    spec = os.path.join(CONFORMANCE, "spec-small.csv")
    records = os.path.join(WORK, "gen-100000.csv")
    if not os.path.exists(records):
        rc, _, err = run([SB, "gen", "--spec", spec, "--rows", "100000", "--seed", "5",
                          "--output", records, "--quiet"])
        check("gen", rc == 0, err)
    reference = c_run("--spec", spec, "--input", records)
    starts = dict(idiom_list)
    combos = [(name, starts[name][0], 2) for name in starts]
    combos += [("global_fork", "fork", 1), ("global_fork", "fork", 4),
               ("shared_memory", "fork", 1), ("shared_memory", "spawn", 4),
               ("sharedctypes", "spawn", 2), ("memmap", "forkserver", 2),
               ("initializer", "spawn", 1), ("per_task_pickle", "forkserver", 2),
               ("flat_pickle", "spawn", 4), ("forkserver_freeze", "forkserver", 4)]
    jobs = []
    for name, start, workers in combos:
        chunk = ["--chunk", "5000"] if name == "per_task_pickle" else []  # ships the model per chunk
        jobs.append(("%s %s workers=%d" % (name, start, workers),
                     py_args(name, start, workers, spec, records, *chunk)))
    jobs.append(("global_fork numpy model", py_args("global_fork", "fork", 2, spec, records, "--model", "numpy")))
    # The lists model, and workers collecting every 3rd chunk (--gc-collect, or the variable
    # through which `sharebench run` sets it): a collection must change no result.
    for name, start in (("global_fork", "fork"), ("gc_freeze", "fork"),
                        ("forkserver_preload", "forkserver"), ("forkserver_freeze", "forkserver")):
        jobs.append(("%s lists model" % name, py_args(name, start, 2, spec, records, "--model", "lists")))
        jobs.append(("%s lists model, gc.collect" % name,
                     py_args(name, start, 2, spec, records, "--model", "lists", "--chunk", "64"),
                     300, {"SHAREBENCH_PY_GC_COLLECT": "3"}))
    jobs.append(("gc_freeze objects, --gc-collect 1",
                 py_args("gc_freeze", "fork", 4, spec, records, "--gc-collect", "1")))
    compare_runs("gen-100000", reference, jobs)
    print("generated 100000 records: %d runs" % len(jobs))


def literal():
    """The literal tested before a rule's regex never turns a match away."""
    sys.path.insert(0, os.path.dirname(SBPY))
    import random
    from sbpy.posix_regex import Regex, RegexError
    from sbpy.spec import pattern_outside_subset, required_literal
    rnd, tried = random.Random(1), 0
    pieces = ["a", "b", "c", ".", "[ab]", "[^a]", "[]a]", "(", ")", "|", "*", "+", "?", "^", "$", "\\."]
    for _ in range(6000):
        pattern = "".join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 8)))
        try:
            regex = None if pattern_outside_subset(pattern) else Regex(pattern)
        except RegexError:
            regex = None
        if regex is None:
            continue
        tried += 1
        must = required_literal(pattern)
        for _ in range(10):
            subject = "".join(rnd.choice("abc.] ") for _ in range(rnd.randrange(8)))
            check("literal %r of %r" % (must, pattern), not regex.search(subject) or must in subject, subject)
    print("literal: %d patterns" % tried)


def patterns():
    """Random rules (escapes, brackets, classes and bytes >= 0x80 among their pieces), under
    LC_ALL=C.UTF-8: C and py:serial refuse the same ones with the same message and give the
    same checksum on the others. Both compile with regcomp in the C locale, but the checks
    before it and the rewrite of escapes are written twice (spec.c and rules.c, spec.py and
    posix_regex.py)."""
    import random
    rnd, env, accepted, checksums = random.Random(3), {"LC_ALL": "C.UTF-8"}, 0, set()
    pieces = ["a", "b", "w", ".", "[ab]", "[^a]", "[]a]", "[[:alpha:]]", "[[:digit:]x]", "[a-c]",
              "(", ")", "|", "*", "+", "?", "^", "$", "\\.", "\\w", "\\b", "\\1", "\\<", "\\`",
              "\\\\", "\\(", "\\[", "[\\w]", "[[.a.]]", "[[=a=]]", "\xe9", "[\xe0-\xef]", " ",
              "[[:alpha:", "\\"]
    words = ["a", "b", "w", "ab", "aw", "b1", "1", "\xe9", "x\xe9", "x\xc3\xa9", "(a)", "a.b",
             "[a]", "\\w", "ww", "`"]
    records = os.path.join(WORK, "patterns.csv")
    with open(records, "wb") as f:
        f.write(b"id,user,country,amount,text\n")
        for i in range(300):
            text = " ".join(rnd.choice(words) for _ in range(rnd.randrange(1, 5)))
            f.write(('%d,u,de,1,"%s"\n' % (i + 1, text)).encode("latin-1"))
    spec = os.path.join(WORK, "spec-pattern.csv")
    for _ in range(150):
        pattern = "".join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 6)))
        with open(spec, "wb") as f:
            f.write(('seed,1\nvocab,100\nclasses,4\nrule,text,1,"%s"\n'
                     % pattern.replace('"', '""')).encode("latin-1"))
        reference = run([SB, "run", "--no-baseline", "--sample-ms", "0", "--spec", spec,
                         "--input", records], env=env)
        accepted += reference[0] == 0
        checksums.add(figures(reference[1])[2])
        job = ("serial", py_args("serial", "none", 1, spec, records), 300, env)
        if reference[0] == 0 or pattern.isascii():
            compare_runs("pattern %r" % pattern, reference, [job])
            continue
        # The Python program writes its messages in UTF-8, so a byte >= 0x80 of the pattern
        # quoted in one comes out as two: only the words after the pattern are compared.
        rc, _, err = run(*job[1:])
        check("pattern %r exit" % pattern, rc == reference[0], "%d != %d" % (rc, reference[0]))
        check("pattern %r message" % pattern, err.split("' ")[-1] == reference[2].split("' ")[-1],
              "\n--- C:\n%s--- Python:\n%s" % (reference[2], err))
    check("patterns: some accepted, some refused", 0 < accepted < 150, accepted)
    check("patterns: rules that match different records", len(checksums) > 10, checksums)
    print("patterns: 150, %d accepted, %d checksums" % (accepted, len(checksums) - 1))


def malformed():
    """Every malformed input: the same exit, figures and stderr as C, through the reader of
    three idioms (serial, a fork pool, a spawned pool)."""
    spec = os.path.join(CONFORMANCE, "spec-tiny.csv")
    big = os.path.join(WORK, "big-field.csv")
    with open(big, "wb") as f:
        f.write(b"id,user,country,amount,text\n1,u,de,1,small\n2,u,de,1," + b"x" * 2097152 +
                b"\n3,u,de,1,after\n")
    inputs = sorted(os.path.join(MALFORMED, n) for n in os.listdir(MALFORMED)
                    if n.endswith((".csv", ".bin")) and n != "EXPECTED.csv")
    many = os.path.join(WORK, "many-rejected.csv")  # more than the 20 reported one by one
    with open(many, "w") as f:
        f.write("id,user,country,amount,text\n" + "".join(
            "%s,u,de,1,a b\n" % (i if i % 3 else "x%d" % i) for i in range(90)))
    inputs += [big, many, os.path.join(WORK, "no-such-file.csv")]
    for records in inputs:
        reference = c_run("--spec", spec, "--input", records)
        jobs = [(what, py_args(name, start, 2, spec, records))
                for what, name, start in (("serial", "serial", "none"),
                                          ("global_fork", "global_fork", "fork"),
                                          ("initializer spawn", "initializer", "spawn"))]
        compare_runs(os.path.basename(records), reference, jobs)
    print("malformed: %d inputs" % len(inputs))


BAD_SPECS = {
    "unknown-key": "seed,1\nvocab,10\nclasses,4\nfoo,1\n",
    "missing-seed": "vocab,10\nclasses,4\n",
    "vocab-zero": "seed,1\nvocab,0\nclasses,4\n",
    "classes-range": "seed,1\nvocab,10\nclasses,300\n",
    "twice": "seed,1\nseed,2\n",
    "not-a-number": "seed,x\n",
    "field-count": "seed,1,2\n",
    "rule-field": "seed,1\nvocab,10\nclasses,4\nrule,name,0,a\n",
    "rule-class": "seed,1\nvocab,10\nrule,text,5,a\nclasses,4\n",
    "interval": "seed,1\nvocab,10\nclasses,4\nrule,user,0,a{2}\n",
    "unmatched-paren": "seed,1\nvocab,10\nclasses,4\nrule,user,0,^(a|b\n",
    "unmatched-bracket": "seed,1\nvocab,10\nclasses,4\nrule,user,0,[ab\n",
    "leading-star": "seed,1\nvocab,10\nclasses,4\nrule,user,0,*ab\n",
    # Shapes on which Python's backtracking re takes exponential time.
    "nested-repetition": "seed,1\nvocab,10\nclasses,4\nrule,text,0,((x*)*)*y\n",
    "repeated-alternation": "seed,1\nvocab,10\nclasses,4\nrule,text,0,(a|ab)*c\n",
    "choices": "seed,1\nvocab,10\nclasses,4\nrule,text,0,a?a?a?a?a?a?a?a?a?aaaaaaaaa\n",
    "python-syntax": "seed,1\nvocab,10\nclasses,4\nrule,user,0,(?i)x\n",
    "bad-quoting": 'seed,"1\nvocab,10\n',
    # Accepted by both: a lone ')' is a literal in glibc's ERE; '.' crosses a line end; 256 ways.
    "literal-paren": "seed,1\nvocab,10\nclasses,4\nrule,user,1,ab)\nrule,text,2,a.b\n",
    "choices-256": "seed,1\nvocab,10\nclasses,4\nrule,text,1,(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)\n",
}


def spec_errors():
    """Broken specs and a missing one: the same exit status and message as C."""
    records = os.path.join(WORK, "spec-check.csv")
    with open(records, "w") as f:
        f.write('id,user,country,amount,text\n1,ab),de,1,x\n2,u,de,1,"a\nb"\n3,u,de,1,ab\n')
    paths = [os.path.join(WORK, "no-such-spec.csv")]
    for name, text in BAD_SPECS.items():
        paths.append(os.path.join(WORK, "spec-%s.csv" % name))
        with open(paths[-1], "w") as f:
            f.write(text)
    for spec in paths:
        compare_runs(os.path.basename(spec), c_run("--spec", spec, "--input", records),
                     [("serial", py_args("serial", "none", 1, spec, records))])
    print("specs: %d" % len(paths))


def refusals(idiom_list):
    """Refused at once, exit 2, nothing on stdout, the reason on stderr."""
    spec = os.path.join(CONFORMANCE, "spec-small.csv")
    records = os.path.join(CONFORMANCE, "records-small.csv")
    cases = []
    for name in ("global_fork", "gc_freeze", "module_state", "registry"):  # their model is inherited
        check("%s listed as fork only" % name, dict(idiom_list).get(name) == ["fork"])
        for start in ("spawn", "forkserver")[:1 if name in ("global_fork", "gc_freeze") else 2]:
            cases.append((name, ["--start", start], "cannot work with --start %s" % start))
    for name in ("forkserver_preload", "forkserver_freeze"):  # their model is the server's
        check("%s listed as forkserver only" % name, dict(idiom_list).get(name) == ["forkserver"])
        for start in ("fork", "spawn"):
            cases.append((name, ["--start", start], "cannot work with --start %s" % start))
    for name in ("sharedctypes", "shared_memory", "memmap"):
        cases.append((name, ["--model", "objects"], "cannot use --model objects"))
    cases.append(("flat_pickle", ["--model", "numpy"], "cannot use --model numpy"))
    cases.append(("no_such_idiom", [], "no strategy 'no_such_idiom'"))
    cases.append(("serial", ["--workers", "0"], "--workers"))
    for name, extra, reason in cases:
        t0 = time.monotonic()
        rc, out, err = py_run("--strategy", name, "--spec", spec, "--input", records, *extra)
        what = "refusal %s %s" % (name, " ".join(extra))
        check(what + " exit", rc == 2, "got %d" % rc)
        check(what + " stdout", out == "", out)
        check(what + " reason", reason in err, err)
        check(what + " before building", time.monotonic() - t0 < 5)
    # Run with forkserver, the global idioms' workers find the global empty: the run starts
    # them, each says so, and the run stops (exit 1) with the reason, on either model.
    for name, model in (("global_fork", "objects"), ("gc_freeze", "lists")):
        rc, out, err = py_run("--strategy", name, "--spec", spec, "--input", records,
                              "--start", "forkserver", "--model", model, "--workers", "2")
        what = "forkserver %s %s" % (name, model)
        check(what + " exit", rc == 1, "got %d" % rc)
        check(what + " stdout", out == "", out)
        check(what + " reason", "sbpy.idioms.%s.MODEL is None in this worker" % name in err
              and "forked from the forkserver" in err, err)
    print("refusals: %d, and forkserver runs of the global idioms" % len(cases))


def output_and_limit():
    """--output writes C's result lines (in any order for a pool); --limit reads as many
    records as C does."""
    spec = os.path.join(CONFORMANCE, "spec-small.csv")
    records = os.path.join(CONFORMANCE, "records-small.csv")
    c_file, py_file = os.path.join(WORK, "c-results.csv"), os.path.join(WORK, "py-results.csv")
    c_run("--spec", spec, "--input", records, "--output", c_file)
    for name, start in (("serial", "none"), ("shared_memory", "spawn"), ("registry", "fork")):
        rc, _, err = run(py_args(name, start, 2, spec, records, "--output", py_file))
        want, got = open(c_file).read().splitlines(), open(py_file).read().splitlines()
        check("output %s" % name, rc == 0 and want[0] == got[0] and sorted(want) == sorted(got))
        if name == "serial":
            check("output serial in input order", want == got)
    for limit in ("1", "107", "108", "1000"):
        reference = c_run("--spec", spec, "--input", records, "--limit", limit)
        compare_runs("limit %s" % limit, reference,
                     [("global_fork", py_args("global_fork", "fork", 2, spec, records, "--limit", limit, "--chunk", "10"))])
    print("output and limit")


def main():
    os.makedirs(WORK, exist_ok=True)
    t0 = time.monotonic()
    idiom_list = idioms()
    check("fourteen idioms listed", len(idiom_list) == 14, idiom_list)
    sections = {"conformance": lambda: conformance(idiom_list),
                "generated": lambda: generated(idiom_list),
                "malformed": malformed, "spec": spec_errors, "literal": literal,
                "patterns": patterns,
                "refusal": lambda: refusals(idiom_list), "output": output_and_limit}
    for name, section in sections.items():
        if not ONLY or name in ONLY:
            section()
    print("%.0f s" % (time.monotonic() - t0))
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
