"""forkserver_preload - the model built at import of a module the forkserver preloads.

What it does: the answer for Python 3.14, where forkserver is the default start method on
  Linux and a model built in main() no longer reaches the workers (py:global_fork --start
  forkserver shows it). The parent builds nothing: it names a module, sbpy.forkserver_model,
  with multiprocessing.set_forkserver_preload before the pool starts the server, and tells
  it through the environment which spec and representation to build. The server imports the
  module, which builds the model at import; every worker is forked from the server and
  reads the model from its module global, copy-on-write, as a fork worker reads the
  parent's. Each worker's initializer checks that the model is there and was built by
  another process (the server), so a preload that did not happen (the workers would each
  import the module and build a model of their own) stops the run instead of hiding.
What it costs: one build, in the server (counted in ready_s, not build_s: the server starts
  with the pool); a fork per worker, from a server smaller than the parent. Memory: the
  server's copy, shared with the workers as global_fork shares the parent's, with the same
  reference-count and collector writes into the objects models' pages. Python 3.11's
  forkserver ignores the parent's sys.path (it passes it under a name its main() never
  reads) and swallows an ImportError of a preloaded module: the parent puts the package's
  directory on PYTHONPATH before the server starts, or nothing would be preloaded.
When to use it: forkserver workers (the 3.14 default) and a model the program can build
  from its configuration at import; a model that must come from main()'s work cannot be.
C counterpart: strategies/global_fork.c (one process builds, forked workers share it).
Model: any; default "objects".
"""
import multiprocessing
import os

from .. import forkserver_model
from ..pool import Plan

NAME = "forkserver_preload"
SUMMARY = "the model built at import of a module preloaded into the forkserver"
KIND = "processes"
STARTS = ("forkserver",)
START_ONLY = ("its model is built in the forkserver, at import of a module preloaded there "
              "(multiprocessing.set_forkserver_preload); use --start forkserver")
MODELS = ("objects", "lists", "numpy")
C_COUNTERPART = "global_fork"
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def attach():
    """In a worker: the model is the server's. Returns its size for the run's model_mb."""
    if forkserver_model.MODEL is None or forkserver_model.BUILT_BY == os.getpid():
        raise RuntimeError("the forkserver did not preload %s: this worker %s (is %s "
                           "importable from the server's sys.path?)"
                           % (forkserver_model.__name__, "has no model" if forkserver_model.MODEL
                              is None else "built its own model", PACKAGE_DIR))
    return forkserver_model.MODEL_BYTES


def classify_chunk(chunk):
    return forkserver_model.MODEL.classify_chunk(chunk)


def preload(source, freeze):
    """Make the forkserver, when the pool starts it, build the model at import."""
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = PACKAGE_DIR + (os.pathsep + path if path else "")
    os.environ.update(forkserver_model.describe(source.spec, source.kind, freeze))
    multiprocessing.get_context("forkserver").set_forkserver_preload([forkserver_model.__name__])


def prepare(source):
    preload(source, freeze=False)
    return Plan(work=classify_chunk, initializer=attach)
