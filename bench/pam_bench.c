/* SPDX-License-Identifier: MIT */
/*
 * Benchmark: what pam_grouprole.so adds to one login.
 *
 * Generates a directory of USERS users in GROUPS groups (PER_USER random
 * groups each), 50 roles mapped from a third of the groups at tenant scope
 * and a tenth at organization scope, and one assignment per hundred users;
 * imports it through the library as grouprolectl would.  Then it dlopens the
 * built module, takes a real handle from Linux-PAM's pam_start() and calls
 * the entry points exactly as libpam dispatches them, for random users:
 *
 *   - pam_sm_acct_mgmt + pam_sm_open_session: the module's whole cost for a
 *     login (each opens the published login.tdb read-only, without locks,
 *     looks the user up, closes; the session exports GROUPROLE_ROLES);
 *   - each of the two alone, and with require_role=;
 *   - a user the directory does not know (root, every cron job);
 *   - the floors it is made of: opening and closing login.tdb through the
 *     library, and one locked fetch of a user record from directory.tdb (the
 *     anchor every ratio is against);
 *   - acct_mgmt + open_session again while another process rewrites every
 *     user record of directory.tdb in one transaction and commits, in a
 *     loop: median and p99 over at least two whole rounds.  A login must not
 *     wait on that writer.
 *
 * The module runs with "quiet", so allowed logins do not write to the host's
 * syslog; the log line is still formatted (only pam_syslog is skipped).
 *
 *   pam_bench [USERS GROUPS PER_USER]     defaults: 100000 10000 10
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_modules.h>

#include "bench_gen.h"
#include "bench_pam.h"
#include "core/config.h"
#include "publish/loginsnap.h"
#include "publish/publish.h"
#include "store/import.h"
#include <fcntl.h>
#include <tdb.h>
#include "store/records.h"
#include "store/roles.h"
#include "store/store.h"

#ifndef GR_PAM_MODULE_PATH
#error "GR_PAM_MODULE_PATH must name the built pam_grouprole.so"
#endif

#define SAMPLES 20000
#define WARMUP 2000

typedef int (*pam_sm_fn)(pam_handle_t *, int, int, const char **);

static double fetch_floor, open_floor;

static void row(const char *what, double *v, size_t n)
{
	double m = bench_median(v, n);

	printf("| %-52s | %9.1f | %9.1f | %9.1f |\n", what, m / 1000.0, v[n * 99 / 100] / 1000.0,
	       m / fetch_floor);
}

static char g_dir[] = "/tmp/grouprole-pam-bench.XXXXXX";

static void die(const char *what, const char *why)
{
	fprintf(stderr, "pam_bench: %s: %s\n", what, why);
	bench_rmtree(g_dir);
	exit(1);
}

static int publish(const struct gr_config *cfg, struct gr_err *err)
{
	struct gr_store *st = NULL;
	int r = gr_store_open(cfg, GR_STORE_WRITE, &st, err);

	if (r == 0)
		r = gr_publish(st, NULL, err);
	gr_store_close(st);
	return r;
}

/*
 * The writer beside the logins: one transaction that rewrites every user
 * record of directory.tdb (100,000 of them, plus their SCIM resources), then
 * commits -- libtdb's recovery area, two fsyncs, the all-record lock held
 * through the commit -- for ever.  (A whole re-import through the library
 * did the same but took minutes of CPU per round on the shared machine.)
 * Writes one byte to FD per commit.
 */
static int touch_record(struct tdb_context *tdb, TDB_DATA key, TDB_DATA val, void *priv)
{
	(void)priv;
	if (key.dsize > 5 && (!memcmp(key.dptr, "user/", 5) || !memcmp(key.dptr, "scim/", 5)))
		return tdb_store(tdb, key, val, TDB_REPLACE) == 0 ? 0 : -1;
	return 0;
}

static void writer_loop(const struct gr_config *cfg, int fd)
{
	char path[PATH_MAX + 32];
	struct tdb_context *tdb;

	snprintf(path, sizeof(path), "%s/directory.tdb", cfg->state_dir);
	tdb = tdb_open(path, 0, 0, O_RDWR, 0600);
	if (!tdb)
		_exit(2);
	for (;;) {
		if (tdb_transaction_start(tdb) != 0 || tdb_traverse(tdb, touch_record, NULL) < 0 ||
		    tdb_transaction_commit(tdb) != 0) {
			fprintf(stderr, "pam_bench: writer: %s\n", tdb_errorstr(tdb));
			_exit(3);
		}
		if (write(fd, "x", 1) != 1)
			_exit(0);
	}
}

