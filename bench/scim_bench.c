/* SPDX-License-Identifier: MIT */
/*
 * Provisioning over HTTP the way Okta does it, against a real grouprole-scimd:
 *
 *   scim_bench [USERS GROUPS MEMBERSHIPS [CONNECTIONS]]   (make bench-scim)
 *
 * 1. POST every user, 2. POST every group (empty), 3. PATCH the groups'
 * members in batches of at most 1,000 (each user in MEMBERSHIPS/USERS
 * groups).  CONNECTIONS requests are in flight at once (libcurl multi,
 * keep-alive).  Some groups are mapped to a role before step 3; every
 * PATCH to one of them is a probe: from its 2xx, this process polls the
 * NSS module (dlopen'ed, as glibc would) until the new member's
 * getgrouplist holds the role.  Meanwhile a login thread makes PAM
 * decisions the way sshd would (pam_grouprole.so's acct_mgmt + open_session,
 * dlopen'ed, with a real Linux-PAM handle) for random users, about 200 a
 * second, throughout the PATCH phase.  Reported: time and latency per
 * phase, the probes' visibility latency, the PAM decisions' latency, the
 * daemon's peak RSS.  The anchor is a
 * GET /healthz on the same connections, measured first.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <nss.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <security/pam_appl.h>
#include <security/pam_modules.h>
#include <jansson.h>

#include "bench_gen.h"
#include "bench_pam.h"
#include "core/config.h"
#include "store/records.h"
#include "store/roles.h"
#include "store/store.h"
#include "store/tokens.h"

#define MAX_PROBES 64
#define BATCH 1000

static char token[GR_TOKEN_MAX], base[128];

__attribute__((format(printf, 2, 3)))
static void xasprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(out, fmt, ap);
	va_end(ap);
	if (r < 0)
		abort();
}

/* ---- one request at a time, many in flight ---- */

struct req {
	CURL *h;
	struct curl_slist *hdrs;
	char *body;
	char resp[512];
	size_t rlen;
	double start;
	long kind;   /* index into the phase's items */
};

typedef int (*next_fn)(void *ctx, size_t i, const char **method, char **url, char **body);
typedef void (*done_fn)(void *ctx, size_t i, long status, const char *resp, double t_done);

static size_t sink(char *p, size_t sz, size_t n, void *ctx)
{
	struct req *r = ctx;
	size_t k = sz * n, room = sizeof(r->resp) - 1 - r->rlen;

	memcpy(r->resp + r->rlen, p, k < room ? k : room);
	r->rlen += k < room ? k : room;
	r->resp[r->rlen] = '\0';
	return sz * n;
}

/* Run N requests from NEXT with CONN in flight; latencies (ms) into LAT. Returns failures. */
static size_t run_phase(size_t n, unsigned conn, next_fn next, done_fn done, void *ctx,
			double *lat)
{
	CURLM *m = curl_multi_init();
	struct req *slots = calloc(conn, sizeof(*slots));
	size_t issued = 0, finished = 0, failures = 0;
	unsigned i;
	int running;

	for (i = 0; i < conn; i++) {
		slots[i].h = curl_easy_init();
		slots[i].kind = -1;
	}
	while (finished < n) {
		for (i = 0; i < conn && issued < n; i++) {
			struct req *r = &slots[i];
			const char *method;
			char *url;

			if (r->kind >= 0)
				continue;
			next(ctx, issued, &method, &url, &r->body);
			curl_easy_reset(r->h);
			r->hdrs = curl_slist_append(NULL, "Content-Type: application/scim+json");
			{
				char auth[GR_TOKEN_MAX + 32];

				snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
				r->hdrs = curl_slist_append(r->hdrs, auth);
			}
			curl_easy_setopt(r->h, CURLOPT_URL, url);
			curl_easy_setopt(r->h, CURLOPT_CUSTOMREQUEST, method);
			curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->hdrs);
			curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, sink);
			curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
			curl_easy_setopt(r->h, CURLOPT_TIMEOUT, 120L);
			if (r->body)
				curl_easy_setopt(r->h, CURLOPT_POSTFIELDS, r->body);
			curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
			free(url);
			r->rlen = 0;
			r->resp[0] = '\0';
			r->kind = (long)issued++;
			r->start = bench_now_ns();
			curl_multi_add_handle(m, r->h);
		}
		curl_multi_perform(m, &running);
		{
			CURLMsg *msg;
			int left;

			while ((msg = curl_multi_info_read(m, &left))) {
				struct req *r;
				long status = 0;
				double t;

				if (msg->msg != CURLMSG_DONE)
					continue;
				curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
				curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
				t = bench_now_ns();
				lat[r->kind] = (t - r->start) / 1e6;
				if (msg->data.result != CURLE_OK || status < 200 || status > 299) {
					if (failures++ < 3)
						fprintf(stderr, "request %ld: %ld %s\n", r->kind, status, r->resp);
				}
				if (done)
					done(ctx, (size_t)r->kind, status, r->resp, t);
				curl_multi_remove_handle(m, r->h);
				curl_slist_free_all(r->hdrs);
				free(r->body);
				r->body = NULL;
				r->kind = -1;
				finished++;
			}
		}
		curl_multi_poll(m, NULL, 0, 10, NULL);
	}
	for (i = 0; i < conn; i++)
		curl_easy_cleanup(slots[i].h);
	free(slots);
	curl_multi_cleanup(m);
	return failures;
}

