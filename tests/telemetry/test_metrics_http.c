/*
 * test_metrics_http.c - the /metrics listener over real sockets with libcurl
 * as the client: status codes, content type, HEAD, ephemeral ports, address
 * parsing, the loopback rule, port conflicts and clean shutdown.
 */
#define _POSIX_C_SOURCE 200809L
#include "attune_test.h"
#include "metrics.h"
#include "metrics_http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <strings.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct reply {
	long code;
	char body[1 << 17];
	size_t len;
	char content_type[128];
	char allow[64];
} reply;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	reply *r = ud;
	size_t take = sz * n;

	if (take > sizeof(r->body) - 1 - r->len)
		take = sizeof(r->body) - 1 - r->len;
	memcpy(r->body + r->len, p, take);
	r->len += take;
	r->body[r->len] = '\0';
	return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	reply *r = ud;
	size_t len = sz * n;

	if (len > 14 && strncasecmp(p, "Content-Type: ", 14) == 0 &&
	    len - 14 < sizeof(r->content_type))
		snprintf(r->content_type, sizeof(r->content_type), "%.*s", (int)(len - 16), p + 14);
	if (len > 7 && strncasecmp(p, "Allow: ", 7) == 0 && len - 7 < sizeof(r->allow))
		snprintf(r->allow, sizeof(r->allow), "%.*s", (int)(len - 9), p + 7);
	return len;
}

