/* SPDX-License-Identifier: MIT */
/*
 * lib/http over loopback with libcurl: requests reach the handler whole,
 * bodies past the limit are answered 413 whether their length is declared
 * or chunked, headers and query arguments are read, TLS serves the
 * configured certificate and a reload swaps it on the running server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "http/server.h"
#include "testutil.h"

#define MAX_BODY 1024

static void handler(void *app, const struct gr_http_request_view *req,
		    struct gr_http_response *resp)
{
	const char *h = gr_http_header(req, "X-Test"), *q = gr_http_query(req, "filter");
	char *out = NULL;
	int n;

	(void)app;
	if (req->too_large) {
		resp->status = 413;
		resp->content_type = "text/plain";
		resp->body = strdup("too large");
		resp->len = strlen(resp->body);
		return;
	}
	n = asprintf(&out, "%s %s len=%zu hdr=%s q=%s", req->method, req->path, req->len,
		     h ? h : "-", q ? q : "-");
	assert_true(n > 0);
	resp->status = 200;
	resp->content_type = "text/plain";
	resp->body = out;
	resp->len = (size_t)n;
	gr_http_add_header(resp, "ETag", "W/\"1\"");
}

struct buf {
	char data[4096];
	size_t len;
};

static size_t collect(char *p, size_t sz, size_t n, void *ctx)
{
	struct buf *b = ctx;
	size_t k = sz * n;

	if (b->len + k >= sizeof(b->data))
		k = sizeof(b->data) - 1 - b->len;
	memcpy(b->data + b->len, p, k);
	b->len += k;
	b->data[b->len] = '\0';
	return sz * n;
}

struct upload {
	const char *data;
	size_t len, pos;
};

static size_t feed(char *p, size_t sz, size_t n, void *ctx)
{
	struct upload *u = ctx;
	size_t k = sz * n < u->len - u->pos ? sz * n : u->len - u->pos;

	memcpy(p, u->data + u->pos, k);
	u->pos += k;
	return k;
}

/* One request; returns the status, the body in OUT. */
static long request(const char *url, const char *method, const char *body, size_t len,
		    bool chunked, const char *cafile, struct buf *out, char *subject, size_t sublen)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = curl_slist_append(NULL, "X-Test: yes");
	struct upload up = { body, len, 0 };
	long status = 0;

	out->len = 0;
	out->data[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (chunked)
		hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (body) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, feed);
		curl_easy_setopt(c, CURLOPT_READDATA, &up);
		if (!chunked)
			curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	}
	if (cafile) {
		curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (subject) {
		struct curl_certinfo *ci = NULL;

		subject[0] = '\0';
		if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci && ci->num_of_certs > 0) {
			struct curl_slist *s;

			for (s = ci->certinfo[0]; s; s = s->next)
				if (!strncmp(s->data, "Subject:", 8))
					snprintf(subject, sublen, "%s", s->data + 8);
		}
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return status;
}

static void test_plain(void **state)
{
	struct gr_http_config cfg = { .listen = "127.0.0.1:0", .max_body = MAX_BODY,
				      .max_connections = 16, .per_ip = 8, .timeout_s = 10 };
	struct gr_http_server *srv = NULL;
	struct gr_err err = { 0 };
	char url[128], big[MAX_BODY + 10];
	struct buf out;

	tu_assert_ok(gr_http_start(&cfg, handler, NULL, NULL, &srv, &err), &err);
	assert_true(gr_http_port(srv) > 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/scim/v2/okta/Users?filter=userName%%20eq%%20%%22a%%22",
		 gr_http_port(srv));
	assert_int_equal(request(url, "GET", NULL, 0, false, NULL, &out, NULL, 0), 200);
	assert_string_equal(out.data, "GET /scim/v2/okta/Users len=0 hdr=yes q=userName eq \"a\"");
	assert_int_equal(request(url, "POST", "{\"a\":1}", 7, false, NULL, &out, NULL, 0), 200);
	assert_string_equal(out.data, "POST /scim/v2/okta/Users len=7 hdr=yes q=userName eq \"a\"");
	/* Exactly the limit is fine; one byte more is 413, declared or chunked. */
	memset(big, 'x', sizeof(big));
	assert_int_equal(request(url, "PUT", big, MAX_BODY, false, NULL, &out, NULL, 0), 200);
	assert_non_null(strstr(out.data, "len=1024"));
	assert_int_equal(request(url, "PUT", big, MAX_BODY + 1, false, NULL, &out, NULL, 0), 413);
	assert_string_equal(out.data, "too large");
	assert_int_equal(request(url, "PATCH", big, MAX_BODY + 1, true, NULL, &out, NULL, 0), 413);
	assert_int_equal(request(url, "PATCH", big, 100, true, NULL, &out, NULL, 0), 200);
	assert_non_null(strstr(out.data, "len=100"));
	/*
	 * Far past the drain limit the connection is cut (the client may or
	 * may not read the 413 first: TCP decides); the server goes on.
	 */
	{
		size_t n = 3u << 20;
		char *huge = malloc(n);

		assert_non_null(huge);
		memset(huge, 'y', n);
		request(url, "PATCH", huge, n, true, NULL, &out, NULL, 0);
		free(huge);
	}
	assert_int_equal(request(url, "GET", NULL, 0, false, NULL, &out, NULL, 0), 200);
	gr_http_stop(srv);
}

