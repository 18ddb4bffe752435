/* SPDX-License-Identifier: MIT */
#ifndef GR_BENCH_NSS_DATA_H
#define GR_BENCH_NSS_DATA_H

/*
 * The NSS benchmark's data set, shared by the generator (nss_gen) and the
 * measuring program (nss_bench) so that both derive the same names:
 *
 *   N role groups     "role-g%07u", gid NSS_BENCH_GID0 + i, no members,
 *                     except that BENCH_USER is a member of 20 of them
 *   one large group   "role-everyone", gid NSS_BENCH_BIG_GID, 50,000
 *                     members "m%05u" (each with a "U" record of its own)
 *   one mid group     "role-team", gid NSS_BENCH_MID_GID, the first 500 of them
 *                     (ns per member = (large or mid lookup - hit) / members)
 */

#include <stdint.h>
#include <stdio.h>

#define NSS_BENCH_GID0 300000u
#define NSS_BENCH_BIG_NAME "role-everyone"
#define NSS_BENCH_BIG_GID 250000u
#define NSS_BENCH_BIG_MEMBERS 50000u
/* A mid-sized group: the first 500 of the large group's members. */
#define NSS_BENCH_MID_NAME "role-team"
#define NSS_BENCH_MID_GID 250001u
#define NSS_BENCH_MID_MEMBERS 500u
#define NSS_BENCH_USER "benchuser"
#define NSS_BENCH_USER_ROLES 20u

static inline void nss_bench_name(char *buf, size_t len, uint32_t i)
{
	snprintf(buf, len, "role-g%07u", i);
}

/* The index of BENCH_USER's K'th role (0 <= K < 20) among N groups. */
static inline uint32_t nss_bench_user_role(uint32_t n, uint32_t k)
{
	return (uint32_t)((uint64_t)k * n / NSS_BENCH_USER_ROLES);
}

/* A small deterministic generator, so every source gets the same keys. */
static inline uint32_t nss_bench_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

#endif
