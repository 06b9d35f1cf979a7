#!/usr/bin/python3
"""Which statements of the SQLite store are not valid PostgreSQL (issue 21,
the work list of the libpq backend).

Every statement of the store's sqlsets (the `{S_..., "op", "sql"}` rows of
src/store/*.c, read after the preprocessor by test/lib/csrc.py) is
prepared in a throwaway PostgreSQL (test/lib/pg.py) that has the store's
schema (src/store/pg_*.c), with SQLite's parameters ?NNN and ? written
as $NNN.  Transaction statements, which PREPARE does not take, are run in
a transaction instead.  Each failure is put in a class by PostgreSQL's
error (only the first error of a statement is known); the statements
that prepare are also checked for what they give back (a boolean where
SQLite gives 0/1) and for parameters PostgreSQL types otherwise than the
store binds them.  A scan of the text counts the SQLite-only constructs
(also those hidden behind a first error).

    scripts/pg_sql_check.py            the summary (docs/store.md has one)
    scripts/pg_sql_check.py --list     and each failing statement

Run as root or not (pg.py); needs cc, psql and PostgreSQL 15.
"""
import argparse
import os
import re
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "test", "lib"))
import csrc  # noqa: E402
import pg  # noqa: E402
import pgstore  # noqa: E402

# the class of a failure: (name, regex on PostgreSQL's message)
CLASSES = [
    ("INSERT OR IGNORE/REPLACE (ON CONFLICT)",
     r'syntax error at or near "OR"'),
    ("ifnull() (coalesce)", r"function ifnull\("),
    ("scalar max()/min() of several values (greatest/least)",
     r"function (max|min)\(\w[\w ]*, "),
    ("date/time functions (strftime, julianday, datetime, unixepoch)",
     r"function (strftime|julianday|datetime|date|time|unixepoch)\("),
    ("group_concat() (string_agg)", r"function group_concat\("),
    ("function PostgreSQL lacks for these types (max(boolean), ...)",
     r"function \w+\(.*\) does not exist"),
    ("integer used as boolean (WHERE/AND/OR/NOT/CASE WHEN on 0/1)",
     r"argument of (WHERE|AND|OR|NOT|CASE/WHEN) must be type boolean"),
    ("boolean compared with or used as integer",
     r"operator does not exist: (boolean [^ ]+ (integer|bigint)|"
     r"(integer|bigint) [^ ]+ boolean)"),
    ("operator on mismatched types", r"operator does not exist"),
    ("untyped parameter (PostgreSQL cannot infer its type)",
     r"could not determine data type of parameter|"
     r"inconsistent types deduced for parameter"),
    ("bare column in an aggregate query (GROUP BY)",
     r"must appear in the GROUP BY clause"),
    ("UNION/CASE of mismatched types", r"(UNION|CASE) types .* cannot"),
    ("SQLite transaction mode (BEGIN IMMEDIATE)", r"IMMEDIATE"),
    ("SQLite-only syntax", r"syntax error"),
    ("ORDER BY rowid (the table has no column that keeps the order)",
     r'column "rowid" does not exist'),
    ("unknown column", r"column .* does not exist"),
]

# constructs of SQLite's dialect, counted in every statement's text
CONSTRUCTS = [
    ("INSERT OR IGNORE", r"\bINSERT\s+OR\s+IGNORE\b"),
    ("INSERT OR REPLACE", r"\bINSERT\s+OR\s+REPLACE\b"),
    ("ifnull()", r"\bifnull\s*\("),
    ("strftime()/julianday()/datetime()",
     r"\b(strftime|julianday|datetime|unixepoch)\s*\("),
    ("GLOB", r"\bGLOB\b"),
    ("group_concat()", r"\bgroup_concat\s*\("),
    ("last_insert_rowid()/changes()", r"\b(last_insert_rowid|changes)\s*\("),
    ("rowid", r"\browid\b"),
    ("scalar max()/min() of several values", None),
    ("RETURNING (fine in both)", r"\bRETURNING\b"),
    ("ON CONFLICT ... DO (fine in both)", r"\bON\s+CONFLICT\b"),
]

# calls of the SQLite C API that have no SQL twin
C_CALLS = [
    ("sqlite3_last_insert_rowid() (RETURNING id)",
     r"\bsqlite3_last_insert_rowid\s*\("),
    ("sqlite3_changes() (PQcmdTuples)", r"\bsqlite3_changes\s*\("),
    ("sqlite3_prepare*() of SQL built at run time",
     r"\bsqlite3_prepare\w*\s*\("),
]

