/*
 * voicemail.h - mailboxes (Anrufbeantworter): the application a number
 * (or a schedule, a menu key, an employee's unanswered call) starts with
 * target kind ROUTE_VOICEMAIL.  It answers, plays the mailbox's greeting
 * (an uploaded WAV, or the name spoken in the tenant's language) and a
 * beep, records the caller until '#', silence, the maximum length or the
 * hang-up, and saves the message: the WAV renamed into place and synced,
 * then the message row and the outbox row of its mail committed in one
 * transaction (store_vm_message_save), and only then reported.  The mail
 * goes out through the outbox (notify/), so it survives an SMTP server
 * that is down and a process that is killed.
 *
 * Files: <spool_dir>/<tenant id>/<time>-<node>-<random>.wav, recorded
 * first as .rec-<node>-<random>.wav in the same directory; spool_dir
 * (--spool-dir, <data_dir>/voicemail) is shared by a cluster's nodes.
 */
#ifndef SWITCHBOARD_VOICEMAIL_H
#define SWITCHBOARD_VOICEMAIL_H

struct call;
struct config;
struct route_target;
struct store;

/* The row of call/apps.c: take over call for mailbox t->id. */
int voicemail_start(struct call *call, const struct route_target *t);

/*
 * At start-up, before calls: remove what a process of this node that was
 * killed left in the voicemail directory: recordings that never ended
 * (.rec-*) and message files whose row was never committed (another
 * node's such files only when older than an hour).  *np (may be NULL) gets
 * the number of files removed.  0 (also when there is no directory yet),
 * or an error of the store.
 */
int voicemail_sweep(const struct config *cfg, struct store *st, unsigned *np);

#endif