static void generate(struct gr_config *cfg, size_t n_users, size_t n_groups, size_t per_user)
{
	struct gr_err err;
	double t0 = bench_now_ns();

	gr_err_clear(&err);
	if (bench_make_directory(cfg, n_users, n_groups, per_user, &err) < 0)
		die("directory", gr_err_msg(&err));
	printf("directory: %zu users, %zu groups, %zu memberships, %d roles; built in %.1f s\n",
	       n_users, n_groups, n_users * per_user, BENCH_ROLES, (bench_now_ns() - t0) / 1e9);
	t0 = bench_now_ns();
	if (publish(cfg, &err) < 0)
		die("publish", gr_err_msg(&err));
	printf("published nss.tdb and login.tdb in %.1f s\n", (bench_now_ns() - t0) / 1e9);
}

/* An active user: every 97th is deactivated. */
static void pick_user(char *buf, size_t len, size_t n_users)
{
	size_t u;

	do
		u = (size_t)(bench_rand() % n_users);
	while (u % 97 == 0);
	snprintf(buf, len, "user%zu", u);
}

struct phase {
	pam_sm_fn acct, open;
};

/* Time WHICH (1 acct, 2 session, 3 both) for SAMPLES random users. */
static void measure(pam_handle_t *pamh, const struct phase *ph, int which, int argc,
		    const char **argv, size_t n_users, const char *fixed_user, int want,
		    double *v)
{
	char user[32];
	size_t i;

	for (i = 0; i < WARMUP + SAMPLES; i++) {
		double a;
		int r = PAM_SUCCESS;

		if (fixed_user)
			snprintf(user, sizeof(user), "%s", fixed_user);
		else
			pick_user(user, sizeof(user), n_users);
		pam_set_item(pamh, PAM_USER, user);
		a = bench_now_ns();
		if (which & 1)
			r = ph->acct(pamh, 0, argc, argv);
		if (r == want && (which & 2))
			r = ph->open(pamh, 0, argc, argv);
		if (i >= WARMUP)
			v[i - WARMUP] = bench_now_ns() - a;
		if (r != want) {
			char msg[64];

			snprintf(msg, sizeof(msg), "%s: PAM code %d, expected %d", user, r, want);
			die("login", msg);
		}
	}
}

/*
 * Logins while a writer imports and publishes beside them, for at least two
 * whole rounds of it (and at least SAMPLES logins).
 */
