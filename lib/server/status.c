/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/safefile.h"
#include "server/status.h"

int gr_status_write(const struct gr_config *cfg, const json_t *status, struct gr_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd, r = 0;

	if (gr_config_state_path(cfg, GR_STATUS_FILE, path, sizeof(path)) < 0 ||
	    gr_config_state_path(cfg, "." GR_STATUS_FILE ".XXXXXX", tmp, sizeof(tmp)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return gr_err_set(err, -errno, "cannot write %s: %s", tmp, strerror(errno));
	if (json_dumpfd(status, fd, JSON_COMPACT) != 0 || write(fd, "\n", 1) != 1 ||
	    fchmod(fd, 0644) != 0 || rename(tmp, path) != 0) {
		r = gr_err_set(err, -(errno ? errno : EIO), "cannot write %s: %s", path,
			       strerror(errno ? errno : EIO));
		unlink(tmp);
	}
	close(fd);
	return r;
}

bool gr_status_pid_is(json_int_t pid, const char *comm_want)
{
	char path[64], comm[64] = "";
	FILE *f;

	if (pid <= 0 || kill((pid_t)pid, 0) < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%lld/comm", (long long)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return !strncmp(comm, comm_want, 15) && strlen(comm) == strnlen(comm_want, 15);
}

int gr_status_read(const struct gr_config *cfg, json_t **out, struct gr_err *err)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *v;
	FILE *f;
	int fd;

	*out = NULL;
	if (gr_config_state_path(cfg, GR_STATUS_FILE, path, sizeof(path)) < 0)
		return gr_err_set(err, -ENAMETOOLONG, "state_dir too long");
	fd = gr_safe_open(path, O_RDONLY, 0, cfg->test_mode, err);
	if (fd < 0)
		return fd;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	v = json_loadf(f, 0, &jerr);
	fclose(f);
	if (!json_is_object(v)) {
		json_decref(v);
		return gr_err_set(err, -GR_E_CORRUPT, "%s is not a status record", path);
	}
	json_object_set_new(v, "running",
			    json_boolean(gr_status_pid_is(json_integer_value(json_object_get(v, "pid")),
							      "grouprole-scimd") &&
					 !strcmp(json_string_value(json_object_get(v, "state")) ?: "",
						 "running")));
	*out = v;
	return 0;
}
