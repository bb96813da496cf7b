"""The spec's rules matched by the C library's own regcomp and regexec, through ctypes.

The C harness matches a rule with regcomp(REG_EXTENDED | REG_NOSUB) and regexec
(harness/workload/rules.c), after rewriting the escapes glibc reads as operators
(plain_pattern does the same here). Calling the same functions makes a rule mean the same
thing on both sides by construction, and cost the same: Python's re is a backtracking matcher, on
which ordinary shapes such as 'a*b' take time quadratic in the field's length where regexec
does not. Most records never reach the call: the rule's required literal is tested first.

A compiled pattern is C memory that cannot be pickled, so a Regex pickles as its pattern
and is compiled at most once per process (compiled(), a cache keyed by pattern): a forked
worker inherits the parent's compiled rules, a spawned one compiles them when it unpickles
the model. Compiling and matching run in the C locale, as the harness does (it never calls
setlocale): Python sets LC_CTYPE from the environment at start-up, and under a UTF-8 locale
glibc would read a field's bytes >= 0x80 as (broken) multibyte characters.
"""
import ctypes
import locale
import string

_libc = ctypes.CDLL(None, use_errno=True)  # the C library this interpreter runs on
_libc.regcomp.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
_libc.regcomp.restype = ctypes.c_int
_libc.regexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p,
                          ctypes.c_int]
_libc.regexec.restype = ctypes.c_int
_libc.regerror.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
_libc.regerror.restype = ctypes.c_size_t
_libc.regfree.argtypes = [ctypes.c_void_p]
_libc.regfree.restype = None
_libc.newlocale.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p]
_libc.newlocale.restype = ctypes.c_void_p
_libc.uselocale.argtypes = [ctypes.c_void_p]
_libc.uselocale.restype = ctypes.c_void_p
_regexec, _uselocale = _libc.regexec, _libc.uselocale

# <regex.h> values, the same in glibc and musl.
REG_EXTENDED, REG_NOSUB = 1, 8
# ctypes cannot ask the size of a struct it is not told the layout of: regex_t is 64 bytes on
# 64-bit glibc; 256 leave room for other C libraries' layouts.
REGEX_T_SIZE = 256
# newlocale takes a mask; glibc and musl both define LC_CTYPE_MASK as 1 << LC_CTYPE. The
# categories a mask leaves out come from the C locale too (the base is NULL), so this is the
# whole C locale: character classes, ranges and regerror's words all as in the harness.
_C_LOCALE = _libc.newlocale(1 << locale.LC_CTYPE, b"C", None)
if not _C_LOCALE:
    raise OSError(ctypes.get_errno(), "newlocale(C)")


class _CLocale:
    """The calling thread in the C locale while inside (uselocale is per thread)."""

    def __enter__(self):
        self.previous = _libc.uselocale(_C_LOCALE)

    def __exit__(self, *exc):
        _libc.uselocale(self.previous)


class RegexError(Exception):
    """regcomp refused the pattern; the message is regerror's, as the harness prints it."""


# Escaped bytes glibc's regcomp would read as operators (\w \b \< \` ...) or back-references.
_OPERATOR_ESCAPES = frozenset(string.ascii_letters + string.digits + "<>`'")


def _bracket_end(pattern, i):
    """Where the bracket expression opening at pattern[i] == '[' ends (past its ']', or the
    pattern's end: regcomp refuses it). A collating element or an equivalence class ([.a.],
    [=a=]) depends on the locale and other matchers lack them: refused."""
    i += 1
    i += pattern.startswith("^", i)
    i += pattern.startswith("]", i)  # a ']' first is a member
    while i < len(pattern) and pattern[i] != "]":
        if pattern.startswith("[.", i) or pattern.startswith("[=", i):
            raise RegexError("collating elements [. .] and [= =] are not supported here")
        if pattern.startswith("[:", i):  # a class: its ':]' does not close the bracket
            end = pattern.find(":]", i + 2)
            i = end + 2 if end >= 0 else len(pattern)
        else:
            i += 1
    return min(i + 1, len(pattern))


def plain_pattern(pattern):
    """pattern as regcomp must see it for a backslash to make the next byte literal, as
    harness/workload/rules.c rules_regcomp does: an escaped letter, digit or one of < > ` '
    becomes a bracket holding that byte alone ("\\w" is "[w]")."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "[":
            end = _bracket_end(pattern, i)
            out.append(pattern[i:end])
            i = end
        elif pattern[i] == "\\" and pattern[i + 1:i + 2] in _OPERATOR_ESCAPES:
            out.append("[%s]" % pattern[i + 1])
            i += 2
        else:
            step = 2 if pattern[i] == "\\" else 1  # any other escaped byte stays escaped
            out.append(pattern[i:i + step])
            i += step
    return "".join(out)


class Regex:
    """One pattern compiled by regcomp(REG_EXTENDED | REG_NOSUB), as plain_pattern rewrites
    it. Pickles as its pattern."""

    def __init__(self, pattern):
        self.pattern = pattern
        self._compiled = None
        plain = plain_pattern(pattern).encode("latin-1")
        self._compiled = ctypes.create_string_buffer(REGEX_T_SIZE)
        with _CLocale():
            code = _libc.regcomp(self._compiled, plain, REG_EXTENDED | REG_NOSUB)
            if code != 0:
                why = ctypes.create_string_buffer(256)
                _libc.regerror(code, self._compiled, why, len(why))
                self._compiled = None  # regcomp frees what it took when it fails
                raise RegexError(why.value.decode("latin-1"))

    def search(self, subject):
        """True when the pattern matches somewhere in subject (a str of latin-1 characters, one
        per byte, as records are read). regexec reads up to the first NUL, like the harness's
        call on the field's C string; records holding a NUL are rejected before any rule."""
        subject = subject.encode("latin-1")
        previous = _uselocale(_C_LOCALE)  # inline, not _CLocale: this is the hot path
        try:
            return _regexec(self._compiled, subject, 0, None, 0) == 0
        finally:
            _uselocale(previous)

    def __reduce__(self):
        return compiled, (self.pattern,)

    def __del__(self, regfree=_libc.regfree):  # bound now: at exit the module may be gone
        if getattr(self, "_compiled", None) is not None:
            regfree(self._compiled)
            self._compiled = None


_CACHE = {}


def compiled(pattern):
    """The Regex of pattern, compiled once per process (a forked child inherits the cache)."""
    regex = _CACHE.get(pattern)
    if regex is None:
        regex = _CACHE[pattern] = Regex(pattern)
    return regex


def compile_error(pattern):
    """regerror's words for why regcomp refuses pattern, or None if it compiles."""
    try:
        Regex(pattern)
    except RegexError as e:
        return str(e)
    return None