/* ---- the phases ---- */

struct world {
	size_t users, groups, memberships;
	char (*uid)[40];
	char (*gid)[40];
	/* per group: member user indices, filled before phase 3 */
	size_t *members_start, *members;
	size_t n_patches;
	size_t *patch_group, *patch_first, *patch_count;
	/* probes */
	bool *probe_group;
	uint32_t probe_gid;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct { size_t user; double t0; double seen; } probes[MAX_PROBES];
	size_t n_probes, probes_done;
	bool stop;
	/* PAM decisions during the PATCH phase */
	char pam_arg[PATH_MAX + 8];
	double *pam_lat;
	size_t n_pam, pam_denied;
};

static int next_user(void *ctx, size_t i, const char **method, char **url, char **body)
{
	*method = "POST";
	xasprintf(url, "%s/Users", base);
	xasprintf(body, "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],"
		       "\"userName\":\"u%zu@bench.example\",\"active\":true,"
		       "\"name\":{\"givenName\":\"U\",\"familyName\":\"%zu\"}}", i, i);
	return 0;
}

static void got_id(char *dst, const char *resp)
{
	json_error_t e;
	json_t *v = json_loads(resp, 0, &e);

	snprintf(dst, 40, "%s", json_string_value(json_object_get(v, "id")) ?: "");
	json_decref(v);
}

static void done_user(void *ctx, size_t i, long status, const char *resp, double t)
{
	got_id(((struct world *)ctx)->uid[i], resp);
}

static int next_group(void *ctx, size_t i, const char **method, char **url, char **body)
{
	*method = "POST";
	xasprintf(url, "%s/Groups", base);
	xasprintf(body, "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],"
		       "\"displayName\":\"g%zu\"}", i);
	return 0;
}

static void done_group(void *ctx, size_t i, long status, const char *resp, double t)
{
	got_id(((struct world *)ctx)->gid[i], resp);
}

