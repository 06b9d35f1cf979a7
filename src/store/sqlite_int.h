/*
 * sqlite_int.h - private to store/: what the SQLite backend's files share.
 *
 * The backend is one file per concept of store.h (sqlite_tenant.c,
 * sqlite_employee.c, sqlite_device.c, sqlite_number.c for blocks and
 * numbers, sqlite_announcement.c, sqlite_trunk.c, sqlite_registration.c,
 * sqlite_call.c, sqlite_node.c, sqlite_outbox.c, sqlite_token.c,
 * sqlite_schedule.c, sqlite_ivr.c, sqlite_voicemail.c, sqlite_prompt.c,
 * sqlite_external.c, sqlite_digit_input.c, sqlite_ring_group.c,
 * sqlite_queue.c and sqlite_agent.c (hotline queues and their agents),
 * sqlite_visit.c (callers' queue visits, for statistics);
 * sqlite_availability.c (absence info, appointments), sqlite_oncall.c
 * (on-call schedules and their overrides); sqlite_user.c (password
 * logins; their sessions are tokens of sqlite_token.c); sqlite_note.c
 * (call notes, their versions, deliveries and reads); sqlite_push.c (Web
 * Push subscriptions, the VAPID key and the push part of an outbox row);
 * sqlite_target.c for what they route to) over a small core:
 *
 *   sqlite_core.c  the connection: open, close, the statement cache,
 *                  transactions, database errors as errno values
 *   db.h           the driver seam every file above reaches the database
 *                  through; db_sqlite.c is its SQLite driver, db_pg.c
 *                  (with db_pg_stmt.c) its PostgreSQL driver
 *   sqlite_row.c   records as rows: column tables, and get, find, list,
 *                  add, update and delete written once for every record
 *   migrate.c      brings a database file to the newest schema
 *   demo.c         seeds the demo tenant through the public functions
 *   names.c        the names of store.h's enums (struct store_names),
 *                  which any backend stores; enum columns are read and
 *                  written through them
 *
 * A concept file holds its SQL (a struct store_sqlset of statements whose
 * ids are listed below), the column table of its record, its validation
 * and the rules that span tables.  Nothing outside store/ may include this
 * header: the rest of Switchboard sees only store.h.
 */
#ifndef SWITCHBOARD_STORE_SQLITE_INT_H
#define SWITCHBOARD_STORE_SQLITE_INT_H

#include <stdarg.h>
#include <stddef.h>
#include "store/db.h"
#include "store/store.h"

/* ---- statements ------------------------------------------------------- */

/*
 * Every SQL statement of the backend, by the file that owns it.  Each
 * statement is prepared once, when the store opens; a file adds a row to
 * its sqlset and an id here.
 */
enum store_sql_id {
	/* sqlite_tenant.c */
	S_TENANT_ANY = 0,
	S_TENANT_EXISTS,
	S_TENANT_ADD,
	S_TENANT_GET,
	S_TENANT_UPDATE,
	S_TENANT_INUSE,
	S_TENANT_DELETE,
	S_TENANT_LIST,

	/* sqlite_employee.c */
	S_EMP_TENANT,
	S_EMP_ADD,
	S_EMP_GET,
	S_EMP_BY_EXT,
	S_EMP_UPDATE,
	S_EMP_LIST,
	S_EMP_PERSONAL,
	S_EMP_SET_PERSONAL,
	S_EMP_BY_PERSONAL,
	S_EMP_RELEASE_NUMBERS,
	S_EMP_IN_SCHEDULE,
	S_EMP_DELETE_DEVICES,
	S_EMP_DELETE,

	/* sqlite_device.c */
	S_DEV_TENANT,
	S_DEV_ADD,
	S_DEV_GET,
	S_DEV_BY_USERNAME,
	S_DEV_UPDATE,
	S_DEV_DELETE,
	S_DEV_LIST,

	/* sqlite_number.c: blocks and numbers */
	S_BLOCK_ADD,
	S_BLOCK_GET,
	S_BLOCK_OVERLAP,
	S_BLOCK_FIND,
	S_BLOCK_INUSE,
	S_BLOCK_DELETE,
	S_BLOCK_LIST,
	S_NUM_ADD,
	S_NUM_GET,
	S_NUM_BY_E164,
	S_NUM_UPDATE,
	S_NUM_UNSET_PERSONAL,
	S_NUM_DELETE,
	S_NUM_LIST,

	/* sqlite_announcement.c */
	S_ANN_TENANT,
	S_ANN_ADD,
	S_ANN_GET,
	S_ANN_UPDATE,
	S_ANN_INUSE,
	S_ANN_DELETE,
	S_ANN_LIST,

