"""The classifier in four shapes, all giving the same results (docs/WORKLOAD.md section 4).

- ObjectModel ("objects"): a dict token -> tuple of K floats. The natural Python form and
  the pointer-rich one: 200,000 tokens are about 3.4 million objects (a str, a tuple and 16
  floats each). Every look-up increments and decrements reference counts inside those
  objects, so a forked worker that merely reads the model writes to its pages, and
  copy-on-write copies them, one 4 KiB page at a time, until each worker holds its own copy.
  The cyclic collector does not track these tuples (a tuple of floats cannot be part of a
  cycle: CPython untracks it at the first collection that sees it), so the collector leaves
  them alone and gc.freeze() has little to save here.
- ListModel ("lists"): the same dict, with a list of K floats per token. Lists are tracked
  by the collector for their whole life: a full collection in a worker writes into the
  header of each of the 200,000 lists, the model a Python programmer writes as often as the
  tuple one (rows of a table, JSON loaded from disk), and the one where gc.freeze() matters.
- NumpyModel ("numpy"): a dict token -> row number, and one (V, K) float64 matrix. The dict
  still holds V small objects, but the weights, most of the bytes, are one block that no
  reference count touches: reading a row writes nothing into it.
- FlatModel (numpy, no dict): sorted uint64 token keys, the priors and the weight matrix,
  laid out in one buffer. Nothing in it is a Python object, so it can live in shared memory,
  a mapped file or a RawArray and be read by any process that maps the buffer. A token is
  found by binary search (np.searchsorted) over the keys instead of a dict.

Each has classify_chunk(chunk) -> (results, checksum, lines or None), where a chunk is
(want_lines, [(id, user, text), ...]). The numpy shapes score a whole chunk at once.
"""
from functools import reduce
from operator import add

import numpy as np

from .posix_regex import compiled
from .spec import required_literal
from .workload import (TOKEN_MAX_LEN, checksum_lines, piece_keys, priors, result_line,
                       spelling_bytes, spellings, weight_blocks)


class RuleSet:
    """The spec's rules, compiled by regcomp once per process (a pickled RuleSet carries the
    patterns, which the process that unpickles it compiles: posix_regex.Regex)."""

    def __init__(self, rules):
        self.rules = [(r.field == "user", r.class_index, required_literal(r.pattern),
                       compiled(r.pattern)) for r in rules]

    def match(self, user, text):
        """The class of the first rule, in spec order, whose field matches; else None."""
        for on_user, class_index, literal, regex in self.rules:
            subject = user if on_user else text
            if literal in subject and regex.search(subject):  # `in` first: much faster
                return class_index
        return None


def tally(lines, want_lines):
    """What a worker sends back for a chunk: how many results, their checksum, and the
    result lines themselves only when a results file is being written."""
    text = "".join(line + "\n" for line in lines) if want_lines else None
    return len(lines), checksum_lines(lines), text


# ---- pure Python objects --------------------------------------------------------------------


class ObjectModel:
    """dict token -> tuple of K floats; classify is plain Python."""

    kind = "objects"
    entry = tuple  # what one token's K weights are stored as

    def __init__(self, spec):
        self.rules = RuleSet(spec.rules)
        self.priors = tuple(priors(spec.seed, spec.classes).tolist())
        self.weights = {}
        for first, rows in weight_blocks(spec.seed, spec.vocab, spec.classes):
            words = spellings(first, len(rows))
            self.weights.update(zip(words, map(self.entry, rows.tolist())))

    def lookup(self, pieces):
        """The weights of each piece that is a token, in text order. An empty or unknown
        piece is simply not in the dict."""
        return [w for w in map(self.weights.get, pieces) if w is not None]

    def classify(self, user, text):
        ruled = self.rules.match(user, text)
        if ruled is not None:
            return ruled, 0.0
        return best_class(self.priors, self.lookup(text.split(" ")))

    def classify_chunk(self, chunk):
        want_lines, records = chunk
        lines = [result_line(rid, *self.classify(user, text)) for rid, user, text in records]
        return tally(lines, want_lines)


class ListModel(ObjectModel):
    """dict token -> list of K floats: ObjectModel with objects the collector tracks."""

    kind = "lists"
    entry = list


def best_class(prior, found):
    """(class, score) of a record whose tokens have the weights found, in text order: class
    k scores its prior, then its weights added left to right (reduce), as the contract says."""
    scores = prior
    if found:
        scores = [reduce(add, column, p) for p, column in zip(scores, zip(*found))]
    best = max(scores)
    return scores.index(best), best  # index(): the smallest class with the largest score


# ---- numpy: one chunk scored at once --------------------------------------------------------


def score_chunk(weights, prior, owners, rows, n):
    """Scores of n records: each record's prior plus the weight rows of its tokens, added in
    text order. owners[j] is the record of token j, rows[j] its row; tokens come in record
    order and, within a record, in text order.

    Step t adds every record's t-th token at once, so each record still sees its tokens one
    after another, in order (the contract's exact sum), while numpy does the arithmetic for
    the whole chunk."""
    scores = np.tile(prior, (n, 1))
    if len(rows) == 0:
        return scores
    owners = np.asarray(owners, dtype=np.intp)
    rows = np.asarray(rows, dtype=np.intp)
    first_of = np.searchsorted(owners, np.arange(n))  # where each record's tokens start
    rank = np.arange(len(owners)) - first_of[owners]  # a token's position in its record
    order = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[order], np.arange(rank.max() + 2))
    for t in range(len(bounds) - 1):
        at = order[bounds[t]:bounds[t + 1]]  # each record at most once: += is safe
        scores[owners[at]] += weights[rows[at]]
    return scores


