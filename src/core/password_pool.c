/*
 * password_pool.c - the password work of the API (issue 16) on worker
 * threads: an Argon2id hash or check (password.c) takes 0.1-0.35 s of one
 * core and 64 MiB at the interactive cost, which the main loop cannot
 * spend while it carries SIP and RTP.  The main thread submits a job; one
 * of --password-workers threads runs it and hands it back through libre's
 * mqueue, whose handler runs on the main thread and calls the job's done
 * handler there.
 *
 *   main thread                          worker thread (one of K)
 *   -----------                          ------------------------
 *   password_pool_submit:
 *     full (K running + Q waiting)? EBUSY
 *     job -> queue, signal  ---------->  wait for a job, take it
 *                                        hash / check (password.c)
 *   done_h (mqueue)  <-----------------  mqueue_push(job)
 *     h(work, arg), release job
 *
 * A job is the main thread's (in `all`) from submit to done_h; a worker
 * touches only the job's work and the queue (under the lock), never
 * libre's memory (mem_ref is not thread-safe).  Freeing the pool stops
 * the workers (a hash in progress finishes first), then releases every
 * job not handed back without calling its handler: its arg (a
 * reference) goes, and with it what the caller kept for the reply.
 * Passwords are wiped from a job before it is freed.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sodium.h>
#include <re.h>
#include "core/core.h"

struct password_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct list queue; /* jobs waiting (under lock)            */
	bool stop;         /* workers end (under lock)             */
	pthread_t *tidv;   /* the workers                          */
	unsigned tidc;     /* ... started                          */
	unsigned max;      /* jobs at most: running + waiting      */
	unsigned pending;  /* submitted, not handed back (main)    */
	struct list all;   /* the same jobs (main thread only)     */
	struct mqueue *mq; /* workers -> main thread (owned)       */
	bool sync_ready;   /* lock and cond initialised            */
};

struct job {
	struct le qle; /* in queue (under lock)  */
	struct le ale; /* in all (main thread)   */
	struct password_work w;
	password_done_h *h;
	void *arg; /* (ref) */
};

static void job_destructor(void *arg)
{
	struct job *j = arg;

	password_work_wipe(&j->w);
	mem_deref(j->arg);
}

void password_work_wipe(struct password_work *w)
{
	if (w)
		sodium_memzero(w, sizeof(*w));
}

static void work_run(struct password_work *w)
{
	switch (w->op) {
	case PASSWORD_OP_HASH:
		w->err = password_hash(w->new_hash, sizeof(w->new_hash),
				       w->new_pw, w->cost);
		break;
	case PASSWORD_OP_VERIFY:
		w->ok = password_verify(w->hash, w->pw);
		break;
	case PASSWORD_OP_DUMMY:
		password_verify_dummy(w->pw, w->cost);
		w->ok = false;
		break;
	case PASSWORD_OP_CHANGE:
		w->ok = password_verify(w->hash, w->pw);
		if (w->ok)
			w->err = password_hash(w->new_hash, sizeof(w->new_hash),
					       w->new_pw, w->cost);
		break;
	}
}

static void *worker(void *arg)
{
	struct password_pool *pp = arg;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&pp->lock);
		while (!pp->stop && !pp->queue.head)
			pthread_cond_wait(&pp->cond, &pp->lock);
		if (pp->stop) {
			pthread_mutex_unlock(&pp->lock);
			break;
		}
		j = pp->queue.head->data;
		list_unlink(&j->qle);
		pthread_mutex_unlock(&pp->lock);

		work_run(&j->w);
		if (mqueue_push(pp->mq, 0, j))
			warning("password: a finished job is lost\n");
	}
	return NULL;
}

/* A job is back on the main thread: its handler, then it goes. */
static void done_h(int id, void *data, void *arg)
{
	struct password_pool *pp = arg;
	struct job *j = data;

	(void)id;
	list_unlink(&j->ale);
	--pp->pending;
	j->h(&j->w, j->arg);
	mem_deref(j);
}

static void pool_destructor(void *arg)
{
	struct password_pool *pp = arg;
	unsigned i;

	if (pp->sync_ready) {
		pthread_mutex_lock(&pp->lock);
		pp->stop = true;
		pthread_cond_broadcast(&pp->cond);
		pthread_mutex_unlock(&pp->lock);
	}
	for (i = 0; i < pp->tidc; i++)
		(void)pthread_join(pp->tidv[i], NULL);
	pp->mq = mem_deref(pp->mq); /* jobs it still carries are in all */
	if (pp->pending)
		info("password: %u job(s) dropped at shutdown\n", pp->pending);
	list_flush(&pp->all); /* their args go, their handlers are not called */
	mem_deref(pp->tidv);
	if (pp->sync_ready) {
		pthread_cond_destroy(&pp->cond);
		pthread_mutex_destroy(&pp->lock);
	}
}

int password_pool_alloc(struct password_pool **ppp, unsigned workers,
			unsigned queue_max)
{
	struct password_pool *pp;
	sigset_t all, old;
	int err;

	if (!ppp || !workers)
		return EINVAL;
	pp = mem_zalloc(sizeof(*pp), pool_destructor);
	if (!pp)
		return ENOMEM;
	pp->max = workers + queue_max;
	pp->tidv = mem_zalloc(workers * sizeof(*pp->tidv), NULL);
	if (!pp->tidv) {
		err = ENOMEM;
		goto out;
	}
	err = mqueue_alloc(&pp->mq, done_h, pp);
	if (err)
		goto out;
	err = pthread_mutex_init(&pp->lock, NULL);
	if (err)
		goto out;
	err = pthread_cond_init(&pp->cond, NULL);
	if (err) {
		pthread_mutex_destroy(&pp->lock);
		goto out;
	}
	pp->sync_ready = true;

	/* signals stay with the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; pp->tidc < workers; pp->tidc++) {
		err = pthread_create(&pp->tidv[pp->tidc], NULL, worker, pp);
		if (err)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
out:
	if (err)
		mem_deref(pp);
	else
		*ppp = pp;
	return err;
}

int password_pool_submit(struct password_pool *pp,
			 const struct password_work *w, password_done_h *h,
			 void *arg)
{
	struct job *j;

	if (!pp || !w || !h)
		return EINVAL;
	if (pp->pending >= pp->max)
		return EBUSY;
	j = mem_zalloc(sizeof(*j), job_destructor);
	if (!j)
		return ENOMEM;
	j->w = *w;
	j->h = h;
	j->arg = mem_ref(arg);
	list_append(&pp->all, &j->ale, j);
	++pp->pending;

	pthread_mutex_lock(&pp->lock);
	list_append(&pp->queue, &j->qle, j);
	pthread_cond_signal(&pp->cond);
	pthread_mutex_unlock(&pp->lock);
	return 0;
}

unsigned password_pool_pending(const struct password_pool *pp)
{
	return pp ? pp->pending : 0;
}
