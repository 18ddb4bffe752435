/* SPDX-License-Identifier: MIT */
/*
 * pam_try USER CONFIG: one account decision by the built pam_grouprole.so
 * with config=CONFIG, through real Linux-PAM under pam_wrapper, for shell
 * tests (tests/fleet/sync.bats).  Prints "acct: <PAM's word for the result>"
 * and exits 0 when the stack allowed the login, 1 when it did not, 2 on a
 * usage or set-up error.  The module's syslog lines reach stderr as
 * "SYSLOG(priority): text" (pam_wrapper's debug log).
 *
 * The stack: the module decides; when it ignores, pam_permit stands in
 * for the rest of a real stack.
 *
 * The first run (no PAM_WRAPPER in the environment) writes the service
 * file into a temporary directory and runs itself again with pam_wrapper
 * preloaded; pam_wrapper copies the service directory when it starts, so
 * the file must exist first.  Not for sanitized builds (ASan must come
 * ahead of the preloaded library).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#ifndef GR_PAM_MODULE_PATH
#error "GR_PAM_MODULE_PATH must name the built pam_grouprole.so"
#endif
#ifndef GR_PAM_WRAPPER_LIB
#define GR_PAM_WRAPPER_LIB "libpam_wrapper.so"
#endif

static int no_conv(int n, const struct pam_message **msg, struct pam_response **resp,
		   void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

static int decide(const char *user)
{
	struct pam_conv conv = { no_conv, NULL };
	pam_handle_t *pamh = NULL;
	int r;

	if ((r = pam_start("grtry", user, &conv, &pamh)) != PAM_SUCCESS) {
		fprintf(stderr, "pam_try: pam_start: %d\n", r);
		return 2;
	}
	r = pam_acct_mgmt(pamh, 0);
	printf("acct: %s\n", pam_strerror(pamh, r));
	pam_end(pamh, r);
	return r == PAM_SUCCESS ? 0 : 1;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/pam_try.XXXXXX", path[PATH_MAX + 64];
	int status = 0;
	pid_t pid;
	FILE *f;

	if (argc != 3 || argv[2][0] != '/') {
		fprintf(stderr, "usage: pam_try USER /ABSOLUTE/CONFIG\n");
		return 2;
	}
	if (getenv("PAM_WRAPPER"))
		return decide(argv[1]);
	if (!mkdtemp(dir)) {
		perror("pam_try: mkdtemp");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/grtry", dir);
	f = fopen(path, "we");
	if (!f) {
		perror("pam_try: service file");
		rmdir(dir);
		return 2;
	}
	fprintf(f,
		"account [success=done ignore=ignore default=die] %s config=%s\n"
		"account required pam_permit.so\n",
		GR_PAM_MODULE_PATH, argv[2]);
	fclose(f);
	setenv("PAM_WRAPPER", "1", 1);
	setenv("PAM_WRAPPER_SERVICE_DIR", dir, 1);
	setenv("PAM_WRAPPER_DEBUGLEVEL", "2", 1);
	setenv("LD_PRELOAD", GR_PAM_WRAPPER_LIB, 1);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		status = 2 << 8;
	unlink(path);
	rmdir(dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
