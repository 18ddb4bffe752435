/* SPDX-License-Identifier: MIT */
#ifndef GR_BENCH_GEN_H
#define GR_BENCH_GEN_H

/* Shared by the benchmarks: clocks, sorting, and the test directory. */

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/gr_error.h"

#define BENCH_ROLES 50

/* CLOCK_MONOTONIC in nanoseconds. */
double bench_now_ns(void);

/* qsort comparator for doubles; bench_median sorts V and returns its median. */
int bench_cmp_double(const void *a, const void *b);
double bench_median(double *v, size_t n);

/*
 * Build the benchmark directory in CFG's state dir: N_USERS users (every
 * 97th deactivated) each in PER_USER of N_GROUPS groups (pseudo-random but the
 * same every run), BENCH_ROLES roles, a third of the groups mapped to a role
 * tenant-wide and a tenth in organization "acme" (connected with
 * auto-membership on), one assignment on host:web1 per hundred users;
 * imported through gr_import_directory as grouprolectl does.  Prints how long
 * generating and importing took.  Returns 0 or a negative code with ERR set.
 */
int bench_make_directory(const struct gr_config *cfg, size_t n_users, size_t n_groups,
			 size_t per_user, struct gr_err *err);

struct gr_store;

/*
 * The anchor both benchmarks measure against: one fetch and JSON decode of
 * a random user record under the read lock, N times into V.  Returns the
 * median in ns.
 */
double bench_fetch_floor(struct gr_store *st, size_t n_users, double *v, size_t n);

/* A pseudo-random number: the same sequence every run. */
uint64_t bench_rand(void);

/* rm -rf DIR. */
void bench_rmtree(const char *dir);

#endif