class _ChunkScorer:
    """classify_chunk for the numpy shapes; a subclass finds the rows of a chunk's tokens."""

    def classify_chunk(self, chunk):
        want_lines, records = chunk
        ruled = [self.rules.match(user, text) for _, user, text in records]
        owners, rows = self.token_rows(records, ruled)
        scores = score_chunk(self.weights, self.prior, owners, rows, len(records))
        best = scores.argmax(axis=1)  # the first, i.e. smallest, class with the largest score
        best_score = scores[np.arange(len(records)), best]
        lines = [result_line(rid, cls, score) if r is None else result_line(rid, r, 0.0)
                 for (rid, _, _), r, cls, score
                 in zip(records, ruled, best.tolist(), best_score.tolist())]
        return tally(lines, want_lines)


class NumpyModel(_ChunkScorer):
    """dict token -> row of one (V, K) float64 weight matrix."""

    kind = "numpy"

    def __init__(self, spec):
        self.rules = RuleSet(spec.rules)
        self.prior = priors(spec.seed, spec.classes)
        self.weights = np.empty((spec.vocab, spec.classes), dtype=np.float64)
        self.row_of = {}
        for first, rows in weight_blocks(spec.seed, spec.vocab, spec.classes):
            self.weights[first:first + len(rows)] = rows
            self.row_of.update(zip(spellings(first, len(rows)), range(first, first + len(rows))))

    def token_rows(self, records, ruled):
        counts, rows = [], []
        row_of = self.row_of.get
        for (_, _, text), r in zip(records, ruled):
            found = [] if r is not None else [i for i in map(row_of, text.split(" ")) if i is not None]
            counts.append(len(found))
            rows += found
        return np.repeat(np.arange(len(records)), counts), rows


class FlatModel(_ChunkScorer):
    """The model as three arrays over one buffer: sorted token keys (uint64), priors and
    weights (float64), weight row i belonging to key i. No Python object per token."""

    kind = "numpy"

    @staticmethod
    def layout(spec):
        """[(name, dtype, shape, offset)] and the total size in bytes: 8-byte aligned parts."""
        parts, offset = [], 0
        for name, dtype, shape in (("keys", np.uint64, (spec.vocab,)),
                                   ("prior", np.float64, (spec.classes,)),
                                   ("weights", np.float64, (spec.vocab, spec.classes))):
            parts.append((name, dtype, shape, offset))
            offset += int(np.prod(shape)) * 8
        return parts, offset

    @staticmethod
    def nbytes(spec):
        return FlatModel.layout(spec)[1]

    def __init__(self, spec, buffer):
        """A view of the model in buffer (anything with the buffer protocol): nothing copied."""
        self.rules = RuleSet(spec.rules)
        for name, dtype, shape, offset in self.layout(spec)[0]:
            count = int(np.prod(shape))
            view = np.frombuffer(buffer, dtype=dtype, count=count, offset=offset)
            setattr(self, name, view.reshape(shape))

    @staticmethod
    def fill(spec, buffer):
        """Build the model into buffer (writable, nbytes(spec) long)."""
        keys = spelling_bytes(0, spec.vocab).view("<u8").ravel()
        order = np.argsort(keys)  # searchsorted needs sorted keys; rows follow their keys
        target = {name: np.frombuffer(buffer, dtype=dtype, count=int(np.prod(shape)),
                                      offset=offset).reshape(shape)
                  for name, dtype, shape, offset in FlatModel.layout(spec)[0]}
        target["keys"][:] = keys[order]
        target["prior"][:] = priors(spec.seed, spec.classes)
        position = np.empty_like(order)
        position[order] = np.arange(spec.vocab)  # where token i's row goes
        for first, rows in weight_blocks(spec.seed, spec.vocab, spec.classes):
            target["weights"][position[first:first + len(rows)]] = rows

    def token_rows(self, records, ruled):
        return find_tokens(self.keys, records, ruled)


def find_tokens(keys, records, ruled):
    """The tokens of the records no rule classified, by binary search over sorted keys:
    (owners, rows), token j in text order of record owners[j] being row rows[j]."""
    owners, pieces = [], []
    for r, (_, _, text) in enumerate(records):
        if ruled[r] is None:
            for piece in text.split(" "):
                if 0 < len(piece) <= TOKEN_MAX_LEN:  # longer pieces spell no token
                    owners.append(r)
                    pieces.append(piece)
    if not pieces:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    wanted = piece_keys(pieces)
    found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    known = keys[found] == wanted
    return np.asarray(owners)[known], found[known]


MODELS = {"objects": ObjectModel, "lists": ListModel, "numpy": NumpyModel}


def build_model(spec, kind):
    """A model of the given representation ("objects", "lists" or "numpy") built from the spec."""
    return MODELS[kind](spec)
