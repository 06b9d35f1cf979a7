/*
 * rtpload.c - RTP load generator and echo for the Switchboard benchmark.
 * Plain sockets, no libre; built by bench/Makefile, never part of the
 * product.  Everything binds to 127.0.0.1.
 *
 *   rtpload echo PORT STATFILE
 *       Echo every datagram received on PORT back to its sender
 *       (recvmmsg/sendmmsg in batches).  The far end of a trunk call.
 *
 *   rtpload gen -p PORT -n PACKETS -s STATFILE (-l SIPP_LOG | -t PORT,...)
 *              [-m MAX_SECONDS]
 *       One socket on PORT.  For each destination port, send PACKETS
 *       G.711 A-law RTP packets (12 byte header + 160 byte payload, PT 8),
 *       one every 20 ms, and count what comes back on PORT.  Destinations
 *       come from a sipp log (lines "RTP_PORT=<port>", written when the
 *       200 OK arrives; new lines are picked up while running) or from a
 *       fixed list (-t).  Sends are paced on CLOCK_MONOTONIC from each
 *       stream's own start, so a late wake-up sends the overdue packet at
 *       once instead of dropping it; the worst lateness is reported.
 *
 * Both write their counters as one JSON line to STATFILE on SIGUSR1
 * (snapshot) and on SIGTERM/SIGINT (then exit).  gen also exits by itself
 * MAX_SECONDS (default 600) after start.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { BATCH = 64, PKT = 172, PTIME_NS = 20000000, MAX_STREAMS = 20000 };

static volatile sig_atomic_t want_stat, want_exit, want_reset;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_stat = 1;
	else if (sig == SIGUSR2)
		want_reset = 1;
	else
		want_exit = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int udp_bind(int port)
{
	struct sockaddr_in a;
	int fd, sz = 16 * 1024 * 1024;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("socket");
		exit(2);
	}
	/* FORCE variants need CAP_NET_ADMIN; fall back to the capped ones */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
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

static void write_stat(const char *path, const char *json)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fputs(json, f);
	fputc('\n', f);
	fclose(f);
	rename(tmp, path);
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* ---- echo ----------------------------------------------------------- */

static int run_echo(int port, const char *statpath)
{
	static uint8_t buf[BATCH][2048];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];
	unsigned long long rx = 0, tx = 0, txerr = 0;
	char json[512];
	int fd = udp_bind(port), i;

	setup_signals();
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int n;

		if (want_stat || want_exit) {
			snprintf(json, sizeof(json),
				 "{\"rx\":%llu,\"tx\":%llu,\"tx_errors\":%llu}",
				 rx, tx, txerr);
			write_stat(statpath, json);
			want_stat = 0;
			if (want_exit)
				return 0;
		}
		if (poll(&p, 1, 200) <= 0)
			continue;
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			memset(&msg[i], 0, sizeof(msg[i]));
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_name = &from[i];
			msg[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(fd, msg, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		rx += (unsigned)n;
		for (i = 0; i < n; i++)
			iov[i].iov_len = msg[i].msg_len;
		i = 0;
		while (i < n) {
			int s = sendmmsg(fd, msg + i, (unsigned)(n - i), 0);
			if (s <= 0) {
				if (errno == EAGAIN || errno == ENOBUFS) {
					struct pollfd w = {fd, POLLOUT, 0};
					poll(&w, 1, 5);
					continue;
				}
				txerr += (unsigned)(n - i);
				break;
			}
			tx += (unsigned)s;
			i += s;
		}
	}
}

/* ---- gen ------------------------------------------------------------ */

struct stream {
	uint16_t port;
	uint16_t seq;
	uint32_t ts, ssrc;
	uint64_t start;   /* [ns] */
	unsigned sent;
};

static struct stream streams[MAX_STREAMS];
static unsigned nstreams;