	/* sqlite_trunk.c */
	S_TRUNK_ADD,
	S_TRUNK_GET,
	S_TRUNK_UPDATE,
	S_TRUNK_DELETE,
	S_TRUNK_LIST,
	S_TRUNK_BY_SOURCE,
	S_TRUNK_FOR_TENANT,
	S_TRUNK_ROUTE,

	/* sqlite_registration.c */
	S_REG_SAVE,
	S_REG_DELETE,
	S_REG_DELETE_DEVICE,
	S_REG_LIST,
	S_REG_LIST_ALL,
	S_REG_LIST_EMPLOYEE,
	S_REG_PURGE,
	S_REG_COUNT,

	/* sqlite_call.c */
	S_CALL_ADD,
	S_CALL_ANSWERED,
	S_CALL_ENDED,
	S_CALL_GET,
	S_CALL_LIST,
	S_CALL_LIST_TENANT,
	S_CALL_EXPORT,
	S_CALL_EXPORT_TENANT,
	S_CALL_CLOSE_NODE,
	S_CALL_CLOSE_STALE,
	S_WRAPUP_CLOSE_NODE,
	S_WRAPUP_CLOSE_NODE_CB,
	S_WRAPUP_CLOSE_STALE,
	S_WRAPUP_CLOSE_STALE_CB,

	/* sqlite_node.c */
	S_NODE_HEARTBEAT,
	S_NODE_GET,
	S_NODE_LIST,
	/* sqlite_node_event.c */
	S_NEV_ADD,
	S_NEV_AFTER,
	S_NEV_LAST,
	S_NEV_TRIM,
	S_NEV_PEERS,
	S_NEV_STREAMS_SET,
	S_NEV_STREAMS,
	S_LEASE_TAKE,
	S_LEASE_HELD,
	S_LEASE_DROP,
	S_LEASE_DROP_ALL,
	S_LEASE_LIST,
	S_TRUNK_REG_PUT,
	S_TRUNK_REG_GET,
	S_TRUNK_REG_STOP,

	/* sqlite_outbox.c */
	S_OUTBOX_ADD,
	S_OUTBOX_FILE_ADD,
	S_OUTBOX_GET,
	S_OUTBOX_FILES,
	S_OUTBOX_LIST,
	S_OUTBOX_DUE,
	S_OUTBOX_TAKE,
	S_OUTBOX_SENT,
	S_OUTBOX_DONE,
	S_OUTBOX_BY_EXT,
	S_OUTBOX_REPORT,
	S_OUTBOX_RETRY,
	S_OUTBOX_FAIL,
	S_OUTBOX_REQUEUE,
	S_OUTBOX_REQUEUE_STALE,
	S_OUTBOX_PENDING_COUNT,
	S_OUTBOX_SENDING_COUNT,

