"""The model spec (docs/WORKLOAD.md section 1), checked line by line with the C harness's messages.

    seed,42
    vocab,200000
    classes,16
    rule,user,0,^bot[0-9]+$

Rules are POSIX extended regular expressions, compiled and matched by the C library's
regcomp and regexec as in the C harness (posix_regex.py), so a pattern regcomp refuses is
refused here with regerror's words.
"""
import io
import os
from typing import NamedTuple

from .posix_regex import compile_error
from .records import read_rows
from .workload import CLASSES_MAX

SPEC_FILE_MAX = 64 * 1024
PATTERN_MAX = 256
PATTERN_PLUS_MAX = 8
PATTERN_WAYS_MAX = 256
U64_MAX, U32_MAX = 2**64 - 1, 2**32 - 1


class SpecError(Exception):
    """The spec cannot be used: the message names the file and line."""


class Rule(NamedTuple):
    field: str  # "user" or "text"
    class_index: int
    pattern: str  # POSIX ERE, as written in the spec


class Spec(NamedTuple):
    seed: int
    vocab: int
    classes: int
    rules: tuple


# ---- patterns -----------------------------------------------------------------------------


def pattern_outside_subset(pattern):
    """Why pattern is outside docs/WORKLOAD.md's subset, or None (as harness/workload/spec.c).

    Besides portability, the subset keeps out the two shapes on which a backtracking matcher
    (Python's re, the test oracle's) takes exponential time where regexec does not: a
    repetition inside a repeated group, and an alternation inside one ("(a|ab)*c" against
    "aaa...a" tries every way of splitting the a's). A '?' on a group tries it at most once, so it stays allowed; but
    choices in sequence multiply ("a?a?a?...aaa" against "aaa": 2 ways per '?'), so the ways
    through a pattern are bounded too (_Ways).
    """
    if len(pattern) > PATTERN_MAX:
        return "longer than 256 bytes"
    plus, after_quantifier, bracket_start, i = 0, False, None, 0
    repeats, closed_repeats = [False], False  # per open group: holds a quantifier
    alternates, closed_alternates = [False], False  # per open group: holds a '|'
    ways = _Ways()
    while i < len(pattern):
        c = pattern[i]
        if bracket_start is not None:
            if c == "]" and i != bracket_start:  # a ']' first in a bracket is a member
                bracket_start = None
            i += 1
            continue
        quantifier, closing = c in "*+?", False
        if c == "{":
            return "an interval {m,n} (not in the subset: literals . [] ^ $ ( ) | * + ?)"
        if c == "\\" and i + 1 < len(pattern):
            i += 1
            c = pattern[i]
            ways.atom()
        elif c == "[":
            bracket_start = i + 2 if pattern[i + 1:i + 2] == "^" else i + 1
            ways.atom()
        elif quantifier and after_quantifier:
            return "a quantifier right after another (undefined in POSIX ERE)"
        elif quantifier and closed_repeats:
            return ("a quantifier on a group that holds one, like (x*)* (nested repetition: a "
                    "backtracking matcher, as Python's, can take exponential time on it)")
        elif c in "*+" and closed_alternates:
            return ("a '*' or '+' on a group that holds a '|', like (a|ab)* (repeated "
                    "alternation: a backtracking matcher, as Python's, can take exponential time "
                    "on it)")
        elif c == "(":
            repeats.append(False)
            alternates.append(False)
            ways.open_group()
        elif c == ")" and len(repeats) > 1:
            closing = True
            ways.close_group()
        elif c == "|":
            alternates[-1] = True
            ways.branch()
        elif c == "?":
            ways.optional()
        elif not quantifier:
            ways.atom()
        closed_repeats = closing and repeats[-1]
        closed_alternates = closing and alternates[-1]
        if closing:
            repeats.pop()
            repeats[-1] = repeats[-1] or closed_repeats
            alternates.pop()
            alternates[-1] = alternates[-1] or closed_alternates
        if quantifier:
            repeats[-1] = True
        plus += c == "+"
        after_quantifier = quantifier
        i += 1
    if plus > PATTERN_PLUS_MAX:
        return "more than 8 '+' quantifiers"
    if ways.total() > PATTERN_WAYS_MAX:
        return ("more than 256 ways through it ('?' and '|' choices in a row multiply, as in "
                "a?a?a?a?a?a?a?a?a?aaaaaaaaa: a backtracking matcher, as Python's, can take "
                "exponential time on them)")
    return None


class _Ways:
    """The ways a backtracking matcher can go through a pattern from one place in the
    subject, repetition aside (bounded apart): an atom offers 1, a '?' adds 1 to its atom's, a
    sequence offers the product of its atoms', a group the sum of its branches'. One level
    [branches, sequence, last] per open group, each count capped past PATTERN_WAYS_MAX;
    'last' is the atom a quantifier may still change."""

    CAP = PATTERN_WAYS_MAX + 1

    def __init__(self):
        self.levels = [[0, 1, 1]]

    def atom(self):
        level = self.levels[-1]
        level[1], level[2] = min(level[1] * level[2], self.CAP), 1

    def optional(self):
        self.levels[-1][2] = min(self.levels[-1][2] + 1, self.CAP)

    def open_group(self):
        self.atom()
        self.levels.append([0, 1, 1])

    def branch(self):
        level = self.levels[-1]
        level[:] = [min(level[0] + level[1] * level[2], self.CAP), 1, 1]

    def close_group(self):
        self.branch()
        group = self.levels.pop()[0]
        self.atom()
        self.levels[-1][2] = group

    def total(self):
        while len(self.levels) > 1:  # an unclosed group: regcomp refuses the pattern anyway
            self.close_group()
        self.branch()
        return self.levels[0][0]


