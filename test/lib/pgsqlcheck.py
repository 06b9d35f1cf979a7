"""Is every statement of the store valid PostgreSQL (issue 21)?  The
library of scripts/pg_sql_check.py and of the pg_schema suite.

Every statement of the store's sqlsets (the `{S_..., "op", "sql"}` rows of
src/store/*.c, read after the preprocessor by csrc.py; a set's pg_sql
rows replace its rows of the same id, as sqlite_core.c does on a
PostgreSQL connection) and the SQL sqlite_tenant_data.c builds at run
time (its table of a client's rows, and the sweep's DELETE of every table
S_DEL_TABLES finds) is prepared in a PostgreSQL that has the store's
schema, with SQLite's ?NNN as $NNN:

  - untyped, as PostgreSQL infers each parameter (a NULL bind is untyped);
  - typed, each parameter as the C binds it (sqlbinds.py: int8 or text;
    the ones it cannot read stay untyped);
  - and described (\\gdesc): a column must not be boolean, since SQLite
    gives 0/1 (the SQL says CAST(... AS INTEGER)).

Statements PREPARE does not take (transaction control, SET) are run in a
transaction instead.  A failure is put in a class by PostgreSQL's error.
"""
import os
import re
from collections import defaultdict

import csrc
import pgstore
import sqlbinds

# the class of a failure: (name, regex on PostgreSQL's message)
CLASSES = [
    ("INSERT OR IGNORE/REPLACE (ON CONFLICT)",
     r'syntax error at or near "OR"'),
    ("ifnull() (coalesce)", r"function ifnull\("),
    ("scalar max()/min() of several values",
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
    ("INSERT OR IGNORE/REPLACE", r"\bINSERT\s+OR\s+(IGNORE|REPLACE)\b"),
    ("ifnull()", r"\bifnull\s*\("),
    ("strftime()/julianday()/datetime()",
     r"\b(strftime|julianday|datetime|unixepoch)\s*\("),
    ("GLOB", r"\bGLOB\b"),
    ("group_concat()", r"\bgroup_concat\s*\("),
    ("last_insert_rowid()/changes()", r"\b(last_insert_rowid|changes)\s*\("),
    ("rowid", r"\browid\b"),
    ("substr(x, -n) (from the end in SQLite only)",
     r"\bsubstr\s*\([^,()]*,\s*-"),
    ("scalar max()/min() of several values", None),
]

TX = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET)\b",
                re.I)


def _sqlite_files():
    store = os.path.join(csrc.ROOT, "src", "store")
    return sorted("src/store/" + f for f in os.listdir(store)
                  if f.endswith(".c") and not f.startswith(("pg_",
                                                            "schema_")))


def statements():
    """(id, op, sql, file) of every row of every sqlset of src/store, as
    a PostgreSQL connection prepares them (pg_sql rows replace); and the
    ids that have a pg_sql row."""
    out, pg_ids = [], set()
    for path, defs in csrc.definitions_by_file(_sqlite_files()).items():
        rows, pgrows = [], {}
        for name, toks in defs.items():
            for e in csrc.entries(toks):
                if len(e) >= 5 and e[0][0] == "id" and \
                        e[0][1].startswith("S_") and e[2][0] == "str" \
                        and e[4][0] == "str":
                    row = (e[0][1], e[2][1], e[4][1], os.path.basename(path))
                    if name == "pg_sql":
                        pgrows[row[0]] = row
                    else:
                        rows.append(row)
        pg_ids |= set(pgrows)
        out += [pgrows.get(r[0], r) for r in rows]
    return out, pg_ids


def tenant_data():
    """The run-time SQL of sqlite_tenant_data.c (its table tdatav): per
    table, the export's SELECT *, the files' SELECT and the DELETE."""
    defs = csrc.definitions(["src/store/sqlite_tenant_data.c"])
    out = []
    for e in csrc.entries(defs["tdatav"]):
        a = sqlbinds._args([("op", "(")] + e + [("op", ")")], 0)
        table, where = a[0][0][1], a[1][0][1]
        verbs = ["SELECT *", "DELETE"]
        if a[3][0][0] == "str":
            verbs.append(f"SELECT {a[3][0][1]}")
        for verb in verbs:
            out.append((f"tdata {table}: {verb.split()[0]}", "run time",
                        f"{verb} FROM {table} WHERE {where}",
                        "sqlite_tenant_data.c"))
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


def nparams(sql):
    return max([int(x) for x in re.findall(r"\$(\d+)", dollar(sql))] or [0])


def tx_script(sql):
    """A transaction statement in the state it needs."""
    word = TX.match(sql).group(1).upper()
    if word in ("BEGIN", "SET"):
        return (["BEGIN"] if word == "SET" else []) + [sql, "ROLLBACK"]
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


def classify(msg):
    for name, rx in CLASSES:
        if re.search(rx, msg):
            return name
    return "other: " + msg


