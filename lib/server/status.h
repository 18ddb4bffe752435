/* SPDX-License-Identifier: MIT */
#ifndef GR_STATUS_H
#define GR_STATUS_H

#include <jansson.h>

#include "core/config.h"
#include "core/gr_error.h"

/*
 * state_dir/scimd.status: what grouprole-scimd is doing, for `grouprolectl
 * status`.  The daemon replaces it (temporary file, rename) at start, after
 * every publish and at exit:
 *
 *   {"pid", "started", "listen", "tls", "state": "running"|"stopped",
 *    "requests", "auth_failures", "publishes", "publish_failures",
 *    "last_publish": {"time", "ok", "seconds", "generation", "error"}}
 *
 * It holds no secret and no directory data (0644, like nss.tdb).
 */

#define GR_STATUS_FILE "scimd.status"

int gr_status_write(const struct gr_config *cfg, const json_t *status, struct gr_err *err);

/*
 * Is PID a live process whose command name (/proc/PID/comm, cut to 15
 * characters) is COMM?  Shared with grouprole-sync's status (fleet/syncstatus.h).
 */
bool gr_status_pid_is(json_int_t pid, const char *comm);

/*
 * Read it back (new reference), with "running" added: true when the pid is
 * alive and is grouprole-scimd.  -ENOENT when the daemon never ran here.
 */
int gr_status_read(const struct gr_config *cfg, json_t **out, struct gr_err *err);

#endif