/* A self-signed certificate for CN, written as PEM files. */
static void make_cert(const char *cn, const char *certpath, const char *keypath)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	unsigned char serial[8] = { 1, 2, 3, 4, 5, 6, 7, (unsigned char)cn[0] };
	unsigned char buf[16384];
	size_t len;
	FILE *f;
	time_t now = time(NULL);

	assert_int_equal(gnutls_x509_privkey_init(&key), 0);
	assert_int_equal(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
						      GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	gnutls_x509_crt_set_version(crt, 3);
	gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	gnutls_x509_crt_set_activation_time(crt, now - 60);
	gnutls_x509_crt_set_expiration_time(crt, now + 3600);
	gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn));
	gnutls_x509_crt_set_issuer_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn));
	gnutls_x509_crt_set_basic_constraints(crt, 1, -1);
	gnutls_x509_crt_set_key(crt, key);
	assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), 0);
	len = sizeof(buf);
	assert_int_equal(gnutls_x509_crt_export(crt, GNUTLS_X509_FMT_PEM, buf, &len), 0);
	f = fopen(certpath, "w");
	fwrite(buf, 1, len, f);
	fclose(f);
	len = sizeof(buf);
	assert_int_equal(gnutls_x509_privkey_export(key, GNUTLS_X509_FMT_PEM, buf, &len), 0);
	f = fopen(keypath, "w");
	fwrite(buf, 1, len, f);
	fclose(f);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

static void test_tls_and_reload(void **state)
{
	char dir[] = "/tmp/gr-http-XXXXXX", ca[256], ck[256], cb[256], kb[256], url[128];
	char subject[256];
	struct gr_http_config cfg = { .listen = "127.0.0.1:0", .max_body = MAX_BODY,
				      .max_connections = 16, .per_ip = 8, .timeout_s = 10 };
	struct gr_http_server *srv = NULL;
	struct gr_err err = { 0 };
	struct buf out;

	assert_non_null(mkdtemp(dir));
	snprintf(ca, sizeof(ca), "%s/a.crt", dir);
	snprintf(ck, sizeof(ck), "%s/a.key", dir);
	snprintf(cb, sizeof(cb), "%s/b.crt", dir);
	snprintf(kb, sizeof(kb), "%s/b.key", dir);
	make_cert("alpha.test", ca, ck);
	make_cert("bravo.test", cb, kb);
	cfg.tls_cert = ca;
	cfg.tls_key = ck;
	tu_assert_ok(gr_http_start(&cfg, handler, NULL, NULL, &srv, &err), &err);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/x", gr_http_port(srv));
	assert_int_equal(request(url, "GET", NULL, 0, false, ca, &out, subject, sizeof(subject)), 200);
	assert_non_null(strstr(subject, "alpha.test"));
	/* The old CA no longer verifies after the reload; the new one does. */
	tu_assert_ok(gr_http_reload_tls(srv, cb, kb, &err), &err);
	assert_int_equal(request(url, "GET", NULL, 0, false, ca, &out, NULL, 0), 0);
	assert_int_equal(request(url, "GET", NULL, 0, false, cb, &out, subject, sizeof(subject)), 200);
	assert_non_null(strstr(subject, "bravo.test"));
	/* A broken reload keeps the working certificate. */
	assert_int_equal(gr_http_reload_tls(srv, ck, cb, &err), -GR_E_INVALID);
	assert_int_equal(request(url, "GET", NULL, 0, false, cb, &out, NULL, 0), 200);
	/* Plain HTTP to a TLS port gets nothing. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", gr_http_port(srv));
	assert_int_not_equal(request(url, "GET", NULL, 0, false, NULL, &out, NULL, 0), 200);
	gr_http_stop(srv);
	unlink(ca); unlink(ck); unlink(cb); unlink(kb);
	rmdir(dir);
}

static void test_listen_addresses(void **state)
{
	struct sockaddr_storage sa;
	struct gr_err err = { 0 };
	unsigned len;

	assert_int_equal(gr_http_parse_listen("127.0.0.1:8636", &sa, &len, &err), 0);
	assert_true(gr_http_is_loopback(&sa));
	assert_int_equal(gr_http_parse_listen("127.9.9.9:1", &sa, &len, &err), 0);
	assert_true(gr_http_is_loopback(&sa));
	assert_int_equal(gr_http_parse_listen("[::1]:8636", &sa, &len, &err), 0);
	assert_true(gr_http_is_loopback(&sa));
	assert_int_equal(gr_http_parse_listen("0.0.0.0:8636", &sa, &len, &err), 0);
	assert_false(gr_http_is_loopback(&sa));
	assert_int_equal(gr_http_parse_listen("[::]:443", &sa, &len, &err), 0);
	assert_false(gr_http_is_loopback(&sa));
	tu_assert_fails(gr_http_parse_listen("localhost:80", &sa, &len, &err), &err, -GR_E_INVALID,
			"numeric");
	tu_assert_fails(gr_http_parse_listen("127.0.0.1", &sa, &len, &err), &err, -GR_E_INVALID,
			"ADDR:PORT");
	tu_assert_fails(gr_http_parse_listen("127.0.0.1:99999", &sa, &len, &err), &err,
			-GR_E_INVALID, "0-65535");
	tu_assert_fails(gr_http_parse_listen("[::1:80", &sa, &len, &err), &err, -GR_E_INVALID, "'['");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_addresses),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_tls_and_reload),
	};
	int r;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	r = cmocka_run_group_tests_name("http server", tests, NULL, NULL);
	curl_global_cleanup();
	return r;
}