	/* sqlite_token.c */
	S_TOKEN_ADD,
	S_TOKEN_CHECK,
	S_TOKEN_GET,
	S_TOKEN_ANY,
	S_TOKEN_LIST,
	S_TOKEN_DELETE,
	S_TOKEN_TOUCH,
	S_TOKEN_REVOKE_USER,
	S_TOKEN_SWEEP,
	S_TOKEN_SWEEP_API,
	S_TOKEN_SESSIONS,
	/* sqlite_schedule.c */
	S_SCHED_TENANT,
	S_SCHED_ADD,
	S_SCHED_GET,
	S_SCHED_UPDATE,
	S_SCHED_INUSE,
	S_SCHED_DELETE,
	S_SCHED_LIST,
	S_SCHED_RANGES_CLEAR,
	S_SCHED_RANGE_ADD,
	S_SCHED_RANGES,
	S_SCHED_EXCS_CLEAR,
	S_SCHED_EXC_ADD,
	S_SCHED_EXCS,
	/* sqlite_ivr.c */
	S_IVR_TENANT,
	S_IVR_ADD,
	S_IVR_GET,
	S_IVR_UPDATE,
	S_IVR_INUSE,
	S_IVR_DELETE,
	S_IVR_LIST,
	S_IVR_OPTS_CLEAR,
	S_IVR_OPT_ADD,
	S_IVR_OPTS,
	/* sqlite_voicemail.c */
	S_MBOX_TENANT,
	S_MBOX_ADD,
	S_MBOX_GET,
	S_MBOX_BY_EMP,
	S_MBOX_UPDATE,
	S_MBOX_INUSE,
	S_MBOX_MSGS,
	S_MBOX_DELETE,
	S_MBOX_LIST,
	S_VMSG_ADD,
	S_VMSG_GET,
	S_VMSG_BY_FILE,
	S_VMSG_HEARD,
	S_VMSG_DELETE,
	S_VMSG_LIST,
	/* sqlite_prompt.c */
	S_PROMPT_ADD,
	S_PROMPT_GET,
	S_PROMPT_BY_FILE,
	S_PROMPT_UPDATE,
	S_PROMPT_INUSE,
	S_PROMPT_DELETE,
	S_PROMPT_LIST,
	S_PROMPT_REFS,
	/* sqlite_external.c */
	S_EXT_TENANT,
	S_EXT_ADD,
	S_EXT_GET,
	S_EXT_UPDATE,
	S_EXT_INUSE,
	S_EXT_DELETE,
	S_EXT_LIST,
	/* sqlite_digit_input.c */
	S_DIN_TENANT,
	S_DIN_ADD,
	S_DIN_GET,
	S_DIN_UPDATE,
	S_DIN_INUSE,
	S_DIN_DELETE,
	S_DIN_LIST,
	/* sqlite_call.c: values attached to calls */
	S_CALL_VAR_COUNT,
	S_CALL_VAR_SET,
	S_CALL_VARS,
	/* sqlite_ring_group.c */
	S_RG_TENANT,
	S_RG_ADD,
	S_RG_GET,
	S_RG_UPDATE,
	S_RG_INUSE,
	S_RG_DELETE,
	S_RG_LIST,
	S_RG_MEMBERS_CLEAR,
	S_RG_MEMBER_ADD,
	S_RG_MEMBERS,
	/* sqlite_queue.c */
	S_QUEUE_TENANT,
	S_QUEUE_POOL,
	S_QUEUE_ADD,
	S_QUEUE_GET,
	S_QUEUE_UPDATE,
	S_QUEUE_INUSE,
	S_QUEUE_DELETE,
	S_QUEUE_LIST,
	S_QUEUE_CHILDREN_CLEAR,
	S_QUEUE_SKILLS_CLEAR,
	S_QUEUE_WIDEN_CLEAR,
	S_QUEUE_MEMBER_ADD,
	S_QUEUE_SKILL_ADD,
	S_QUEUE_WIDEN_ADD,
	S_QUEUE_MEMBERS,
	S_QUEUE_SKILLS,
	S_QUEUE_WIDENS,
	/* sqlite_agent.c */
	S_AGENT_GET,
	S_AGENT_SET_STATE,
	S_AGENT_SKILLS_CLEAR,
	S_AGENT_SKILL_ADD,
	S_AGENT_SKILLS,
	S_AGENT_LIST,
	S_AGENT_CHANGED,
	S_CLAIM_PUT,
	S_CLAIM_DROP,
	S_CLAIM_LIST,
	S_QENTRY_PUT,
	S_QENTRY_DROP,
	S_QENTRY_OFFERED,
	S_QENTRY_LIST,
	S_ROWS_DROP_CLAIMS_NODE,
	S_ROWS_DROP_ENTRIES_NODE,
	S_ROWS_DROP_CLAIMS_STALE,
	S_ROWS_DROP_ENTRIES_STALE,
	S_ACD_CHANGE_ADD,
	S_STORE_NOW,
	S_ACD_CHANGE_LIST,
	S_ACD_CHANGE_PURGE,
	/* sqlite_visit.c */
	S_VISIT_ADD,
	S_VISIT_LEFT,
	S_VISIT_HANDLED,
	S_VISIT_WRAPUP,
	S_VISIT_CALLBACK,
	S_VISIT_CALLBACK_DONE,
	S_VISIT_GET,
	S_VISIT_POOL_AGENT,
	S_VISIT_LIST,
	/* sqlite_callback.c */
	S_CB_ADD,
	S_CBCALL_ADD,
	S_CBCALL_WRAPUP,
	S_CB_GET,
	S_CB_UPDATE,
	S_CB_LIST,
	S_CB_CLAIM,
	S_CB_RELEASE,
	S_CB_QUEUE_TENANT,
	/* sqlite_target.c */
	S_TARGET_USED_BY,
	/* sqlite_vip.c */
	S_VIP_ADD,
	S_VIP_GET,
	S_VIP_UPDATE,
	S_VIP_DELETE,
	S_VIP_LIST,
	S_VIP_FIND,
	S_VIP_TENANT,
	/* sqlite_caller.c */
	S_CE_ADD,
	S_CE_GET,
	S_CE_UPDATE,
	S_CE_DELETE,
	S_CE_LIST,
	S_CE_MATCH,
	S_CE_TENANT,
	S_AD_ADD,
	S_AD_GET,
	S_AD_UPDATE,
	S_AD_DELETE,
	S_AD_LIST,
	S_AD_MATCH,
	S_CSET_GET,
	S_CSET_SET,
	/* sqlite_forwarding.c */
	S_FWD_ADD,
	S_FWD_GET,
	S_FWD_UPDATE,
	S_FWD_DELETE,
	S_FWD_LIST,
	S_FWD_FIND,
	/* sqlite_availability.c */
	S_ABS_GET,
	S_ABS_SET,
	S_APPT_ADD,
	S_APPT_GET,
	S_APPT_UPDATE,
	S_APPT_DELETE,
	S_APPT_LIST,
	/* sqlite_oncall.c */
	S_ONC_TENANT,
	S_ONC_ADD,
	S_ONC_GET,
	S_ONC_UPDATE,
	S_ONC_DELETE,
	S_ONC_LIST,
	S_ONC_MEMBERS_CLEAR,
	S_ONC_MEMBER_ADD,
	S_ONC_MEMBERS,
	S_OVR_ADD,
	S_OVR_GET,
	S_OVR_UPDATE,
	S_OVR_DELETE,
	S_OVR_LIST,
	S_OVR_OVERLAP,
	/* sqlite_profile.c */
	S_PROFILE_NEXT,
	S_PROFILE_ADD,
	S_PROFILE_GET,
	S_PROFILE_AT,
	S_PROFILE_LIST,
	S_PROFILE_REWRITE,
	S_PROFILE_CANCEL,
	/* sqlite_audit.c */
	S_AUDIT_ADD,
	S_AUDIT_LIST,
	/* sqlite_retention.c */
	S_RET_GET,
	S_RET_SET,
	S_PURGE_VM_FILES,
	S_PURGE_VM,
	S_PURGE_OUTBOX,
	S_PURGE_CALLBACKS,
	S_PURGE_CB_UNLINK,
	S_PURGE_VISITS,
	S_PURGE_CALLS,
	S_PURGE_AUDIT,
	/* sqlite_tenant_data.c */
	S_DEL_ADD,
	S_DEL_GET,
	S_DEL_CANCEL,
	S_DEL_DUE,
	S_DEL_START,
	S_DEL_DEFER,
	S_DEL_TENANT,
	S_DEL_FORGET,
	S_DEL_DONE,
	S_DEL_TABLES,

