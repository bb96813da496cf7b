"""gc_freeze - global_fork, with the garbage collector kept off the model (gc.freeze).

What it does: what global_fork does, in the order the gc.freeze() documentation recommends
  for fork without exec: gc.disable() before the model is built (no collection frees objects
  in the middle of it, leaving holes that later allocations would fill, dirtying its pages),
  gc.freeze() right before the Pool forks (every object alive, the model included, moves to
  a permanent generation that no collection ever visits), and gc.enable() first thing in
  each worker. Like global_fork, it is let run with --start forkserver to show that the
  workers find no model there (exit 1, saying why); py:forkserver_freeze is its forkserver
  form.
What it costs: nothing more than global_fork. What it saves: the collector's writes into the
  headers of the model's objects (a full collection visits every tracked object: in a worker,
  copying every page of the model; in any process, time proportional to the model's object
  count). What it cannot save: reference counts are still written on every read, so the
  "objects" model is still copied page by page as workers read it. (Immortal objects,
  PEP 683, do not apply: a model's objects are not immortal.)
When to use it: whenever a fork Pool shares a model of many Python objects: two calls, no
  downside for a read-only model. Measure it against global_fork to see how much of the
  copying was the collector's and how much the reference counts'.
C counterpart: strategies/global_fork.c (C has no collector; --touch imitates only the
  reference counts).
Model: any; default "objects". The collector untracks tuples of floats, so with "objects"
  it has little to visit; "lists" are tracked: the model where the freeze can save copies
  (a numpy array is one object: nothing to visit).
"""
import gc

from ..pool import Plan, require_inherited

NAME = "gc_freeze"
SUMMARY = "global_fork with gc.disable() before the build and gc.freeze() before the fork"
KIND = "processes"
STARTS = ("fork",)
FORK_ONLY = "its workers read the model through a module global the parent set before fork"
SHOWN_FAILING = ("forkserver",)
MODELS = ("objects", "lists", "numpy")
C_COUNTERPART = "global_fork"

MODEL = None  # the global, as in global_fork. On purpose.


def classify_chunk(chunk):
    return MODEL.classify_chunk(chunk)


def start_worker():
    gc.enable()
    require_inherited(MODEL, __name__ + ".MODEL")


def _thaw():
    global MODEL
    MODEL = None
    gc.unfreeze()
    gc.enable()


def prepare(source):
    global MODEL
    gc.disable()  # early: no collection may leave freed holes among the model's objects
    MODEL = source.build()
    gc.freeze()  # right before the fork: all of it to the permanent generation
    return Plan(work=classify_chunk, initializer=start_worker, teardown=_thaw)
