/* udpflood: sends exactly COUNT UDP datagrams of SIZE bytes to ADDR:PORT
 * (a loopback or test-namespace address, IPv4 or IPv6), in sendmmsg
 * batches, and prints the achieved rate. With RATE (datagrams/s, 0: as fast
 * as possible) the sends are paced: every millisecond it sends what is due
 * by then. Used by integration tests and `make bench` to generate real
 * kernel drops (closed port: NO_SOCKET; full socket: SOCKET_RCVBUFF). */
#include <arpa/inet.h>
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

/* Sends count datagrams from an unconnected socket (a connected one would
 * fail with ECONNREFUSED after the first ICMP error); returns how many the
 * kernel took. */
static long flood(int fd, union addr *sa, socklen_t salen, long count,
		  char *buf, size_t size)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	long sent = 0;

	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = sa;
		msgs[i].msg_hdr.msg_namelen = salen;
	}
	while (sent < count) {
		int n = count - sent < BATCH ? count - sent : BATCH;

		n = sendmmsg(fd, msgs, n, 0);
		if (n < 0) {
			perror("sendmmsg");
			break;
		}
		sent += n;
	}
	return sent;
}

/* Sends count datagrams at rate per second (paced to within a
 * millisecond); returns how many the kernel took. */
static long paced(int fd, union addr *sa, socklen_t salen, long count,
		  double rate, char *buf, size_t size)
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
		n = flood(fd, sa, salen, want, buf, size);
		sent += n;
		if (n < want)
			break;	/* flood() said why */
	}
	return sent;
}

int main(int argc, char **argv)
{
	union addr sa;
	socklen_t salen;
	size_t size = argc > 4 ? strtoul(argv[4], NULL, 0) : 32;
	double rate = argc > 5 ? atof(argv[5]) : 0;
	long count, sent;
	char *buf;
	double t0;
	int fd;

	salen = argc < 4 ? 0 : parse_addr(argv[1], argv[2], &sa);
	if (!salen) {
		fprintf(stderr,
			"usage: udpflood ADDR PORT COUNT [SIZE [RATE]]\n");
		return 2;
	}
	count = atol(argv[3]);
	buf = calloc(1, size + 1);
	fd = socket(sa.sa.sa_family, SOCK_DGRAM, 0);
	if (!buf || fd < 0) {
		perror("udpflood");
		return 1;
	}
	t0 = now();
	sent = rate > 0 ? paced(fd, &sa, salen, count, rate, buf, size) :
			  flood(fd, &sa, salen, count, buf, size);
	printf("sent %ld datagrams in %.3f s (%.0f/s)\n", sent, now() - t0,
	       sent / (now() - t0));
	close(fd);
	free(buf);
	return sent == count ? 0 : 1;
}
