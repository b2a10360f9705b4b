/* sockaddr: the test tools' one address parser (header-only, each tool is a
 * single file). */
#ifndef FTE_TOOLS_SOCKADDR_H
#define FTE_TOOLS_SOCKADDR_H

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

union addr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/* Fills a from an IPv4 or IPv6 literal and a port; returns its length, or
 * 0 when host is neither. */
static inline socklen_t parse_addr(const char *host, const char *port,
				   union addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, &a->v4.sin_addr) == 1) {
		a->v4.sin_family = AF_INET;
		a->v4.sin_port = htons(atoi(port));
		return sizeof(a->v4);
	}
	if (inet_pton(AF_INET6, host, &a->v6.sin6_addr) == 1) {
		a->v6.sin6_family = AF_INET6;
		a->v6.sin6_port = htons(atoi(port));
		return sizeof(a->v6);
	}
	return 0;
}

#endif
