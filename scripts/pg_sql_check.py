#!/usr/bin/python3
"""Is every statement of the store valid PostgreSQL (issue 21)?

Every statement of the store's sqlsets (after the preprocessor; a set's
pg_sql rows replace its rows of the same id on PostgreSQL) and the SQL
sqlite_tenant_data.c builds at run time is prepared in a throwaway
PostgreSQL (test/lib/pg.py) that has the store's schema: untyped (as
PostgreSQL infers), typed as the C binds each parameter (int8, text:
test/lib/sqlbinds.py) and described (no boolean column: SQLite gives
0/1).  test/lib/pgsqlcheck.py does the work; the pg_schema suite asserts
that nothing fails.

    scripts/pg_sql_check.py            the summary (docs/store.md)
    scripts/pg_sql_check.py --list     and each failing statement

Exit status 1 when a statement fails.  Run as root or not (pg.py); needs
cc, psql and PostgreSQL 15.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "test", "lib"))
import pg  # noqa: E402
import pgsqlcheck  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true",
                    help="also print each failing statement and its error")
    args = ap.parse_args()

    p = pg.Postgres()
    try:
        r = pgsqlcheck.check(p)
    finally:
        p.stop()
    print("\n".join(pgsqlcheck.summary(r)))
    if args.list and r["failed"]:
        print("\nFailing statements:")
        for sid, f, how, cls, msg, sql in r["failed"]:
            print(f"\n{sid} ({f}, {how}) [{cls}]\n  {msg}\n  {sql}")
    return 1 if r["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