	/* sqlite_user.c (issue 16: password logins) */
	S_USER_ADD,
	S_USER_GET,
	S_USER_FIND,
	S_USER_UPDATE,
	S_USER_FAILURES,
	S_USER_DELETE,
	S_USER_LIST,
	/* sqlite_login_failure.c (issue 16: failed logins kept) */
	S_LFAIL_GET,
	S_LFAIL_PUT,
	S_LFAIL_DELETE,
	S_LFAIL_PURGE,
	S_LFAIL_TRIM,

	/* sqlite_note.c (issue 17: call notes) */
	S_NOTE_ADD,
	S_NOTE_UPDATE,
	S_NOTE_GET,
	S_NOTE_LIST,
	S_NOTE_CALL_TENANT,
	S_NOTE_EMPS,
	S_NOTE_EMPS_CLEAR,
	S_NOTE_EMP_ADD,
	S_NOTE_VERSION_ADD,
	S_NOTE_VERSIONS,
	S_NOTE_DELIVERY_ADD,
	S_NOTE_DELIVERIES,
	S_NOTE_READ_MARK,
	S_NOTE_READ_ACK,
	S_NOTE_READ_GET,
	S_NOTE_READS,
	S_NSET_GET,
	S_NSET_SET,
	S_SECRET_ADD,
	S_SECRET_GET,
	S_PURGE_NOTES,

	/* sqlite_note_escalation.c (issue 17: escalation of urgent notes) */
	S_ESC_DUE,
	S_ESC_RETRY_DUE,
	S_ESC_TAKEN,
	S_ESC_ADD,
	S_ESC_OUTCOME,
	S_ESC_LIST,

	/* sqlite_push.c (issue 17: web push) */
	S_PUSH_ADD,
	S_PUSH_GET,
	S_PUSH_FIND,
	S_PUSH_REKEY,
	S_PUSH_DELETE,
	S_PUSH_LIST,
	S_VAPID_ADD,
	S_VAPID_GET,
	S_OUTBOX_PUSH_ADD,
	S_OUTBOX_PUSH_GET,

	/* sqlite_dashboard.c (issue 17: dashboard and caller statistics) */
	S_DASH_CALLS,
	S_DASH_HOURS,
	S_DASH_SPEEDS,
	S_DASH_EMPLOYEES,

