/*
 * billing.h - what the answering service bills a client (issue 18,
 * PRODUCT.md F1-F3, E12; seeds/002 and /001), the one header of
 * src/billing/:
 *
 *   tariff.c  the tariff valid at a moment (a client's own, else the
 *             list price), the month of a bill (Europe/Berlin)
 *   rate.c    the rating of one call, and THE rounding rule
 *   bill.c    the itemised bill of a client's month: its lines, SMS,
 *             net, VAT, gross; loaded from the store
 *   assistant.c, task_report.c  the assistants' phone tasks (seeds/000)
 *
 * The rules, per call (the tariff valid at the call's start):
 *   talk s     the agents' answer to the end of their call (queue
 *              visits' handle time: a transfer, also with consultation,
 *              ends the agent's call, the employee's time is not in it),
 *              in whole seconds (a started second is not billed)
 *   wrap-up s  the agents' after-call work after the call (their
 *              wrap-up state), whole seconds, counted up to
 *              wrapup_cap_s (120).  A call whose agent is still in
 *              wrap-up is PENDING: not billed until the wrap-up ends
 *              (the bill lists it apart, no 0 s line; no invoice of
 *              its month is issued meanwhile).  A wrap-up cut by a
 *              restart (or a node that died) ends at the node's last
 *              heartbeat, its last sign of life, as a call cut so does
 *              (store_call_close_node() at the node's next start, or
 *              the stale check of another node): it counts up to that
 *              moment, and as any wrap-up at most wrapup_cap_s
 *   callbacks  an agent's call of a queue callback (the agent is rung,
 *              hears whom he calls back, the customer is dialled) is
 *              billed like a queue call: talk s is the agent's answer
 *              to the end of his call, his wrap-up after it as above,
 *              the same acceptance rule; each attempt is its own call
 *   acceptance acceptance_cents (59) once if talk s is MORE than
 *              acceptance_threshold_s (15): 16 s pays, 15 s does not
 *   processing processing_cents_per_min (59) per minute, per second
 *              from second 0, over talk s + counted wrap-up s
 *   trial      a call that starts in the first trial_hours (48) after
 *              the tenant was created costs 0 (reason "trial"); so does
 *              an SMS sent then
 *   SMS        sms_cents (10) per SMS sent (not attempts or failures)
 *
 * THE ROUNDING RULE (applied in billing_cents(), nowhere else):
 *   Amounts are kept exact as integers of 1/60 cent (BILLING_X units
 *   per cent): 59 cents/min for 61 s is 59 * 61 = 3599 units, 59.9833
 *   cents; an acceptance fee of 59 cents is 3540 units.  The net of a
 *   bill is the sum of the exact amounts of its lines and SMS (per VAT
 *   rate), rounded ONCE to whole cents, half up.  Each line is also
 *   shown rounded half up to cents, for reading only: the sum of the
 *   shown line cents may differ from the net by the rounding of each
 *   line, the sum of the exact line amounts never does.  VAT is the
 *   net times the rate, rounded half up to cents; gross = net + VAT.
 *   So a month of calls never drifts from the sum of its (exact) lines.
 */
#ifndef SWITCHBOARD_BILLING_H
#define SWITCHBOARD_BILLING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

enum {
	BILLING_X = 60,      /* exact units per cent: 1/60 cent        */
	BILLING_VATS = 4,    /* VAT rates in one month, at most        */
	BILLING_WHY_LEN = 64 /* a line's reason, with the NUL          */
};

/* The one rounding: exact units x to whole cents, half up. */
uint64_t billing_cents(uint64_t x);
/* VAT of net_cents at vat_bp [1/100 %], half up to cents. */
uint64_t billing_vat(uint64_t net_cents, uint32_t vat_bp);

/* ---- tariffs (tariff.c) ------------------------------------------------ */

/* The tariff of v[0..n-1] valid at t [ms UTC]: of the rows of a tenant
 * (tenant_id > 0) the one with the latest valid_from <= t; if there is
 * none, of the list prices (tenant_id 0) likewise; NULL if none. */
const struct store_tariff *billing_tariff_at(const struct store_tariff *v,
					     size_t n, uint64_t t);
