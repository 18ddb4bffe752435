/* SPDX-License-Identifier: MIT */
/*
 * fleet_tool: the two things bench/fleet_bench.sh cannot do well in shell
 * for hundreds of hosts.
 *
 *   fleet_tool wait [--since NS] [--timeout SECONDS] STATE_DIR...
 *
 * Waits until every STATE_DIR/sync.status says last_change_ns >= NS
 * (default 1: any change at all, i.e. the first refresh), then prints
 * "STATE_DIR LAST_CHANGE_NS" per directory in argument order.  It learns
 * of a new status through inotify (the daemon replaces the file by
 * rename), and rereads every host that is still behind every 250 ms in
 * case an event was missed, so hundreds of hosts are not polled in a busy
 * loop that would steal the CPU they converge with.  The figures do not
 * depend on when this program notices: last_change_ns is the host's own
 * clock reading, taken after its commit and publish.  On timeout it names
 * the hosts still behind on stderr and exits 1.
 *
 *   fleet_tool canon FILE
 *
 * Writes FILE, an nss.tdb or login.tdb snapshot, to stdout as its records,
 * one line each (key and value in hex), sorted, with the header fields that
 * differ from host to host by design set to zero: the generation of the
 * host's own directory.tdb (how many commits that host made, which depends
 * on how the changes were batched), the creation time, and nss.tdb's file
 * size.  Equal output means the snapshots hold the same records, byte for
 * byte, except for those fields.  The files themselves may differ: a host
 * patches the snapshots it wrote last (lib/publish/modelwrite.c), so where
 * libtdb placed each record depends on the host's history.
 *
 *   fleet_tool speed [--samples N] CONFIG USER GROUP
 *
 * What one host's NSS and PAM modules answer, and how fast, from the state
 * directory CONFIG names (bench/fleet_bench.sh runs it with the servers up,
 * then down).  It dlopens the built libnss_grouprole.so.2 (GROUPROLE_CONF
 * set to CONFIG, as a process on the host would find it) and
 * pam_grouprole.so (config=CONFIG quiet, under a real Linux-PAM handle from
 * pam_start, the entry points called as libpam dispatches them, as
 * bench/pam_bench.c does) and prints the answers first:
 *
 *   answer getgrnam GROUP GID MEMBER,MEMBER,...
 *   answer getgrouplist USER GID,GID,...      (base gid 100000 first, as getgrouplist)
 *   answer pam USER acct=CODE session=CODE roles=GROUPROLE_ROLES
 *   answer pam root acct=CODE                 (a user outside the directory)
 *
 * then times N calls of each (default 20000; the PAM decision, about 0.5 ms
 * each, N / 100 times, at least 100), each on its own with CLOCK_MONOTONIC
 * after 100 untimed ones (PAM: 20):
 *
 *   time getgrnam MEDIAN_NS P99_NS SAMPLES
 *   time getgrouplist MEDIAN_NS P99_NS SAMPLES
 *   time pam MEDIAN_NS P99_NS SAMPLES         (acct_mgmt + open_session)
 *
 * A timed call that answers differently from the first (another status,
 * gid or member count, PAM code) makes it exit 1.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <nss.h>
#include <security/pam_appl.h>
#include <security/pam_modules.h>
#include <tdb.h>

#include "bench_pam.h"
#include "publish/canon.h"
#include "publish/loginsnap.h"
#include "publish/snapshot.h"

#ifndef GR_NSS_MODULE_PATH
#error "GR_NSS_MODULE_PATH must name the built libnss_grouprole.so.2"
#endif
#ifndef GR_PAM_MODULE_PATH
#error "GR_PAM_MODULE_PATH must name the built pam_grouprole.so"
#endif

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* last_change_ns of DIR/sync.status; 0 when absent, unreadable or never. */
static int64_t last_change(const char *dir)
{
	char path[PATH_MAX];
	json_t *v;
	int64_t t;

	if (snprintf(path, sizeof(path), "%s/sync.status", dir) >= (int)sizeof(path))
		return 0;
	if (!(v = json_load_file(path, 0, NULL)))
		return 0; /* not written yet */
	t = (int64_t)json_integer_value(json_object_get(v, "last_change_ns"));
	json_decref(v);
	return t;
}