	/* sqlite_consult.c (issue 17: outcomes of consultations) */
	S_CONSULT_SET,
	S_CONSULT_LIST,
	/* sqlite_billing.c (issue 18: tariffs, what is billed) */
	S_TARIFF_ADD,
	S_TARIFF_LIST,
	S_BILL_CALLS,
	S_BILL_SMS,
	/* sqlite_invoice.c (issue 18: invoices) */
	S_INV_OPEN,
	S_INV_COUNTER_NEXT,
	S_INV_COUNTER_GET,
	S_INV_ADD,
	S_INV_LINE_ADD,
	S_INV_GET,
	S_INV_LIST,
	S_INV_LINES,
	S_INV_CREDITED,
	S_INV_RUNNING,
	S_BADDR_GET,
	S_BADDR_SET,
	/* sqlite_task.c (issue 18: assistants' tasks) */
	S_TASK_AREA,
	S_TASK_ADD,
	S_TASK_GET,
	S_TASK_UPDATE,
	S_TASK_LIST,
	S_TASK_TIME_ADD,
	S_TASK_TIME_LIST,
	S_TASK_CALL_ADD,
	S_TASK_CALL_GET,
	S_TASK_MONTHS,
	S_TASK_UNTASKED,
	S_TASK_ASSIGN_CLEAR,
	S_TASK_ASSIGN_ADD,
	S_TASK_ASSIGN_LIST,
	S_TASK_ASSIGNED,
	S_TASK_DAYS,
	S_COUNT
};

/* One statement: its id, a name for the log, its SQL. */
struct store_sql {
	enum store_sql_id id;
	const char *op; /* "tenant add": what failed, in log lines */
	const char *sql;
};

/*
 * The statements of one file.  Their SQL is the subset SQLite and
 * PostgreSQL both accept (docs/store.md, "One SQL for both").  The few
 * that differ by nature (a PRAGMA, the catalog) are written again for
 * PostgreSQL in pgv (an array named pg_sql, with the same ids), which
 * replaces them on a PostgreSQL connection (db_is_pg()).
 */
struct store_sqlset {
	const struct store_sql *v;
	size_t n;
	const struct store_sql *pgv; /* NULL: v serves both */
	size_t pgn;
};

#define STORE_SQLSET(v)                                                        \
	{                                                                      \
		(v), sizeof(v) / sizeof((v)[0]), NULL, 0                       \
	}

/* The store's clock [ms UTC] in SQL: rows that nodes compare with each
 * other's times are stamped with it (docs/cluster.md), never with the
 * writing node's clock.  SQLite: this machine's; PostgreSQL: the
 * server's (the time the statement began). */
#define STORE_NOW_MS_SQL                                                       \
	"CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
#define STORE_NOW_MS_PG                                                        \
	"CAST(floor(extract(epoch FROM statement_timestamp()) * 1000)"         \
	" AS bigint)"

/* A set whose statements pg replace some of v's on PostgreSQL. */
#define STORE_SQLSET_PG(v, pg)                                                 \
	{                                                                      \
		(v), sizeof(v) / sizeof((v)[0]), (pg),                         \
		    sizeof(pg) / sizeof((pg)[0])                               \
	}

extern const struct store_sqlset store_sql_tenant, store_sql_employee,
    store_sql_device, store_sql_number, store_sql_announcement, store_sql_trunk,
    store_sql_registration, store_sql_call, store_sql_node,
    store_sql_node_event, store_sql_lease, store_sql_trunk_reg,
    store_sql_outbox, store_sql_token, store_sql_schedule, store_sql_ivr,
    store_sql_voicemail, store_sql_prompt, store_sql_external,
    store_sql_digit_input, store_sql_ring_group, store_sql_queue,
    store_sql_agent, store_sql_acd_rows, store_sql_visit, store_sql_target,
    store_sql_vip, store_sql_callback, store_sql_availability, store_sql_oncall,
    store_sql_profile, store_sql_user, store_sql_audit, store_sql_retention,
    store_sql_tenant_data, store_sql_caller, store_sql_forwarding,
    store_sql_login_failure, store_sql_note, store_sql_note_esc, store_sql_push,
    store_sql_dashboard, store_sql_consult, store_sql_billing,
    store_sql_invoice, store_sql_task;

/* ---- sqlite_core.c: the connection ------------------------------------ */

struct store {
	struct db *db;                         /* connection (owned)          */
	struct db_stmt *stmtv[S_COUNT];        /* prepared statements (owned) */
	const struct store_sql *sqlv[S_COUNT]; /* their definitions      */
	unsigned txdepth;                      /* open store_tx_begin() calls */
	uint64_t tx_granted_us;   /* the open write transaction's lock since */
	struct store_tx_stats tx; /* store_tx_stats_get()                  */
	int version;              /* schema version after open   */
};

/*
 * The errno for rc, a DB_* error class of db.h, of statement id.  fkerr is
 * what a foreign key failure means there: ENOENT when inserting (the
 * parent is missing), EBUSY when deleting (children exist).  Unique
 * constraints are EEXIST, checks EINVAL, anything unexpected EIO, logged
 * with the statement's op (the drivers' messages name tables and columns,
 * never values).  store_dberr_op() is the same for an op of its own.
 */
