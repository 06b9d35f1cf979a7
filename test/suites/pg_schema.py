#!/usr/bin/env python3
"""pg_schema: the PostgreSQL schema of the store (src/store/pg_*.c, issue 21)
is the SQLite schema (src/store/schema_*.c after migrate.c's last step).

A fresh SQLite store made by the server (--init-demo) and a fresh
PostgreSQL database (test/lib/pg.py) migrated as pg_migrate.c says, with
the steps and statements read from the C sources (test/lib/csrc.py), are
compared table by table: the same tables and views, the same columns in
the same order with compatible types, NOT NULL, defaults, identity and
collation, the same primary keys, unique keys, foreign keys (with ON
DELETE/UPDATE), CHECK counts, indexes (columns, uniqueness, predicate),
triggers and seeded rows.  The comparison is tested on a database broken
on purpose (it names each break, and nothing else).  Each trigger then
runs the same small scenario in both databases with the exact rows and
errors.  Every statement of the store prepares in PostgreSQL
(test/lib/pgsqlcheck.py, as scripts/pg_sql_check.py).
"""
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import shutil
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import pg  # noqa: E402
import pgsqlcheck  # noqa: E402
import pgstore  # noqa: E402
import sb  # noqa: E402

S = sb.Suite("pg_schema")
DAY = 86400000

# tables whose INTEGER PRIMARY KEY id is no identity in PostgreSQL
# (pg_migrate.c): tenants' ids are chosen by the store, the others hold
# one row (CHECK (id = 1))
NO_IDENTITY = {"tenants", "vapid_keys", "invoice_counter"}
TYPES = {"INTEGER": "bigint", "TEXT": "text", "BLOB": "bytea",
         "REAL": "double precision"}
DELETE_RULE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE",
               "n": "SET NULL", "d": "SET DEFAULT"}


# ---- both schemas as the same kind of description ------------------------

def norm_expr(s):
    """An expression of SQLite's or PostgreSQL's text, compared without
    casts, parentheses, spaces and case."""
    s = re.sub(r"::[a-z ]+", "", s)
    s = s.replace("(", "").replace(")", "")
    return re.sub(r"\s+", "", s).lower()


def split_top(s):
    out, depth, cur, quote = [], 0, "", False
    for ch in s:
        if ch == "'":
            quote = not quote
        if not quote:
            depth += ch == "("
            depth -= ch == ")"
        if ch == "," and depth == 0 and not quote:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return out + [cur.strip()]


def index_keys(keylist, cols):
    """The keys of an index list "(a, coalesce(b, 0))" as names; an
    expression as expr(the columns it reads)."""
    out = []
    for k in split_top(keylist):
        k = re.sub(r"\s+(ASC|DESC|COLLATE\s+\w+)\s*$", "", k, flags=re.I)
        if k.strip() in cols:
            out.append(k.strip())
        else:
            used = sorted(set(re.findall(r"[a-z_]+", k)) & set(cols))
            out.append("expr(" + ",".join(used) + ")")
    return tuple(out)


def paren_after(s, at):
    """The text inside the parentheses that open at or after s[at]."""
    i = s.index("(", at)
    depth = 0
    for j in range(i, len(s)):
        depth += s[j] == "("
        depth -= s[j] == ")"
        if depth == 0:
            return s[i + 1:j], j + 1
    raise ValueError(s)