/* The tariffs that may price tenant_id's calls: its own and the list
 * prices, into *vp (mem_deref()-able, NULL if none) and *np. */
int billing_tariffs_load(struct store *st, int64_t tenant_id,
			 struct store_tariff **vp, size_t *np);

/*
 * "YYYY-MM" (strict, from 1970-01) into its Berlin month: *fromp the UTC
 * [ms] of the 1st at 00:00 Europe/Berlin, *untilp that of the next
 * month's 1st.  A call belongs to the month its start is in, in Berlin
 * time.  EINVAL for anything else.
 */
int billing_month(const char *s, unsigned *yp, unsigned *mp, uint64_t *fromp,
		  uint64_t *untilp);
/* The UTC [ms] of 00:00 Europe/Berlin of date "YYYY-MM-DD"; EINVAL. */
int billing_date(const char *s, uint64_t *msp);

/* ---- rating one call (rate.c) ------------------------------------------ */

/* One line of the itemised bill: a call, rated. */
struct billing_line {
	int64_t call_id;
	uint64_t started_at;       /* [ms] UTC                               */
	int64_t tariff_id;         /* the tariff used                        */
	uint32_t talk_s;           /* whole seconds                          */
	uint32_t wrapup_s;         /* whole seconds, as recorded             */
	uint32_t wrapup_counted_s; /* up to the cap                    */
	bool trial;                /* free: started in the trial       */
	bool acceptance;           /* the acceptance fee is charged    */
	char why[BILLING_WHY_LEN]; /* "talk 16 s: more than 15 s"      */
	uint64_t acceptance_x;     /* exact [1/60 cent]                */
	uint64_t processing_x;     /* exact [1/60 cent]                */
	uint64_t amount_x;         /* acceptance_x + processing_x      */
	uint32_t vat_bp;           /* of the tariff                    */
};

/*
 * Rate call c by tariff t into *l; trial_until [ms UTC] ends the
 * tenant's trial (a call starting before it is free).  Pure: EINVAL
 * without t, c or l.
 */
int billing_rate(const struct store_tariff *t,
		 const struct store_billed_call *c, uint64_t trial_until,
		 struct billing_line *l);

/* ---- the bill of a month (bill.c) -------------------------------------- */

/* The net of one VAT rate. */
struct billing_vat_sum {
	uint32_t vat_bp;
	uint64_t net_x;     /* exact: lines and SMS at this rate */
	uint64_t net_cents; /* billing_cents(net_x)              */
	uint64_t vat_cents; /* billing_vat(net_cents, vat_bp)    */
};

/* A call not billed yet: an agent's wrap-up after it still runs. */
struct billing_pending {
	int64_t call_id;
	uint64_t started_at; /* [ms] UTC */
};

struct billing_bill {
	int64_t tenant_id;
	unsigned year, month;
	uint64_t from, until;       /* [ms] UTC: the Berlin month         */
	uint64_t created_at;        /* [ms] UTC: the tenant's, its trial's
				  start (the tariff says how long)  */
	struct billing_line *linev; /* (owned) by start, then id      */
	size_t linec;
	size_t linesz;
	struct billing_pending *pendv; /* (owned) pending calls, not in the
					  sums                           */
	size_t pendc;
	size_t pendsz;
	uint32_t sms_count; /* SMS charged                         */
	uint32_t sms_trial; /* SMS sent in the trial: free          */
	uint64_t sms_x;     /* exact                               */
	uint64_t calls_x;   /* the sum of the lines' amount_x      */
	struct billing_vat_sum vatv[BILLING_VATS];
	size_t vatc;
	uint64_t net_cents; /* the sum of vatv's net_cents         */
	uint64_t vat_cents;
	uint64_t gross_cents;
};

/* An empty bill of tenant_id for month y-m (from, until as
 * billing_month()); created_at [ms] starts the tenant's trial.
 * *bp is mem_deref()-able. */
int billing_bill_alloc(struct billing_bill **bp, int64_t tenant_id, unsigned y,
		       unsigned m, uint64_t created_at);