TX = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def statements():
    """(id, op, sql, file) of every row of every sqlset of src/store."""
    store = os.path.join(csrc.ROOT, "src", "store")
    files = sorted("src/store/" + f for f in os.listdir(store)
                   if f.endswith(".c") and not f.startswith(("pg_",
                                                             "schema_")))
    out = []
    for path in files:
        defs = csrc.definitions([path])
        for toks in defs.values():
            for e in csrc.entries(toks):
                if len(e) >= 5 and e[0][0] == "id" and \
                        e[0][1].startswith("S_") and e[2][0] == "str" \
                        and e[4][0] == "str":
                    out.append((e[0][1], e[2][1], e[4][1],
                                os.path.basename(path)))
    return out


def dollar(sql):
    """SQLite's ?NNN and ? as $NNN (a bare ? is one more than the largest
    number so far); none inside string literals."""
    out, n = [], 0
    parts = re.split(r"('(?:[^']|'')*')", sql)
    for k, part in enumerate(parts):
        if k % 2:
            out.append(part)
            continue

        def sub(m):
            nonlocal n
            n = int(m.group(1)) if m.group(1) else n + 1
            return f"${n}"
        out.append(re.sub(r"\?(\d*)", sub, part))
    return "".join(out)


def tx_script(sql):
    """A transaction statement in the state it needs."""
    word = TX.match(sql).group(1).upper()
    if word == "BEGIN":
        return [sql, "ROLLBACK"]
    if word in ("COMMIT", "ROLLBACK") and not re.search(r"\bTO\b", sql, re.I):
        return ["BEGIN", sql]
    if word == "SAVEPOINT":
        return ["BEGIN", sql, "ROLLBACK"]
    return ["BEGIN", "SAVEPOINT store", sql, "ROLLBACK"]


def scalar_minmax(sql):
    """Whether sql calls max() or min() with more than one argument."""
    for m in re.finditer(r"\b(max|min)\s*\(", sql, re.I):
        depth = 0
        for ch in sql[m.end() - 1:]:
            depth += (ch == "(") - (ch == ")")
            if depth == 0:
                break
            if ch == "," and depth == 1:
                return True
    return False


def greatest(sql):
    """Scalar max(a, b, ...) and min(...) as greatest() and least()."""
    out, i = "", 0
    for m in re.finditer(r"\b(max|min)\s*\(", sql, re.I):
        if m.start() < i:
            continue
        depth, top_comma = 0, False
        for j in range(m.end() - 1, len(sql)):
            depth += (sql[j] == "(") - (sql[j] == ")")
            top_comma |= sql[j] == "," and depth == 1
            if depth == 0:
                break
        if top_comma:
            name = "greatest" if m.group(1).lower() == "max" else "least"
            out += sql[i:m.start()] + name + "("
            i = m.end()
    return out + sql[i:]


def rewrite(sql):
    """The mechanical rewrites of step 3: what a statement is after them."""
    sql = re.sub(r"\bifnull\s*\(", "coalesce(", sql, flags=re.I)
    sql = greatest(sql)
    if re.match(r"\s*INSERT\s+OR\s+IGNORE\b", sql, re.I):
        sql = re.sub(r"^\s*INSERT\s+OR\s+IGNORE\b", "INSERT", sql,
                     flags=re.I) + " ON CONFLICT DO NOTHING"
    return re.sub(r"^BEGIN IMMEDIATE$", "BEGIN", sql)


