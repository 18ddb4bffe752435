/* SPDX-License-Identifier: MIT */
/*
 * grouprole-sync's status record (lib/fleet/syncstatus.c): written and read
 * back, its mtime as the last moment in step, the touch, the staleness from
 * one stat, and a record that is not one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/syncstatus.h"
#include "testutil.h"

static void status_file(const struct tu_env *env, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", env->state, GR_SYNC_STATUS_FILE);
}

static void test_round_trip(void **state)
{
	struct tu_env env;
	struct gr_sync_status s;
	struct gr_err err;
	time_t now = time(NULL);
	char path[PATH_MAX + 32];
	struct stat sb;
	json_t *v = NULL;
	int64_t age = -1;

	(void)state;
	tu_setup(&env, NULL);
	assert_int_equal(mkdir(env.state, 0755), 0);
	gr_err_clear(&err);
	/* Never ran here: not a fleet host. */
	assert_int_equal(gr_sync_status_read(&env.cfg, &v, &err), -ENOENT);
	assert_int_equal(gr_sync_staleness(&env.cfg, now, &age), -ENOENT);

	gr_sync_status_init(&env.cfg, &s);
	assert_int_equal(s.last_in_step, 0);
	snprintf(s.server, sizeof(s.server), "ldapi://r1");
	s.connected_since = now - 50;
	s.last_change = now - 120;
	s.last_change_ns = (int64_t)(now - 120) * 1000000000 + 123456789;
	s.last_in_step = now - 100;
	tu_assert_ok(gr_sync_status_write(&env.cfg, &s, &err), &err);

	status_file(&env, path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_int_equal(sb.st_mtime, now - 100);
	assert_int_equal(gr_sync_staleness(&env.cfg, now, &age), 0);
	assert_int_equal(age, 100);
	/* A clock behind the file: not stale, never negative. */
	assert_int_equal(gr_sync_staleness(&env.cfg, now - 200, &age), 0);
	assert_int_equal(age, 0);

	tu_assert_ok(gr_sync_status_read(&env.cfg, &v, &err), &err);
	assert_string_equal(json_string_value(json_object_get(v, "server")), "ldapi://r1");
	assert_string_equal(json_string_value(json_object_get(v, "state")), "running");
	assert_int_equal(json_integer_value(json_object_get(v, "last_change")), now - 120);
	assert_int_equal(json_integer_value(json_object_get(v, "last_change_ns")),
			 (int64_t)(now - 120) * 1000000000 + 123456789);
	assert_int_equal(json_integer_value(json_object_get(v, "last_in_step")), now - 100);
	assert_int_equal(json_integer_value(json_object_get(v, "connected_since")), now - 50);
	assert_true(json_is_null(json_object_get(v, "last_error")));
	/* This process is not grouprole-sync. */
	assert_true(json_is_false(json_object_get(v, "running")));
	json_decref(v);

	/* In step again: the mtime moves, nothing is rewritten. */
	assert_int_equal(gr_sync_status_touch(&env.cfg, &s, now), 0);
	assert_int_equal(s.last_in_step, now);
	assert_int_equal(gr_sync_staleness(&env.cfg, now + 3, &age), 0);
	assert_int_equal(age, 3);
	tu_assert_ok(gr_sync_status_read(&env.cfg, &v, &err), &err);
	assert_int_equal(json_integer_value(json_object_get(v, "last_in_step")), now);
	assert_int_equal(json_integer_value(json_object_get(v, "last_change")), now - 120);
	json_decref(v);

	/* A restart keeps the history: how stale the host is does not reset. */
	gr_sync_status_init(&env.cfg, &s);
	assert_int_equal(s.last_in_step, now);
	assert_int_equal(s.last_change, now - 120);
	assert_int_equal(s.last_change_ns, (int64_t)(now - 120) * 1000000000 + 123456789);
	assert_string_equal(s.server, "");

	/* Disconnected, with an error, stopped. */
	snprintf(s.last_error, sizeof(s.last_error), "ldapi://r1: Can't contact LDAP server");
	s.last_error_time = now;
	s.running = false;
	tu_assert_ok(gr_sync_status_write(&env.cfg, &s, &err), &err);
	tu_assert_ok(gr_sync_status_read(&env.cfg, &v, &err), &err);
	assert_true(json_is_null(json_object_get(v, "server")));
	assert_true(json_is_null(json_object_get(v, "connected_since")));
	assert_string_equal(json_string_value(json_object_get(v, "state")), "stopped");
	assert_string_equal(json_string_value(json_object_get(v, "last_error")),
			    "ldapi://r1: Can't contact LDAP server");
	json_decref(v);
	tu_teardown(&env);
}

static void test_not_a_record(void **state)
{
	struct tu_env env;
	struct gr_err err;
	char path[PATH_MAX + 32];
	json_t *v = NULL;
	int fd;

	(void)state;
	tu_setup(&env, NULL);
	assert_int_equal(mkdir(env.state, 0755), 0);
	status_file(&env, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[1,2]\n", 6), 6);
	close(fd);
	gr_err_clear(&err);
	assert_int_equal(gr_sync_status_read(&env.cfg, &v, &err), -GR_E_CORRUPT);
	assert_null(v);
	assert_non_null(strstr(gr_err_msg(&err), "is not a status record"));
	tu_teardown(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_not_a_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
