/* SPDX-License-Identifier: MIT */
/*
 * grouprole-webhook: an event_hook that posts each event to a web hook.
 *
 *   grouprole-webhook [--token-file FILE] [--timeout SECONDS] [--ca-file FILE]
 *                     [--allow-http] URL
 *
 * grouprole runs it with the event (a CloudEvents JSON object) on standard
 * input; it POSTs it unchanged as application/cloudevents+json (the
 * structured content mode of the CloudEvents HTTP binding), with
 * "Authorization: Bearer TOKEN" when --token-file names a file holding the
 * token on its first line.  The file must be a regular file owned by root
 * or the caller, readable by no one else: a token is a secret.  TLS
 * certificates and host names are always verified (--ca-file adds a CA
 * bundle); plain http:// is refused unless --allow-http.  Redirects are not
 * followed.  The whole request is bounded by --timeout (default 10 s; keep
 * it below event_hook_timeout).  Exit 0 when the server answered 2xx, 1
 * otherwise, with one line on stderr that never contains the token; 2 on
 * usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/safefile.h"

#define MAX_EVENT (1u << 20)

static void usage(FILE *f)
{
	fputs("usage: grouprole-webhook [--token-file FILE] [--timeout SECONDS] [--ca-file FILE] "
	      "[--allow-http] URL\n", f);
}

/* The token on the first line of PATH into BUF; 0 or -1 with a message on stderr. */
static int read_token(const char *path, char *buf, size_t len)
{
	struct gr_err err = { 0 };
	struct stat sb;
	ssize_t n;
	int fd = gr_safe_open(path, O_RDONLY, 0, true, &err);

	if (fd < 0) {
		fprintf(stderr, "grouprole-webhook: %s\n", gr_err_msg(&err));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || (sb.st_mode & 077)) {
		fprintf(stderr, "grouprole-webhook: %s: readable by others; chmod 600 it\n", path);
		close(fd);
		return -1;
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "grouprole-webhook: %s: empty\n", path);
		return -1;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0]) {
		fprintf(stderr, "grouprole-webhook: %s: empty\n", path);
		return -1;
	}
	return 0;
}

static char *read_stdin(size_t *len)
{
	char *buf = malloc(MAX_EVENT + 1);
	size_t n = 0;

	if (!buf)
		return NULL;
	for (;;) {
		ssize_t r = read(0, buf + n, MAX_EVENT + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > MAX_EVENT) {
			free(buf);
			return NULL;
		}
	}
	*len = n;
	return buf;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token-file", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "ca-file", required_argument, NULL, 'c' },
		{ "allow-http", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *token_file = NULL, *ca_file = NULL, *url;
	char token[4096], *auth = NULL, *body = NULL;
	struct curl_slist *headers = NULL;
	long timeout = 10, code = 0;
	bool allow_http = false;
	CURL *curl = NULL;
	CURLcode cr;
	size_t len = 0;
	int opt, rc = 1;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't': token_file = optarg; break;
		case 'T':
			timeout = strtol(optarg, NULL, 10);
			if (timeout < 1 || timeout > 600) {
				fputs("grouprole-webhook: --timeout: 1 to 600 seconds\n", stderr);
				return 2;
			}
			break;
		case 'c': ca_file = optarg; break;
		case 'H': allow_http = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	url = argv[optind];
	if (strncmp(url, "https://", 8) && !(allow_http && !strncmp(url, "http://", 7))) {
		fputs("grouprole-webhook: the URL must be https:// (or http:// with --allow-http)\n",
		      stderr);
		return 2;
	}
	if (token_file && (read_token(token_file, token, sizeof(token)) < 0 ||
			   asprintf(&auth, "Authorization: Bearer %s", token) < 0)) {
		auth = NULL;
		goto out;
	}
	body = read_stdin(&len);
	if (!body || !len) {
		fputs("grouprole-webhook: no event on standard input (or larger than 1 MiB)\n", stderr);
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(curl = curl_easy_init())) {
		fputs("grouprole-webhook: cannot initialise libcurl\n", stderr);
		goto out;
	}
	headers = curl_slist_append(headers, "Content-Type: application/cloudevents+json; charset=utf-8");
	if (auth)
		headers = curl_slist_append(headers, auth);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, allow_http ? "https,http" : "https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout < 5 ? timeout : 5L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "grouprole-webhook");
	cr = curl_easy_perform(curl);
	if (cr != CURLE_OK) {
		fprintf(stderr, "grouprole-webhook: %s\n", curl_easy_strerror(cr));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299) {
		fprintf(stderr, "grouprole-webhook: the server answered %ld\n", code);
		goto out;
	}
	rc = 0;
out:
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	explicit_bzero(token, sizeof(token));
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	curl_global_cleanup();
	free(body);
	return rc;
}
