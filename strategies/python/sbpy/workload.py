"""The workload contract's arithmetic (docs/WORKLOAD.md sections 2 and 5), vectorised with numpy.

Everything here is integer arithmetic modulo 2^64 and double-precision IEEE arithmetic in a
fixed order, so it gives the C harness's numbers bit for bit. numpy's uint64 arrays wrap on
overflow exactly as C's uint64_t does, which is why the hashing works on arrays: one call
hashes a whole block of (token, class) pairs instead of one pair per Python loop iteration.
numpy evaluates `-1.0 - 9.0 * u` as two operations (multiply, then subtract), never fused,
as the contract demands.
"""
import numpy as np

MASK32 = 0xFFFFFFFF
TOKEN_MAX_LEN = 7  # 26^7 > 2^32: every index is spelled in at most 7 letters
CLASSES_MAX = 256
SPELL_MULTIPLIER = 2654435761
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
BLOCK_ROWS = 1 << 16  # tokens hashed per block: bounds the temporaries on a large vocabulary

_U = np.uint64


def mix64(x):
    """splitmix64's finaliser over a uint64 array (wrapping, as in C)."""
    z = x + _U(0x9E3779B97F4A7C15)
    z = (z ^ (z >> _U(30))) * _U(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> _U(27))) * _U(0x94D049BB133111EB)
    return z ^ (z >> _U(31))


def unit(h):
    """The top 53 bits of h as a double in [0, 1): exact."""
    return (h >> _U(11)).astype(np.float64) * 2.0**-53


def priors(seed, classes):
    """prior(k) for every class: a float64 array of length classes."""
    k = np.arange(classes, dtype=np.uint64)
    return -1.0 - unit(mix64(_U(seed) ^ mix64(_U(0xFFFFFFFF00000000) + k)))


def weight_rows(seed, classes, first, count):
    """w(i, k) for tokens first .. first+count-1: a (count, classes) float64 array."""
    i = np.arange(first, first + count, dtype=np.uint64)[:, None]
    k = np.arange(classes, dtype=np.uint64)[None, :]
    h = mix64(_U(seed) ^ mix64(i * _U(classes) + k))
    return -1.0 - 9.0 * unit(h)


def weight_blocks(seed, vocab, classes):
    """(first, rows) blocks covering tokens 0 .. vocab-1, BLOCK_ROWS tokens at a time."""
    for first in range(0, vocab, BLOCK_ROWS):
        yield first, weight_rows(seed, classes, first, min(BLOCK_ROWS, vocab - first))


def spelling_bytes(first, count):
    """Spellings of tokens first .. first+count-1 as a (count, 8) uint8 array, NUL-padded.

    Token i is spelled from x = i * 2654435761 mod 2^32: 'a' + x % 26, then x //= 26, while
    x > 0, least significant letter first. Row r read as 8 little-endian bytes is also the
    token's packed key (token_key below), so one array serves both lookups.
    """
    x = (np.arange(first, first + count, dtype=np.uint64) * _U(SPELL_MULTIPLIER)) & _U(MASK32)
    out = np.zeros((count, 8), dtype=np.uint8)
    for pos in range(TOKEN_MAX_LEN):
        emit = x > 0 if pos else np.ones(count, dtype=bool)  # the first letter is always spelled
        out[:, pos] = np.where(emit, (x % _U(26)).astype(np.uint8) + ord("a"), 0)
        x //= _U(26)
    return out


def spellings(first, count):
    """Spellings of tokens first .. first+count-1 as a list of str."""
    return spelling_bytes(first, count).view("S8").ravel().astype("U8").tolist()


def token_key(word):
    """A text piece as an integer: its bytes (latin-1) read little-endian. Injective on pieces
    of at most 8 bytes without NUL, so it identifies a token exactly."""
    return int.from_bytes(word.encode("latin-1"), "little")


def piece_keys(pieces):
    """token_key of many pieces of at most TOKEN_MAX_LEN characters, as a uint64 array."""
    codes = np.array(pieces, dtype="U%d" % TOKEN_MAX_LEN).view(np.uint32)
    codes = codes.reshape(len(pieces), TOKEN_MAX_LEN).astype(np.uint64)
    keys = np.zeros(len(pieces), dtype=np.uint64)
    for pos in range(TOKEN_MAX_LEN):
        keys |= codes[:, pos] << _U(8 * pos)
    return keys


def result_line(record_id, class_index, score):
    """The result line of docs/WORKLOAD.md section 5: id,class,score with %.17g."""
    return "%d,%d,%.17g" % (record_id, class_index, score)


def fnv1a64(data):
    """FNV-1a-64 of bytes, one byte at a time: the definition (checksum_lines is the fast form)."""
    h = FNV_OFFSET
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def checksum_lines(lines):
    """Sum modulo 2^64 of FNV-1a-64 over each line's bytes (lines: list of ASCII str).

    Vectorised across lines: byte position j of every line is hashed in one numpy step, and
    a line shorter than j keeps its hash (np.where), so each line is hashed exactly as
    fnv1a64 would, many lines at a time.
    """
    if not lines:
        return 0
    width = max(map(len, lines))
    data = np.array(lines, dtype="S%d" % width).view(np.uint8).reshape(len(lines), width)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    h = np.full(len(lines), FNV_OFFSET, dtype=np.uint64)
    for j in range(width):
        h = np.where(j < lengths, (h ^ data[:, j]) * _U(FNV_PRIME), h)
    return int(h.sum(dtype=np.uint64))  # wraps modulo 2^64, like the C sum
