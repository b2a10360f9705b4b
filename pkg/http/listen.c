/* http/listen: see internal.h. ":PORT" listens on every address (IPv6 with
 * IPv4 mapped when the host has IPv6, else IPv4); a HOST is resolved with
 * getaddrinfo and its first result is used. */
#include "http/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log/log.h"

/* True for 0 to 65535 in plain decimal digits. */
static bool valid_port(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 5 && !s[n] && atoi(s) <= 65535;
}

/* See http.h. */
int http_addr_split(const char *addr, char *host, size_t size,
		    const char **port)
{
	const char *end, *colon;

	if (addr[0] == '[') {
		end = strchr(++addr, ']');
		colon = end ? end + 1 : NULL;
		if (!colon || *colon != ':')
			goto err_malformed;
	} else {
		end = colon = strchr(addr, ':');
		if (!colon || strchr(colon + 1, ':'))
			goto err_malformed;
	}
	if ((size_t)(end - addr) >= size || !valid_port(colon + 1))
		goto err_malformed;
	memcpy(host, addr, end - addr);
	host[end - addr] = '\0';
	*port = colon + 1;
	return 0;

err_malformed:
	errno = EINVAL;
	return -1;
}

/* Closes fd keeping the errno of the failure that led here; returns -1. */
static int close_failed(int fd)
{
	int err = errno;

	close(fd);
	errno = err;
	return -1;
}

/* Binds and listens on sa; dual asks an IPv6 socket to take IPv4 too.
 * Returns the socket, or -1 with errno and nothing left open. */
static int open_socket(const struct sockaddr *sa, socklen_t len, bool dual)
{
	int fd, one = 1, v6only = !dual;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (sa->sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			sizeof(v6only))) ||
	    bind(fd, sa, len) || listen(fd, SOMAXCONN))
		return close_failed(fd);
	return fd;
}

/* Listens on every address: IPv6 dual-stack, or IPv4 without IPv6. */
static int open_any(int port)
{
	struct sockaddr_in6 a6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
		.sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in a4 = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int fd;

	fd = open_socket((struct sockaddr *)&a6, sizeof(a6), true);
	if (fd >= 0 || (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL))
		return fd;
	return open_socket((struct sockaddr *)&a4, sizeof(a4), false);
}

/* Listens on the first address host resolves to. */
static int open_host(const char *host, const char *port)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *res;
	int fd, rc, err;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		err = rc == EAI_SYSTEM ? errno : EADDRNOTAVAIL;
		log_msg(LOG_ERROR, "cannot resolve listen address", "host", host,
			"err", gai_strerror(rc), NULL);
		errno = err;
		return -1;
	}
	fd = open_socket(res->ai_addr, res->ai_addrlen, false);
	err = errno;
	freeaddrinfo(res);
	errno = err;
	return fd;
}

/* The port fd is bound to (the kernel's pick for port 0); -1 with errno. */
static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Parses addr, opens its socket; the caller owns and closes the fd. */
int listen_open(const char *addr, int *port)
{
	char host[256];
	const char *service;
	int fd;

	if (http_addr_split(addr, host, sizeof(host), &service))
		return -1;
	fd = *host ? open_host(host, service) : open_any(atoi(service));
	if (fd < 0)
		return -1;
	*port = bound_port(fd);
	return *port < 0 ? close_failed(fd) : fd;
}