static int next_patch(void *ctx, size_t i, const char **method, char **url, char **body)
{
	struct world *w = ctx;
	size_t g = w->patch_group[i], k, len = 0, cap = 64 + w->patch_count[i] * 56;
	char *b = malloc(cap);

	*method = "PATCH";
	xasprintf(url, "%s/Groups/%s", base, w->gid[g]);
	len += (size_t)snprintf(b + len, cap - len,
				"{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],"
				"\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":[");
	for (k = 0; k < w->patch_count[i]; k++)
		len += (size_t)snprintf(b + len, cap - len, "%s{\"value\":\"%s\"}", k ? "," : "",
					w->uid[w->members[w->patch_first[i] + k]]);
	snprintf(b + len, cap - len, "]}]}");
	*body = b;
	return 0;
}

static void done_patch(void *ctx, size_t i, long status, const char *resp, double t)
{
	struct world *w = ctx;
	size_t g = w->patch_group[i];

	if (!w->probe_group[g] || status != 200)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->n_probes < MAX_PROBES) {
		w->probes[w->n_probes].user = w->members[w->patch_first[i]];
		w->probes[w->n_probes].t0 = t;
		w->probes[w->n_probes].seen = 0;
		w->n_probes++;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
}

/* ---- visibility through the NSS module ---- */

typedef int (*pam_sm_fn)(pam_handle_t *, int, int, const char **);

#define MAX_PAM 2000000

/* Logins, as sshd's account and session stacks call the module, until stop. */
static void *pam_logins(void *arg)
{
	struct world *w = arg;
	const struct pam_conv conv = { bench_pam_no_conv, NULL };
	const char *args[] = { w->pam_arg, "quiet" };
	void *h = dlopen(GR_PAM_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
	pam_sm_fn acct = h ? (pam_sm_fn)dlsym(h, "pam_sm_acct_mgmt") : NULL;
	pam_sm_fn open = h ? (pam_sm_fn)dlsym(h, "pam_sm_open_session") : NULL;
	pam_handle_t *pamh = NULL;

	if (!acct || !open || pam_start("grouprole-bench", "u0", &conv, &pamh) != PAM_SUCCESS) {
		fprintf(stderr, "cannot load %s\n", GR_PAM_MODULE_PATH);
		return NULL;
	}
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) && w->n_pam < MAX_PAM) {
		char user[32];
		double t0;
		int r;

		snprintf(user, sizeof(user), "u%zu", (size_t)(bench_rand() % w->users));
		pam_set_item(pamh, PAM_USER, user);
		t0 = bench_now_ns();
		r = acct(pamh, 0, 2, args);
		if (r == PAM_SUCCESS)
			r = open(pamh, 0, 2, args);
		w->pam_lat[w->n_pam++] = bench_now_ns() - t0;
		if (r != PAM_SUCCESS)
			w->pam_denied++;
		usleep(5000);
	}
	pam_end(pamh, PAM_SUCCESS);
	dlclose(h);
	return NULL;
}

typedef enum nss_status (*initgroups_fn)(const char *, gid_t, long *, long *, gid_t **, long,
					 int *);

static void *prober(void *arg)
{
	struct world *w = arg;
	void *h = dlopen(GR_NSS_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
	initgroups_fn fn = h ? (initgroups_fn)dlsym(h, "_nss_grouprole_initgroups_dyn") : NULL;
	size_t next = 0;

	if (!fn) {
		fprintf(stderr, "cannot load %s\n", GR_NSS_MODULE_PATH);
		return NULL;
	}
	pthread_mutex_lock(&w->lock);
	for (;;) {
		char login[64];
		double t0;

		while (next >= w->n_probes && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (next >= w->n_probes)
			break;
		snprintf(login, sizeof(login), "u%zu", w->probes[next].user);
		t0 = w->probes[next].t0;
		pthread_mutex_unlock(&w->lock);
		for (;;) {
			long start = 0, size = 8;
			gid_t *groups = malloc(size * sizeof(gid_t));
			int e = 0;
			bool hit = false;
			long k;

			fn(login, (gid_t)-1, &start, &size, &groups, 1 << 16, &e);
			for (k = 0; k < start; k++)
				hit = hit || groups[k] == w->probe_gid;
			free(groups);
			if (hit || bench_now_ns() - t0 > 60e9)
				break;
			usleep(1000);
		}
		pthread_mutex_lock(&w->lock);
		w->probes[next].seen = bench_now_ns();
		next++;
		w->probes_done = next;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* ---- setup ---- */

static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	bind(s, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(s, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	close(s);
	return port;
}

static long peak_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

static void report(const char *name, size_t n, double secs, double *lat, size_t failures)
{
	qsort(lat, n, sizeof(*lat), bench_cmp_double);
	printf("| %-28s | %8zu | %8.1f | %8.0f | %8.2f | %8.2f | %6zu |\n", name, n, secs,
	       n / (secs > 0 ? secs : 1), n ? lat[n / 2] : 0.0, n ? lat[(size_t)(n * 0.99)] : 0.0,
	       failures);
}

int main(int argc, char **argv)
{
	struct world w = { .users = 100000, .groups = 10000, .memberships = 1000000 };
	unsigned conn = 8;
	char dir[] = "/tmp/gr-bench-scim-XXXXXX", conf[256], portarg[64], tid[GR_TOKEN_ID_LEN + 1];
	struct gr_config cfg;
	struct gr_store *st = NULL;
	struct gr_err err = { 0 };
	struct gr_role role = { .slug = "probe" };
	double t, *lat;
	size_t i, k, per_user, failures, total;
	pthread_t probe_thread, pam_thread;
	pid_t daemon;
	FILE *f;

	if (argc >= 4) {
		w.users = strtoul(argv[1], NULL, 10);
		w.groups = strtoul(argv[2], NULL, 10);
		w.memberships = strtoul(argv[3], NULL, 10);
	}
	if (argc >= 5)
		conn = (unsigned)strtoul(argv[4], NULL, 10);
	if (!w.users || !w.groups || w.memberships < w.users || !conn)
		return fprintf(stderr, "usage: scim_bench [USERS GROUPS MEMBERSHIPS [CONNECTIONS]]\n"), 2;
	per_user = w.memberships / w.users;
	if (per_user > w.groups)
		per_user = w.groups;

	/* A state directory with one directory, its token, and a probe role. */
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 1;
	snprintf(conf, sizeof(conf), "%s/grouprole.conf", dir);
	f = fopen(conf, "w");
	fprintf(f, "state_dir = %s/state\ntest_mode = yes\nlogin_domains = bench.example\n"
		   "hash_size = 131071\n", dir);
	fclose(f);
	if (gr_config_load(&cfg, conf, false, &err) < 0 ||
	    gr_store_open(&cfg, GR_STORE_WRITE | GR_STORE_CREATE, &st, &err) < 0 ||
	    gr_store_begin(st, &err) < 0 || gr_dir_create(st, "idp", &err) < 0 ||
	    gr_role_create(st, &role, 0, &err) < 0 ||
	    gr_token_create(st, GR_TOKEN_SCIM, "idp", NULL, 0, 0, NULL, (int64_t)time(NULL), token,
			    tid, &err) < 0 ||
	    gr_store_commit(st, &err) < 0)
		return fprintf(stderr, "setup: %s\n", gr_err_msg(&err)), 1;
	gr_store_close(st);
	st = NULL;
	w.probe_gid = role.gid;

	snprintf(portarg, sizeof(portarg), "127.0.0.1:%d", free_port());
	snprintf(base, sizeof(base), "http://%s/scim/v2/idp", portarg);
	daemon = fork();
	if (daemon == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		dup2(null, 2);
		execl(GR_SCIMD_PATH, "grouprole-scimd", "--config", conf, "--listen", portarg,
		      (char *)NULL);
		_exit(127);
	}
	setenv("GROUPROLE_CONF", conf, 1);
	setenv("GROUPROLE_NSS_RECHECK_MS", "0", 1);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* Wait until it answers (bounded). */
	for (i = 0; i < 200; i++) {
		CURL *h = curl_easy_init();
		char url[160];
		long status = 0;

		snprintf(url, sizeof(url), "http://%s/healthz", portarg);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(h);
		if (status == 200)
			break;
		usleep(50000);
	}

	w.uid = calloc(w.users, sizeof(*w.uid));
	w.gid = calloc(w.groups, sizeof(*w.gid));
	w.probe_group = calloc(w.groups, sizeof(bool));
	total = w.users > w.groups ? w.users : w.groups;
	lat = calloc(total + w.memberships / 1 + 16, sizeof(double));
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);

	printf("grouprole-scimd: %zu users, %zu groups, %zu memberships, %u connections\n\n",
	       w.users, w.groups, per_user * w.users, conn);
	printf("| %-28s | %8s | %8s | %8s | %8s | %8s | %6s |\n", "phase", "requests", "seconds",
	       "req/s", "p50 ms", "p99 ms", "failed");
	printf("|------------------------------|----------|----------|----------|----------|----------|--------|\n");

	t = bench_now_ns();
	failures = run_phase(w.users, conn, next_user, done_user, &w, lat);
	report("POST /Users", w.users, (bench_now_ns() - t) / 1e9, lat, failures);
	t = bench_now_ns();
	failures = run_phase(w.groups, conn, next_group, done_group, &w, lat);
	report("POST /Groups", w.groups, (bench_now_ns() - t) / 1e9, lat, failures);

	/* Memberships: user i is in groups (i + k * stride) % groups, k < per_user. */
	{
		size_t stride = w.groups / per_user ? w.groups / per_user : 1, *count, p = 0;

		count = calloc(w.groups, sizeof(size_t));
		w.members_start = calloc(w.groups + 1, sizeof(size_t));
		w.members = calloc(per_user * w.users, sizeof(size_t));
		for (i = 0; i < w.users; i++)
			for (k = 0; k < per_user; k++)
				count[(i + k * stride) % w.groups]++;
		for (i = 0; i < w.groups; i++)
			w.members_start[i + 1] = w.members_start[i] + count[i];
		memset(count, 0, w.groups * sizeof(size_t));
		for (i = 0; i < w.users; i++)
			for (k = 0; k < per_user; k++) {
				size_t g = (i + k * stride) % w.groups;

				w.members[w.members_start[g] + count[g]++] = i;
			}
		w.patch_group = calloc(w.groups + per_user * w.users / BATCH + 1, sizeof(size_t));
		w.patch_first = calloc(w.groups + per_user * w.users / BATCH + 1, sizeof(size_t));
		w.patch_count = calloc(w.groups + per_user * w.users / BATCH + 1, sizeof(size_t));
		for (i = 0; i < w.groups; i++)
			for (k = w.members_start[i]; k < w.members_start[i + 1]; k += BATCH) {
				w.patch_group[p] = i;
				w.patch_first[p] = k;
				w.patch_count[p] = w.members_start[i + 1] - k < BATCH
							   ? w.members_start[i + 1] - k : BATCH;
				p++;
			}
		w.n_patches = p;
		free(count);
	}
	/* Probe groups, spread over the run, mapped to the probe role now. */
	if (gr_store_open(&cfg, GR_STORE_WRITE, &st, &err) < 0 || gr_store_begin(st, &err) < 0)
		return fprintf(stderr, "mapping: %s\n", gr_err_msg(&err)), 1;
	for (i = 0; i < MAX_PROBES && i < w.groups; i++) {
		size_t g = i * (w.groups / MAX_PROBES ? w.groups / MAX_PROBES : 1);
		const char *slug = "probe";

		w.probe_group[g] = true;
		if (gr_group_roles_change(st, NULL, "idp", w.gid[g], &slug, 1, true, &err) < 0)
			return fprintf(stderr, "mapping: %s\n", gr_err_msg(&err)), 1;
	}
	if (gr_store_commit(st, &err) < 0)
		return fprintf(stderr, "mapping: %s\n", gr_err_msg(&err)), 1;
	gr_store_close(st);

	snprintf(w.pam_arg, sizeof(w.pam_arg), "config=%s", conf);
	w.pam_lat = calloc(MAX_PAM, sizeof(double));
	pthread_create(&probe_thread, NULL, prober, &w);
	pthread_create(&pam_thread, NULL, pam_logins, &w);
	free(lat);
	lat = calloc(w.n_patches + 1, sizeof(double));
	t = bench_now_ns();
	failures = run_phase(w.n_patches, conn, next_patch, done_patch, &w, lat);
	report("PATCH /Groups (members)", w.n_patches, (bench_now_ns() - t) / 1e9, lat, failures);
	pthread_mutex_lock(&w.lock);
	w.stop = true;
	pthread_cond_broadcast(&w.cond);
	pthread_mutex_unlock(&w.lock);
	pthread_join(probe_thread, NULL);
	pthread_join(pam_thread, NULL);
	qsort(w.pam_lat, w.n_pam, sizeof(double), bench_cmp_double);
	printf("\nPAM decisions (acct_mgmt + open_session) during the PATCH phase, %zu logins "
	       "(%zu refused): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", w.n_pam, w.pam_denied,
	       w.n_pam ? w.pam_lat[w.n_pam / 2] / 1e6 : 0.0,
	       w.n_pam ? w.pam_lat[(size_t)(w.n_pam * 0.99)] / 1e6 : 0.0,
	       w.n_pam ? w.pam_lat[w.n_pam - 1] / 1e6 : 0.0);
	free(w.pam_lat);
	{
		double vis[MAX_PROBES];
		size_t n = w.probes_done;

		for (i = 0; i < n; i++)
			vis[i] = (w.probes[i].seen - w.probes[i].t0) / 1e6;
		qsort(vis, n, sizeof(*vis), bench_cmp_double);
		printf("\n2xx to getgrouplist (NSS module), %zu probes: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
		       n, n ? vis[n / 2] : 0.0, n ? vis[(size_t)(n * 0.99)] : 0.0, n ? vis[n - 1] : 0.0);
	}
	printf("daemon peak RSS: %.1f MB\n", peak_rss_kb(daemon) / 1024.0);
	kill(daemon, SIGTERM);
	waitpid(daemon, NULL, 0);
	if (!getenv("BENCH_KEEP"))
		bench_rmtree(dir);
	else
		printf("kept %s\n", dir);
	curl_global_cleanup();
	return 0;
}
