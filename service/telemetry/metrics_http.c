/*
 * metrics_http.c - serves GET /metrics with libmicrohttpd on a socket we bind
 * ourselves (so port 0 can be resolved and loopback enforced before any
 * traffic). HTTP parsing is left entirely to the library.
 */
#define _POSIX_C_SOURCE 200809L
#include "metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HTTP_CONTENT_TYPE    "text/plain; version=0.0.4; charset=utf-8"
#define HTTP_TIMEOUT_SECONDS 10
#define HTTP_MEMORY_LIMIT    (32u * 1024u) /* per connection: bounds request headers */

struct attune_metrics_http {
	const attune_metrics *m;
	struct MHD_Daemon *daemon;
	unsigned port;
	char address[ATTUNE_METRICS_ADDR_MAX];
};

typedef struct parsed_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	int family;
	int loopback;
} parsed_addr;

static int parse_port(const char *s, unsigned *out)
{
	unsigned long v = 0;
	const char *p;

	if (!*s || strlen(s) > 5)
		return -1;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static attune_metrics_status parse_addr(const char *listen, parsed_addr *out)
{
	char host[ATTUNE_METRICS_ADDR_MAX];
	const char *colon;
	unsigned port;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (!listen || strlen(listen) >= ATTUNE_METRICS_ADDR_MAX)
		return ATTUNE_METRICS_E_ADDRESS;
	colon = strrchr(listen, ':');
	if (!colon || parse_port(colon + 1, &port) != 0)
		return ATTUNE_METRICS_E_ADDRESS;
	hlen = (size_t)(colon - listen);
	if (hlen >= 2 && listen[0] == '[' && listen[hlen - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->ss;
		memcpy(host, listen + 1, hlen - 2);
		host[hlen - 2] = '\0';
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return ATTUNE_METRICS_E_ADDRESS;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		out->family = AF_INET6;
		out->len = sizeof(*a6);
		out->loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
		return ATTUNE_METRICS_OK;
	}
	{
		struct sockaddr_in *a4 = (struct sockaddr_in *)&out->ss;
		memcpy(host, listen, hlen);
		host[hlen] = '\0';
		if (strcmp(host, "localhost") == 0)
			strcpy(host, "127.0.0.1");
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return ATTUNE_METRICS_E_ADDRESS;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		out->family = AF_INET;
		out->len = sizeof(*a4);
		out->loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
		return ATTUNE_METRICS_OK;
	}
}

attune_metrics_status attune_metrics_addr_check(const char *listen, int *is_loopback)
{
	parsed_addr pa;
	attune_metrics_status st = parse_addr(listen, &pa);

	if (st == ATTUNE_METRICS_OK && is_loopback)
		*is_loopback = pa.loopback;
	return st;
}

static enum MHD_Result queue_text(struct MHD_Connection *c, unsigned code, const char *text,
                                  const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
	attune_metrics_http *h = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body;
	size_t len;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(url, "/metrics") != 0)
		return queue_text(c, MHD_HTTP_NOT_FOUND, "not found: metrics are at /metrics\n",
		                  NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return queue_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
		                  "GET, HEAD");
	if (attune_metrics_render(h->m, &body, &len) != ATTUNE_METRICS_OK)
		return queue_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "metrics unavailable\n", NULL);
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, HTTP_CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Binds and listens; returns the socket or -1 with errno set. */
static int bind_listen(const parsed_addr *pa)
{
	int fd, one = 1, saved;

	fd = socket(pa->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
		goto out_close;
	if (pa->family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
		goto out_close;
	if (bind(fd, (const struct sockaddr *)&pa->ss, pa->len) != 0)
		goto out_close;
	if (listen(fd, 64) != 0)
		goto out_close;
	return fd;

out_close:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Formats the bound address of fd into h->address / h->port. */
static int describe_bound(attune_metrics_http *h, int fd, int family)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&ss;
		if (!inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host)))
			return -1;
		h->port = ntohs(a6->sin6_port);
		snprintf(h->address, sizeof(h->address), "[%s]:%u", host, h->port);
	} else {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)&ss;
		if (!inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host)))
			return -1;
		h->port = ntohs(a4->sin_port);
		snprintf(h->address, sizeof(h->address), "%s:%u", host, h->port);
	}
	return 0;
}

attune_metrics_status attune_metrics_http_start(const attune_metrics *m,
                                                const attune_metrics_http_config *cfg,
                                                attune_metrics_http **out, int *err_no)
{
	attune_metrics_http *h;
	attune_metrics_status st;
	parsed_addr pa;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	int fd;

	if (err_no)
		*err_no = 0;
	if (!out)
		return ATTUNE_METRICS_E_INVALID;
	*out = NULL;
	if (!m || !cfg)
		return ATTUNE_METRICS_E_INVALID;
	st = parse_addr(cfg->listen, &pa);
	if (st != ATTUNE_METRICS_OK)
		return st;
	if (!pa.loopback && !cfg->allow_remote)
		return ATTUNE_METRICS_E_REMOTE;
	h = calloc(1, sizeof(*h));
	if (!h)
		return ATTUNE_METRICS_E_NOMEM;
	h->m = m;
	fd = bind_listen(&pa);
	if (fd < 0) {
		if (err_no)
			*err_no = errno;
		st = ATTUNE_METRICS_E_BIND;
		goto out_free;
	}
	if (describe_bound(h, fd, pa.family) != 0) {
		if (err_no)
			*err_no = errno;
		st = ATTUNE_METRICS_E_BIND;
		goto out_close;
	}
	if (pa.family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, h, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)(cfg->max_connections ? cfg->max_connections : 32),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT_SECONDS,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT, MHD_OPTION_END);
	if (!h->daemon) {
		st = ATTUNE_METRICS_E_HTTP;
		goto out_close;
	}
	*out = h;
	return ATTUNE_METRICS_OK;

out_close:
	close(fd);
out_free:
	free(h);
	return st;
}

const char *attune_metrics_http_address(const attune_metrics_http *h)
{
	return h ? h->address : "";
}

unsigned attune_metrics_http_port(const attune_metrics_http *h)
{
	return h ? h->port : 0;
}

void attune_metrics_http_stop(attune_metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon); /* also closes the listening socket */
	free(h);
}
