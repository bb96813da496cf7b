#!/usr/bin/python3
"""py:gc_freeze does what it says: its prepare() turns the collector off and freezes every
object alive, the model included (gc.get_freeze_count() counts at least the model's objects),
a fork Pool's worker inherits the frozen objects with the collector on again (its
initializer), and the teardown gives them back to the collector. Without the freeze the run's
figures are still exact: only this shows it is missing.

usage: check_gc_freeze.py SHAREBENCH_PY SPEC
"""
import gc
import multiprocessing
import os
import sys

SBPY, SPEC = sys.argv[1:3]
sys.path.insert(0, os.path.dirname(os.path.abspath(SBPY)))
try:
    from sbpy.idioms import gc_freeze
    from sbpy.pool import ModelSource
    from sbpy.spec import load_spec
except ImportError as e:  # numpy missing
    print("cannot import sbpy (%s): skipped (scripts/install-deps installs python3-numpy)" % e)
    sys.exit(77)

failures = []


def check(what, ok, detail=""):
    if not ok:
        failures.append(what)
        print("FAIL: %s %s" % (what, detail), file=sys.stderr)


def in_worker():
    """What a worker of the Pool sees: frozen objects, the collector on, the model."""
    return gc.get_freeze_count(), gc.isenabled(), gc_freeze.MODEL is not None


def main():
    gc.unfreeze()
    before = gc.get_freeze_count()
    source = ModelSource(load_spec(SPEC), "objects", None)
    tracked = len(gc.get_objects())  # before the model exists
    plan = gc_freeze.prepare(source)
    frozen = gc.get_freeze_count()
    print("frozen: %d objects (%d tracked before the build)" % (frozen, tracked))
    check("gc disabled until the fork", not gc.isenabled())
    check("gc.freeze() before the fork: the model's objects too", frozen > tracked + 1000,
          "freeze count %d (before %d), %d objects tracked before the build" % (frozen, before, tracked))
    try:
        with multiprocessing.get_context("fork").Pool(1, plan.initializer, plan.initargs) as pool:
            count, enabled, has_model = pool.apply(in_worker)
        # (less the few the Pool's machinery frees in the worker)
        check("a worker inherits the frozen objects", count > frozen // 2,
              "%d of %d" % (count, frozen))
        check("a worker collects again (its initializer)", enabled)
        check("a worker reads the model", has_model)
    finally:
        plan.teardown()
    check("the teardown unfreezes", gc.get_freeze_count() == 0, str(gc.get_freeze_count()))
    check("the teardown enables the collector", gc.isenabled())
    if failures:
        sys.exit("%d check(s) failed" % len(failures))
    print("all checks passed")


if __name__ == "__main__":
    main()
