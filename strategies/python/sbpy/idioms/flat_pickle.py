"""flat_pickle - each model entry pickled once into one shared block; a look-up unpickles it.

What it does: the shape the proposals for a shared read-only dict or list of Python objects
  take (a SharedList or SharedDict: objects serialised once into one flat shared buffer,
  with an offset index, deserialised on access). The parent pickles each token's tuple of K
  floats once and lays the model out in one multiprocessing.shared_memory block: the sorted
  token keys (uint64, the token's spelling read as a number), an offset per entry (uint64,
  one more at the end) and the pickled entries back to back, in key order. Workers attach
  the block by name; a look-up finds the token by binary search over the keys (numpy, a
  chunk's tokens at once) and unpickles its entry from the block: a new tuple, this
  worker's own and short-lived. The scores are then added as the objects model adds them.
What it costs: one build (a pickle per token) and one copy of the model, in shared memory
  (pss_shmem), however many workers; nothing in it is a Python object, so no reference
  count or collector writes to it. Per look-up, an unpickle (a tuple and K floats made,
  then freed): speed is traded for memory, against a dict look-up that makes nothing.
When to use it: a read-only model of Python objects too big to copy per worker, that
  cannot be made numeric (a flat array, py:shared_memory) but can be pickled entry by entry;
  any start method.
C counterpart: strategies/shared_arrays.c (one flat image shared by all).
Model: objects (each entry is a pickled tuple of floats, unpickled on look-up).
"""
import pickle
import traceback
from multiprocessing import shared_memory

import numpy as np

from ..models import RuleSet, best_class, find_tokens, tally
from ..pool import Plan
from .shared_memory import Attachment, release
from ..workload import priors, result_line, spelling_bytes, weight_blocks

NAME = "flat_pickle"
SUMMARY = "each entry pickled once into one SharedMemory block with an offset index, unpickled per look-up"
KIND = "processes"
STARTS = ("fork", "spawn", "forkserver")
MODELS = ("objects",)
FLAT_ONLY = "its block holds one pickled tuple per token, unpickled on look-up: the objects model"
C_COUNTERPART = "shared_arrays"


def _layout(vocab, data_bytes):
    """Offsets of the keys, the entry offsets and the pickled entries, and the total size."""
    index = 8 * vocab
    data = index + 8 * (vocab + 1)
    return index, data, data + data_bytes


def _pickled_entries(spec):
    """The sorted keys, the entries' offsets (from 0) and their pickles joined, in key order."""
    keys = spelling_bytes(0, spec.vocab).view("<u8").ravel()
    order = np.argsort(keys)
    entries = []
    for _, rows in weight_blocks(spec.seed, spec.vocab, spec.classes):
        entries += [pickle.dumps(tuple(row), pickle.HIGHEST_PROTOCOL) for row in rows.tolist()]
    sizes = np.fromiter(map(len, entries), dtype=np.uint64, count=spec.vocab)[order]
    offsets = np.zeros(spec.vocab + 1, dtype=np.uint64)
    np.cumsum(sizes, out=offsets[1:])
    return keys[order], offsets, b"".join([entries[i] for i in order.tolist()])


def _build_block(spec):
    keys, offsets, data = _pickled_entries(spec)
    index, start, size = _layout(spec.vocab, len(data))
    block = shared_memory.SharedMemory(create=True, size=size)
    try:
        block.buf[:index] = keys.tobytes()
        block.buf[index:start] = offsets.tobytes()
        block.buf[start:size] = data
    except BaseException:
        release(block)
        raise
    return block


class FlatPickleModel:
    """The model as a worker sees it: views of the block, and the rules and priors it makes
    for itself (a compiled pattern cannot be shared; the priors are K numbers)."""

    def __init__(self, spec, buffer):
        index, start, _ = _layout(spec.vocab, 0)
        self.keys = np.frombuffer(buffer, dtype=np.uint64, count=spec.vocab)
        self.offsets = np.frombuffer(buffer, dtype=np.uint64, count=spec.vocab + 1, offset=index)
        self.entries = buffer[start:]
        self.rules = RuleSet(spec.rules)
        self.prior = tuple(priors(spec.seed, spec.classes).tolist())

    def found_rows(self, records, ruled):
        """For each record, the rows of its pieces that are tokens, in text order."""
        rows = [[] for _ in records]
        owners, found = find_tokens(self.keys, records, ruled)
        for r, row in zip(owners.tolist(), found.tolist()):
            rows[r].append(row)
        return rows

    def entry(self, row):
        """Token row's K weights: its pickle, read from the block and unpickled here."""
        return pickle.loads(self.entries[int(self.offsets[row]):int(self.offsets[row + 1])])

    def classify_chunk(self, chunk):
        want_lines, records = chunk
        ruled = [self.rules.match(user, text) for _, user, text in records]
        lines = []
        for (rid, _, _), r, rows in zip(records, ruled, self.found_rows(records, ruled)):
            cls, score = (r, 0.0) if r is not None else best_class(self.prior, [self.entry(i) for i in rows])
            lines.append(result_line(rid, cls, score))
        return tally(lines, want_lines)


_here = Attachment()  # this worker's


def attach(spec, name):
    _here.attach(name, lambda buffer: FlatPickleModel(spec, buffer))


def classify_chunk(chunk):
    return _here.model.classify_chunk(chunk)


def prepare(source):
    try:
        block = source.build(lambda: _build_block(source.spec), nbytes=lambda block: block.size)
    except BaseException as e:
        traceback.clear_frames(e.__traceback__)  # frames holding views of a block being released
        raise
    return Plan(work=classify_chunk, initializer=attach, initargs=(source.spec, block.name),
                teardown=lambda: release(block))