def check(p, db="sqlcheck"):
    """Check every statement in a new database db of pg.Postgres p.  A
    dict: stmts [(id, op, sql, file)], pg_ids, typed (how many statements
    were prepared with every parameter typed), partly (some typed),
    failed [(id, file, how, class, message, sql)] with how "untyped",
    "typed", "boolean" or "run", inferred {id: [types]} (the parameter
    types of the untyped prepare that are neither bigint nor text, of
    statements the C types do not cover), constructs {name: n},
    conflicts (sqlbinds)."""
    stmts, pg_ids = statements()
    types, conflicts = sqlbinds.bind_types()
    pgstore.migrated(p, db)
    tables = [r[0] for r in p.psql_each(
        [dollar(s[2]) for s in stmts if s[0] == "S_DEL_TABLES"], db=db)[0]]
    stmts += tenant_data()
    stmts += [(f"sweep {t}: DELETE", "run time",
               f"DELETE FROM {t} WHERE tenant_id = ?1",
               "sqlite_tenant_data.c") for t in tables]
    script, where = [], []
    typed = partly = 0
    for k, (sid, op, sql, f) in enumerate(stmts):
        if TX.match(sql):
            batch = tx_script(sql)
            where.append((k, "run", len(script) + batch.index(sql)))
            script += batch
            continue
        q = dollar(sql)
        where.append((k, "untyped", len(script)))
        where.append((k, "boolean", len(script) + 1))
        script += [f"PREPARE q{k} AS {q}", q + " \\gdesc"]
        n = nparams(sql)
        t = {1: "int8"} if op == "run time" else types.get(sid, {})
        decl = [t.get(i, "unknown") for i in range(1, n + 1)]
        if n and any(d != "unknown" for d in decl):
            typed += all(d != "unknown" for d in decl)
            partly += any(d == "unknown" for d in decl)
            where.append((k, "typed", len(script)))
            script.append(f"PREPARE t{k}({', '.join(decl)}) AS {q}")
        elif not n:
            typed += 1
    res = p.psql_each(script + [
        "SELECT name, parameter_types::text FROM pg_prepared_statements"],
        db=db)
    params = {r[0]: r[1] for r in res[-1]}

    failed, inferred = [], {}
    for k, how, at in where:
        sid, op, sql, f = stmts[k]
        r = res[at]
        if how == "boolean":
            if not isinstance(r, tuple) and any(
                    row[1:] == ["boolean"] for row in r):
                failed.append((sid, f, how, "gives a boolean column",
                               "SQLite gives 0/1", sql))
            continue
        if isinstance(r, tuple):
            failed.append((sid, f, how, classify(r[2]), r[2], sql))
            continue
        if how == "untyped" and sid not in types:
            odd = [t for t in filter(None, params.get(f"q{k}", "{}")
                                     .strip("{}").split(","))
                   if t not in ("bigint", "text")]
            if odd:
                inferred[sid] = odd
    constructs = {}
    for name, rx in CONSTRUCTS:
        constructs[name] = sum(
            1 for s in stmts
            if (scalar_minmax(s[2]) if rx is None
                else re.search(rx, s[2], re.I)))
    return {"stmts": stmts, "pg_ids": pg_ids, "typed": typed,
            "partly": partly, "failed": failed, "inferred": inferred,
            "constructs": constructs, "conflicts": conflicts}


def summary(r):
    """The result as lines of text; the first line is the count."""
    stmts, failed = r["stmts"], r["failed"]
    bad = {(f[0], f[1]) for f in failed}
    run = sum(1 for s in stmts if s[1] == "run time")
    out = [f"{len(stmts)} statements ({len(stmts) - run} of the sqlsets in "
           f"{len({s[3] for s in stmts})} files of src/store, {run} built at "
           f"run time): {len(bad)} fail in PostgreSQL "
           f"({len(failed)} failures)",
           f"  {len(r['pg_ids'])} have a PostgreSQL text of their own "
           f"(pg_sql): {', '.join(sorted(r['pg_ids']))}",
           f"  {r['typed']} prepared with every parameter typed as the C "
           f"binds it, {r['partly']} with some; the others' parameters are "
           f"inferred by PostgreSQL",
           f"  binding conflicts between call sites: "
           f"{len(r['conflicts'])}"]
    by = defaultdict(list)
    for sid, _f, how, cls, _msg, _sql in failed:
        by[f"{cls} ({how})"].append(sid)
    if by:
        out.append("Failures by class (PostgreSQL's first error):")
        for cls, ids in sorted(by.items(), key=lambda kv: -len(kv[1])):
            out.append(f"  {len(ids):4d}  {cls}: {', '.join(ids)}")
    if r["inferred"]:
        out.append("Untyped by the C, inferred as other than bigint/text "
                   "(bind int8 explicitly):")
        for sid, t in sorted(r["inferred"].items()):
            out.append(f"        {sid}: {', '.join(t)}")
    out.append("SQLite constructs in the text (statements containing "
               "each): " + ", ".join(f"{n} {c}" for c, n in
                                     r["constructs"].items()))
    return out
