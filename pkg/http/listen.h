/* http/listen: private to pkg/http. Opens the listening socket for a
 * "[HOST]:PORT" address the way Prometheus exporters spell it. */
#ifndef FTE_HTTP_LISTEN_H
#define FTE_HTTP_LISTEN_H

/* Returns a bound, listening, non-blocking socket and its port in *port,
 * or -1 with errno (EINVAL for a malformed address, EADDRNOTAVAIL for a
 * host that does not resolve, else the socket call's error). */
int listen_open(const char *addr, int *port);

#endif
