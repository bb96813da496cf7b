"""The idioms: one module each, found by name in one table.

Each module defines NAME, SUMMARY, KIND ("serial", "processes" or "threads"), STARTS (the
start methods it can work with; empty when it starts no processes), MODELS (the
representations it can use; the first is its default), C_COUNTERPART, and prepare(source)
returning a sbpy.pool.Plan. A module that needs fork says why in FORK_ONLY; one whose model
must be flat says why in FLAT_ONLY. SHOWN_FAILING names start methods it is let run with
although its workers get no model, to show what CPython gives them (the run stops, exit 1,
saying why). Nothing outside this table tests an idiom's name.
"""
from . import (flat_pickle, forkserver_freeze, forkserver_preload, gc_freeze, global_fork,
               initializer, memmap, module_state, per_task_pickle, registry, serial,
               shared_memory, sharedctypes, threads)

TABLE = (serial, global_fork, gc_freeze, forkserver_preload, forkserver_freeze, module_state,
         registry, sharedctypes, shared_memory, flat_pickle, memmap, initializer,
         per_task_pickle, threads)


def find(name):
    """The idiom called name ("global_fork" or "py:global_fork"), or None."""
    name = name[3:] if name.startswith("py:") else name
    return next((idiom for idiom in TABLE if idiom.NAME == name), None)
