/* udpflood: sends exactly COUNT UDP datagrams of SIZE bytes to ADDR:PORT
 * (a loopback or test-namespace address, IPv4 or IPv6), in sendmmsg
 * batches, and prints the achieved rate. SIZE may be a range MIN-MAX: the
 * sizes then cycle through it (distinct packet lengths, for label
 * cardinality). With RATE (datagrams/s, 0: as fast
 * as possible) the sends are paced: every millisecond it sends what is due
 * by then. Used by integration tests and `make bench` to generate real
 * kernel drops (closed port: NO_SOCKET; full socket: SOCKET_RCVBUFF). */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sockaddr.h"

#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct sizes {
	size_t lo, hi;		/* datagram n has lo + n % (hi - lo + 1) bytes */
	long n;
};

static size_t next_size(struct sizes *sz)
{
	return sz->lo + (size_t)(sz->n++ % (long)(sz->hi - sz->lo + 1));
}

/* Sends count datagrams from an unconnected socket (a connected one would
 * fail with ECONNREFUSED after the first ICMP error); returns how many the
 * kernel took. */
static long flood(int fd, union addr *sa, socklen_t salen, long count,
		  char *buf, struct sizes *sz)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	long sent = 0;

	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = sa;
		msgs[i].msg_hdr.msg_namelen = salen;
	}
	while (sent < count) {
		int n = count - sent < BATCH ? count - sent : BATCH;

		for (int i = 0; i < n; i++)
			iov[i].iov_len = next_size(sz);
		sz->n -= n;
		n = sendmmsg(fd, msgs, n, 0);
		if (n < 0) {
			perror("sendmmsg");
			break;
		}
		sz->n += n;
		sent += n;
	}
	return sent;
}

/* Sends count datagrams at rate per second (paced to within a
 * millisecond); returns how many the kernel took. */
static long paced(int fd, union addr *sa, socklen_t salen, long count,
		  double rate, char *buf, struct sizes *sz)
{
	struct timespec tick = { 0, 1000000 };
	double t0 = now();
	long sent = 0, want, n;

	while (sent < count) {
		want = (long)(rate * (now() - t0)) + 1 - sent;
		if (want > count - sent)
			want = count - sent;
		if (want <= 0) {
			nanosleep(&tick, NULL);
			continue;
		}
		n = flood(fd, sa, salen, want, buf, sz);
		sent += n;
		if (n < want)
			break;	/* flood() said why */
	}
	return sent;
}

/* SIZE or MIN-MAX into sz; false when it is not one. */
static bool parse_sizes(const char *arg, struct sizes *sz)
{
	char *end;

	sz->lo = sz->hi = strtoul(arg, &end, 0);
	if (*end == '-')
		sz->hi = strtoul(end + 1, &end, 0);
	return !*end && sz->hi >= sz->lo && sz->hi <= 65507;
}

int main(int argc, char **argv)
{
	union addr sa;
	socklen_t salen;
	struct sizes sz = { 32, 32, 0 };
	double rate = argc > 5 ? atof(argv[5]) : 0;
	long count, sent;
	char *buf;
	double t0;
	int fd;

	salen = argc < 4 ? 0 : parse_addr(argv[1], argv[2], &sa);
	if (!salen || (argc > 4 && !parse_sizes(argv[4], &sz))) {
		fprintf(stderr, "usage: udpflood ADDR PORT COUNT "
			"[SIZE|MIN-MAX [RATE]]\n");
		return 2;
	}
	count = atol(argv[3]);
	buf = calloc(1, sz.hi + 1);
	fd = socket(sa.sa.sa_family, SOCK_DGRAM, 0);
	if (!buf || fd < 0) {
		perror("udpflood");
		return 1;
	}
	t0 = now();
	sent = rate > 0 ? paced(fd, &sa, salen, count, rate, buf, &sz) :
			  flood(fd, &sa, salen, count, buf, &sz);
	printf("sent %ld datagrams in %.3f s (%.0f/s)\n", sent, now() - t0,
	       sent / (now() - t0));
	close(fd);
	free(buf);
	return sent == count ? 0 : 1;
}