static int cmd_wait(int argc, char **argv)
{
	int64_t since = 1, deadline, next_scan = 0, *seen;
	double timeout = 60;
	int fd, *wd, i, n, behind;

	while (argc > 1 && !strncmp(argv[0], "--", 2)) {
		if (!strcmp(argv[0], "--since"))
			since = strtoll(argv[1], NULL, 10);
		else if (!strcmp(argv[0], "--timeout"))
			timeout = strtod(argv[1], NULL);
		else
			break;
		argc -= 2;
		argv += 2;
	}
	if (argc < 1 || argv[0][0] == '-') {
		fprintf(stderr, "usage: fleet_tool wait [--since NS] [--timeout S] STATE_DIR...\n");
		return 2;
	}
	n = argc;
	seen = calloc((size_t)n, sizeof(*seen));
	wd = calloc((size_t)n, sizeof(*wd));
	if (!seen || !wd || (fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0) {
		perror("fleet_tool");
		return 1;
	}
	for (i = 0; i < n; i++)
		wd[i] = inotify_add_watch(fd, argv[i], IN_MOVED_TO | IN_CLOSE_WRITE);
	deadline = now_ns() + (int64_t)(timeout * 1e9);
	for (;;) {
		union {
			struct inotify_event ev;
			char buf[64 * 1024];
		} u;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t len;
		char *q;

		/* A full scan at first and every 250 ms; in between, what inotify names. */
		if (now_ns() >= next_scan) {
			for (i = 0; i < n; i++)
				if (seen[i] < since)
					seen[i] = last_change(argv[i]);
			next_scan = now_ns() + 250 * 1000000LL;
		}
		for (behind = 0, i = 0; i < n; i++)
			behind += seen[i] < since;
		if (!behind)
			break;
		if (now_ns() >= deadline) {
			fprintf(stderr, "fleet_tool: %d of %d hosts never showed last_change_ns >= %lld "
					"within %.0f s:",
				behind, n, (long long)since, timeout);
			for (i = 0; i < n; i++)
				if (seen[i] < since)
					fprintf(stderr, " %s", argv[i]);
			fputc('\n', stderr);
			return 1;
		}
		if (poll(&p, 1, 50) <= 0)
			continue;
		while ((len = read(fd, u.buf, sizeof(u.buf))) > 0) {
			for (q = u.buf; q < u.buf + len;
			     q += sizeof(struct inotify_event) + ((struct inotify_event *)q)->len) {
				const struct inotify_event *ev = (const struct inotify_event *)q;

				if (!ev->len || strcmp(ev->name, "sync.status"))
					continue;
				for (i = 0; i < n; i++)
					if (wd[i] == ev->wd && seen[i] < since)
						seen[i] = last_change(argv[i]);
			}
		}
	}
	for (i = 0; i < n; i++)
		printf("%s %lld\n", argv[i], (long long)seen[i]);
	close(fd);
	free(seen);
	free(wd);
	return 0;
}

static int cmd_canon(const char *path)
{
	int r = gr_snap_canon(path, stdout);

	if (r < 0)
		fprintf(stderr, "fleet_tool: %s: not a snapshot that can be read: %s\n", path,
			gr_strerror(r));
	return r < 0 ? 1 : 0;
}

/* ---- speed: one host's lookups and login decisions ---- */

typedef enum nss_status (*getgrnam_fn)(const char *, struct group *, char *, size_t, int *);
typedef enum nss_status (*initgroups_fn)(const char *, gid_t, long int *, long int *, gid_t **,
					 long int, int *);
typedef int (*pam_sm_fn)(pam_handle_t *, int, int, const char **);

#define SPEED_WARMUP 100    /* untimed calls before the timed ones; PAM: a fifth */
#define SPEED_BASE_GID 100000

struct speed {
	getgrnam_fn getgrnam;
	initgroups_fn initgroups;
	pam_sm_fn acct, open;
	pam_handle_t *pamh;
	const char *user, *group;
	const char *args[2];
	char buf[1 << 20];
	gid_t *groups;
	long int size;
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* getgrnam_r of the group: the status, and in GR the entry. */
static enum nss_status sp_getgrnam(struct speed *sp, struct group *gr)
{
	int e = 0;

	return sp->getgrnam(sp->group, gr, sp->buf, sizeof(sp->buf), &e);
}

/* What getgrouplist asks of the module: the base gid first, the rest appended. */
static enum nss_status sp_grouplist(struct speed *sp, long int *n)
{
	enum nss_status st;
	int e = 0;

	sp->groups[0] = SPEED_BASE_GID;
	*n = 1;
	st = sp->initgroups(sp->user, SPEED_BASE_GID, n, &sp->size, &sp->groups, -1, &e);
	return st;
}

static int sp_pam(struct speed *sp, const char *user, int *session)
{
	int r;

	pam_set_item(sp->pamh, PAM_USER, user);
	r = sp->acct(sp->pamh, 0, 2, sp->args);
	*session = r == PAM_SUCCESS ? sp->open(sp->pamh, 0, 2, sp->args) : -1;
	return r;
}

/* Sort V (N samples) and print the line "time OP MEDIAN P99 N". */
static void sp_report(const char *op, int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_i64);
	printf("time %s %lld %lld %zu\n", op, (long long)v[n / 2], (long long)v[n * 99 / 100], n);
}

static int sp_answers(struct speed *sp, int *want_members, long int *want_groups, int *want_pam)
{
	struct group gr;
	enum nss_status st;
	const char *roles;
	long int i, n;
	int session;

	st = sp_getgrnam(sp, &gr);
	if (st != NSS_STATUS_SUCCESS) {
		fprintf(stderr, "fleet_tool: getgrnam_r(%s): NSS status %d\n", sp->group, st);
		return -1;
	}
	printf("answer getgrnam %s %u ", gr.gr_name, (unsigned)gr.gr_gid);
	for (*want_members = 0; gr.gr_mem[*want_members]; (*want_members)++)
		printf("%s%s", *want_members ? "," : "", gr.gr_mem[*want_members]);
	putchar('\n');
	st = sp_grouplist(sp, &n);
	if (st != NSS_STATUS_SUCCESS) {
		fprintf(stderr, "fleet_tool: initgroups_dyn(%s): NSS status %d\n", sp->user, st);
		return -1;
	}
	printf("answer getgrouplist %s ", sp->user);
	for (i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", (unsigned)sp->groups[i]);
	putchar('\n');
	*want_groups = n;
	*want_pam = sp_pam(sp, sp->user, &session);
	roles = pam_getenv(sp->pamh, "GROUPROLE_ROLES");
	printf("answer pam %s acct=%s session=%s roles=%s\n", sp->user,
	       pam_strerror(sp->pamh, *want_pam),
	       session < 0 ? "-" : pam_strerror(sp->pamh, session), roles ? roles : "(unset)");
	if (*want_pam != PAM_SUCCESS || session != PAM_SUCCESS) {
		fprintf(stderr, "fleet_tool: %s: not allowed\n", sp->user);
		return -1;
	}
	printf("answer pam root acct=%s\n", pam_strerror(sp->pamh, sp_pam(sp, "root", &session)));
	fflush(stdout);
	return 0;
}

static int cmd_speed(int argc, char **argv)
{
	static struct speed sp;
	char arg_conf[PATH_MAX + 8];
	const struct pam_conv conv = { bench_pam_no_conv, NULL };
	void *nss = NULL, *pam = NULL;
	int64_t *v = NULL, t;
	size_t samples = 20000, n_pam, i;
	int want_members = 0, want_pam = 0, bad = 0, session, r = 1;
	long int want_groups = 0, ng;

	if (argc > 1 && !strcmp(argv[0], "--samples")) {
		samples = strtoul(argv[1], NULL, 10);
		argc -= 2;
		argv += 2;
	}
	if (argc != 3 || argv[0][0] != '/' || samples < 10) {
		fprintf(stderr, "usage: fleet_tool speed [--samples N] /CONFIG USER GROUP\n");
		return 2;
	}
	n_pam = samples / 100 < 100 ? 100 : samples / 100;
	sp.user = argv[1];
	sp.group = argv[2];
	snprintf(arg_conf, sizeof(arg_conf), "config=%s", argv[0]);
	sp.args[0] = arg_conf;
	sp.args[1] = "quiet";
	sp.size = 64;
	/* The NSS module reads GROUPROLE_CONF on its first call. */
	if (setenv("GROUPROLE_CONF", argv[0], 1) < 0 ||
	    !(v = calloc(samples + SPEED_WARMUP, sizeof(*v))) ||
	    !(sp.groups = malloc((size_t)sp.size * sizeof(*sp.groups)))) {
		perror("fleet_tool");
		goto out;
	}
	if (!(nss = dlopen(GR_NSS_MODULE_PATH, RTLD_NOW | RTLD_LOCAL)) ||
	    !(pam = dlopen(GR_PAM_MODULE_PATH, RTLD_NOW | RTLD_LOCAL))) {
		fprintf(stderr, "fleet_tool: dlopen: %s\n", dlerror());
		goto out;
	}
	sp.getgrnam = (getgrnam_fn)dlsym(nss, "_nss_grouprole_getgrnam_r");
	sp.initgroups = (initgroups_fn)dlsym(nss, "_nss_grouprole_initgroups_dyn");
	sp.acct = (pam_sm_fn)dlsym(pam, "pam_sm_acct_mgmt");
	sp.open = (pam_sm_fn)dlsym(pam, "pam_sm_open_session");
	if (!sp.getgrnam || !sp.initgroups || !sp.acct || !sp.open) {
		fprintf(stderr, "fleet_tool: an entry point is missing from the modules\n");
		goto out;
	}
	if (pam_start("grouprole-fleet-bench", sp.user, &conv, &sp.pamh) != PAM_SUCCESS) {
		fprintf(stderr, "fleet_tool: pam_start failed\n");
		goto out;
	}
	if (sp_answers(&sp, &want_members, &want_groups, &want_pam) < 0)
		goto out;

	for (i = 0; i < SPEED_WARMUP + samples; i++) {
		struct group gr;
		enum nss_status st;

		t = now_ns();
		st = sp_getgrnam(&sp, &gr);
		v[i] = now_ns() - t;
		bad += st != NSS_STATUS_SUCCESS ||
		       (want_members && !gr.gr_mem[want_members - 1]) || gr.gr_mem[want_members];
	}
	sp_report("getgrnam", v + SPEED_WARMUP, samples);
	for (i = 0; i < SPEED_WARMUP + samples; i++) {
		enum nss_status st;

		t = now_ns();
		st = sp_grouplist(&sp, &ng);
		v[i] = now_ns() - t;
		bad += st != NSS_STATUS_SUCCESS || ng != want_groups;
	}
	sp_report("getgrouplist", v + SPEED_WARMUP, samples);
	for (i = SPEED_WARMUP - SPEED_WARMUP / 5; i < SPEED_WARMUP + n_pam; i++) {
		t = now_ns();
		bad += sp_pam(&sp, sp.user, &session) != want_pam || session != PAM_SUCCESS;
		v[i] = now_ns() - t;
	}
	sp_report("pam", v + SPEED_WARMUP, n_pam);
	if (bad) {
		fprintf(stderr, "fleet_tool: %d timed calls answered differently from the first\n",
			bad);
		goto out;
	}
	r = 0;
out:
	if (sp.pamh)
		pam_end(sp.pamh, PAM_SUCCESS);
	if (pam)
		dlclose(pam);
	if (nss)
		dlclose(nss);
	free(sp.groups);
	free(v);
	return r;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "wait"))
		return cmd_wait(argc - 2, argv + 2);
	if (argc == 3 && !strcmp(argv[1], "canon"))
		return cmd_canon(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "speed"))
		return cmd_speed(argc - 2, argv + 2);
	fprintf(stderr, "usage: fleet_tool wait [--since NS] [--timeout S] STATE_DIR...\n"
			"       fleet_tool canon SNAPSHOT.tdb\n"
			"       fleet_tool speed [--samples N] /CONFIG USER GROUP\n");
	return 2;
}
