/* SPDX-License-Identifier: MIT */
/*
 * A syslog socket for the end-to-end tests: binds a datagram socket at PATH
 * (the private /dev/log of a test mount namespace) and appends every message
 * it receives, one per line, to OUT.  Runs until SIGTERM or SIGINT.
 *
 *   pam_syslogd PATH OUT
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa;
	struct sigaction act;
	char buf[8192];
	FILE *out;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: pam_syslogd PATH OUT\n");
		return 2;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal; /* no SA_RESTART: recv must return */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);

	out = fopen(argv[2], "ae");
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!out || fd < 0) {
		perror("pam_syslogd");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(argv[1], 0666) < 0) {
		perror(argv[1]);
		return 1;
	}
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("recv");
			return 1;
		}
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
			n--;
		buf[n] = '\0';
		fprintf(out, "%s\n", buf);
		fflush(out);
	}
	unlink(argv[1]);
	return 0;
}