/* Rate c by the tariff of v[0..n-1] valid at its start and add its line
 * (ENOENT if no tariff is valid then; ENOMEM); a pending c (its wrap-up
 * still runs) is added to pendv instead, and to no sum. */
int billing_bill_call(struct billing_bill *b, const struct store_tariff *v,
		      size_t n, const struct store_billed_call *c);
/* Add an SMS sent at sent_at [ms UTC], priced by the tariff valid then. */
int billing_bill_sms(struct billing_bill *b, const struct store_tariff *v,
		     size_t n, uint64_t sent_at);
/* Sum up: per VAT rate the exact net rounded once, VAT, gross. */
void billing_bill_total(struct billing_bill *b);

/*
 * The bill of tenant_id for month "YYYY-MM" from the store: its tariffs
 * (its own and the list prices), its ended calls answered by agents
 * that started in the month, its SMS sent in it; totalled.  EINVAL for
 * a bad month, ENOENT for no such tenant.  Reads only.
 */
int billing_bill_load(struct billing_bill **bp, struct store *st,
		      int64_t tenant_id, const char *month);

/* ---- invoices and credit notes (invoice.c, invoice_pdf.c) -------------- */

/* The supplier on every invoice: the operator (configuration). */
struct billing_issuer {
	const char *name;
	const char *address;    /* lines, '\n' or '|' between */
	const char *vat_id;     /* USt-IdNr.                   */
	const char *tax_number; /* Steuernummer             */
};

/* An issued invoice or credit note with its lines, as stored. */
struct billing_invoice {
	struct store_invoice inv;
	char credits_number[32];          /* a credit note's invoice's number */
	struct store_invoice_line *linev; /* (owned) by pos */
	size_t linec;
	size_t linesz;
};

/*
 * Freeze the bill of tenant_id's month "YYYY-MM" (billing_bill_load())
 * into an invoice numbered "RE-<Berlin year of now>-NNNNNN" from the
 * installation's one sequence, issued at now [ms UTC], into *ip.
 * EINVAL: a bad month; ERANGE: the month is not over yet (Berlin);
 * EBUSY: a call of the month is still running or pending (its agent's
 * wrap-up runs); EEXIST: the month is
 * invoiced already (and not credited); ENOENT: no such tenant.
 */
int billing_invoice_issue(struct billing_invoice **ip, struct store *st,
			  int64_t tenant_id, const char *month, uint64_t now,
			  const struct billing_issuer *is);
/*
 * Cancel invoice id by a credit note with its own number of the same
 * sequence, every amount negated, reason given; into *ip.  ENOENT: no
 * such invoice; EINVAL: id is a credit note; EEXIST: credited already.
 * Afterwards the month may be invoiced again.
 */
int billing_invoice_credit(struct billing_invoice **ip, struct store *st,
			   int64_t id, const char *reason, uint64_t now);
/* Invoice id with its lines from the store into *ip; ENOENT. */
int billing_invoice_load(struct billing_invoice **ip, struct store *st,
			 int64_t id);

/* "1.234,56 €": cents as German money (a minus sign if negative). */
void billing_eur(char *buf, size_t sz, int64_t cents);
/* The invoice as a PDF (German, §14 UStG fields) into *mbp. */
int billing_invoice_pdf(struct mbuf **mbp, const struct billing_invoice *bi);
/* ---- assistants' phone tasks (assistant.c, seeds/000) -------------------
 *
 * An assistant (an employee of the service) works on a client's task of
 * an area; the working time booked on the task and the phone time of the
 * calls booked to it decide, per assistant, task and month:
 *
 *   included   up to 15 min of phoning per booked working hour, i.e.
 *              phone s <= booked min * 15 (60 min: 900 s is included,
 *              901 s is not): billed = the booked minutes, no factor
 *   passed     phone s > booked min * 15: the area's factor applies to
 *              the booked time: billed = booked min * factor (the seed:
 *              3 h = 180 min * 1.3 = 234 min)
 *
 * Factors are integers per mille (1.3 = 1300); billed time is kept exact
 * in 1/1000 minute (180 * 1300 = 234000 = 234 min), never rounded.
 * Calls to a number outside the EU are not billed automatically (the
 * seed: "individuelles Angebot"): billing_eu_number() says which are in.
 */
