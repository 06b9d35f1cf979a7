/*
 * task_report.c - the assistants' monthly report (billing.h, issue 18,
 * seeds/000): per assistant and task the minutes booked and the phone
 * seconds of the calls booked to the task in a Berlin month, rated by
 * the area's factor (billing_task_rate_pm()); and the assistants' calls
 * booked to no task.  Reads only.
 */
#include <string.h>
#include <re.h>
#include "billing/billing.h"

static void report_destructor(void *arg)
{
	struct billing_task_report *r = arg;

	mem_deref(r->rowv);
	mem_deref(r->untv);
}

/* Room for one more of *vp (n used of *szp, each of size sz). */
static int grow(void **vp, size_t n, size_t *szp, size_t sz)
{
	size_t nsz;
	void *nv;

	if (n < *szp)
		return 0;
	nsz = *szp ? *szp * 2 : 8;
	nv = *vp ? mem_realloc(*vp, nsz * sz) : mem_alloc(nsz * sz, NULL);
	if (!nv)
		return ENOMEM;
	*vp = nv;
	*szp = nsz;
	return 0;
}

struct load {
	struct billing_task_report *r;
	struct store *st;
	struct store_tariff *tv; /* the row's client's tariffs (owned) */
	size_t tn;
	struct billing_task_row *w; /* the row being priced */
};

/* A booked day of the row: its minutes at the rate valid that day. */
static int day_add(const struct store_task_day *d, void *arg)
{
	struct load *l = arg;
	const struct store_tariff *t =
	    billing_tariff_at(l->tv, l->tn, d->day_at);

	if (!t || !t->assistant_cents_per_hour) {
		l->w->priced = false;
		return 0;
	}
	l->w->amount_x += billing_task_day_x(&l->w->m, d->minutes,
					     t->assistant_cents_per_hour);
	return 0;
}

/* The amount of row w: priced if every booked day has a rate. */
static int row_price(struct load *l, struct billing_task_row *w)
{
	int err;

	l->tv = mem_deref(l->tv);
	l->tn = 0;
	err = billing_tariffs_load(l->st, w->s.tenant_id, &l->tv, &l->tn);
	if (err)
		return err;
	l->w = w;
	w->priced = w->m.work_min > 0;
	w->amount_x = 0;
	err = store_task_days(l->st, w->s.task_id, w->s.employee_id, l->r->from,
			      l->r->until, day_add, l);
	if (err)
		return err;
	w->amount_cents = w->priced ? billing_task_cents(w->amount_x) : 0;
	if (!w->priced)
		w->amount_x = 0;
	return 0;
}

static int row_add(const struct store_task_month *s, void *arg)
{
	struct load *l = arg;
	struct billing_task_report *r = l->r;
	struct billing_task_row *w;
	int err;

	err = grow((void **)&r->rowv, r->rowc, &r->rowsz, sizeof(*r->rowv));
	if (err)
		return err;
	w = &r->rowv[r->rowc];
	memset(w, 0, sizeof(*w));
	w->s = *s;
	err =
	    billing_task_rate_pm(s->factor_pm, s->work_min, s->phone_s, &w->m);
	if (err)
		return err;
	r->rowc++;
	return 0;
}

static int untasked_add(const struct store_task_untasked *c, void *arg)
{
	struct billing_task_report *r = arg;
	int err;

	err = grow((void **)&r->untv, r->untc, &r->untsz, sizeof(*r->untv));
	if (err)
		return err;
	r->untv[r->untc++] = *c;
	return 0;
}

int billing_task_report_load(struct billing_task_report **rp, struct store *st,
			     const char *month, int64_t employee_id)
{
	struct billing_task_report *r;
	struct load l;
	size_t i;
	int err;

	if (!rp || !st || employee_id < 0)
		return EINVAL;
	r = mem_zalloc(sizeof(*r), report_destructor);
	if (!r)
		return ENOMEM;
	err = billing_month(month, &r->year, &r->month, &r->from, &r->until);
	memset(&l, 0, sizeof(l));
	l.r = r;
	l.st = st;
	if (!err)
		err = store_task_months(st, r->from, r->until, employee_id,
					row_add, &l);
	for (i = 0; !err && i < r->rowc; i++)
		err = row_price(&l, &r->rowv[i]);
	mem_deref(l.tv);
	if (!err)
		err = store_task_untasked(st, r->from, r->until, employee_id,
					  untasked_add, r);
	if (err) {
		mem_deref(r);
		return err;
	}
	*rp = r;
	return 0;
}
