"""The types the store binds to each statement's parameters, read from
the C of src/store/sqlite_*.c (issue 21): a PostgreSQL driver prepares
with int8 for an integer bind, text for text, so every statement must be
valid PostgreSQL with those types too (scripts/pg_sql_check.py).

Read from the calls that name a statement and how it is bound:
store_stmt_bind(), store_run() and store_row_query() with their format
("i", "r", "u", "d": int8; "s", "n": text; "-": not bound);
store_row_get(), _list(), _delete(), store_tenant_of() (int8 ?1),
store_row_find() (text ?1); store_row_add() and _update() and the
store_tree tables by their record's column table (SC_TEXT and SC_ENUM:
text, the others int8; an update's ?1 is the id).  A statement named by a
variable is resolved through that variable's assignments in the file, or
an element of the file's arrays of statement ids.  Parameters bound one
by one with db_bind_*() after store_stmt_get() are not read: PostgreSQL
infers those (the untyped prepare checks that it can).

    types, conflicts = sqlbinds.bind_types()
    types["S_CALL_ADD"]      # {1: "text", 2: "text", 3: "int8", ...}
"""
import os
import re

import csrc

FMT = {"i": "int8", "r": "int8", "u": "int8", "d": "int8",
       "s": "text", "n": "text"}
TEXT_COLS = ("SC_TEXT", "SC_ENUM")
# call -> (index of the statement argument(s), how its parameters bind)
CALLS = {
    "store_stmt_bind": ((1,), ("fmt", 3)),
    "store_run": ((1,), ("fmt", 4)),
    "store_row_query": ((1,), ("fmt", 6)),
    "store_row_get": ((1,), ("fix", "i")),
    "store_row_list": ((1,), ("fix", "i")),
    "store_tenant_of": ((1,), ("fix", "i")),
    "store_row_find": ((1,), ("fix", "s")),
    "store_row_delete": ((1, 2), ("fix", "i")),
    "store_row_add": ((1,), ("rec", 2, "SC_ADD", 1)),
    "store_row_update": ((1,), ("rec", 2, "SC_UPD", 2)),
}


def _args(toks, i):
    """The top-level arguments of the call whose '(' is toks[i]; each a
    token list."""
    out, cur, depth = [], [], 0
    for t in toks[i:]:
        if t == ("op", "(") or t == ("op", "{") or t == ("op", "["):
            depth += 1
            if depth == 1:
                continue
        elif t == ("op", ")") or t == ("op", "}") or t == ("op", "]"):
            depth -= 1
            if depth == 0:
                out.append(cur)
                return out
        if depth == 1 and t == ("op", ","):
            out.append(cur)
            cur = []
            continue
        cur.append(t)
    return out


def _functions(toks):
    """(name, body start, body end, [parameter names]) of each function
    defined in toks."""
    out, depth, start = [], 0, None
    for i, t in enumerate(toks):
        if t == ("op", "{"):
            if depth == 0 and i and toks[i - 1] == ("op", ")"):
                d, k = 0, i - 1
                while True:
                    d += (toks[k] == ("op", ")")) - (toks[k] == ("op", "("))
                    if d == 0:
                        break
                    k -= 1
                params = [([v for kind, v in a if kind == "id"] or [""])[-1]
                          for a in _args(toks, k)]
                start = (toks[k - 1][1], i, params)
            depth += 1
        elif t == ("op", "}"):
            depth -= 1
            if depth == 0 and start:
                out.append((start[0], start[1], i, start[2]))
                start = None
    return out


def _subst(arg, idx, cargs):
    """arg with a parameter (a lone name, or name[k]) replaced by the
    argument a call passes for it."""
    names = [v for k, v in arg if k == "id"]
    if names and names[0] in idx and idx[names[0]] < len(cargs):
        rep = cargs[idx[names[0]]]
        if len(arg) == 1:
            return rep
        if len(rep) == 1 and rep[0][0] == "id":
            return [rep[0]] + arg[1:]
    return arg


def _ids(toks):
    return [v for k, v in toks if k == "id" and v.startswith("S_")
            and v != "S_COUNT"]


def _columns(defs, rec):
    """(type, flags) of each column of record rec (a STORE_RECORD)."""
    toks = defs.get(rec)
    if not toks:
        return None
    name = next((v for k, v in toks if k == "id"), None)
    if name not in defs:
        return None
    cols = []
    for e in csrc.entries(defs[name]):
        parts = _args([("op", "(")] + e + [("op", ")")], 0)
        typ = next((v for k, v in parts[0] if k == "id"), None)
        flags = {v for k, v in parts[1] if k == "id"}
        cols.append((typ, flags))
    return cols


