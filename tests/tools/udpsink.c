/* udpsink: binds a UDP socket to ADDR:PORT (IPv4 or IPv6) with a tiny
 * receive buffer (SO_RCVBUF = RCVBUF bytes) and never reads it, for SECONDS
 * seconds or until killed. Datagrams sent to it beyond the buffer are
 * dropped by the kernel with SOCKET_RCVBUFF. Prints "ready" once bound. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockaddr.h"

int main(int argc, char **argv)
{
	union addr sa;
	socklen_t salen = argc < 5 ? 0 : parse_addr(argv[1], argv[2], &sa);
	int fd, rcvbuf;

	if (!salen) {
		fprintf(stderr, "usage: udpsink ADDR PORT RCVBUF SECONDS\n");
		return 2;
	}
	rcvbuf = atoi(argv[3]);
	fd = socket(sa.sa.sa_family, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) ||
	    bind(fd, &sa.sa, salen)) {
		perror("udpsink");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	sleep(atoi(argv[4]));
	close(fd);
	return 0;
}