static void measure_beside_writer(const struct gr_config *cfg, pam_handle_t *pamh,
				  const struct phase *ph, const char **argv, size_t n_users)
{
	size_t n = 0, cap = 1 << 20;
	double *v = calloc(cap, sizeof(*v)), t0 = bench_now_ns(), worst = 0;
	int fds[2], rounds = 0, status;
	char user[32], c;
	pid_t pid;

	if (!v || pipe(fds) < 0)
		die("writer", "out of memory or pipes");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		writer_loop(cfg, fds[1]);
		_exit(0);
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	while (rounds < 3 || n < SAMPLES) {
		double a;
		int r;

		while (read(fds[0], &c, 1) == 1)
			rounds++;
		if (waitpid(pid, &status, WNOHANG) == pid)
			die("writer", "exited");
		pick_user(user, sizeof(user), n_users);
		pam_set_item(pamh, PAM_USER, user);
		a = bench_now_ns();
		r = ph->acct(pamh, 0, 2, argv);
		if (r == PAM_SUCCESS)
			r = ph->open(pamh, 0, 2, argv);
		a = bench_now_ns() - a;
		if (r != PAM_SUCCESS)
			die("login beside the writer", user);
		/* The first round only warms the writer up. */
		if (rounds < 1)
			continue;
		if (n == cap)
			die("writer", "too slow: more than a million logins in two rounds");
		v[n++] = a;
		if (a > worst)
			worst = a;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(fds[0]);
	qsort(v, n, sizeof(*v), bench_cmp_double);
	printf("| %-52s | %9.1f | %9.1f | %9.1f |\n",
	       "acct_mgmt + open_session beside a 100k-user commit", v[n / 2] / 1000.0,
	       v[n * 99 / 100] / 1000.0, v[n / 2] / fetch_floor);
	printf("\n(beside the writer: %zu logins over %d commits of 100k users in %.1f s; "
	       "p99.9 %.1f us, worst %.1f us)\n", n, rounds - 1, (bench_now_ns() - t0) / 1e9,
	       v[n * 999 / 1000] / 1000.0, worst / 1000.0);
	free(v);
}

int main(int argc, char **argv)
{
	size_t n_users = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	size_t n_groups = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
	size_t per_user = argc > 3 ? strtoul(argv[3], NULL, 10) : 10;
	char *dir = g_dir, conf[PATH_MAX], arg_conf[PATH_MAX + 8];
	const char *args[] = { arg_conf, "quiet", "require_role=role1,role2,role3" };
	const struct pam_conv conv = { bench_pam_no_conv, NULL };
	struct gr_config cfg;
	struct gr_store *st;
	struct gr_err err;
	struct phase ph;
	pam_handle_t *pamh = NULL;
	double *v;
	char roles[1024];
	const char *env;
	uint32_t hash = 1;
	void *mod;
	FILE *f;
	size_t i;

	if (!n_users || !n_groups || per_user > n_groups) {
		fprintf(stderr, "usage: pam_bench [USERS GROUPS PER_USER]\n");
		return 2;
	}
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
		die("mkdtemp", strerror(errno));
	/* Sized as grouprolectl sizes it: about five records per user. */
	while (hash < n_users * 5 && hash < 16000000)
		hash = hash * 2 + 1;
	snprintf(conf, sizeof(conf), "%s/grouprole.conf", dir);
	f = fopen(conf, "we");
	if (!f)
		die(conf, strerror(errno));
	fprintf(f, "state_dir = %s/state\ntest_mode = yes\norganization = acme\n"
		   "resources = host:web1\nhash_size = %u\nlogin_domains = bench.example\n", dir, hash);
	fclose(f);
	chmod(conf, 0600);
	gr_err_clear(&err);
	if (gr_config_load(&cfg, conf, false, &err) < 0)
		die("config", gr_err_msg(&err));
	generate(&cfg, n_users, n_groups, per_user);
	snprintf(arg_conf, sizeof(arg_conf), "config=%s", conf);

	mod = dlopen(GR_PAM_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
	if (!mod)
		die("dlopen", dlerror());
	ph.acct = (pam_sm_fn)dlsym(mod, "pam_sm_acct_mgmt");
	ph.open = (pam_sm_fn)dlsym(mod, "pam_sm_open_session");
	if (!ph.acct || !ph.open)
		die("dlsym", "entry points missing");
	if (pam_start("grouprole-bench", "user1", &conv, &pamh) != PAM_SUCCESS)
		die("pam_start", "failed");
	v = calloc(SAMPLES, sizeof(*v));
	if (!v)
		die("calloc", "out of memory");

	/* Floors: the snapshot open/close every call pays, and one locked fetch. */
	for (i = 0; i < SAMPLES; i++) {
		struct gr_login_snap *snap;
		double a = bench_now_ns();

		if (gr_login_snap_open(&cfg, &snap, &err) < 0)
			die("open", gr_err_msg(&err));
		gr_login_snap_close(snap);
		v[i] = bench_now_ns() - a;
	}
	open_floor = bench_median(v, SAMPLES);
	if (gr_store_open(&cfg, GR_STORE_READ, &st, &err) < 0)
		die("open", gr_err_msg(&err));
	fetch_floor = bench_fetch_floor(st, n_users, v, SAMPLES);
	gr_store_close(st);
	printf("\n| %-52s | %9s | %9s | %9s |\n", "per login", "median us", "p99 us",
	       "x fetch");
	printf("|------------------------------------------------------|-----------|-----------|"
	       "-----------|\n");
	printf("| %-52s | %9.1f | %9s | %9.1f |\n", "floor: one locked fetch + decode of a user",
	       fetch_floor / 1000.0, "", 1.0);
	printf("| %-52s | %9.1f | %9s | %9.1f |\n", "floor: open + close login.tdb",
	       open_floor / 1000.0, "", open_floor / fetch_floor);
	measure(pamh, &ph, 3, 2, args, n_users, NULL, PAM_SUCCESS, v);
	env = pam_getenv(pamh, "GROUPROLE_ROLES");
	snprintf(roles, sizeof(roles), "%s", env ? env : "(unset)");
	row("acct_mgmt + open_session (directory user)", v, SAMPLES);
	measure(pamh, &ph, 1, 2, args, n_users, NULL, PAM_SUCCESS, v);
	row("  acct_mgmt alone", v, SAMPLES);
	measure(pamh, &ph, 2, 2, args, n_users, NULL, PAM_SUCCESS, v);
	row("  open_session alone", v, SAMPLES);
	measure(pamh, &ph, 1, 2, args, n_users, "root", PAM_IGNORE, v);
	row("acct_mgmt (user outside the directory: root)", v, SAMPLES);
	/* require_role: user100 holds role1 by assignment (one in a hundred does). */
	measure(pamh, &ph, 1, 3, args, n_users, "user100", PAM_SUCCESS, v);
	row("acct_mgmt with require_role= (holder)", v, SAMPLES);

	measure_beside_writer(&cfg, pamh, &ph, args, n_users);

	printf("\n(GROUPROLE_ROLES of the last login timed: %s)\n", roles);
	{
		struct stat sb;
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/directory.tdb", cfg.state_dir);
		if (stat(path, &sb) == 0)
			printf("directory.tdb: %.1f MB, hash size %u\n", (double)sb.st_size / 1e6,
			       hash);
	}
	pam_end(pamh, PAM_SUCCESS);
	dlclose(mod);
	free(v);
	bench_rmtree(dir);
	return 0;
}
