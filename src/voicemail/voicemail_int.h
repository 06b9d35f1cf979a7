/*
 * voicemail_int.h - private to src/voicemail: what the application
 * (voicemail.c) hands the saving of a message (message.c) and the text of
 * its mail (mail.c).
 */
#ifndef SWITCHBOARD_VOICEMAIL_INT_H
#define SWITCHBOARD_VOICEMAIL_INT_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

struct config;

enum { VM_PATH = 300 };

/* A recording that ended, to be kept as a message. */
struct vm_recorded {
	const struct store_mailbox *mb;
	enum store_language lang; /* the tenant's                      */
	const char *tmp;          /* the recorded WAV (.rec-*)          */
	const char *caller;       /* number or extension, "" unknown    */
	const char *caller_name;  /* display name, "" none              */
	uint64_t started_at;      /* [ms] UTC                            */
	uint32_t ms;              /* [ms] length                         */
};

/* The directory of tenant_id's messages into buf, created if missing
 * (and its creation synced).  0 or an errno. */
int vm_dir(char *buf, size_t sz, const struct config *cfg, int64_t tenant_id);
/* This node's id as it goes into file names: [A-Za-z0-9_], others '_'. */
void vm_node_tag(char *buf, size_t sz, const struct config *cfg);

/*
 * Keep recording r as a message: rename it to its final name, sync file
 * and directory, then commit the message row and its mail (if the
 * mailbox has recipients) in one transaction.  *m gets the row.  On an
 * error nothing is committed and the file is removed.
 */
int vm_message_save(const struct config *cfg, struct store *st,
		    const struct vm_recorded *r, struct store_vm_message *m);

/* Subject and body of the mail of message m on mailbox mb, in lang. */
struct vm_mail_text {
	char subject[256];
	char body[1024];
	char file_name[64]; /* the attachment's name the recipient sees */
};
void vm_mail_text(struct vm_mail_text *t, enum store_language lang,
		  const struct store_mailbox *mb,
		  const struct store_vm_message *m);

/* The spoken default greeting of mailbox name in lang into buf. */
void vm_greeting_text(char *buf, size_t sz, enum store_language lang,
		      const char *name);

#endif