def sqlite_schema(path):
    db = sqlite3.connect(path)
    d = {"tables": {}, "views": {}, "indexes": {}, "triggers": {}}
    master = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"
                        " WHERE name NOT LIKE 'sqlite_%'").fetchall()
    for typ, name, _tbl, sql in master:
        if typ not in ("table", "view"):
            continue
        cols = []
        for _cid, cname, ctype, notnull, dflt, pk in db.execute(
                f"PRAGMA table_info({name})"):
            cols.append({"name": cname, "type": ctype.upper(),
                         "notnull": bool(notnull), "pk": pk,
                         "default": norm_expr(dflt) if dflt else ""})
        if typ == "view":
            d["views"][name] = [c["name"] for c in cols]
            continue
        pk = tuple(c["name"] for c in sorted(cols, key=lambda c: c["pk"])
                   if c["pk"])
        body = re.sub(r"'[^']*'", "''", sql)
        nocase = {c.split()[0] for c in split_top(paren_after(body, 0)[0])
                  if re.search(r"\bCOLLATE\s+NOCASE\b", c, flags=re.I)}
        for c in cols:
            # an INTEGER PRIMARY KEY is the rowid, never NULL; SQLite lets
            # other key columns be NULL (a legacy), PostgreSQL does not
            c["notnull"] = c["notnull"] or bool(c["pk"])
            c["identity"] = (pk == ("id",) and c["name"] == "id"
                             and c["type"] == "INTEGER"
                             and name not in NO_IDENTITY)
            c["collation"] = "nocase" if c["name"] in nocase else ""
        uniques = set()
        for _s, iname, _u, origin, _p in db.execute(
                f"PRAGMA index_list({name})"):
            if origin == "u":
                uniques.add(tuple(r[2] for r in db.execute(
                    f"PRAGMA index_info({iname})")))
        fks = {}
        for row in db.execute(f"PRAGMA foreign_key_list({name})"):
            fid, _seq, table, frm, to, on_update, on_delete = row[:7]
            f = fks.setdefault(fid, [table, [], [], on_update, on_delete])
            f[1].append(frm)
            f[2].append(to)
        d["tables"][name] = {
            "cols": cols, "pk": pk, "uniques": uniques,
            "fks": {(tuple(f[1]), f[0], tuple(f[2]), f[4], f[3])
                    for f in fks.values()},
            "checks": len(re.findall(r"\bCHECK\s*\(", body, flags=re.I))}
    for typ, name, tbl, sql in master:
        if typ == "index" and sql:
            m = re.match(r"CREATE (UNIQUE )?INDEX \w+ ON \w+\s*", sql)
            keys, end = paren_after(sql, m.end())
            where = re.search(r"\bWHERE\b(.*)$", sql[end:], flags=re.S)
            cols = [c["name"] for c in d["tables"][tbl]["cols"]]
            d["indexes"][name] = (tbl, bool(m.group(1)),
                                  index_keys(keys, cols),
                                  norm_expr(where.group(1)) if where else "")
        elif typ == "trigger":
            m = re.match(r"CREATE TRIGGER (\w+) (BEFORE|AFTER|INSTEAD OF) "
                         r"(INSERT|DELETE|UPDATE)(?: OF ([\w, ]+?))? ON (\w+)",
                         sql, flags=re.I)
            of = tuple(c.strip() for c in m.group(4).split(",")) \
                if m.group(4) else ()
            d["triggers"][name] = (m.group(5), m.group(2).upper(),
                                   m.group(3).upper(), of)
    db.close()
    return d


PG_COLUMNS = r"""
SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod),
 a.attnotnull, a.attidentity,
 CASE WHEN co.collname IS NULL OR co.collname = 'default' THEN ''
  ELSE co.collname END,
 coalesce(pg_get_expr(ad.adbin, ad.adrelid), '')
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND a.attnum > 0
 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum;
"""

PG_CONSTRAINTS = r"""
SELECT c.relname, con.contype,
 array_to_string(ARRAY(SELECT a.attname FROM unnest(con.conkey)
  WITH ORDINALITY k(num, ord) JOIN pg_attribute a
  ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord), ','),
 coalesce(fc.relname, ''),
 array_to_string(ARRAY(SELECT a.attname FROM unnest(con.confkey)
  WITH ORDINALITY k(num, ord) JOIN pg_attribute a
  ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord), ','),
 con.confdeltype, con.confupdtype, con.condeferrable, con.condeferred
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
WHERE n.nspname = 'public';
"""

PG_INDEXES = r"""
SELECT c.relname, i.relname, ix.indisunique, pg_get_indexdef(ix.indexrelid),
 coalesce(pg_get_expr(ix.indpred, ix.indrelid), '')
FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class c ON c.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public'
 AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = ix.indexrelid);
"""

PG_TRIGGERS = r"""
SELECT c.relname, t.tgname, t.tgtype,
 array_to_string(ARRAY(SELECT a.attname FROM unnest(t.tgattr) k(num)
  JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.num), ',')
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND NOT t.tgisinternal;
"""