int store_dberr(struct store *st, int rc, enum store_sql_id id, int fkerr);
int store_dberr_op(struct store *st, int rc, const char *op, int fkerr);
/*
 * After the first row of s (never after DB_DONE: a step then runs the
 * statement again): step a write (INSERT ... RETURNING) to its
 * end, so its changes are made (and outside a transaction committed)
 * before we say so; 0, or the error of the step that failed.  A read is
 * left as it is.
 */
int store_step_rest(struct store *st, enum store_sql_id id, struct db_stmt *s,
		    int fkerr);
/* Step the write s that says RETURNING id to its end: its id in *idp;
 * ENOENT when it returned no row, or the error of a step. */
int store_step_id(struct store *st, enum store_sql_id id, struct db_stmt *s,
		  int fkerr, int64_t *idp);

/*
 * The cached statement id, ready to bind.  If a walk further up the stack
 * is still stepping it, a private copy is prepared instead, so a list
 * handler may call back into the store.  Give it back with
 * store_stmt_put(), which resets it (or finalizes the copy).
 */
int store_stmt_get(struct store *st, enum store_sql_id id, struct db_stmt **sp);
void store_stmt_put(struct store *st, enum store_sql_id id, struct db_stmt *s);

/* Step the bound statement s of id once: a write or a single-row query. */
int store_step(struct store *st, enum store_sql_id id, struct db_stmt *s,
	       int fkerr);

/*
 * store_stmt_get() statement id and bind its parameters ?1, ?2, ... from
 * the arguments, one per character of fmt:
 *   'i' int64_t     'r' int64_t reference, 0 binds NULL
 *   'u' uint64_t    'd' int (uint16_t and the like, promoted)
 *   's' const char *, NULL binds ""
 *   'n' const char *, NULL binds NULL
 *   '-' no argument: the parameter stays NULL
 * Characters beyond the statement's parameters are ignored.
 */
int store_stmt_bind(struct store *st, enum store_sql_id id, struct db_stmt **sp,
		    const char *fmt, ...);
int store_stmt_vbind(struct store *st, enum store_sql_id id,
		     struct db_stmt **sp, const char *fmt, va_list ap);

/*
 * Run statement id bound by fmt (as store_stmt_bind()): a write (*vp gets
 * the number of changed rows) or a query (*vp gets the first column of the
 * first row, ENOENT if there is none).  vp may be NULL.
 */
int store_run(struct store *st, enum store_sql_id id, int fkerr, int64_t *vp,
	      const char *fmt, ...);

/* Tenant of record id by sid (S_*_TENANT, or S_TENANT_EXISTS, whose
 * answer is the id itself).  ENOENT if there is no such record. */
int store_tenant_of(struct store *st, enum store_sql_id sid, int64_t id,
		    int64_t *tenantp);
/* An optional employee reference of a tenant's record: 0 (none) passes;
 * else the employee must exist (ENOENT) and be tenant_id's (EXDEV). */
int store_employee_of_tenant(struct store *st, int64_t employee_id,
			     int64_t tenant_id);

/* sqlite_push.c: the push part of outbox row o (o->id set), written in
 * store_outbox_add()'s transaction; read into o->push (zero unless a
 * webpush row). */
int store_outbox_push_add(struct store *st, const struct store_outbox *o);
int store_outbox_push_load(struct store *st, struct store_outbox *o);

/*
 * Open a write transaction (db_tx() DB_BEGIN: on PostgreSQL with the
 * store's write lock, so it runs alone among the transactions of every
 * node, as under SQLite's BEGIN IMMEDIATE) or, when one is already open,
 * a savepoint inside it, so public functions that need a transaction can
 * call each other.  Every successful store_tx_begin() must be paired with
 * store_tx_end(), which commits when err is 0 and rolls back to the
 * matching begin otherwise.  store_tx_end() returns err, or EIO if the
 * commit itself failed (the work is then rolled back).
 */
int store_tx_begin(struct store *st);
int store_tx_end(struct store *st, int err);

/* Run h(st, arg) in a transaction of its own (or a savepoint): committed
 * if h returns 0, rolled back otherwise.  Returns what h returned, or the
 * error of the transaction. */
typedef int(store_tx_h)(struct store *st, void *arg);
int store_tx(struct store *st, store_tx_h *h, void *arg);
/* The same without the store's write lock on PostgreSQL (SQLite: as
 * store_tx()), so that it neither waits for nor holds up the checked
 * writes of other nodes (docs/store.md, "Many nodes"): for a transaction
 * whose rows are locked by its own SQL (FOR UPDATE SKIP LOCKED), or that
 * reads nothing it then relies on that another node may change: it only
 * inserts new rows (foreign keys guard their parents) and updates rows by
 * a version it checks in the UPDATE (a note, an outbox entry, a
 * voicemail).  Still all or nothing. */
