"""The string constants of Switchboard's C sources, as the compiler sees
them: a file is run through the preprocessor (`cc -E`, the Makefile's
include flags), then its tokens are read, so macros are expanded and
adjacent string literals joined as in C.  Used by the pg_schema suite
(the PostgreSQL schema in src/store/pg_*.c) and scripts/pg_sql_check.py
(the statements of the store's sqlsets).

    defs = csrc.definitions(["src/store/pg_migrate.c"])
    defs["store_pg_lock_sql"]          # a token list; csrc.text(...) joins

Only the Python standard library; needs cc (gcc) and pkg-config.
"""
import os
import re
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

_TOKEN = re.compile(r'''
    (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<chr>'(?:[^'\\\n]|\\.)*')
  | (?P<id>[A-Za-z_]\w*)
  | (?P<num>\d[\w.]*)
  | (?P<ws>\s+)
  | (?P<op>\.\.\.|->|[^\s\w"'])
''', re.X | re.S)

_ESC = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"',
        "'": "'", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "?": "?"}


def cflags():
    """The include and define flags of the Makefile's CPPFLAGS_BASE."""
    pc = subprocess.run(["pkg-config", "--cflags", "libre", "librem",
                         "sqlite3", "libpq"], capture_output=True, text=True)
    return ["-Isrc", "-DHAVE_INTTYPES_H", "-DHAVE_STDBOOL_H",
            "-DHAVE_INET6", "-D_GNU_SOURCE"] + pc.stdout.split()


def preprocess(paths):
    """Each file (relative to the repository) after the preprocessor, by
    path; only the lines of the file itself, not of its headers.  One
    compiler run for all."""
    r = subprocess.run(["cc", "-E", "-std=c17"] + cflags() + list(paths),
                       capture_output=True, text=True, cwd=ROOT, check=True)
    want = {os.path.normpath(p): p for p in paths}
    out = {p: [] for p in paths}
    cur = None
    for line in r.stdout.split("\n"):
        m = re.match(r'# \d+ "([^"]*)"', line)
        if m:
            cur = want.get(os.path.normpath(m.group(1)))
            continue
        if cur:
            out[cur].append(line)
    return {p: "\n".join(v) for p, v in out.items()}


def tokens(text):
    """(kind, value) of each token: str (decoded, quotes gone), chr, id,
    num, op."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "ws":
            continue
        val = m.group(kind)
        if kind == "str":
            val = _unescape(val[1:-1])
        out.append((kind, val))
    return out


def _unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        n = s[i + 1]
        if n in "01234567":
            m = re.match(r"[0-7]{1,3}", s[i + 1:])
            out.append(int(m.group(0), 8))
            i += 1 + len(m.group(0))
        elif n == "x":
            m = re.match(r"[0-9a-fA-F]+", s[i + 2:])
            out.append(int(m.group(0), 16) & 0xff)
            i += 2 + len(m.group(0))
        else:
            out += _ESC[n].encode()
            i += 2
    return out.decode("utf-8")


def definitions(paths):
    """name -> the tokens of its initializer (after '=' up to the ';' that
    ends it), for every top-level `... name[] = ...;` or `... name =
    ...;` of the files, adjacent strings joined into one."""
    defs = {}
    for text in preprocess(paths).values():
        defs.update(_definitions(text))
    return defs


def definitions_by_file(paths):
    """definitions() of each file, by path (one compiler run): names
    that several files define each keep their own."""
    return {p: _definitions(text) for p, text in preprocess(paths).items()}


def _definitions(text):
    defs = {}
    toks = _join(tokens(text))
    depth, i = 0, 0
    while i < len(toks):
        depth += _nest(toks[i])
        if toks[i] == ("op", "=") and depth == 0:
            j = i - 1
            while toks[j][1] in ("]", "[") or toks[j][0] == "num":
                j -= 1
            k, d = i + 1, 0
            while toks[k] != ("op", ";") or d:
                d += _nest(toks[k])
                k += 1
            defs[toks[j][1]] = toks[i + 1:k]
            i = k
        i += 1
    return defs


def _nest(tok):
    """+1 for an opening brace or parenthesis, -1 for a closing one."""
    if tok[0] != "op":
        return 0
    return (tok[1] in "{(") - (tok[1] in "})")


def _join(toks):
    out = []
    for t in toks:
        if t[0] == "str" and out and out[-1][0] == "str":
            out[-1] = ("str", out[-1][1] + t[1])
        else:
            out.append(t)
    return out


def text(toks):
    """The one string an initializer is."""
    strs = [v for k, v in toks if k == "str"]
    assert len(strs) == 1, f"not one string: {toks[:6]}"
    return strs[0]


def entries(toks):
    """The top-level { ... } entries of an array initializer, each as its
    list of tokens (without the braces)."""
    out, depth, cur = [], 0, None
    inner = toks[1:-1] if toks and toks[0] == ("op", "{") else toks
    for t in inner:
        if t == ("op", "{"):
            depth += 1
            if depth == 1:
                cur = []
                continue
        elif t == ("op", "}"):
            depth -= 1
            if depth == 0:
                out.append(cur)
                continue
        if depth >= 1:
            cur.append(t)
    return out
