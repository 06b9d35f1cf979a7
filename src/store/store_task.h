/*
 * store_task.h - the assistants' tasks in the store (issue 18, migration
 * 40; seeds/000), a part of store.h (included by it, not on its own):
 * tasks of clients in an area, the working time booked on them, the
 * calls booked to them, and what the monthly report reads.
 * sqlite_task.c keeps them.
 */
#ifndef SWITCHBOARD_STORE_TASK_H
#define SWITCHBOARD_STORE_TASK_H

enum {
	STORE_TASK_AREA = 32, /* an area's name, with the NUL */
	STORE_TASK_NAME = 128,
};

/* A task of a client (tenant_id) in an area of task_areas. */
struct store_task {
	int64_t id;
	int64_t tenant_id;          /* the client                    */
	char area[STORE_TASK_AREA]; /* "backoffice_eu", task_areas  */
	char name[STORE_TASK_NAME]; /* unique per client             */
	bool active;                /* offered to pick from         */
	uint64_t created_at;        /* [ms] UTC */
};

typedef int(store_task_h)(const struct store_task *t, void *arg);

/* The factor per mille of area name into *pmp: ENOENT if there is no
 * such area. */
int store_task_area(struct store *st, const char *name, uint32_t *pmp);

/* Insert t (id, created_at set): ENOENT for no such tenant or area,
 * EEXIST for a name the client has already. */
int store_task_add(struct store *st, struct store_task *t);
int store_task_get(struct store *st, int64_t id, struct store_task *t);
/* Area, name, active of t's id (the tenant stays). */
int store_task_update(struct store *st, const struct store_task *t);
/* The tasks of tenant_id (0: all) assigned to employee assistant (0:
 * to anybody or nobody); active_only: the active ones; by id. */
int store_task_list(struct store *st, int64_t tenant_id, int64_t assistant,
		    bool active_only, store_task_h *h, void *arg);

/* The assistants (employees) of task_id: set replaces them all (in one
 * transaction: ENOENT for no such task or employee, nothing changed);
 * the list walks them by employee id. */
struct store_task_assistant {
	int64_t employee_id;
	char name[132]; /* "First Last" */
};
typedef int(store_task_assistant_h)(const struct store_task_assistant *a,
				    void *arg);
int store_task_assistants_set(struct store *st, int64_t task_id,
			      const int64_t *empv, size_t empc);
int store_task_assistants(struct store *st, int64_t task_id,
			  store_task_assistant_h *h, void *arg);
/* Whether employee_id is an assistant of task_id. */
bool store_task_assigned(struct store *st, int64_t task_id,
			 int64_t employee_id);

/* Working time an assistant booked on a task on a Berlin day. */
struct store_task_time {
	int64_t id;
	int64_t task_id;
	int64_t employee_id;
	char date[12];       /* "YYYY-MM-DD", Europe/Berlin          */
	uint64_t day_at;     /* [ms] UTC of its 00:00 Europe/Berlin  */
	uint32_t minutes;    /* 1 .. 1440                            */
	uint64_t created_at; /* [ms] UTC */
};

typedef int(store_task_time_h)(const struct store_task_time *t, void *arg);

/* Insert tt (id, created_at set): ENOENT for no such task or employee. */
int store_task_time_add(struct store *st, struct store_task_time *tt);
/* The time booked on task_id, by day, then id. */
int store_task_time_list(struct store *st, int64_t task_id,
			 store_task_time_h *h, void *arg);

/* The minutes employee_id booked on task_id per Berlin day in [from,
 * until), by day. */
struct store_task_day {
	uint64_t day_at; /* [ms] UTC of its 00:00 Europe/Berlin */
	uint32_t minutes;
};
typedef int(store_task_day_h)(const struct store_task_day *d, void *arg);
int store_task_days(struct store *st, int64_t task_id, int64_t employee_id,
		    uint64_t from, uint64_t until, store_task_day_h *h,
		    void *arg);

/* Book call call_id of employee_id to task_id (0: to no task). */
int store_task_call_add(struct store *st, int64_t call_id, int64_t task_id,
			int64_t employee_id);
/* The task call_id is booked to into *taskp (0: none); ENOENT if it is
 * not booked at all. */
int store_task_call_get(struct store *st, int64_t call_id, int64_t *taskp);

/*
 * One assistant's month on one task, as the report reads it: the
 * working minutes booked on days in [from, until), and the whole
 * seconds of talk (answer to end) of the ended calls booked to the task
 * that started in [from, until), each call's seconds truncated.
 */
struct store_task_month {
	int64_t employee_id;
	char employee_name[132]; /* "First Last"        */
	int64_t task_id;
	char task_name[STORE_TASK_NAME];
	int64_t tenant_id; /* the client          */
	char area[STORE_TASK_AREA];
	uint32_t factor_pm;
	uint32_t work_min;
	uint64_t phone_s;
	uint32_t calls;
};
typedef int(store_task_month_h)(const struct store_task_month *m, void *arg);
/* The rows of [from, until) of employee_id (0: every assistant), by
 * employee, then task. */
int store_task_months(struct store *st, uint64_t from, uint64_t until,
		      int64_t employee_id, store_task_month_h *h, void *arg);

/*
 * A call of an assistant booked to no task: an outbound call record
 * that started in [from, until) placed by an assistant (an employee
 * with time or calls booked to tasks; caller_leg "employee:<id>" or one
 * of its phones "device:<user>"), without a task in task_calls.
 */
struct store_task_untasked {
	int64_t call_id;
	int64_t employee_id;
	uint64_t started_at; /* [ms] UTC */
	char to_number[64];
	uint64_t talk_s; /* whole seconds, 0 if not answered or running */
};
typedef int(store_task_untasked_h)(const struct store_task_untasked *c,
				   void *arg);
int store_task_untasked(struct store *st, uint64_t from, uint64_t until,
			int64_t employee_id, store_task_untasked_h *h,
			void *arg);

#endif