def pg_schema(p, db):
    cols, cons, idxs, trigs = p.psql_each(
        [PG_COLUMNS, PG_CONSTRAINTS, PG_INDEXES, PG_TRIGGERS], db=db)
    d = {"tables": {}, "views": {}, "indexes": {}, "triggers": {}}
    for rel, kind, col, typ, notnull, ident, coll, dflt in cols:
        if rel == "schema_version":
            continue
        if kind == "v":
            d["views"].setdefault(rel, []).append(col)
            continue
        t = d["tables"].setdefault(rel, {"cols": [], "pk": (),
                                         "uniques": set(), "fks": set(),
                                         "checks": 0, "not_deferrable": []})
        t["cols"].append({"name": col, "type": typ, "notnull": notnull == "t",
                          "identity": ident == "d", "collation": coll,
                          "default": norm_expr(dflt)})
    for rel, typ, keys, ftable, fcols, ondel, onupd, dfr, dfd in cons:
        if rel not in d["tables"]:
            continue
        t = d["tables"][rel]
        if typ == "f" and (dfr, dfd) != ("t", "f"):
            # PRAGMA defer_foreign_keys (the tenant deletion) is SET
            # CONSTRAINTS ALL DEFERRED here, which defers only these
            t["not_deferrable"].append(keys)
        keys = tuple(keys.split(","))
        if typ == "p":
            t["pk"] = keys
        elif typ == "u":
            t["uniques"].add(keys)
        elif typ == "f":
            t["fks"].add((keys, ftable, tuple(fcols.split(",")),
                          DELETE_RULE[ondel], DELETE_RULE[onupd]))
        elif typ == "c":
            t["checks"] += 1
    for rel, name, unique, idef, pred in idxs:
        if rel not in d["tables"]:
            continue
        keys, _ = paren_after(idef, idef.index(" USING "))
        names = [c["name"] for c in d["tables"][rel]["cols"]]
        d["indexes"][name] = (rel, unique == "t", index_keys(keys, names),
                              norm_expr(pred))
    for rel, name, tgtype, of in trigs:
        tgtype = int(tgtype)
        timing = "BEFORE" if tgtype & 2 else \
            "INSTEAD OF" if tgtype & 64 else "AFTER"
        event = "INSERT" if tgtype & 4 else \
            "DELETE" if tgtype & 8 else "UPDATE"
        d["triggers"][name] = (rel, timing, event,
                               tuple(of.split(",")) if of else ())
    return d


def compare(sq, pq):
    """The differences between the SQLite and the PostgreSQL description,
    one line each; [] when they are in step."""
    out = []
    for name in sorted(set(sq["tables"]) | set(pq["tables"])):
        if name not in pq["tables"]:
            out.append(f"table {name}: missing in PostgreSQL")
            continue
        if name not in sq["tables"]:
            out.append(f"table {name}: not in SQLite")
            continue
        s, q = sq["tables"][name], pq["tables"][name]
        sn = [c["name"] for c in s["cols"]]
        qn = [c["name"] for c in q["cols"]]
        out += [f"{name}.{c}: missing in PostgreSQL" for c in sn
                if c not in qn]
        out += [f"{name}.{c}: not in SQLite" for c in qn if c not in sn]
        if [c for c in sn if c in qn] != [c for c in qn if c in sn]:
            out.append(f"{name}: columns {sn} in SQLite, {qn} in PostgreSQL")
        qc = {c["name"]: c for c in q["cols"]}
        for c in s["cols"]:
            if c["name"] not in qc:
                continue
            o = qc[c["name"]]
            where = f"{name}.{c['name']}"
            if TYPES.get(c["type"]) != o["type"]:
                out.append(f"{where}: {c['type']} in SQLite is "
                           f"{TYPES.get(c['type'])}, {o['type']} in "
                           f"PostgreSQL")
            for k, what in (("notnull", "NOT NULL"), ("identity", "identity"),
                            ("collation", "collation"),
                            ("default", "default")):
                if c[k] != o[k]:
                    out.append(f"{where}: {what} {c[k]!r} in SQLite, "
                               f"{o[k]!r} in PostgreSQL")
        if s["pk"] != q["pk"]:
            out.append(f"{name}: primary key {s['pk']} in SQLite, "
                       f"{q['pk']} in PostgreSQL")
        for u in sorted(s["uniques"] - q["uniques"]):
            out.append(f"{name}: UNIQUE {u} missing in PostgreSQL")
        for u in sorted(q["uniques"] - s["uniques"]):
            out.append(f"{name}: UNIQUE {u} not in SQLite")
        for f in sorted(s["fks"] - q["fks"]):
            out.append(f"{name}: foreign key {f} missing in PostgreSQL")
        for f in sorted(q["fks"] - s["fks"]):
            out.append(f"{name}: foreign key {f} not in SQLite")
        for f in q["not_deferrable"]:
            out.append(f"{name}: foreign key ({f}) not DEFERRABLE INITIALLY "
                       f"IMMEDIATE in PostgreSQL")
        if s["checks"] != q["checks"]:
            out.append(f"{name}: {s['checks']} CHECKs in SQLite, "
                       f"{q['checks']} in PostgreSQL")
    for kind in ("views", "indexes", "triggers"):
        for name in sorted(set(sq[kind]) | set(pq[kind])):
            a, b = sq[kind].get(name), pq[kind].get(name)
            if a == b:
                continue
            if b is None:
                out.append(f"{kind} {name}: missing in PostgreSQL")
            elif a is None:
                out.append(f"{kind} {name}: not in SQLite")
            else:
                out.append(f"{kind} {name}: {a} in SQLite, {b} in "
                           f"PostgreSQL")
    return out


