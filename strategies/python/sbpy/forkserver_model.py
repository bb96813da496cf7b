"""forkserver_model - the model built at import: the module a forkserver preloads.

multiprocessing's forkserver is a process started clean (an exec of the interpreter), from
which every worker is forked. It runs none of the parent's code; it only imports the modules
multiprocessing.set_forkserver_preload names, before it forks its first worker. So a model
built at the import of such a module is built once, in the server, and every worker forked
from it starts with it in its memory, as a fork worker starts with the parent's.

The import reads what to build from the environment the server inherits from the parent:
SHAREBENCH_PRELOAD_SPEC (the spec the parent read and checked, pickled, base64),
SHAREBENCH_PRELOAD_MODEL (objects, lists or numpy) and SHAREBENCH_PRELOAD_FREEZE ("1":
gc.disable() before the build and gc.freeze() after it, in the server, before it forks any
worker). Imported anywhere else (no SHAREBENCH_PRELOAD_SPEC), it builds nothing.
"""
import base64
import gc
import os
import pickle

from .models import build_model
from .pool import resident_bytes

SPEC_VAR, MODEL_VAR, FREEZE_VAR = ("SHAREBENCH_PRELOAD_SPEC", "SHAREBENCH_PRELOAD_MODEL",
                                   "SHAREBENCH_PRELOAD_FREEZE")

MODEL = None  # the model, in the process that imported this module with the variables set
BUILT_BY = None  # the pid of that process: a worker checks it is not its own
MODEL_BYTES = 0  # what the build added to that process's resident memory


def _build_at_import():
    global MODEL, BUILT_BY, MODEL_BYTES
    encoded = os.environ.get(SPEC_VAR)
    if not encoded:
        return
    freeze = os.environ.get(FREEZE_VAR) == "1"
    if freeze:
        gc.disable()  # no collection may leave freed holes among the model's objects
    before = resident_bytes()
    MODEL = build_model(pickle.loads(base64.b64decode(encoded)), os.environ[MODEL_VAR])
    MODEL_BYTES = resident_bytes() - before
    BUILT_BY = os.getpid()
    if freeze:
        gc.freeze()  # the model to the permanent generation, before the server forks a worker


def describe(spec, kind, freeze):
    """The environment that makes the import build this model: {name: value}."""
    return {SPEC_VAR: base64.b64encode(pickle.dumps(spec)).decode("ascii"), MODEL_VAR: kind,
            FREEZE_VAR: "1" if freeze else "0"}


_build_at_import()
