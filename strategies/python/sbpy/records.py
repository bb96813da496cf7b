"""The records file (docs/WORKLOAD.md sections 3, 5): rows, their lines, why a row is rejected.

This reader gives exactly what the C harness's reader (libcsv in strict mode, harness/
csv_stream.c and records.c) gives, rejection lines and reasons included, so the two can be
compared byte for byte. Python's csv module cannot: it accepts a quote inside an unquoted
field (`ab"c`), which strict RFC 4180 rejects, and after such a quote the two would even
disagree about where the next record starts. So rows are read here by hand, fast where it is
easy and careful where it is not:

- the file is read as text in latin-1 (every byte is one character, so any byte survives
  and lengths are byte counts) with newline="" (lines end at LF, CRLF or a lone CR, each
  one line, as C counts them, and the line ends are kept);
- a line without a double quote, the vast majority, is split on commas by str.split (C
  speed);
- a line with a quote goes through a small state machine that follows the quotes across
  as many physical lines as a quoted field spans, and reports broken quoting as libcsv
  does (the rest of that physical line is dropped; reading goes on at the next line).
"""
import os
import sys

HEADER = ["id", "user", "country", "amount", "text"]
FIELD_LIMIT_DEFAULT = 1024 * 1024
MALFORMED = "malformed quoting (RFC 4180)"
UNTERMINATED = "quoted field not closed at end of file"
ID_ALPHABET = frozenset("0123456789")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class InputError(Exception):
    """The file cannot be used at all (missing, unreadable, no header): exit status 2."""


# ---- rows ---------------------------------------------------------------------------------

START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED = range(4)


def _quoted_row(line, more_lines):
    """Fields of a row whose first line holds a double quote, following a quoted field onto
    the next lines when it spans several. Returns (fields, problem, lines_used); problem is
    None, MALFORMED or UNTERMINATED."""
    fields, field, state, used = [], [], START, 1
    while True:
        for c in line:
            if state == QUOTED:  # inside quotes everything is data, line ends included
                if c == '"':
                    state = QUOTE_IN_QUOTED
                else:
                    field.append(c)
            elif c in "\r\n":  # the row ends here (the rest is the LF of a CRLF)
                fields.append("".join(field))
                return fields, None, used
            elif c == ",":
                fields.append("".join(field))
                field, state = [], START
            elif c == '"':
                if state == START:
                    state = QUOTED
                elif state == QUOTE_IN_QUOTED:  # "" inside quotes is one quote
                    field.append(c)
                    state = QUOTED
                else:  # a quote inside an unquoted field
                    return fields, MALFORMED, used
            elif state == QUOTE_IN_QUOTED:  # anything but , or a line end after "
                return fields, MALFORMED, used
            else:
                field.append(c)
                state = UNQUOTED
        if state != QUOTED:  # end of file without a final line end
            fields.append("".join(field))
            return fields, None, used
        line = next(more_lines, None)
        if line is None:
            return fields, UNTERMINATED, used
        used += 1


def read_rows(lines):
    """(line number, fields, problem) for every row of an iterator of physical lines.
    Empty lines are not rows. The line number is where the row starts, from 1."""
    number = 0
    for line in lines:
        number += 1
        if '"' in line:
            fields, problem, used = _quoted_row(line, lines)
            yield number, fields, problem
            number += used - 1
            continue
        body = line.rstrip("\r\n")
        if body:
            yield number, body.split(","), None


# ---- records ------------------------------------------------------------------------------


def parse_id(text):
    """The id as an int if it is -?[0-9]+ and fits in a signed 64-bit integer, else None."""
    digits = text[1:] if text.startswith("-") else text
    if not digits or not ID_ALPHABET.issuperset(digits):
        return None
    value = int(text)
    return value if INT64_MIN <= value <= INT64_MAX else None


def rejection_reason(fields, problem, field_limit):
    """Why a row is not a valid record (the C reader's words, in its order), or None."""
    if problem:
        return problem
    if len(fields) != len(HEADER):
        return "expected 5 fields, found %d" % len(fields)
    longest = max(map(len, fields))
    if longest > field_limit:
        return "field of %d bytes is over the field limit" % longest
    if any("\0" in f for f in fields):
        return "field holds a NUL byte"
    if parse_id(fields[0]) is None:
        return "id is not an integer that fits in 64 bits"
    return None


class RecordReader:
    """Opens a records file, checks its header, then yields its records one at a time.

    Iterating yields (line, record_id, fields) for a valid record and (line, None, reason)
    for a rejected one. bytes_read counts the input consumed so far.
    """

    def __init__(self, path, field_limit=FIELD_LIMIT_DEFAULT, fd=None):
        """Reads path, or descriptor fd when given (already open: path only names it)."""
        self.name = "<stdin>" if path == "-" else path
        self.field_limit = field_limit
        self.bytes_read = 0
        if fd is None:
            try:
                fd = 0 if path == "-" else os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as e:
                raise InputError("%s: cannot open: %s" % (path, os.strerror(e.errno))) from None
        self._file = open(fd, encoding="latin-1", newline="", closefd=fd != 0)
        self._rows = read_rows(self._counted_lines())
        self._check_header()

    def _counted_lines(self):
        try:
            for line in self._file:
                self.bytes_read += len(line)  # latin-1: one character per byte
                yield line
        except OSError as e:
            raise InputError("%s: read failed: %s" % (self.name, os.strerror(e.errno))) from None

    def _check_header(self):
        first = next(self._rows, None)
        if first is None:
            raise InputError("%s: empty file: expected the header '%s'" % (self.name, ",".join(HEADER)))
        line, fields, problem = first
        clean = problem is None and max(map(len, fields)) <= self.field_limit
        if clean and fields == HEADER:
            return
        if fields and fields[0].startswith("\xef\xbb\xbf"):
            raise InputError(
                "%s:%d: the file starts with a UTF-8 byte-order mark; save it without one "
                "(header must be exactly '%s')" % (self.name, line, ",".join(HEADER)))
        raise InputError("%s:%d: not a sharebench records file: the first line must be exactly '%s'"
                         % (self.name, line, ",".join(HEADER)))

    def __iter__(self):
        for line, fields, problem in self._rows:
            reason = rejection_reason(fields, problem, self.field_limit)
            if reason:
                yield line, None, reason
            else:
                yield line, int(fields[0]), fields

    def close(self):
        self._file.close()


class RejectionReport:
    """Counts rejected records and prints the first few as the C harness does (sink.c)."""

    SHOWN = 20

    def __init__(self, input_name):
        self.input_name = input_name
        self.count = 0

    def add(self, line, reason):
        if self.count < self.SHOWN:
            sys.stderr.write("%s:%d: rejected: %s\n" % (self.input_name, line, reason))
        self.count += 1

    def finish(self):
        if self.count > self.SHOWN:
            sys.stderr.write("%s: ... and %d more rejected records\n"
                             % (self.input_name, self.count - self.SHOWN))
