"""module_state - the model hidden in a module behind init(spec) and classify(chunk).

What it does: the parent imports a classifier module by name (sbpy.bayes), calls its
  init(spec) and hands the Pool the module's classify_chunk. The module keeps the model in a
  private global. Workers forked afterwards inherit the module with its state and classify
  through the same function. Mechanically it is global_fork; the difference is in the code:
  the pool depends on an interface (init, classify_chunk) chosen by name, never on a global.
What it costs: the same as global_fork, in time and in copy-on-write (the objects model is
  copied page by page as workers read it, for the same reference-count reasons).
When to use it: when global_fork's speed is right but its hidden coupling is not: the module
  can be swapped for a test double, and its state is never reached from outside. It breaks
  the same way under spawn and forkserver: a spawned worker imports the module afresh, with
  no state.
C counterpart: strategies/module_state.c (the "bayes" module of strategies/common/bayes_module.c).
Model: either; default "objects".
"""
import importlib

from ..pool import Plan

NAME = "module_state"
SUMMARY = "the model hidden in a module behind init(spec)/classify(chunk), found by name"
KIND = "processes"
STARTS = ("fork",)
FORK_ONLY = "the classifier module's private state was built by init(spec) in the parent"
MODELS = ("objects", "lists", "numpy")
C_COUNTERPART = "module_state"
MODULE_NAME = "sbpy.bayes"


def prepare(source):
    module = importlib.import_module(MODULE_NAME)
    source.build(lambda: module.init(source.spec, source.kind))
    return Plan(work=module.classify_chunk, teardown=module.release)
