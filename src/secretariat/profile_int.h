/*
 * profile_int.h - what the files of a client's profile share inside the
 * module: the settings a profile has (profile_check.c), the note fields
 * always asked, and small helpers for the odict documents.
 */
#ifndef SECRETARIAT_PROFILE_INT_H
#define SECRETARIAT_PROFILE_INT_H

enum pkind {
	PK_GREETING = 0,
	PK_TEXT,   /* multi-line text, "" by default            */
	PK_BOOL,   /* false by default                          */
	PK_FIELDS, /* [{label, type, required, choices}]        */
	PK_FAQ,    /* [{question, answer}]                      */
	PK_HOURS,  /* [{days, start, end}]                      */
};

/* A setting of the profile: its key, kind and limit. */
struct profile_setting {
	const char *key;
	enum pkind kind;
	size_t max; /* text: [bytes]; lists: items */
};
/* The settings, in the order a profile lists them. */
extern const struct profile_setting profile_setting_v[];
extern const size_t profile_setting_c;

/* A note field asked on every call note. */
struct profile_fixed {
	const char *label, *type;
};
extern const struct profile_fixed profile_fixed_v[];
extern const size_t profile_fixed_c;

enum { PROFILE_DOC_DEPTH = 8 }; /* nesting of a stored profile */

int profile_arr_alloc(struct odict **op);
/* Append a value of type (ODICT_STRING: a string, else an odict) to the
 * array arr (keys "0", "1", ...). */
int profile_arr_append(struct odict *arr, int type, ...);
/* The ranges of an hours array (as profile_given_read() left it). */
size_t profile_ranges_of(const struct odict *arr, struct store_sched_range *rv);
/* Copy entry e into o under key (containers shared: they are never
 * changed once read). */
int profile_entry_copy(struct odict *o, const char *key,
		       const struct odict_entry *e);
/* A stored profile document (JSON) into *op; EPROTO if it is not one. */
int profile_json_read(struct odict **op, const char *s);
/* json_encode_odict as a %H printer. */
int profile_json_print(struct re_printf *pf, void *arg);

#endif