int store_tx_rows(struct store *st, store_tx_h *h, void *arg);

/* ---- sqlite_core.c: binding and reading values ------------------------ */

/*
 * Bind str as text without copying: at most sz-1 bytes of a record field
 * (which may lack its NUL), or all of a C string when sz is 0.  NULL binds
 * "".  The statement is stepped before str can go away.
 */
void store_bind_text(struct db_stmt *s, int i, const char *str, size_t sz);
/* A reference that may be "none": 0 is stored as NULL. */
void store_bind_ref(struct db_stmt *s, int i, int64_t id);
void store_bind_u64(struct db_stmt *s, int i, uint64_t v);
void store_col_text(struct db_stmt *s, int i, char *buf, size_t sz);
uint64_t store_col_u64(struct db_stmt *s, int i);
/* An integer column as int (the low 32 bits, as SQLite's column_int). */
int store_col_int(struct db_stmt *s, int i);

#define STORE_BIND_FIELD(s, i, f) store_bind_text((s), (i), (f), sizeof(f))
#define STORE_BIND_STR(s, i, str) store_bind_text((s), (i), (str), 0)

/* True if s is "" or only the digits 0-9. */
bool store_str_isdigits(const char *s);

/* ---- sqlite_row.c: records as rows ------------------------------------ */

/* How a record field is a column. */
enum store_col_type {
	SC_I64,  /* int64_t, stored as is                      */
	SC_REF,  /* int64_t reference, 0 stored as NULL         */
	SC_TEXT, /* char[size]                                 */
	SC_BOOL, /* bool, 0 or 1                               */
	SC_INT,  /* an enum stored as its number               */
	SC_ENUM, /* an enum stored as its name (store_col.names) */
	SC_U16,  /* uint16_t                                   */
	SC_U32,  /* uint32_t (read clamped to UINT32_MAX)      */
	SC_U64,  /* uint64_t (times)                           */
};

/* Which statements bind a column (flags of struct store_col). */
enum {
	SC_ADD = 1, /* the insert: ?1, ?2, ... in table order          */
	SC_UPD = 2, /* the update: ?1 is the id, then ?2, ... in order */
};

/*
 * One field of a record: the result column at its position in the
 * table (the SELECT lists the columns in table order).  Column 0 is the
 * record's id, written by an insert.
 */
struct store_col {
	unsigned char type;              /* enum store_col_type        */
	unsigned char flags;             /* SC_ADD, SC_UPD              */
	unsigned short off;              /* offsetof the field          */
	unsigned short size;             /* sizeof the field            */
	const struct store_names *names; /* SC_ENUM: its names */
};

#define STORE_COL(type, flags, rec, field)                                     \
	{                                                                      \
		(type), (flags), offsetof(struct rec, field),                  \
		    sizeof(((struct rec *)0)->field), NULL                     \
	}

/* An enum field stored as its name from table names (names.c); a name
 * the table does not know reads as the enum's 0. */
#define STORE_ENUM(flags, rec, field, names)                                   \
	{                                                                      \
		SC_ENUM, (flags), offsetof(struct rec, field),                 \
		    sizeof(((struct rec *)0)->field), (names)                  \
	}

/* Any handler of store.h (store_tenant_h, ...); struct store_record's
 * callh casts it back to its own type. */
typedef void(store_fn)(void);

/* How one record type of store.h maps to a row. */
struct store_record {
	const struct store_col *colv;
	size_t colc;
	size_t size; /* sizeof the record */
	/* call handler h, a store_<x>_h, with rec */
	int (*callh)(store_fn *h, const void *rec, void *arg);
};

/*
 * Define the struct store_record `name` of struct `type` with column table
 * cols, whose walks call handlers of type handler (store_<x>_h), and its
 * callh.
 */
