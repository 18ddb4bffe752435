/* SPDX-License-Identifier: MIT */
/*
 * The built module as a PAM application loads it: dlopen with RTLD_NOW (every
 * symbol resolves), the four entry points present, nothing else exported
 * (nm -D --defined-only), and nothing linked beyond libpam, libtdb, jansson
 * and libc.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <security/pam_modules.h>

static const char *const entry_points[] = {
	"pam_sm_acct_mgmt",
	"pam_sm_open_session",
	"pam_sm_close_session",
	"pam_sm_setcred",
};

static bool is_entry_point(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(entry_points) / sizeof(entry_points[0]); i++)
		if (!strcmp(name, entry_points[i]))
			return true;
	return false;
}

static void test_dlopen(void **state)
{
	typedef int (*pam_fn)(pam_handle_t *, int, int, const char **);
	static const char *const absent[] = {
		"pam_sm_authenticate", "pam_sm_chauthtok", "gr_pam_evaluate", "gr_store_open",
		"gr_resolve", "gr_config_load",
	};
	void *h;
	size_t i;

	(void)state;
	h = dlopen(GR_PAM_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		fail_msg("dlopen: %s", dlerror());
	for (i = 0; i < sizeof(entry_points) / sizeof(entry_points[0]); i++)
		if (!dlsym(h, entry_points[i]))
			fail_msg("%s is not exported", entry_points[i]);
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (dlsym(h, absent[i]))
			fail_msg("%s must not be visible", absent[i]);
	/* setcred needs no handle: it changes nothing. */
	assert_int_equal(((pam_fn)dlsym(h, "pam_sm_setcred"))(NULL, 0, 0, NULL), PAM_SUCCESS);
	assert_int_equal(dlclose(h), 0);
}

static void test_exports(void **state)
{
	char line[512], name[256];
	size_t found = 0;
	FILE *p;

	(void)state;
	p = popen("nm -D --defined-only '" GR_PAM_MODULE_PATH "'", "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char type;

		if (sscanf(line, "%*s %c %255s", &type, name) != 2)
			continue;
		if (!is_entry_point(name))
			fail_msg("unexpected exported symbol: %s", line);
		found++;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(found, sizeof(entry_points) / sizeof(entry_points[0]));
}

static void test_needed(void **state)
{
	static const char *const allowed[] = {
		"libpam.so.", "libtdb.so.", "libjansson.so.", "libc.so.",
		/* sanitizer builds only */
		"libasan.so.", "libubsan.so.",
	};
	char line[512];
	size_t n = 0, i;
	FILE *p;

	(void)state;
	p = popen("LC_ALL=C readelf -d '" GR_PAM_MODULE_PATH "'", "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char *lib = strstr(line, "Shared library: [");
		bool ok = false;

		if (!lib)
			continue;
		lib += strlen("Shared library: [");
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			ok = ok || !strncmp(lib, allowed[i], strlen(allowed[i]));
		if (!ok)
			fail_msg("unexpected library dependency: %s", lib);
		n++;
	}
	assert_int_equal(pclose(p), 0);
	assert_true(n >= 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dlopen),
		cmocka_unit_test(test_exports),
		cmocka_unit_test(test_needed),
	};

	return cmocka_run_group_tests_name("pam_dlopen", tests, NULL, NULL);
}