# ---- the tests -------------------------------------------------------------

def fresh_sqlite(tmp):
    """A new store made by the server: its database file."""
    env = dict(os.environ, SWITCHBOARD_CONFIG="")
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    r = subprocess.run([sb.BIN, "--data-dir", tmp, "--init-demo"], env=env,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"--init-demo: {r.stdout}{r.stderr}")
    return os.path.join(tmp, "switchboard.db")


def test_program(steps, stmts):
    versions = [s[0] for s in steps]
    S.check(versions == sorted(set(versions)) and versions[0] == 57,
            "the PostgreSQL steps start at the baseline 57 and only grow",
            f"{versions}")
    S.check(len(steps[0][2]) == 7 and all(steps[0][2]),
            "the baseline is the seven parts of pg_schema_<area>.c",
            f"{len(steps[0][2])}")


def test_migrate(p, script, sqlite_path, latest):
    url = p.createdb("sb")
    S.check(url == f"postgresql://postgres@127.0.0.1:{p.port}/sb",
            "the throwaway PostgreSQL gives a postgresql:// URL", url)
    t0 = time.monotonic()
    rows, err, rc = p.psql(script, db="sb", check=False)
    S.check(rc == 0 and err == "",
            f"an empty database is migrated in one transaction "
            f"({time.monotonic() - t0:.1f} s)", err[-2000:])
    sv = sqlite3.connect(sqlite_path).execute(
        "PRAGMA user_version").fetchone()[0]
    got = p.psql("SELECT id, version FROM schema_version", db="sb")
    S.check(got == [["1", str(sv)]] and sv == latest,
            f"schema_version is SQLite's user_version ({sv}) and "
            f"pg_migrate.c's last step", f"{got} {sv} {latest}")
    rows, err, rc = p.psql(script, db="sb", check=False)
    S.check(rc == 0 and err == "" and p.psql(
        "SELECT version FROM schema_version", db="sb") == [[str(sv)]],
        "a database at the latest version is left as it is", err[-500:])


