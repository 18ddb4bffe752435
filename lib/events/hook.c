/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "events/hook.h"

static double elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Wait for PID up to TIMEOUT_MS; true when it exited (reaped into *STATUS). */
static bool wait_bounded(pid_t pid, unsigned timeout_ms, int *status)
{
	int pfd = pidfd_open_(pid);
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		double left = timeout_ms / 1000.0 - elapsed(&t0);
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (left <= 0) {
			if (pfd >= 0)
				close(pfd);
			return false;
		}
		if (pfd >= 0) {
			struct pollfd p = { pfd, POLLIN, 0 };

			poll(&p, 1, (int)(left * 1000) + 1);
		} else {
			/* No pidfd (kernel < 5.3): look again every 10 ms. */
			poll(NULL, 0, left > 0.01 ? 10 : (int)(left * 1000) + 1);
		}
	}
	if (pfd >= 0)
		close(pfd);
	return true;
}

#define N_ENV 5

int gr_hook_run(const char *program, const struct gr_hook_event *ev, unsigned timeout_ms,
		struct gr_hook_result *res)
{
	char *argv[] = { (char *)program, NULL };
	char *envp[N_ENV + 1] = { NULL };
	const char *json = ev->json;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct timespec t0;
	int sv[2] = { -1, -1 }, status = 0, r;
	size_t len = strlen(json), off = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* posix_spawn may fork before it execs: a missing program would look like exit 127. */
	if (access(program, X_OK) < 0) {
		r = -errno;
		goto spawn_failed;
	}
	if (asprintf(&envp[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0 ||
	    asprintf(&envp[1], "GROUPROLE_EVENT_TYPE=%s", ev->type ?: "") < 0 ||
	    asprintf(&envp[2], "GROUPROLE_EVENT_ID=%s", ev->id ?: "") < 0 ||
	    asprintf(&envp[3], "GROUPROLE_EVENT_SUBJECT=%s", ev->subject ?: "") < 0 ||
	    (ev->login && asprintf(&envp[4], "GROUPROLE_EVENT_LOGIN=%s", ev->login) < 0)) {
		r = -ENOMEM;
		goto spawn_failed;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		r = -errno;
		goto spawn_failed;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	{
		/* The daemon blocks and ignores signals its threads inherit; the hook gets defaults. */
		sigset_t none, all;

		sigemptyset(&none);
		sigfillset(&all);
		posix_spawnattr_setsigmask(&attr, &none);
		posix_spawnattr_setsigdefault(&attr, &all);
	}
	r = -posix_spawn(&pid, program, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(sv[1]);
	sv[1] = -1;
	if (r < 0)
		goto spawn_failed;
	/* The event is small: what the socket takes now, without waiting; then end of input. */
	while (off < len) {
		ssize_t n = send(sv[0], json + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(sv[0], SHUT_WR);
	close(sv[0]);
	sv[0] = -1;
	if (!wait_bounded(pid, timeout_ms, &status)) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		res->outcome = GR_HOOK_TIMEOUT;
	} else if (WIFEXITED(status)) {
		res->status = WEXITSTATUS(status);
		res->outcome = res->status ? GR_HOOK_EXIT : GR_HOOK_OK;
	} else {
		res->status = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		res->outcome = GR_HOOK_SIGNAL;
	}
	res->seconds = elapsed(&t0);
	for (r = 0; r < N_ENV; r++)
		free(envp[r]);
	return res->outcome == GR_HOOK_OK ? 0 : -1;

spawn_failed:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	for (status = 0; status < N_ENV; status++)
		free(envp[status]);
	res->outcome = GR_HOOK_SPAWN;
	res->errno_ = -r;
	res->seconds = elapsed(&t0);
	return -1;
}

const char *gr_hook_describe(const char *program, const struct gr_hook_result *res, char *buf,
			     size_t len)
{
	switch (res->outcome) {
	case GR_HOOK_OK:
		snprintf(buf, len, "event hook %s succeeded", program);
		break;
	case GR_HOOK_EXIT:
		snprintf(buf, len, "event hook %s exited with status %d", program, res->status);
		break;
	case GR_HOOK_SIGNAL:
		snprintf(buf, len, "event hook %s was killed by signal %d", program, res->status);
		break;
	case GR_HOOK_TIMEOUT:
		snprintf(buf, len, "event hook %s timed out after %.1f s; its process group was killed",
			 program, res->seconds);
		break;
	case GR_HOOK_SPAWN:
		snprintf(buf, len, "event hook %s could not be started: %s", program,
			 strerror(res->errno_));
		break;
	}
	return buf;
}
