/* SPDX-License-Identifier: MIT */
/*
 * pw_bench: time passwd lookups through glibc with whatever
 * /etc/nsswitch.conf says, and runs of a program (bench/pw_bench.sh).
 *
 *   pw_bench run LABEL N      getpwnam_r (hit, miss) and getpwuid_r over the
 *                             accounts "u%07u" of pw_gen, one line each:
 *                             LABEL N OP MEDIAN_NS P99_NS SAMPLES
 *   pw_bench spawn LABEL N COUNT PROG ARG...
 *                             COUNT runs of PROG ARG... (posix_spawn to
 *                             waitpid, output to /dev/null), one line as above;
 *                             an ARG "%u" becomes a random account's name
 *
 * Like nss_bench: each call timed on its own with CLOCK_MONOTONIC (about 20 ns
 * of it is the clock), keys cycling through 1,000 picked with a fixed seed.
 */
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nss_data.h"

#define KEYS 1000
#define BUDGET_NS 400000000ll
#define MAX_SAMPLES 200000
#define MIN_SAMPLES 5
#define UID0 300000u

extern char **environ;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t samples[MAX_SAMPLES];
static char names[KEYS][32], misses[KEYS][32];
static uid_t uids[KEYS];
static char buf[16384];

enum op { OP_HIT, OP_MISS, OP_UID };

static int call(enum op op, int i)
{
	struct passwd pw, *res = NULL;

	switch (op) {
	case OP_HIT:
		return getpwnam_r(names[i % KEYS], &pw, buf, sizeof(buf), &res) == 0 && res;
	case OP_MISS:
		return getpwnam_r(misses[i % KEYS], &pw, buf, sizeof(buf), &res) == 0 && !res;
	case OP_UID:
		return getpwuid_r(uids[i % KEYS], &pw, buf, sizeof(buf), &res) == 0 && res;
	}
	return 0;
}

static void report(const char *label, uint32_t n, const char *name, int count, int bad)
{
	qsort(samples, (size_t)count, sizeof(*samples), cmp_i64);
	printf("%s\t%u\t%s\t%lld\t%lld\t%d%s\n", label, n, name, (long long)samples[count / 2],
	       (long long)samples[(size_t)count * 99 / 100], count, bad ? "\tWRONG-ANSWERS" : "");
	fflush(stdout);
}

static void measure(const char *label, uint32_t n, const char *name, enum op op)
{
	int64_t start = now_ns(), t0, t1;
	int i, bad = !call(op, 0);

	for (i = 0; i < MAX_SAMPLES; i++) {
		t0 = now_ns();
		if (!call(op, i + 1))
			bad++;
		t1 = now_ns();
		samples[i] = t1 - t0;
		if (i + 1 >= MIN_SAMPLES && t1 - start > BUDGET_NS) {
			i++;
			break;
		}
	}
	report(label, n, name, i, bad);
}

static void pick(uint32_t n)
{
	uint64_t seed = 42;
	int i;

	for (i = 0; i < KEYS; i++) {
		snprintf(names[i], sizeof(names[i]), "u%07u", nss_bench_rand(&seed) % n);
		uids[i] = UID0 + nss_bench_rand(&seed) % n;
		snprintf(misses[i], sizeof(misses[i]), "nosuch-%07u", nss_bench_rand(&seed) % n);
	}
}

static int spawn(const char *label, uint32_t n, int count, char **argv)
{
	posix_spawn_file_actions_t fa;
	char *args[16];
	int i, k, bad = 0, st;
	pid_t pid;

	if (count > MAX_SAMPLES || !argv[0])
		return 2;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (i = 0; i < count; i++) {
		int64_t t0;

		for (k = 0; argv[k] && k < 15; k++)
			args[k] = strcmp(argv[k], "%u") ? argv[k] : names[i % KEYS];
		args[k] = NULL;
		t0 = now_ns();
		if (posix_spawn(&pid, args[0], &fa, NULL, args, environ) != 0 ||
		    waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
		samples[i] = now_ns() - t0;
	}
	posix_spawn_file_actions_destroy(&fa);
	report(label, n, "spawn", count, bad);
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t n = argc >= 4 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0;

	if (n)
		pick(n);
	if (argc == 4 && n && !strcmp(argv[1], "run")) {
		measure(argv[2], n, "getpwnam_r-hit", OP_HIT);
		measure(argv[2], n, "getpwnam_r-miss", OP_MISS);
		measure(argv[2], n, "getpwuid_r", OP_UID);
		return 0;
	}
	if (argc >= 6 && n && !strcmp(argv[1], "spawn"))
		return spawn(argv[2], n, atoi(argv[4]), argv + 5);
	fprintf(stderr, "usage: pw_bench run LABEL N | spawn LABEL N COUNT PROG ARG...\n");
	return 2;
}
