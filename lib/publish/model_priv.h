/* SPDX-License-Identifier: MIT */
#ifndef GR_PUBLISH_MODEL_PRIV_H
#define GR_PUBLISH_MODEL_PRIV_H

/*
 * The model's insides, shared by model.c (keeping it up to date) and
 * modelwrite.c (writing the snapshots from it, whole or as a patch).
 * Nobody else: the interface is model.h.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <jansson.h>

#include "accounts/accounts.h"
#include "core/safefile.h"
#include "publish/model.h"
#include "resolve/facts.h"
#include "store/records.h"

/* The two files a model installed, as they were right after (device, inode, size, mtime). */
struct gr_pub_written {
	bool valid;          /* both below are this model's last write, untouched since */
	bool users;          /* written with users = yes */
	struct gr_file_stamp nss, login;
	uint64_t generation; /* the generation in their headers */
	/* At the last whole write: past these, a patch gives way to a whole write. */
	size_t entries_at_full;
	uint64_t nss_bytes_at_full, login_bytes_at_full;
	unsigned patches;    /* patches since */
	bool rewrite;        /* the last patch left long free lists: write whole next */
};

/* One login's resolution. */
struct pub_entry {
	char *ref;          /* "DIR/UID" */
	char *login;
	uint32_t *roles;    /* indexes into the context's roles */
	uint32_t n_roles;
	unsigned char *rec; /* its login.tdb entry */
	size_t rec_len;
	int64_t next_expiry;
	/* users = yes: the passwd entry, when the user has a uid */
	bool has_account;
	bool active;
	struct gr_account account;
};

/*
 * Strings to look at again: a tag ('u' user DIR/UID, 'l' login, 'g' group
 * DIR/GID, 'm' membership "DIR/UID GID", 'q' one an update set aside),
 * then the text.
 */
struct notes {
	char **v;
	size_t n, cap;
};

struct gr_pub_model {
	struct gr_context *ctx;
	struct gr_login_rules_cache rules; /* the host's system accounts */
	struct gr_local_accounts local;    /* users = yes: logins local accounts hold */
	void *by_ref, *by_login; /* tsearch trees of struct pub_entry */
	size_t n_entries;
	uint64_t generation; /* the store generation the model reflects */
	bool valid;

	/* Noted by the observer since the last update. */
	struct notes notes;
	uint64_t commits;
	bool full;
	bool foreign; /* this update took in another process's commits (note_foreign) */

	/*
	 * user.roles.changed (gr_pub_model_track_roles): the logins an
	 * incremental update touched, with their roles before it
	 * (login -> {"ref", "roles"}), and the changes found and not yet taken.
	 */
	bool track;
	json_t *touched, *changes;

	int64_t (*clock)(void); /* what "now" is for expiry; time(2) unless a test set one */

	/*
	 * The snapshots this model wrote last, and which logins changed since
	 * (modelwrite.c): what a patch needs to bring them up to date.
	 */
	struct gr_pub_written written;
	void *dirty;       /* tsearch tree of logins (strings) changed since then */
	void *removed;     /* during an update: entries as they were before it, by login */
	size_t n_dirty;
	bool dirty_all;    /* everything may have changed: write whole */
};


/* LOGIN's entry, or NULL. */
struct pub_entry *gr_pub_model_find_login(const struct gr_pub_model *m, const char *login);

/* Note that LOGIN's entry changed (it is written again by the next patch). */
void gr_pub_model_mark(struct gr_pub_model *m, const char *login);
/* Forget what changed: the snapshots were just written from the model. */
void gr_pub_model_marks_clear(struct gr_pub_model *m);

#endif