static void add_stream(unsigned port, uint64_t t)
{
	struct stream *s;

	if (nstreams >= MAX_STREAMS || !port || port > 65535)
		return;
	s = &streams[nstreams];
	s->port = (uint16_t)port;
	s->seq = (uint16_t)rand();
	s->ts = (uint32_t)rand();
	s->ssrc = (uint32_t)rand() ^ (nstreams << 16);
	s->start = t;
	s->sent = 0;
	nstreams++;
}

/* pick up new "RTP_PORT=n" lines of the sipp log */
static void read_log(FILE *f, uint64_t t)
{
	static char line[1024];
	static size_t have;
	int c;

	if (!f)
		return;
	clearerr(f);
	while ((c = fgetc(f)) != EOF) {
		if (c != '\n') {
			if (have < sizeof(line) - 1)
				line[have++] = (char)c;
			continue;
		}
		line[have] = 0;
		have = 0;
		{
			char *p = strstr(line, "RTP_PORT=");
			if (p)
				add_stream((unsigned)strtoul(p + 9, NULL, 10), t);
		}
	}
}

/* send nb prepared messages; counts into *sent / *senderr */
static void flush(int fd, struct mmsghdr *m, unsigned nb,
		  unsigned long long *sent, unsigned long long *senderr)
{
	unsigned off = 0;

	while (off < nb) {
		int r = sendmmsg(fd, m + off, nb - off, 0);
		if (r <= 0) {
			if (errno == EAGAIN || errno == ENOBUFS) {
				struct pollfd w = {fd, POLLOUT, 0};
				poll(&w, 1, 2);
				continue;
			}
			*senderr += nb - off;
			return;
		}
		*sent += (unsigned)r;
		off += (unsigned)r;
	}
}

/* ---- jitter of what comes back (-j) --------------------------------- */

enum { JBIN_NS = 50000, JBINS = 4000 }; /* 50 us bins up to 200 ms */

static struct {
	struct {
		uint64_t at; /* [ns] kernel receive time of the last packet */
		uint32_t ts;
		uint16_t seq;
		uint8_t seen;
	} src[65536];        /* by the sender's UDP port */
	uint64_t bins[JBINS + 1]; /* the last: 200 ms and more */
	uint64_t n, max_ns;
} jit;

static void jitter_packet(const struct mmsghdr *m, const uint8_t *p)
{
	const struct sockaddr_in *from = m->msg_hdr.msg_name;
	struct cmsghdr *c;
	uint64_t at = 0, dev;
	int64_t d;
	uint32_t ts;
	uint16_t seq, port;

	if (m->msg_len < 12 || (p[0] & 0xc0) != 0x80)
		return;
	for (c = CMSG_FIRSTHDR(&m->msg_hdr); c;
	     c = CMSG_NXTHDR((struct msghdr *)&m->msg_hdr, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec t;
			memcpy(&t, CMSG_DATA(c), sizeof(t));
			at = (uint64_t)t.tv_sec * 1000000000ull +
			     (uint64_t)t.tv_nsec;
		}
	}
	if (!at)
		return;
	port = ntohs(from->sin_port);
	seq = (uint16_t)((p[2] << 8) | p[3]);
	ts = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) |
	     ((uint32_t)p[6] << 8) | p[7];
	if (jit.src[port].seen && seq == (uint16_t)(jit.src[port].seq + 1)) {
		d = (int64_t)(at - jit.src[port].at) -
		    (int64_t)(uint32_t)(ts - jit.src[port].ts) * 125000;
		dev = (uint64_t)(d < 0 ? -d : d);
		jit.bins[dev / JBIN_NS < JBINS ? dev / JBIN_NS : JBINS]++;
		jit.n++;
		if (dev > jit.max_ns)
			jit.max_ns = dev;
	}
	jit.src[port].at = at;
	jit.src[port].ts = ts;
	jit.src[port].seq = seq;
	jit.src[port].seen = 1;
}

/* [ms] the upper edge of the bin holding quantile q */
static double jitter_q(double q)
{
	uint64_t want = (uint64_t)(q * (double)jit.n), sum = 0;
	unsigned i;

	if (!jit.n)
		return 0;
	for (i = 0; i <= JBINS; i++) {
		sum += jit.bins[i];
		if (sum > want)
			return (i + 1) * (JBIN_NS / 1e6);
	}
	return JBINS * (JBIN_NS / 1e6);
}