def _rec_types(cols, flag, first):
    types = {1: "int8"} if first == 2 else {}
    i = first
    for typ, flags in cols:
        if flag in flags:
            types[i] = "text" if typ in TEXT_COLS else "int8"
            i += 1
    return types


def _fmt_types(fmt):
    return {i + 1: FMT[c] for i, c in enumerate(fmt) if c in FMT}


def bind_types():
    """({statement id: {parameter: "int8" | "text"}}, [conflicts]): the
    types every call site binds; a conflict is (id, parameter, types)."""
    store = os.path.join(csrc.ROOT, "src", "store")
    files = sorted("src/store/" + f for f in os.listdir(store)
                   if f.startswith("sqlite_") and f.endswith(".c")
                   and f not in ("sqlite_core.c", "sqlite_row.c"))
    seen = {}
    pre = csrc.preprocess(files)
    for path in files:
        defs = csrc._definitions(pre[path])
        toks = csrc._join(csrc.tokens(pre[path]))
        idarrays = [_ids(v) for v in defs.values()
                    if _ids(v) and all(k != "str" for k, _ in v)]

        funcs = _functions(toks)

        def resolve(arg):
            ids = _ids(arg)
            if ids:
                return ids
            names = [v for k, v in arg if k == "id"]
            if not names:
                return []
            m = re.fullmatch(r"(\w+)\[(\d+)\]", "".join(v for _, v in arg))
            if m:
                k = int(m.group(2))
                arrays = [_ids(defs[m.group(1)])] if m.group(1) in defs \
                    else idarrays
                return [a[k] for a in arrays if len(a) > k]
            out = []
            for j in range(1, len(toks) - 2):
                if toks[j] == ("id", names[0]) and \
                        toks[j + 1] == ("op", "=") and \
                        toks[j - 1] != ("op", "."):
                    k = j + 2
                    while toks[k] != ("op", ";"):
                        k += 1
                    out += _ids(toks[j + 2:k])
            return out

        def sites(j, args, want):
            """The (statement args, format arg) of the call at j, with the
            enclosing function's parameters replaced by what each call of
            that function passes (one level)."""
            f = next((f for f in funcs if f[1] < j < f[2]), None)
            params = f[3] if f else []
            used = {v for w in want for k, v in args[w] if k == "id"}
            idx = {name: n for n, name in enumerate(params) if name in used}
            if not idx:
                return [args]
            out = []
            for c in range(len(toks) - 1):
                if toks[c] == ("id", f[0]) and toks[c + 1] == ("op", "(") \
                        and not f[1] - 4 < c < f[2]:
                    cargs = _args(toks, c + 1)
                    out.append([_subst(a, idx, cargs) for a in args])
            return out

        def add(ids, types):
            for sid in ids:
                seen.setdefault(sid, []).append(types)

        for j, (kind, val) in enumerate(toks[:-1]):
            if kind != "id" or toks[j + 1] != ("op", "("):
                continue
            if val in CALLS and (j == 0 or toks[j - 1][1] not in
                                 ("int", "*")):
                where, how = CALLS[val]
                args0 = _args(toks, j + 1)
                if len(args0) <= max(where):
                    continue
                want = list(where) + ([how[1]] if how[0] == "fmt" else [])
                for args in sites(j, args0, want):
                    if how[0] == "fmt":
                        if len(args) <= how[1] or \
                                len(args[how[1]]) != 1 or \
                                args[how[1]][0][0] != "str":
                            continue
                        types = _fmt_types(args[how[1]][0][1])
                    elif how[0] == "fix":
                        types = _fmt_types(how[1])
                    else:
                        rec = [v for k, v in args[how[1]] if k == "id"]
                        cols = _columns(defs, rec[-1]) if rec else None
                        if cols is None:
                            continue
                        types = _rec_types(cols, how[2], how[3])
                    for w in where:
                        add(resolve(args[w]), types)
        # store_tree tables: rec, tenant_off, add, get, update, list, tenant
        for v in defs.values():
            e = _args([("op", "(")] + v[1:-1] + [("op", ")")], 0) \
                if v and v[0] == ("op", "{") else []
            if len(e) < 7 or not _ids(e[2]) or e[0][:1] != [("op", "&")]:
                continue
            cols = _columns(defs, e[0][1][1])
            if cols is None:
                continue
            add(_ids(e[2]), _rec_types(cols, "SC_ADD", 1))
            add(_ids(e[4]), _rec_types(cols, "SC_UPD", 2))
            for x in (e[3], e[5], e[6]):
                add(_ids(x), {1: "int8"})
    out, conflicts = {}, []
    for sid, sites in seen.items():
        merged = {}
        for types in sites:
            for i, t in types.items():
                if merged.get(i, t) != t:
                    conflicts.append((sid, i, (merged[i], t)))
                merged[i] = t
        out[sid] = merged
    return out, conflicts