def test_concurrent(p, script):
    """Two nodes migrating one empty database at once: the advisory lock
    makes the second wait, then find the version done."""
    p.createdb("twice")
    res = [None, None]

    def run(k):
        res[k] = p.psql(script, db="twice", check=False)

    th = [threading.Thread(target=run, args=(k,)) for k in (0, 1)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    S.check([r[2] for r in res] == [0, 0],
            "two migrations of one empty database at once both succeed",
            f"{[r[1][-300:] for r in res]}")
    S.check(p.psql("SELECT count(*) FROM pg_class WHERE relname = 'tenants'"
                   " AND relkind = 'r'", db="twice") == [["1"]],
            "and the schema is there once")


def test_compare(sq, pq):
    diffs = compare(sq, pq)
    S.check(diffs == [], "the PostgreSQL schema is the SQLite schema: "
            "tables, columns, types, NOT NULL, defaults, keys, foreign "
            "keys, CHECKs, indexes, triggers, views", "\n  " +
            "\n  ".join(diffs))
    S.check(len(pq["tables"]) == len(sq["tables"]) >= 75,
            f"{len(pq['tables'])} tables in both",
            f"{len(sq['tables'])} {len(pq['tables'])}")
    S.check(len(pq["indexes"]) == len(sq["indexes"]) >= 69
            and len(pq["triggers"]) == len(sq["triggers"]) == 7
            and sorted(pq["views"]) == ["prompt_refs", "route_refs"],
            f"{len(pq['indexes'])} indexes, {len(pq['triggers'])} "
            f"triggers and the two views in both")
    idents = {t: [c["name"] for c in v["cols"] if c["identity"]]
              for t, v in pq["tables"].items()}
    S.check([idents[t] for t in sorted(NO_IDENTITY)] == [[], [], []]
            and idents["calls"] == ["id"] and idents["leases"] == [],
            "tenants, the one-row tables and keys by name have no identity "
            "column; calls.id is one", f"{idents}")


SEEDED = ("SELECT * FROM tariffs ORDER BY id",
          "SELECT * FROM invoice_counter",
          "SELECT * FROM task_areas ORDER BY name")


def test_seeds(p, sqlite_path):
    db = sqlite3.connect(sqlite_path)
    for q, got in zip(SEEDED, p.psql_each(SEEDED, db="sb")):
        want = [[None if v is None else str(v) for v in r]
                for r in db.execute(q)]
        S.check(got == want and want, f"seeded rows alike: {q}",
                f"{got} {want}")


def test_broken(p, sq):
    """The comparison names what a schema lacks, and nothing else."""
    p.psql('CREATE DATABASE broken TEMPLATE sb')
    p.psql("ALTER TABLE trunks DROP COLUMN tls_name;"
           "ALTER TABLE numbers ALTER COLUMN description DROP NOT NULL;"
           "ALTER TABLE nodes ALTER COLUMN started_at TYPE integer;"
           "DROP INDEX calls_live;"
           "ALTER TABLE devices DROP CONSTRAINT devices_employee_id_fkey;"
           "DROP TRIGGER sms_charge ON outbox;"
           "ALTER TABLE registrations ALTER CONSTRAINT"
           " registrations_device_id_fkey NOT DEFERRABLE;", db="broken")
    diffs = compare(sq, pg_schema(p, "broken"))
    want = ["devices: foreign key (('employee_id',), 'employees', ('id',),"
            " 'NO ACTION', 'NO ACTION') missing in PostgreSQL",
            "nodes.started_at: INTEGER in SQLite is bigint, integer in "
            "PostgreSQL",
            "numbers.description: NOT NULL True in SQLite, False in "
            "PostgreSQL",
            "registrations: foreign key (device_id) not DEFERRABLE "
            "INITIALLY IMMEDIATE in PostgreSQL",
            "trunks.tls_name: missing in PostgreSQL",
            "indexes calls_live: missing in PostgreSQL",
            "triggers sms_charge: missing in PostgreSQL"]
    S.check(diffs == want, "a missing column, index, foreign key and "
            "trigger, a NOT NULL dropped, a type changed and a foreign key "
            "not deferrable are each named, nothing else", "\n  " + "\n  ".join(diffs))


class SqliteRun:
    CODES = {"SQLITE_CONSTRAINT_TRIGGER": "23000",  # RAISE(ABORT, msg)
             "SQLITE_CONSTRAINT_FOREIGNKEY": "23503"}

    def __init__(self, path):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA foreign_keys = ON")

    def __call__(self, sql):
        try:
            return [[None if v is None else str(v) for v in r]
                    for r in self.db.execute(sql)]
        except sqlite3.IntegrityError as e:
            return ("error", self.CODES.get(e.sqlite_errorname,
                                            e.sqlite_errorname), str(e))


def trigger_scenario(now):
    """(statement, the exact result) of each step: rows as lists of
    strings, or ("error", SQLSTATE, message) (message None: the two word
    it differently).  A statement that differs is (SQLite's, PostgreSQL's).
    """
    kept = ("error", "23000", "audit entries are kept for the retention "
            "period")
    inv_immutable = ("error", "23000", "invoices are immutable")
    inv_kept = ("error", "23000", "invoices are kept (§147 AO, §14b UStG)")
    charges = ("SELECT tenant_id, note_id, outbox_id, cents, at FROM "
               "sms_charges WHERE tenant_id = 900 ORDER BY outbox_id")
    return [
        ("INSERT INTO tenants (id, name, created_at) VALUES "
         "(900, 'Trigger GmbH', 0)", []),
        ("INSERT INTO outbox (id, tenant_id, channel, state, next_attempt_at,"
         " created_at) VALUES (9001, 900, 'sms', 'pending', 0, 0),"
         " (9002, 900, 'mail', 'pending', 0, 0),"
         " (9003, 900, 'sms', 'pending', 0, 0)", []),
        ("INSERT INTO notes (id, tenant_id, created_at, updated_at) VALUES"
         " (9100, 900, 0, 0)", []),
        ("INSERT INTO note_deliveries (note_id, outbox_id, version) VALUES"
         " (9100, 9001, 1)", []),
        # sms_charge: once, when an SMS first becomes sent or delivered
        ("UPDATE outbox SET state = 'sending' WHERE id = 9001", []),
        (charges, []),
        ("UPDATE outbox SET state = 'sent', sent_at = 5000 WHERE id = 9001",
         []),
        (charges, [["900", "9100", "9001", "10", "5000"]]),
        ("UPDATE outbox SET state = 'delivered', sent_at = 5500"
         " WHERE id = 9001", []),
        ("UPDATE outbox SET state = 'sent', sent_at = 6000 WHERE id = 9002",
         []),
        ("UPDATE outbox SET state = 'delivered', sent_at = 7000"
         " WHERE id = 9003", []),
        ("UPDATE outbox SET state = 'pending' WHERE id = 9003", []),
        ("UPDATE outbox SET state = 'sent', sent_at = 8000 WHERE id = 9003",
         []),
        (charges, [["900", "9100", "9001", "10", "5000"],
                   ["900", None, "9003", "10", "7000"]]),
        # audit_immutable, audit_kept
        (f"INSERT INTO audit (id, at, tenant_id, method, route, status)"
         f" VALUES (9201, {now - 1100 * DAY}, 900, 'GET', '/a', 200),"
         f" (9202, {now - DAY}, 900, 'GET', '/b', 200),"
         f" (9203, {now - 400 * DAY}, 900, 'GET', '/c', 200)", []),
        ("UPDATE audit SET status = 500 WHERE id = 9201",
         ("error", "23000", "audit entries are immutable")),
        ("DELETE FROM audit WHERE id = 9201", []),
        ("DELETE FROM audit WHERE id = 9203", kept),
        ("INSERT INTO retention (tenant_id, call_days, message_days,"
         " note_days, audit_days, updated_at) VALUES (900, 30, 30, 30, 365,"
         " 0)", []),
        ("DELETE FROM audit WHERE id = 9203", []),
        ("DELETE FROM audit WHERE id = 9202", kept),
        ("INSERT INTO tenant_deletions (tenant_id, requested_at, due_at,"
         " running) VALUES (900, 0, 0, 1)", []),
        ("DELETE FROM audit WHERE id = 9202", []),
        ("SELECT count(*) FROM audit WHERE tenant_id = 900", [["0"]]),
        # invoices_immutable, invoice_lines_immutable, *_kept
        ("INSERT INTO invoices (id, tenant_id, seq, number, kind, reason,"
         " month, period_from, period_until, issued_at, customer_name,"
         " customer_address, issuer_name, issuer_address, issuer_vat_id,"
         " issuer_tax_number, calls, sms_count, net_cents, vat_cents,"
         " gross_cents) VALUES (9301, 900, 9301, 'T-9301', 'invoice', '',"
         " '2026-11', 0, 1, 2, 'C', 'A', 'I', 'IA', 'V', 'T', 0, 1, 100,"
         " 19, 119)", []),
        ("INSERT INTO invoice_lines (id, invoice_id, tenant_id, pos, kind,"
         " call_id, started_at, talk_s, wrapup_s, wrapup_counted_s,"
         " acceptance, why, quantity, vat_bp, amount_x, cents, vat_cents)"
         " VALUES (9401, 9301, 900, 1, 'sms', 0, 0, 0, 0, 0, 0, '', 1,"
         " 1900, 0, 100, 19)", []),
        ("UPDATE invoices SET reason = 'x' WHERE id = 9301", inv_immutable),
        ("UPDATE invoice_lines SET why = 'x' WHERE id = 9401",
         inv_immutable),
        ("DELETE FROM invoice_lines WHERE id = 9401", inv_kept),
        ("DELETE FROM invoices WHERE id = 9301", inv_kept),
        ("SELECT number, gross_cents FROM invoices WHERE id = 9301",
         [["T-9301", "119"]]),
        # the tenant deletion's deferred foreign keys (sqlite_tenant_data.c)
        ("INSERT INTO tenants (id, name, created_at) VALUES"
         " (901, 'Deleted GmbH', 0)", []),
        ("INSERT INTO number_blocks (id, tenant_id, first, last, created_at)"
         " VALUES (9501, 901, '+4930100', '+4930199', 0)", []),
        ("DELETE FROM tenants WHERE id = 901", ("error", "23503", None)),
        ("BEGIN", []),
        (("PRAGMA defer_foreign_keys = ON", "SET CONSTRAINTS ALL DEFERRED"),
         []),
        ("DELETE FROM tenants WHERE id = 901", []),
        ("DELETE FROM number_blocks WHERE tenant_id = 901", []),
        ("COMMIT", []),
        ("SELECT count(*) FROM number_blocks WHERE tenant_id = 901",
         [["0"]]),
    ]


def test_triggers(p, sqlite_path):
    now = int(time.time() * 1000)
    steps = [((q, q) if isinstance(q, str) else q, want)
             for q, want in trigger_scenario(now)]
    lite = SqliteRun(sqlite_path)
    pgres = p.psql_each([q[1] for q, _ in steps], db="sb")
    for ((lq, _pq), want), pgot in zip(steps, pgres):
        got = {"SQLite": lite(lq), "PostgreSQL": pgot}
        if isinstance(want, tuple) and want[2] is None:
            got = {k: v[:2] + (None,) if isinstance(v, tuple) else v
                   for k, v in got.items()}
        S.check(got["SQLite"] == want and got["PostgreSQL"] == want,
                f"{lq[:60]}... -> {str(want)[:70]}", f"{got}")


def test_sql(p):
    """Every statement of the store is valid PostgreSQL (scripts/
    pg_sql_check.py): prepared untyped and typed as the C binds it, no
    boolean column, none of SQLite's own constructs left."""
    r = pgsqlcheck.check(p, "sqlcheck")
    n, lines = len(r["stmts"]), pgsqlcheck.summary(r)
    S.check(not r["failed"] and n > 500,
            f"{lines[0]}", "\n".join(lines))
    S.check(r["typed"] > 500 and not r["conflicts"],
            f"{r['typed']} statements prepared with every parameter typed "
            f"as the C binds it, no call sites that disagree",
            str(r["conflicts"]))
    S.check(not any(r["constructs"].values()),
            "no SQLite-only construct in the text", str(r["constructs"]))


def main():
    try:
        pg.bindir()
    except RuntimeError as e:
        S.check(False, "PostgreSQL is installed (debian-packages.txt: "
                "postgresql)", str(e))
        S.finish()
    steps, stmts = pgstore.program()
    S.run(test_program, steps, stmts)
    script = pgstore.migrate_script(steps, stmts)
    tmp = tempfile.mkdtemp(prefix="sbpgschema-")
    p = None
    try:
        sqlite_path = fresh_sqlite(tmp)
        p = pg.Postgres()
        S.check(p.started_in < 5,
                f"the throwaway PostgreSQL is ready in < 5 s "
                f"({p.started_in:.1f} s)")
        S.run(test_migrate, p, script, sqlite_path, steps[-1][0])
        sq = sqlite_schema(sqlite_path)
        pq = pg_schema(p, "sb")
        S.run(test_compare, sq, pq)
        S.run(test_seeds, p, sqlite_path)
        S.run(test_broken, p, sq)
        S.run(test_concurrent, p, script)
        S.run(test_triggers, p, sqlite_path)
        S.run(test_sql, p)
    finally:
        if p:
            p.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    S.finish()


if __name__ == "__main__":
    main()
