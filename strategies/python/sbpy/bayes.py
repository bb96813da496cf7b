"""bayes - a classifier module: its model is private module state behind init() and
classify_chunk(). Used by the module_state idiom.

The code that runs the pool never sees the model: it calls init(spec) once, then
classify_chunk(chunk) for every task, and a test can hand it any other module with the same
two functions. The state is per process: a process that did not call init() (a spawned
worker) has none, and says so.
"""
from .models import build_model

_model = None  # private to this module; set by init()


def init(spec, kind):
    """Build this process's model from the spec ("objects", "lists" or "numpy" representation)."""
    global _model
    _model = build_model(spec, kind)


def classify_chunk(chunk):
    if _model is None:
        raise RuntimeError("bayes: no model in this process: init(spec) was not called here")
    return _model.classify_chunk(chunk)


def release():
    global _model
    _model = None