static int run_gen(int argc, char **argv)
{
	static uint8_t rbuf[BATCH][2048], sbuf[BATCH][PKT];
	static uint8_t rctl[BATCH][CMSG_SPACE(sizeof(struct timespec))];
	struct sockaddr_in rfrom[BATCH];
	int jitter = 0, on = 1;
	struct mmsghdr smsg[BATCH], rmsg[BATCH];
	struct iovec siov[BATCH], riov[BATCH];
	struct sockaddr_in sdst[BATCH];
	const char *logpath = NULL, *statpath = NULL, *ports = NULL;
	unsigned long long sent = 0, rcvd = 0, senderr = 0, max_late = 0;
	unsigned npkts = 0, max_secs = 600, done_streams = 0, i;
	int port = 0, opt, fd;
	uint64_t t0, last_log = 0;
	FILE *logf = NULL;
	char json[1024];

	while ((opt = getopt(argc, argv, "p:n:s:l:t:m:j")) != -1) {
		switch (opt) {
		case 'j': jitter = 1; break;
		case 'p': port = atoi(optarg); break;
		case 'n': npkts = (unsigned)atoi(optarg); break;
		case 's': statpath = optarg; break;
		case 'l': logpath = optarg; break;
		case 't': ports = optarg; break;
		case 'm': max_secs = (unsigned)atoi(optarg); break;
		default: return 2;
		}
	}
	if (!port || !npkts || !statpath || (!logpath && !ports)) {
		fprintf(stderr, "rtpload gen: -p PORT -n PACKETS -s STATFILE "
				"(-l SIPP_LOG | -t PORT,...) [-m SECONDS] [-j]\n");
		return 2;
	}
	fd = udp_bind(port);
	if (jitter &&
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on))) {
		perror("SO_TIMESTAMPNS");
		return 2;
	}
	setup_signals();
	srand((unsigned)getpid());
	t0 = now_ns();
	if (ports) {
		char *dup = strdup(ports), *tok, *save = NULL;
		for (tok = strtok_r(dup, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save))
			add_stream((unsigned)atoi(tok), t0);
		free(dup);
	}
	for (i = 0; i < BATCH; i++) {
		memset(&sdst[i], 0, sizeof(sdst[i]));
		sdst[i].sin_family = AF_INET;
		sdst[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		memset(sbuf[i] + 12, 0xd5, PKT - 12); /* A-law silence */
	}

	for (;;) {
		uint64_t t = now_ns(), next = t + 1000000;
		unsigned nb = 0;
		int n;

		if (logpath && !logf)
			logf = fopen(logpath, "r");
		if (logf && t - last_log > 2000000) {
			read_log(logf, t);
			last_log = t;
		}
		if (want_reset) {
			memset(jit.bins, 0, sizeof(jit.bins));
			jit.n = jit.max_ns = 0;
			want_reset = 0;
		}
		if (want_stat || want_exit || t - t0 > max_secs * 1000000000ull) {
			snprintf(json, sizeof(json),
				 "{\"streams\":%u,\"streams_done\":%u,"
				 "\"sent\":%llu,\"received\":%llu,"
				 "\"send_errors\":%llu,\"max_late_ms\":%.1f,"
				 "\"jitter_n\":%llu,\"jitter_p50_ms\":%.2f,"
				 "\"jitter_p99_ms\":%.2f,\"jitter_p999_ms\":%.2f,"
				 "\"jitter_max_ms\":%.2f}",
				 nstreams, done_streams, sent, rcvd, senderr,
				 max_late / 1e6, (unsigned long long)jit.n,
				 jitter_q(0.5), jitter_q(0.99), jitter_q(0.999),
				 jit.max_ns / 1e6);
			write_stat(statpath, json);
			want_stat = 0;
			if (want_exit || t - t0 > max_secs * 1000000000ull)
				return 0;
		}

		/* send what is due, batched */
		done_streams = 0;
		for (i = 0; i < nstreams; i++) {
			struct stream *s = &streams[i];
			uint64_t due;
			uint8_t *p;

			if (s->sent >= npkts) {
				done_streams++;
				continue;
			}
			due = s->start + (uint64_t)s->sent * PTIME_NS;
			if (due > t) {
				if (due < next)
					next = due;
				continue;
			}
			if (t - due > max_late)
				max_late = t - due;
			p = sbuf[nb];
			p[0] = 0x80;
			p[1] = (uint8_t)(8 | (s->sent == 0 ? 0x80 : 0));
			p[2] = (uint8_t)(s->seq >> 8);
			p[3] = (uint8_t)s->seq;
			p[4] = (uint8_t)(s->ts >> 24);
			p[5] = (uint8_t)(s->ts >> 16);
			p[6] = (uint8_t)(s->ts >> 8);
			p[7] = (uint8_t)s->ts;
			p[8] = (uint8_t)(s->ssrc >> 24);
			p[9] = (uint8_t)(s->ssrc >> 16);
			p[10] = (uint8_t)(s->ssrc >> 8);
			p[11] = (uint8_t)s->ssrc;
			s->seq++;
			s->ts += 160;
			s->sent++;
			sdst[nb].sin_port = htons(s->port);
			siov[nb].iov_base = p;
			siov[nb].iov_len = PKT;
			memset(&smsg[nb], 0, sizeof(smsg[nb]));
			smsg[nb].msg_hdr.msg_iov = &siov[nb];
			smsg[nb].msg_hdr.msg_iovlen = 1;
			smsg[nb].msg_hdr.msg_name = &sdst[nb];
			smsg[nb].msg_hdr.msg_namelen = sizeof(sdst[nb]);
			nb++;
			if (nb == BATCH) {
				flush(fd, smsg, nb, &sent, &senderr);
				nb = 0;
			}
		}
		if (nb)
			flush(fd, smsg, nb, &sent, &senderr);

		/* drain what came back */
		for (;;) {
			for (i = 0; i < BATCH; i++) {
				riov[i].iov_base = rbuf[i];
				riov[i].iov_len = sizeof(rbuf[i]);
				memset(&rmsg[i], 0, sizeof(rmsg[i]));
				rmsg[i].msg_hdr.msg_iov = &riov[i];
				rmsg[i].msg_hdr.msg_iovlen = 1;
				if (jitter) {
					rmsg[i].msg_hdr.msg_name = &rfrom[i];
					rmsg[i].msg_hdr.msg_namelen =
					    sizeof(rfrom[i]);
					rmsg[i].msg_hdr.msg_control = rctl[i];
					rmsg[i].msg_hdr.msg_controllen =
					    sizeof(rctl[i]);
				}
			}
			n = recvmmsg(fd, rmsg, BATCH, MSG_DONTWAIT, NULL);
			if (n <= 0)
				break;
			rcvd += (unsigned)n;
			for (i = 0; jitter && i < (unsigned)n; i++)
				jitter_packet(&rmsg[i], rbuf[i]);
		}

		/* sleep until the next packet is due (at most 1 ms, so new
		 * log lines and returning packets are picked up) */
		t = now_ns();
		if (next > t) {
			struct pollfd p = {fd, POLLIN, 0};
			uint64_t wait = next - t;
			struct timespec ts = {0, (long)(wait > 1000000 ? 1000000 : wait)};
			ppoll(&p, 1, &ts, NULL);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "echo"))
		return run_echo(atoi(argv[2]), argv[3]);
	if (argc >= 2 && !strcmp(argv[1], "gen"))
		return run_gen(argc - 1, argv + 1);
	fprintf(stderr, "usage: rtpload echo PORT STATFILE\n"
			"       rtpload gen -p PORT -n PACKETS -s STATFILE "
			"(-l SIPP_LOG | -t PORT,...) [-m SECONDS] [-j]\n");
	return 2;
}