def classify(msg):
    for name, rx in CLASSES:
        if re.search(rx, msg):
            return name
    return "other: " + msg


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true",
                    help="also print each failing statement and its error")
    args = ap.parse_args()

    stmts = statements()
    p = pg.Postgres()
    try:
        pgstore.migrated(p, "sb")
        # each statement: PREPARE (the error, the parameters' types) and
        # \\gdesc (the result's types); a transaction statement is run
        # and PREPARE of it after the mechanical rewrites
        script, where, again = [], [], []
        for k, (sid, op, sql, f) in enumerate(stmts):
            if TX.match(sql):
                batch = tx_script(sql)
                where.append((k, len(script) + batch.index(sql), None))
                script += batch
                batch = tx_script(rewrite(sql))
                again.append(len(script) + batch.index(rewrite(sql)))
                script += batch
            else:
                where.append((k, len(script), len(script) + 1))
                again.append(len(script) + 2)
                script += [f"PREPARE q{k} AS {dollar(sql)}",
                           dollar(sql) + " \\gdesc",
                           f"PREPARE r{k} AS {rewrite(dollar(sql))}"]
        res = p.psql_each(script + [
            "SELECT name, parameter_types::text FROM pg_prepared_statements"],
            db="sb")
        params = {r[0]: r[1] for r in res[-1]}
    finally:
        p.stop()

    ok, failed, boolean_out = [], defaultdict(list), []
    odd_params, odd_ids = Counter(), defaultdict(set)
    for k, at, desc in where:
        r = res[at]
        sid, op, sql, f = stmts[k]
        if isinstance(r, tuple):
            failed[classify(r[2])].append((sid, f, r[2], sql))
            continue
        ok.append(k)
        if desc is not None and not isinstance(res[desc], tuple) and any(
                row[1:] == ["boolean"] for row in res[desc]):
            boolean_out.append(sid)
        for t in filter(None, params.get(f"q{k}", "{}").strip("{}")
                        .split(",")):
            if t not in ("bigint", "text"):
                odd_params[t] += 1
                odd_ids[t].add(sid)
    still = defaultdict(list)
    for (k, _at, _desc), at in zip(where, again):
        if isinstance(res[at], tuple):
            still[classify(res[at][2])].append(stmts[k][0])
    constructs = Counter()
    for _sid, _op, sql, _f in stmts:
        for name, rx in CONSTRUCTS:
            if scalar_minmax(sql) if rx is None else re.search(rx, sql, re.I):
                constructs[name] += 1

    n = len(stmts)
    print(f"{n} statements in {len({s[3] for s in stmts})} files of "
          f"src/store; {len(ok)} prepare in PostgreSQL as they are, "
          f"{n - len(ok)} fail.")
    print("\nFailures by class (PostgreSQL's first error):")
    for cls, items in sorted(failed.items(), key=lambda kv: -len(kv[1])):
        ids = ", ".join(i[0] for i in items[:6])
        more = f", ... ({len(items) - 6} more)" if len(items) > 6 else ""
        print(f"  {len(items):4d}  {cls}: {ids}{more}")
    print(f"\nAfter the mechanical rewrites (ifnull -> coalesce, scalar "
          f"max/min -> greatest/least, INSERT OR IGNORE -> ON CONFLICT DO "
          f"NOTHING, BEGIN IMMEDIATE -> BEGIN): "
          f"{n - sum(map(len, still.values()))} prepare, these fail:")
    for cls, ids in sorted(still.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(ids):4d}  {cls}: {', '.join(ids)}")
    print(f"\nOf those that prepare: {len(boolean_out)} give a boolean "
          f"column where SQLite gives 0/1 (EXISTS, comparisons):")
    print("        " + ", ".join(boolean_out))
    print("  parameters PostgreSQL infers as other than bigint or text "
          "(from ?1 = 0, LIMIT ?; gone when PQprepare() is given each "
          "parameter's type):")
    for t, c in odd_params.most_common():
        ids = sorted(odd_ids[t])
        print(f"  {c:4d}  {t}: {', '.join(ids[:6])}"
              f"{' ...' if len(ids) > 6 else ''}")
    print("\nSQLite constructs in the text (statements containing each):")
    for name, _rx in CONSTRUCTS:
        print(f"  {constructs[name]:4d}  {name}")
    print("\nSQLite C calls in src/store/sqlite_*.c that the libpq backend "
          "answers otherwise:")
    store = os.path.join(csrc.ROOT, "src", "store")
    text = "".join(open(os.path.join(store, f)).read()
                   for f in sorted(os.listdir(store))
                   if f.startswith("sqlite_") and f.endswith(".c"))
    for name, rx in C_CALLS:
        print(f"  {len(re.findall(rx, text)):4d}  {name}")
    if args.list:
        print("\nFailing statements:")
        for cls, items in sorted(failed.items()):
            for sid, f, msg, sql in items:
                print(f"\n{sid} ({f}) [{cls}]\n  {msg}\n  {sql}")


if __name__ == "__main__":
    main()