#define STORE_RECORD(name, type, handler, cols)                                \
	static int name##_call(store_fn *h, const void *rec, void *arg)        \
	{                                                                      \
		return ((handler *)h)(rec, arg);                               \
	}                                                                      \
	static const struct store_record name = {                              \
	    (cols), ARRAY_SIZE(cols), sizeof(struct type), name##_call}

/* Read the current row of s into rec, every column of r. */
void store_row_read(const struct store_record *r, struct db_stmt *s, void *rec);

/* Bind the columns of r flagged flag from parameter first on; returns the
 * next parameter index. */
int store_row_bind(const struct store_record *r, struct db_stmt *s, int first,
		   unsigned flag, const void *rec);

/*
 * Statement sid, bound by fmt (as store_stmt_bind()), as records of r:
 * with h NULL, its first row read into rec (ENOENT if there is none);
 * else a walk that calls h with each row, until h returns non-0 (which is
 * returned).
 */
int store_row_query(struct store *st, enum store_sql_id sid,
		    const struct store_record *r, void *rec, store_fn *h,
		    void *arg, const char *fmt, ...);

/* The record of id by sid: EINVAL unless st, id > 0 and rec. */
int store_row_get(struct store *st, enum store_sql_id sid, int64_t id,
		  const struct store_record *r, void *rec);

/* The record whose key (a text parameter ?1) is key: EINVAL unless st,
 * key is set and rec. */
int store_row_find(struct store *st, enum store_sql_id sid, const char *key,
		   const struct store_record *r, void *rec);

/* Walk sid whose ?1 is the tenant filter (0 = all tenants): EINVAL unless
 * st, tenant_id >= 0 and h. */
int store_row_list(struct store *st, enum store_sql_id sid, int64_t tenant_id,
		   const struct store_record *r, store_fn *h, void *arg);

/* Insert rec by its SC_ADD columns and write the new id into its column 0
 * field. */
int store_row_add(struct store *st, enum store_sql_id sid,
		  const struct store_record *r, void *rec);

/* Update the row of rec's id by its SC_UPD columns; ENOENT if none. */
int store_row_update(struct store *st, enum store_sql_id sid,
		     const struct store_record *r, const void *rec);

/*
 * Delete the row id by sid (EBUSY if rows still refer to it, ENOENT if it
 * is not there).  With inuse (not S_COUNT), first ask that query whether
 * the row is in use (EBUSY), inside one transaction.
 */
int store_row_delete(struct store *st, enum store_sql_id inuse,
		     enum store_sql_id sid, int64_t id);

/*
 * A record with child rows (a schedule's ranges, a menu's keys): the row
 * and its children written in one transaction, read together.  The
 * record's targets are checked (check, may be NULL) before each write;
 * an update keeps the stored tenant (EXDEV if rec names another).
 */
struct store_tree {
	const struct store_record *rec;
	size_t tenant_off; /* offsetof the record's int64 tenant_id */
	enum store_sql_id add, get, update, list, tenant;
	int (*check)(struct store *st, const void *rec);
	/* children, or NULL for a record without (checked targets only) */
	int (*write)(struct store *st, const void *rec);
	int (*read)(struct store *st, void *rec);
};

/* Insert rec (its id set, 0 on an error) with its children. */
int store_tree_add(struct store *st, const struct store_tree *t, void *rec);
int store_tree_get(struct store *st, const struct store_tree *t, int64_t id,
		   void *rec);
/* Replace the row of rec's id and its children. */
int store_tree_update(struct store *st, const struct store_tree *t,
		      const void *rec);
/* Walk the tenant's records (0: all) with their children: h is the
 * record's store_<x>_h. */
int store_tree_list(struct store *st, const struct store_tree *t,
		    int64_t tenant_id, store_fn *h, void *arg);

/* ---- sqlite_number.c: for sqlite_employee.c --------------------------- */

/*
 * Set number id's active, target and description from n (target_id 0 for
 * TARGET_NONE), or, n NULL, release it to target none, keeping active and
 * description.  No checks: the caller holds the rules and a transaction.
 * ENOENT if there is no number id.
 */
int store_number_route(struct store *st, int64_t id,
		       const struct store_number *n);

/* ---- sqlite_target.c --------------------------------------------------- */

/* A target of a number, schedule or menu: a known type (EINVAL),
 * existing (ENOENT), of tenant_id (EXDEV).  TARGET_NONE ignores id. */
int store_target_check(struct store *st, enum store_target type, int64_t id,
		       int64_t tenant_id);

enum { STORE_TARGET_DEPTH = 32 }; /* longer chains count as loops */

/* ELOOP if t leads back to (self_type, self_id) by the targets a call
 * follows without a key pressed (schedules; menu, digit input and ring
 * group fallbacks); depth 0. */
int store_target_loop(struct store *st, enum store_target self_type,
		      int64_t self_id, const struct store_target_ref *t,
		      unsigned depth);

/* ---- migrate.c -------------------------------------------------------- */

/* Newest schema version this build knows (the last migration step). */
int store_migrate_latest(void);

/*
 * Bring db from its PRAGMA user_version to store_migrate_latest() in one
 * transaction, with foreign key enforcement off while tables change and a
 * foreign key check before the commit.  On any failure nothing changes.
 * A database newer than this build is refused (EIO).  Foreign keys are
 * switched on again before returning, whatever happened.  The resulting
 * version is written to *versionp on success.
 */
int store_migrate(struct sqlite3 *db, int *versionp);

#endif