/* Sends `method` to http://addr/path; returns 0 when a response came. */
static int http(const char *addr, const char *method, const char *path, reply *r)
{
	CURL *c = curl_easy_init();
	char url[256];
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	if (!c)
		return -1;
	snprintf(url, sizeof(url), "http://%s%s", addr, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

static attune_metrics *make(void)
{
	attune_metrics_config cfg = {NULL, 0, "t", "s"};
	attune_metrics *m = NULL;

	attune_metrics_create(&cfg, &m);
	return m;
}

TEST(serves_metrics_on_ephemeral_port)
{
	attune_metrics *m = make();
	attune_metrics_http *h = NULL;
	attune_metrics_http_config hc = {"127.0.0.1:0", 0, 0};
	reply *r = malloc(sizeof(*r));
	char expect[64];

	REQUIRE_OR(m && r, out);
	REQUIRE_OR(attune_metrics_http_start(m, &hc, &h, NULL) == ATTUNE_METRICS_OK, out);
	CHECK_GT_INT(attune_metrics_http_port(h), 0);
	snprintf(expect, sizeof(expect), "127.0.0.1:%u", attune_metrics_http_port(h));
	CHECK_EQ_STR(attune_metrics_http_address(h), expect);

	attune_metrics_rate_limited(m);
	REQUIRE_OR(http(attune_metrics_http_address(h), "GET", "/metrics", r) == 0, out);
	CHECK_EQ_INT(r->code, 200);
	CHECK_EQ_STR(r->content_type, "text/plain; version=0.0.4; charset=utf-8");
	CHECK_CONTAINS(r->body, "# TYPE attune_rpc_requests_total counter\n");
	CHECK_CONTAINS(r->body, "\nattune_rate_limited_total 1\n");
	CHECK_CONTAINS(r->body, "\nprocess_resident_memory_bytes ");

	/* The scrape reflects updates made after the listener started. */
	attune_metrics_rate_limited(m);
	REQUIRE_OR(http(attune_metrics_http_address(h), "GET", "/metrics?x=1", r) == 0, out);
	CHECK_EQ_INT(r->code, 200);
	CHECK_CONTAINS(r->body, "\nattune_rate_limited_total 2\n");

	REQUIRE_OR(http(attune_metrics_http_address(h), "HEAD", "/metrics", r) == 0, out);
	CHECK_EQ_INT(r->code, 200);
	CHECK_EQ_INT(r->len, 0);

	REQUIRE_OR(http(attune_metrics_http_address(h), "GET", "/", r) == 0, out);
	CHECK_EQ_INT(r->code, 404);
	REQUIRE_OR(http(attune_metrics_http_address(h), "GET", "/metrics/", r) == 0, out);
	CHECK_EQ_INT(r->code, 404);
	REQUIRE_OR(http(attune_metrics_http_address(h), "POST", "/metrics", r) == 0, out);
	CHECK_EQ_INT(r->code, 405);
	CHECK_EQ_STR(r->allow, "GET, HEAD");
	REQUIRE_OR(http(attune_metrics_http_address(h), "DELETE", "/metrics", r) == 0, out);
	CHECK_EQ_INT(r->code, 405);
	/* Still serving after the odd requests. */
	REQUIRE_OR(http(attune_metrics_http_address(h), "GET", "/metrics", r) == 0, out);
	CHECK_EQ_INT(r->code, 200);
out:
	attune_metrics_http_stop(h);
	attune_metrics_destroy(m);
	free(r);
}

TEST(oversized_request_headers_are_refused)
{
	attune_metrics *m = make();
	attune_metrics_http *h = NULL;
	attune_metrics_http_config hc = {"127.0.0.1:0", 0, 0};
	reply *r = malloc(sizeof(*r));
	char *path = malloc(70000);

	REQUIRE_OR(m && r && path, out);
	REQUIRE_OR(attune_metrics_http_start(m, &hc, &h, NULL) == ATTUNE_METRICS_OK, out);
	path[0] = '/';
	memset(path + 1, 'a', 69998);
	path[69999] = '\0';
	/* Either an error status or a closed connection; never a hang or crash. */
	if (http(attune_metrics_http_address(h), "GET", path, r) == 0)
		CHECK_GE_INT(r->code, 400);
	REQUIRE_OR(http(attune_metrics_http_address(h), "GET", "/metrics", r) == 0, out);
	CHECK_EQ_INT(r->code, 200);
out:
	attune_metrics_http_stop(h);
	attune_metrics_destroy(m);
	free(path);
	free(r);
}

TEST(address_parsing)
{
	int lo = -1;

	CHECK_EQ_INT(attune_metrics_addr_check("127.0.0.1:9464", &lo), ATTUNE_METRICS_OK);
	CHECK_EQ_INT(lo, 1);
	CHECK_EQ_INT(attune_metrics_addr_check("127.8.9.10:0", &lo), ATTUNE_METRICS_OK);
	CHECK_EQ_INT(lo, 1);
	CHECK_EQ_INT(attune_metrics_addr_check("localhost:1", &lo), ATTUNE_METRICS_OK);
	CHECK_EQ_INT(lo, 1);
	CHECK_EQ_INT(attune_metrics_addr_check("[::1]:9464", &lo), ATTUNE_METRICS_OK);
	CHECK_EQ_INT(lo, 1);
	CHECK_EQ_INT(attune_metrics_addr_check("0.0.0.0:9464", &lo), ATTUNE_METRICS_OK);
	CHECK_EQ_INT(lo, 0);
	CHECK_EQ_INT(attune_metrics_addr_check("[::]:9464", &lo), ATTUNE_METRICS_OK);
	CHECK_EQ_INT(lo, 0);
	CHECK_EQ_INT(attune_metrics_addr_check("10.1.2.3:80", &lo), ATTUNE_METRICS_OK);
	CHECK_EQ_INT(lo, 0);
	CHECK_EQ_INT(attune_metrics_addr_check("127.0.0.1", &lo), ATTUNE_METRICS_E_ADDRESS);
	CHECK_EQ_INT(attune_metrics_addr_check("127.0.0.1:", &lo), ATTUNE_METRICS_E_ADDRESS);
	CHECK_EQ_INT(attune_metrics_addr_check("127.0.0.1:65536", &lo), ATTUNE_METRICS_E_ADDRESS);
	CHECK_EQ_INT(attune_metrics_addr_check("127.0.0.1:-1", &lo), ATTUNE_METRICS_E_ADDRESS);
	CHECK_EQ_INT(attune_metrics_addr_check("127.0.0.1:9x", &lo), ATTUNE_METRICS_E_ADDRESS);
	CHECK_EQ_INT(attune_metrics_addr_check("example.com:80", &lo), ATTUNE_METRICS_E_ADDRESS);
	CHECK_EQ_INT(attune_metrics_addr_check("[::1:80", &lo), ATTUNE_METRICS_E_ADDRESS);
	CHECK_EQ_INT(attune_metrics_addr_check("::1:80", &lo), ATTUNE_METRICS_E_ADDRESS);
	CHECK_EQ_INT(attune_metrics_addr_check("unix:/tmp/x", &lo), ATTUNE_METRICS_E_ADDRESS);
	CHECK_EQ_INT(attune_metrics_addr_check("", &lo), ATTUNE_METRICS_E_ADDRESS);
	CHECK_EQ_INT(attune_metrics_addr_check(NULL, &lo), ATTUNE_METRICS_E_ADDRESS);
}

TEST(non_loopback_needs_explicit_flag)
{
	attune_metrics *m = make();
	attune_metrics_http *h = NULL;
	attune_metrics_http_config hc = {"0.0.0.0:0", 0, 0};

	REQUIRE(m != NULL);
	CHECK_EQ_INT(attune_metrics_http_start(m, &hc, &h, NULL), ATTUNE_METRICS_E_REMOTE);
	CHECK(h == NULL);
	hc.allow_remote = 1;
	CHECK_EQ_INT(attune_metrics_http_start(m, &hc, &h, NULL), ATTUNE_METRICS_OK);
	CHECK(h != NULL);
	attune_metrics_http_stop(h); /* stopped at once: only the rule is under test */
	attune_metrics_destroy(m);
}

TEST(port_in_use_and_clean_stop)
{
	attune_metrics *m = make();
	attune_metrics_http *h = NULL, *h2 = NULL;
	attune_metrics_http_config hc = {"127.0.0.1:0", 0, 0};
	char addr[64];
	int err = 0, fds_before, fd;
	struct sockaddr_in sa;

	REQUIRE(m != NULL);
	fds_before = count_fds();
	REQUIRE_OR(attune_metrics_http_start(m, &hc, &h, NULL) == ATTUNE_METRICS_OK, out);
	snprintf(addr, sizeof(addr), "%s", attune_metrics_http_address(h));
	hc.listen = addr;
	CHECK_EQ_INT(attune_metrics_http_start(m, &hc, &h2, &err), ATTUNE_METRICS_E_BIND);
	CHECK_EQ_INT(err, EADDRINUSE);
	CHECK(h2 == NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)attune_metrics_http_port(h));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	attune_metrics_http_stop(h);
	h = NULL;
	CHECK_EQ_INT(count_fds(), fds_before); /* socket and thread resources released */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE_OR(fd >= 0, out);
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0);
	close(fd);
out:
	attune_metrics_http_stop(h);
	attune_metrics_destroy(m);
}