enum billing_area {
	BILLING_AREA_BACKOFFICE_DE = 0,
	BILLING_AREA_BACKOFFICE_EU,
	BILLING_AREA_SALES_DE,
	BILLING_AREA_SALES_EU,
	BILLING_AREAS
};

enum {
	BILLING_INCLUDED_S_PER_WORK_MIN = 15, /* 15 min per hour = 15 s/min */
	BILLING_FACTOR_ONE = 1000,            /* per mille                  */
	BILLING_TASK_X = 60000 /* exact units of a cent: 60 min/h x per mille */
};

/* The area's name ("backoffice_de", ...), NULL for none. */
const char *billing_area_name(enum billing_area a);
/* Its factor per mille (1200, 1300, 2000, 2100), 0 for none. */
uint32_t billing_area_factor(enum billing_area a);
/* The area named s into *ap: 0 or EINVAL. */
int billing_area_parse(const char *s, enum billing_area *ap);

/* Is E.164 number s ("+49...") one of the EU member states' (by its
 * country code)?  false for anything else, also a non-E.164 string. */
bool billing_eu_number(const char *s);

/* One assistant's month on one task, rated. */
struct billing_task_month {
	uint32_t work_min;      /* booked working time [min]             */
	uint64_t phone_s;       /* whole seconds of the calls booked     */
	uint64_t included_s;    /* work_min * 15                         */
	uint64_t phone_s_per_h; /* phone s per working hour (truncated;
				   all phone s if nothing was booked)   */
	bool passed;            /* phone_s > included_s                  */
	bool factor_applied;    /* passed and the factor is not 1        */
	uint32_t factor_pm;     /* the area's, per mille                 */
	uint64_t billed_mmin;   /* billed [1/1000 min]                   */
};

/* Rate work_min booked and phone_s phoned on a task of area a into *m;
 * pure: EINVAL for a bad area or no m. */
int billing_task_rate(enum billing_area a, uint32_t work_min, uint64_t phone_s,
		      struct billing_task_month *m);
/* The same for an area given by its factor per mille (the areas are
 * data: task_areas); EINVAL for a factor under 1000 or no m. */
int billing_task_rate_pm(uint32_t factor_pm, uint32_t work_min,
			 uint64_t phone_s, struct billing_task_month *m);

/*
 * The amount of the assistants' time (seeds/000: the client's regular
 * hourly rate, "Stundensatz", on its tariff: assistant_cents_per_hour).
 * The factor is decided for the month (m); the rate is the one of the
 * tariff valid on each booked day, so a tariff change in mid-month
 * prices each day by its own.  Exact: minutes x factor [per mille] x
 * cents per hour, in 1/60000 cent; THE ASSISTANTS' ROUNDING is once per
 * report row (assistant and task), half up to whole cents.
 */
uint64_t billing_task_day_x(const struct billing_task_month *m,
			    uint32_t minutes, uint32_t cents_per_hour);
uint64_t billing_task_cents(uint64_t x);

/* ---- the assistants' monthly report (task_report.c) --------------------
 *
 * Per assistant and task of a Berlin month: the booked minutes and the
 * phone seconds (store_task_months()) rated by billing_task_rate_pm();
 * and every outbound call of an assistant booked to no task.
 */
struct billing_task_row {
	struct store_task_month s; /* as the store read it */
	struct billing_task_month m;
	bool priced;           /* every booked day has an hourly rate */
	uint64_t amount_x;     /* exact [1/60000 cent]                */
	uint64_t amount_cents; /* billing_task_cents(amount_x)        */
};

struct billing_task_report {
	unsigned year, month;
	uint64_t from, until;          /* [ms] UTC: the Berlin month */
	struct billing_task_row *rowv; /* (owned) by employee, task */
	size_t rowc, rowsz;
	struct store_task_untasked *untv; /* (owned) by employee, start */
	size_t untc, untsz;
};

/* The report of month "YYYY-MM" of employee_id (0: every assistant)
 * into *rp (mem_deref()-able): EINVAL for a bad month. */
int billing_task_report_load(struct billing_task_report **rp, struct store *st,
			     const char *month, int64_t employee_id);

#endif
