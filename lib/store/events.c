/* SPDX-License-Identifier: MIT */
/*
 * The store's event queue: what a unit changed is announced only when the
 * unit's commit is durable (see gr_store_event_push in store.h).
 */
#include <errno.h>
#include <stdio.h>
#include <sys/types.h>

#include "store/store_priv.h"

void gr_store_event_sink(struct gr_store *st, gr_store_event_sink_fn fn, void *ctx)
{
	st->ev_sink = fn;
	st->ev_sink_ctx = ctx;
}

void gr_store_event_origin(struct gr_store *st, const char *origin)
{
	snprintf(st->ev_origin, sizeof(st->ev_origin), "%s", origin ? origin : "");
}

const char *gr_store_event_origin_get(const struct gr_store *st)
{
	return st->ev_origin;
}

bool gr_store_events_wanted(const struct gr_store *st)
{
	return st->ev_sink != NULL;
}

int gr_store_event_push(struct gr_store *st, json_t *ev, struct gr_err *err)
{
	if (!ev)
		return gr_err_set(err, -ENOMEM, "out of memory");
	if (!st->in_txn) {
		json_decref(ev);
		return gr_err_set(err, -EINVAL, "%s: an event outside a transaction", st->path);
	}
	if (!st->ev_unit && !(st->ev_unit = json_array())) {
		json_decref(ev);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	if (json_array_append_new(st->ev_unit, ev) < 0)
		return gr_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

void gr_store_events_unit_drop(struct gr_store *st)
{
	json_decref(st->ev_unit);
	st->ev_unit = NULL;
}

void gr_store_events_unit_keep(struct gr_store *st)
{
	if (!st->ev_unit)
		return;
	if (!st->ev_batch) {
		st->ev_batch = st->ev_unit;
	} else if (json_array_extend(st->ev_batch, st->ev_unit) < 0) {
		/*
		 * Out of memory while the change itself is in: break the batch,
		 * as an undo that cannot be done does, rather than lose its events.
		 */
		st->batch_broken = true;
		json_decref(st->ev_unit);
	} else {
		json_decref(st->ev_unit);
	}
	st->ev_unit = NULL;
}

static void deliver(struct gr_store *st, json_t **events)
{
	if (*events && st->ev_sink && json_array_size(*events))
		st->ev_sink(st->ev_sink_ctx, *events);
	json_decref(*events);
	*events = NULL;
}

void gr_store_events_unit_deliver(struct gr_store *st)
{
	deliver(st, &st->ev_unit);
}

void gr_store_events_batch_end(struct gr_store *st, bool ok)
{
	if (ok) {
		deliver(st, &st->ev_batch);
		return;
	}
	json_decref(st->ev_batch);
	st->ev_batch = NULL;
}

void gr_store_events_free(struct gr_store *st)
{
	gr_store_events_unit_drop(st);
	gr_store_events_batch_end(st, false);
}