TEST(ipv6_loopback)
{
	attune_metrics *m = make();
	attune_metrics_http *h = NULL;
	attune_metrics_http_config hc = {"[::1]:0", 0, 0};
	reply *r = malloc(sizeof(*r));
	attune_metrics_status st;
	int err = 0;

	REQUIRE_OR(m && r, out);
	st = attune_metrics_http_start(m, &hc, &h, &err);
	if (st == ATTUNE_METRICS_E_BIND && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT)) {
		attune_metrics_destroy(m);
		free(r);
		SKIP("no IPv6 loopback on this machine");
	}
	REQUIRE_OR(st == ATTUNE_METRICS_OK, out);
	CHECK(strncmp(attune_metrics_http_address(h), "[::1]:", 6) == 0);
	REQUIRE_OR(http(attune_metrics_http_address(h), "GET", "/metrics", r) == 0, out);
	CHECK_EQ_INT(r->code, 200);
out:
	attune_metrics_http_stop(h);
	attune_metrics_destroy(m);
	free(r);
}

TEST(null_arguments)
{
	attune_metrics_http *h = NULL;
	attune_metrics_http_config hc = {"127.0.0.1:0", 0, 0};

	CHECK_EQ_INT(attune_metrics_http_start(NULL, &hc, &h, NULL), ATTUNE_METRICS_E_INVALID);
	CHECK_EQ_INT(attune_metrics_http_start(NULL, NULL, NULL, NULL), ATTUNE_METRICS_E_INVALID);
	attune_metrics_http_stop(NULL);
	CHECK_EQ_STR(attune_metrics_http_address(NULL), "");
	CHECK(strlen(attune_metrics_strerror(ATTUNE_METRICS_E_REMOTE)) > 0);
	CHECK(strlen(attune_metrics_strerror((attune_metrics_status)999)) > 0);
}

static const attune_test_case cases[] = {
    TEST_CASE(serves_metrics_on_ephemeral_port),
    TEST_CASE(oversized_request_headers_are_refused),
    TEST_CASE(address_parsing),
    TEST_CASE(non_loopback_needs_explicit_flag),
    TEST_CASE(port_in_use_and_clean_stop),
    TEST_CASE(ipv6_loopback),
    TEST_CASE(null_arguments),
};

int main(int argc, char **argv)
{
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = ATTUNE_TEST_MAIN(argc, argv, cases);
	curl_global_cleanup();
	return rc;
}
