/* udpsink: binds a UDP socket to ADDR:PORT with a tiny receive buffer
 * (SO_RCVBUF = RCVBUF bytes) and never reads it, for SECONDS seconds or
 * until killed. Datagrams sent to it beyond the buffer are dropped by the
 * kernel with SOCKET_RCVBUFF. Prints "ready" once bound. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, rcvbuf;

	if (argc < 5 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: udpsink ADDR PORT RCVBUF SECONDS\n");
		return 2;
	}
	sa.sin_port = htons(atoi(argv[2]));
	rcvbuf = atoi(argv[3]);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("udpsink");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	sleep(atoi(argv[4]));
	close(fd);
	return 0;
}
