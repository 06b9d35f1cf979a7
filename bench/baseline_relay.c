/*
 * baseline_relay.c - the least an RTP relay can do, as a yardstick for the
 * callgrind figure of Switchboard's relay (bench/run.sh, test 4).  Plain
 * sockets and epoll, single thread, no libre; not part of the product.
 *
 *   baseline_relay BASE_PORT PAIRS ECHO_PORT STATFILE
 *
 * PAIRS "calls", each with two sockets on 127.0.0.1 like a B2BUA's two
 * media legs: leg A on BASE_PORT + 4i, leg B on BASE_PORT + 4i + 2.
 * A datagram on A is sent from B to 127.0.0.1:ECHO_PORT (the far end);
 * a datagram on B is sent from A to the address A last heard from (the
 * caller).  Per readiness event one recvfrom and one sendto, as libre's
 * UDP socket does, plus the same first check Switchboard makes (RTP
 * version 2, at least 12 bytes).  Counters go to STATFILE as JSON on
 * SIGUSR1 (snapshot) and SIGTERM/SIGINT (then exit).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct leg {
	int fd;
	struct leg *peer;
	struct sockaddr_in raddr;   /* where to send what the peer receives */
	int has_raddr;
};

static volatile sig_atomic_t want_stat, want_exit;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_stat = 1;
	else
		want_exit = 1;
}

static int udp_bind(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		perror("socket");
		exit(2);
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "bind 127.0.0.1:%d: %s\n", port, strerror(errno));
		exit(2);
	}
	return fd;
}

int main(int argc, char **argv)
{
	unsigned long long rx = 0, relayed = 0;
	struct epoll_event ev[64];
	struct sigaction sa;
	struct leg *legs;
	int base, pairs, echo, ep, i;
	const char *statpath;

	if (argc != 5) {
		fprintf(stderr, "usage: baseline_relay BASE_PORT PAIRS "
				"ECHO_PORT STATFILE\n");
		return 2;
	}
	base = atoi(argv[1]);
	pairs = atoi(argv[2]);
	echo = atoi(argv[3]);
	statpath = argv[4];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	legs = calloc((size_t)pairs * 2, sizeof(*legs));
	ep = epoll_create1(0);
	if (!legs || ep < 0)
		return 1;
	for (i = 0; i < pairs; i++) {
		struct leg *a = &legs[2 * i], *b = &legs[2 * i + 1];
		struct epoll_event e;

		a->fd = udp_bind(base + 4 * i);
		b->fd = udp_bind(base + 4 * i + 2);
		a->peer = b;
		b->peer = a;
		/* B's far end is the echo; A's far end is learned */
		b->raddr.sin_family = AF_INET;
		b->raddr.sin_port = htons((uint16_t)echo);
		b->raddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		b->has_raddr = 1;
		e.events = EPOLLIN;
		e.data.ptr = a;
		epoll_ctl(ep, EPOLL_CTL_ADD, a->fd, &e);
		e.data.ptr = b;
		epoll_ctl(ep, EPOLL_CTL_ADD, b->fd, &e);
	}
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		int n;

		if (want_stat || want_exit) {
			FILE *f = fopen(statpath, "w");
			if (f) {
				fprintf(f, "{\"rx\":%llu,\"relayed\":%llu}\n", rx,
					relayed);
				fclose(f);
			}
			want_stat = 0;
			if (want_exit)
				return 0;
		}
		n = epoll_wait(ep, ev, 64, 200);
		for (i = 0; i < n; i++) {
			struct leg *l = ev[i].data.ptr, *peer = l->peer;
			struct sockaddr_in src;
			socklen_t sl = sizeof(src);
			uint8_t buf[2048];
			ssize_t len;

			len = recvfrom(l->fd, buf, sizeof(buf), 0,
				       (struct sockaddr *)&src, &sl);
			if (len < 12 || (buf[0] >> 6) != 2)
				continue;
			rx++;
			if (l < peer) { /* leg A: learn the caller */
				l->raddr = src;
				l->has_raddr = 1;
			}
			if (!peer->has_raddr)
				continue;
			if (sendto(peer->fd, buf, (size_t)len, 0,
				   (struct sockaddr *)&peer->raddr,
				   sizeof(peer->raddr)) == len)
				relayed++;
		}
	}
}
