/* workload: deterministic TCP traffic for the VM tests.
 *
 *   workload tcp-pair N              over 127.0.0.1: exactly N send() calls on the client and
 *                                    exactly N recv() calls on the server, MSG_SIZE bytes each
 *   workload tcp-sink PORT           accept one connection on 0.0.0.0:PORT, read until EOF,
 *                                    print the byte count, close
 *   workload tcp-stream HOST PORT BYTES
 *                                    connect (retrying for up to 10 s while refused), send BYTES,
 *                                    shut down the write side, wait for the sink's EOF (all data
 *                                    received by the sink), print the byte count
 *   workload udp-send HOST PORT N    send N datagrams of MSG_SIZE bytes to HOST:PORT (IPv4 or
 *                                    IPv6) from an unconnected socket (to a closed port: the
 *                                    receiver drops each one as NO_SOCKET), print the count
 *   workload udp-hold PORT RCVBUF SECONDS
 *                                    bind a UDP socket to 127.0.0.1:PORT with SO_RCVBUF RCVBUF,
 *                                    print "udp-hold ready", then hold it SECONDS without reading
 *                                    (datagrams beyond the tiny buffer are dropped: rcvbuf full)
 *
 * With WORKLOAD_CALLS=1 in the environment, tcp-sink and tcp-stream also print
 * "calls send=S recv=R": their exact number of send()/read() calls, which the
 * exporter test compares with tcp_sendmsg/tcp_recvmsg hits.
 *
 * Exit status 0 on success, 1 on any error (message on stderr). Builds with -static.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_SIZE 64

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Prints the call counts when WORKLOAD_CALLS=1 (off by default: guest-smoke.sh
 * compares the output of tcp-stream exactly). */
static void print_calls(long long sends, long long recvs)
{
	const char *on = getenv("WORKLOAD_CALLS");

	if (on && strcmp(on, "1") == 0)
		printf("calls send=%lld recv=%lld\n", sends, recvs);
}

static long long parse_count(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "workload: bad number '%s'\n", s);
		exit(1);
	}
	return v;
}

static int listen_on(in_addr_t addr, int port, struct sockaddr_in *bound)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = addr };
	socklen_t len = sizeof(sa);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	if (listen(fd, 1) < 0)
		die("listen");
	if (getsockname(fd, (struct sockaddr *)bound, &len) < 0)
		die("getsockname");
	return fd;
}

static int tcp_pair(long long n)
{
	struct sockaddr_in sa;
	char out[MSG_SIZE], in[MSG_SIZE];
	long long sends = 0, recvs = 0;
	int one = 1;
	int lfd = listen_on(htonl(INADDR_LOOPBACK), 0, &sa);
	int cfd = socket(AF_INET, SOCK_STREAM, 0);

	if (cfd < 0)
		die("socket");
	/* The handshake completes against the listen backlog, so one thread is enough. */
	if (connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	int sfd = accept(lfd, NULL, NULL);
	if (sfd < 0)
		die("accept");
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(out, 'x', sizeof(out));

	for (long long i = 0; i < n; i++) {
		ssize_t w = send(cfd, out, sizeof(out), 0);
		if (w != (ssize_t)sizeof(out))
			die("send");
		sends++;
		ssize_t r = recv(sfd, in, sizeof(in), MSG_WAITALL);
		if (r != (ssize_t)sizeof(in))
			die("recv");
		recvs++;
	}
	printf("tcp-pair sends=%lld recvs=%lld bytes=%lld\n", sends, recvs, sends * MSG_SIZE);
	close(cfd);
	close(sfd);
	close(lfd);
	return 0;
}

static int tcp_sink(int port)
{
	struct sockaddr_in sa;
	char buf[65536];
	long long total = 0, reads = 0;
	ssize_t r;
	int lfd = listen_on(htonl(INADDR_ANY), port, &sa);

	printf("tcp-sink listening port=%d\n", port);
	fflush(stdout);
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	for (;;) {
		r = read(fd, buf, sizeof(buf));
		reads++;	/* every read() is one tcp_recvmsg(), EOF included */
		if (r <= 0)
			break;
		total += r;
	}
	if (r < 0)
		die("read");
	printf("tcp-sink received=%lld\n", total);
	print_calls(0, reads);
	close(fd);
	close(lfd);
	return 0;
}

static int tcp_stream(const char *host, int port, long long bytes)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	static char buf[65536];
	long long sent = 0, sends = 0;
	int fd = -1;

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "workload: bad IPv4 address '%s'\n", host);
		return 1;
	}
	for (int tries = 0;; tries++) { /* the sink may still be starting */
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		if (errno != ECONNREFUSED || tries >= 100)
			die("connect");
		close(fd);
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	}
	memset(buf, 'y', sizeof(buf));
	while (sent < bytes) {
		size_t chunk = bytes - sent < (long long)sizeof(buf) ? (size_t)(bytes - sent) : sizeof(buf);
		ssize_t w = send(fd, buf, chunk, 0);
		if (w < 0)
			die("send");
		sends++;
		sent += w;
	}
	if (shutdown(fd, SHUT_WR) < 0)
		die("shutdown");
	/* The sink closes only after reading our EOF, i.e. after every byte arrived. */
	ssize_t r = read(fd, buf, sizeof(buf));
	if (r < 0)
		die("read");
	printf("tcp-stream sent=%lld\n", sent);
	print_calls(sends, 1);
	close(fd);
	return r == 0 ? 0 : 1;
}

/* The IPv4 or IPv6 address host with port into *ss; its length, or 0. */
static socklen_t udp_addr(const char *host, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		return sizeof(*v4);
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		return sizeof(*v6);
	}
	return 0;
}

static int udp_send(const char *host, int port, long long n)
{
	struct sockaddr_storage sa;
	socklen_t len = udp_addr(host, port, &sa);
	char buf[MSG_SIZE];
	long long sent = 0;

	if (!len) {
		fprintf(stderr, "workload: bad IPv4 or IPv6 address '%s'\n", host);
		return 1;
	}
	int fd = socket(sa.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	memset(buf, 'u', sizeof(buf));
	for (; sent < n; sent++) /* unconnected: ICMP port unreachable does not fail sendto() */
		if (sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sa, len) != (ssize_t)sizeof(buf))
			die("sendto");
	printf("udp-send sent=%lld\n", sent);
	close(fd);
	return 0;
}

static int udp_hold(int port, int rcvbuf, long long seconds)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		die("setsockopt SO_RCVBUF");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	printf("udp-hold ready\n");
	sleep((unsigned)seconds);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "tcp-pair") == 0)
		return tcp_pair(parse_count(argv[2]));
	if (argc == 3 && strcmp(argv[1], "tcp-sink") == 0)
		return tcp_sink((int)parse_count(argv[2]));
	if (argc == 5 && strcmp(argv[1], "tcp-stream") == 0)
		return tcp_stream(argv[2], (int)parse_count(argv[3]), parse_count(argv[4]));
	if (argc == 5 && strcmp(argv[1], "udp-send") == 0)
		return udp_send(argv[2], (int)parse_count(argv[3]), parse_count(argv[4]));
	if (argc == 5 && strcmp(argv[1], "udp-hold") == 0)
		return udp_hold((int)parse_count(argv[2]), (int)parse_count(argv[3]),
				parse_count(argv[4]));
	fprintf(stderr, "usage: workload tcp-pair N | tcp-sink PORT | tcp-stream HOST PORT BYTES"
		" | udp-send HOST PORT N | udp-hold PORT RCVBUF SECONDS\n");
	return 2;
}