def required_literal(pattern):
    """A run of characters every match of pattern contains ("" if none is found), to test
    with `in` before running the regex: most subjects cannot match (harness/workload/literal.c does
    the same for C). Conservative: only literals outside any group, in a pattern without a
    top-level '|', and not under a quantifier."""
    runs, run, depth, i = [], [], 0, 0
    while i < len(pattern):
        c = pattern[i]
        quantified = pattern[i + 1:i + 2] in ("*", "?", "+", "{")
        if depth == 0 and c == "|":
            return ""
        if depth == 0 and c not in "\\.[]()|*+?^${}" and not quantified:
            run.append(c)
        else:
            runs.append("".join(run))
            run = []
            depth = max(0, depth + {"(": 1, ")": -1}.get(c, 0))  # a lone ')' is a literal
            if c == "[":  # skip the bracket: its members are alternatives
                first = i + 2 if pattern[i + 1:i + 2] == "^" else i + 1
                i = pattern.find("]", first + 1)  # a ']' first in a bracket is a member
                if i < 0 or "[" in pattern[first:i]:
                    return ""  # [:class:] and the like: give up, which is always safe
            elif c == "\\":
                i += 1
        i += 1
    runs.append("".join(run))
    return max(runs, key=len)


# ---- the file -----------------------------------------------------------------------------


def _read_small_file(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as e:
        raise SpecError("%s: cannot open spec: %s" % (path, os.strerror(e.errno))) from None
    try:
        data = os.read(fd, SPEC_FILE_MAX)
        while data and len(data) < SPEC_FILE_MAX:
            more = os.read(fd, SPEC_FILE_MAX - len(data))
            if not more:
                break
            data += more
    except OSError as e:
        raise SpecError("%s: cannot read spec: %s" % (path, os.strerror(e.errno))) from None
    finally:
        os.close(fd)
    if len(data) == SPEC_FILE_MAX:
        raise SpecError("%s: not a spec: larger than %d bytes" % (path, SPEC_FILE_MAX))
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark says nothing: skipped, as in C
        data = data[3:]
    return data.decode("latin-1")


def _parse_u64(text):
    return int(text) if text and set(text) <= set("0123456789") and int(text) <= U64_MAX else None


class _Parser:
    """The state of one pass over a spec file: which settings were seen, the rules so far."""

    def __init__(self, name):
        self.name, self.line, self.values, self.rules = name, 0, {}, []
        self.rule_lines = []  # the line of each rule, for the check made at the end

    def fail(self, message):
        raise SpecError("%s:%d: %s" % (self.name, self.line, message[:511]))

    def expect_fields(self, fields, n):
        if len(fields) != n:
            self.fail(("'%s' takes %d fields, found %d" % (fields[0], n, len(fields)))[:63])

    def setting(self, fields, low, high):
        key = fields[0]
        if key in self.values:
            self.fail("'%s' is given twice" % key)
        self.values[key] = None
        self.expect_fields(fields, 2)
        value = _parse_u64(fields[1])
        if value is None:
            self.fail("%s: '%s' is not an unsigned integer" % (key, fields[1]))
        if not low <= value <= high:
            self.fail("%s: %d is out of range %d .. %d" % (key, value, low, high))
        self.values[key] = value

    def rule(self, fields):
        self.expect_fields(fields, 4)
        _, field, class_text, pattern = fields
        if field not in ("user", "text"):
            self.fail("rule field must be 'user' or 'text', not '%s'" % field)
        class_index = _parse_u64(class_text)
        if class_index is None:
            self.fail("rule class '%s' is not an unsigned integer" % class_text)
        if class_index >= CLASSES_MAX:
            self.fail("rule class '%s' is out of range" % class_text)
        why_not = pattern_outside_subset(pattern)
        if why_not:
            shown = pattern[:60] + ("..." if len(pattern) > 60 else "")
            self.fail("rule pattern '%s' uses %s" % (shown, why_not))
        why = compile_error(pattern)
        if why:
            self.fail("rule pattern '%s' does not compile: %s" % (pattern, why))
        self.rules.append(Rule(field, class_index, pattern))
        self.rule_lines.append(self.line)

    def row(self, fields, problem):
        if problem:
            self.fail("malformed quoting (RFC 4180)")
        if max(map(len, fields)) > SPEC_FILE_MAX or any("\0" in f for f in fields):
            self.fail("a field is too long or holds a NUL byte")
        key = fields[0]
        limits = {"seed": (0, U64_MAX), "vocab": (1, U32_MAX), "classes": (1, CLASSES_MAX)}
        if key in limits:
            self.setting(fields, *limits[key])
        elif key == "rule":
            self.rule(fields)
        else:
            self.fail("unknown key '%s' (expected seed, vocab, classes or rule)" % key)

    def finish(self):
        for key in ("seed", "vocab", "classes"):
            if key not in self.values:
                raise SpecError("%s: missing '%s'" % (self.name, key))
        classes = self.values["classes"]
        for line, rule in zip(self.rule_lines, self.rules):  # rules may come before 'classes'
            if rule.class_index >= classes:
                raise SpecError("%s:%d: rule class %d is not below classes (%d)"
                                % (self.name, line, rule.class_index, classes))
        return Spec(self.values["seed"], self.values["vocab"], classes, tuple(self.rules))


def load_spec(path):
    """Read and check a spec file. Raises SpecError naming the file and line."""
    text = _read_small_file(path)
    parser = _Parser(path)
    for parser.line, fields, problem in read_rows(io.StringIO(text, newline="")):
        parser.row(fields, problem)
    return parser.finish()
