/*
 * gwlbbench-gen: the benchmark's GENEVE load generator (one thread, sendmmsg/recvmmsg).
 *
 * Compiled at benchmark time with the machine's gcc (see bench/generator.ts); it is not part of
 * the agent. It plays the GWLB: sends prebuilt GENEVE datagrams (written by the TypeScript side
 * with the simulator's packet builders) from N UDP sockets (one per GWLB source port) to the
 * target, and receives what comes back on the GWLB's GENEVE port, verifying every return:
 * sender address, source port = the port the datagram was sent from, length, and every byte
 * except the 24-byte stamp (magic, sequence, template index, send time) in the inner payload.
 *
 * Why C: one Node.js process tops out far below the kernel hairpin (one syscall and one
 * JavaScript callback per datagram; see the README's Benchmark section), and the benchmark
 * must show the target's ceiling, not the generator's.
 *
 * Usage: gwlbbench-gen --templates FILE --src A --dst A [--dport 6081] --listen A [--lport 6081]
 *          --expect-from A [--sockets 64] [--rate PPS (0 = as fast as possible)] [--duration S]
 *          [--once] [--batch 32] [--drain-ms 500] [--cpu N] [--port-base P (0 = ephemeral ports)]
 *          [--watch-pid PID (report its CPU use during the send window)] [--gso]
 * --gso: each batch of one socket's datagrams (all one length) goes down in one sendmsg with
 * UDP_SEGMENT, and the kernel cuts it into datagrams before the device (the caller turns the
 * generator's device's UDP segmentation offload off, so the appliance sees single datagrams):
 * a higher send ceiling for one thread, the same datagrams on the wire.
 * Per-CPU busy fractions (wall time minus /proc/stat's idle time) and the watched process's CPU are taken over the send window.
 * Its own pacing is reported too (maxBehind, the most datagrams due at once, i.e. the largest
 * burst it sent to catch up), so that a loss can be told to be the target's and not a burst of
 * the generator's. A paced run never catches up by more
 * than MAX_CATCH_UP datagrams: after a stall of its own CPU it drops the rest of its debt
 * (forgiven, not sent: the offered rate shows it) instead of sending the stall's worth back to
 * back, a burst no target is asked to absorb.
 * Prints one JSON object on stdout. Every loop is bounded by --duration (hard cap 600 s) plus
 * --drain-ms. Addresses are checked by the caller (loopback or the benchmark's namespaces).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define STAMP_MAGIC 0x47574c42u /* "GWLB" */
#define STAMP_LEN 24
#define COOKIE_OFFSET 36 /* GENEVE base 8 + endpoint option 12 + attachment option 12 + cookie option header 4 */
#define MAX_BATCH 256
#define MAX_CATCH_UP 512 /* datagrams a paced run may send back to back to catch up: half a default input backlog */
#define MAX_LEN 9216
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#define GSO_MAX_SEGS 64       /* the kernel's UDP_MAX_SEGMENTS on older kernels */
#define GSO_MAX_BYTES 65000   /* below an IPv4 datagram's 65,507-byte payload limit */
#define HIST_US 100000 /* 1 us buckets up to 100 ms, then one overflow bucket */

struct tmpl {
    uint16_t len, stamp, sock;
    uint8_t *bytes;
};

static struct tmpl *tmpls;
static uint32_t ntmpl;
static uint32_t **by_sock; /* template indexes per socket */
static uint32_t *by_sock_n, *by_sock_next;
static uint16_t *by_sock_len; /* the one length of a socket's templates, or 0 when they differ */
static size_t nsock = 64;
static int *socks;
static uint16_t *sock_port;
static uint64_t hist[HIST_US + 1];
static uint64_t arrival_hist[HIST_US + 1]; /* send stamp -> the kernel's receive timestamp */
static uint8_t *seen; /* one bit per sequence number */
static uint64_t seen_bits;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CLOCK_REALTIME minus CLOCK_MONOTONIC: SO_TIMESTAMPNS stamps are realtime, the send stamps monotonic. */
static int64_t realtime_offset_ns(void) {
    struct timespec r, m;
    clock_gettime(CLOCK_MONOTONIC, &m);
    clock_gettime(CLOCK_REALTIME, &r);
    return ((int64_t)r.tv_sec - (int64_t)m.tv_sec) * 1000000000ll + ((int64_t)r.tv_nsec - (int64_t)m.tv_nsec);
}

static void die(const char *what) {
    fprintf(stderr, "gwlbbench-gen: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void usage(const char *what) {
    fprintf(stderr, "gwlbbench-gen: %s\n", what);
    exit(2);
}

static uint32_t rd32(const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }
static void wr32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

static void load_templates(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) die("open templates");
    uint8_t head[8];
    if (fread(head, 1, 8, f) != 8 || memcmp(head, "GBT1", 4) != 0) usage("bad templates file");
    ntmpl = rd32(head + 4);
    if (ntmpl == 0 || ntmpl > 4000000) usage("bad template count");
    tmpls = calloc(ntmpl, sizeof *tmpls);
    for (uint32_t i = 0; i < ntmpl; i++) {
        uint8_t h[8];
        if (fread(h, 1, 8, f) != 8) usage("truncated templates file");
        struct tmpl *t = &tmpls[i];
        t->len = (h[0] << 8) | h[1];
        t->stamp = (h[2] << 8) | h[3];
        t->sock = (h[4] << 8) | h[5];
        if (t->len < COOKIE_OFFSET + 4 || t->len > MAX_LEN || t->stamp + STAMP_LEN > t->len || t->stamp < COOKIE_OFFSET + 4) usage("bad template");
        t->bytes = malloc(t->len);
        if (fread(t->bytes, 1, t->len, f) != t->len) usage("truncated template");
        if (rd32(t->bytes + COOKIE_OFFSET) != i) usage("template flow cookie must equal its index");
    }
    fclose(f);
}

static int udp_socket(const char *addr, int port, int rcvbuf, int sndbuf) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) die("socket");
    if (rcvbuf > 0 && setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
        setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (sndbuf > 0 && setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) < 0)
        setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) usage("bad address");
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
    return s;
}

static double pct(const uint64_t *h, uint64_t total, double p) {
    if (total == 0) return -1;
    uint64_t want = (uint64_t)(p * (double)total);
    if (want >= total) want = total - 1;
    uint64_t acc = 0;
    for (int i = 0; i <= HIST_US; i++) {
        acc += h[i];
        if (acc > want) return i;
    }
    return HIST_US;
}

#define MAX_CPUS 64

/*
 * Idle time (idle + iowait, in clock ticks) of each CPU from /proc/stat; returns the CPU count.
 * Only the idle column is used: with NO_HZ it is measured at each entry to and exit from idle,
 * while the busy columns are sampled by the tick, which an idle CPU stops. On this benchmark's
 * appliance CPU, mostly idle between bursts of softirq work, the sampled columns miss most of
 * that work (they summed to 75% of the wall time in one run), so busy = wall - idle.
 */
static int read_idle(uint64_t idle[MAX_CPUS]) {
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return 0;
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        int cpu;
        unsigned long long v[5] = {0};
        if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2], &v[3], &v[4]) < 5) continue;
        if (cpu < 0 || cpu >= MAX_CPUS) continue;
        idle[cpu] = v[3] + v[4];
        if (cpu + 1 > n) n = cpu + 1;
    }
    fclose(f);
    return n;
}

/* The busy fraction of a CPU over `wall_ns`, from its idle ticks at the start and the end. */
static double busy_fraction(uint64_t idle0, uint64_t idle1, uint64_t wall_ns) {
    if (wall_ns == 0) return 0;
    double busy = 1.0 - (double)(idle1 - idle0) * (1e9 / (double)sysconf(_SC_CLK_TCK)) / (double)wall_ns;
    return busy < 0 ? 0 : busy > 1 ? 1 : busy;
}

/* utime + stime of a process in clock ticks, or -1. */
static long long read_pid_ticks(int pid) {
    if (pid <= 0) return -1;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    unsigned long long utime = 0, stime = 0;
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return -1;
    return (long long)(utime + stime);
}

/* Copies template `ti` into `out` and writes the stamp; returns the length. */
static size_t build(uint8_t *out, uint32_t ti, uint64_t seq) {
    struct tmpl *tp = &tmpls[ti];
    memcpy(out, tp->bytes, tp->len);
    uint8_t *st = out + tp->stamp;
    uint64_t ts = now_ns();
    wr32(st, STAMP_MAGIC);
    wr32(st + 4, (uint32_t)seq);
    wr32(st + 8, ti);
    wr32(st + 12, (uint32_t)(seq >> 32));
    wr32(st + 16, (uint32_t)(ts >> 32));
    wr32(st + 20, (uint32_t)ts);
    return tp->len;
}

int main(int argc, char **argv) {
    const char *tpath = NULL, *src = NULL, *dst = NULL, *listen_addr = NULL, *expect = NULL;
    int dport = 6081, lport = 6081, batch = 32, cpu = -1, once = 0, port_base = 0, watch_pid = 0, gso = 0;
    double rate = 0, duration = 5, drain_ms = 500;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--once") == 0) { once = 1; continue; }
        if (strcmp(a, "--gso") == 0) { gso = 1; continue; }
        if (i + 1 >= argc) usage("option needs a value");
        const char *v = argv[++i];
        if (!strcmp(a, "--templates")) tpath = v;
        else if (!strcmp(a, "--src")) src = v;
        else if (!strcmp(a, "--dst")) dst = v;
        else if (!strcmp(a, "--dport")) dport = atoi(v);
        else if (!strcmp(a, "--listen")) listen_addr = v;
        else if (!strcmp(a, "--lport")) lport = atoi(v);
        else if (!strcmp(a, "--expect-from")) expect = v;
        else if (!strcmp(a, "--sockets")) nsock = (size_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--rate")) rate = atof(v);
        else if (!strcmp(a, "--duration")) duration = atof(v);
        else if (!strcmp(a, "--batch")) batch = atoi(v);
        else if (!strcmp(a, "--drain-ms")) drain_ms = atof(v);
        else if (!strcmp(a, "--cpu")) cpu = atoi(v);
        else if (!strcmp(a, "--port-base")) port_base = atoi(v);
        else if (!strcmp(a, "--watch-pid")) watch_pid = atoi(v);
        else usage("unknown option");
    }
    if (!tpath || !src || !dst || !listen_addr || !expect) usage("--templates, --src, --dst, --listen and --expect-from are required");
    if (nsock < 1 || nsock > 30000 || batch < 1 || batch > MAX_BATCH || duration <= 0 || duration > 600 || drain_ms < 0 || drain_ms > 10000 || rate < 0 || port_base < 0 || port_base + (int)nsock > 65535)
        usage("option out of range");
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) < 0) die("sched_setaffinity");
    }
    load_templates(tpath);
    struct in_addr expect_addr;
    if (inet_pton(AF_INET, expect, &expect_addr) != 1) usage("bad --expect-from");

    /* Sockets: one per GWLB source port, bound to an ephemeral port, connected to the target. */
    /* 20,000 GWLB source ports need more descriptors than a default soft limit: raise it (root may raise the hard one too). */
    rlim_t need = nsock + 64;
    struct rlimit have;
    if (getrlimit(RLIMIT_NOFILE, &have) == 0 && have.rlim_cur < need) {
        struct rlimit want = {.rlim_cur = need, .rlim_max = have.rlim_max > need ? have.rlim_max : need};
        /* Without CAP_SYS_RESOURCE the hard limit stays: take all of it (the caller sizes --sockets to fit). */
        if (setrlimit(RLIMIT_NOFILE, &want) < 0) {
            want.rlim_cur = want.rlim_max = have.rlim_max;
            if (setrlimit(RLIMIT_NOFILE, &want) < 0) die("setrlimit RLIMIT_NOFILE");
        }
    }
    socks = calloc(nsock, sizeof *socks);
    sock_port = calloc(nsock, sizeof *sock_port);
    struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons(dport)};
    if (inet_pton(AF_INET, dst, &target.sin_addr) != 1) usage("bad --dst");
    for (size_t i = 0; i < nsock; i++) {
        socks[i] = udp_socket(src, port_base > 0 ? port_base + (int)i : 0, 0, 4 << 20);
        if (connect(socks[i], (struct sockaddr *)&target, sizeof target) < 0) die("connect");
        struct sockaddr_in me;
        socklen_t ml = sizeof me;
        getsockname(socks[i], (struct sockaddr *)&me, &ml);
        sock_port[i] = ntohs(me.sin_port);
    }
    int rx = udp_socket(listen_addr, lport, 64 << 20, 0);
    /* The kernel stamps each return as it arrives, so a return's latency can be had without the
       time it then waits for this one thread to get round to receiving it. */
    int on = 1;
    if (setsockopt(rx, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0) die("SO_TIMESTAMPNS");
    const int64_t realtime_offset = realtime_offset_ns();

    by_sock = calloc(nsock, sizeof *by_sock);
    by_sock_n = calloc(nsock, sizeof *by_sock_n);
    by_sock_next = calloc(nsock, sizeof *by_sock_next);
    for (uint32_t i = 0; i < ntmpl; i++) {
        if (tmpls[i].sock >= nsock) usage("template socket index >= --sockets");
        by_sock_n[tmpls[i].sock]++;
    }
    for (size_t s = 0; s < nsock; s++) by_sock[s] = malloc(sizeof(uint32_t) * (by_sock_n[s] + 1)), by_sock_n[s] = 0;
    for (uint32_t i = 0; i < ntmpl; i++) by_sock[tmpls[i].sock][by_sock_n[tmpls[i].sock]++] = i;
    by_sock_len = calloc(nsock, sizeof *by_sock_len);
    for (size_t s = 0; s < nsock; s++) {
        by_sock_len[s] = by_sock_n[s] > 0 ? tmpls[by_sock[s][0]].len : 0;
        for (uint32_t k = 1; k < by_sock_n[s]; k++)
            if (tmpls[by_sock[s][k]].len != by_sock_len[s]) by_sock_len[s] = 0;
    }
    static uint8_t gbuf[GSO_MAX_BYTES];

    /* Sequence bitmap: bounded by the most that can be sent in the run. */
    seen_bits = once ? ntmpl : (uint64_t)(duration * 20e6);
    seen = calloc(seen_bits / 8 + 1, 1);
    if (!seen) die("calloc");

    static uint8_t sbuf[MAX_BATCH][MAX_LEN];
    static struct mmsghdr smsg[MAX_BATCH];
    static struct iovec siov[MAX_BATCH];
    static uint8_t rbuf[MAX_BATCH][MAX_LEN];
    static struct mmsghdr rmsg[MAX_BATCH];
    static struct iovec riov[MAX_BATCH];
    static struct sockaddr_in rfrom[MAX_BATCH];
    static char rctl[MAX_BATCH][CMSG_SPACE(sizeof(struct timespec))];

    uint64_t sent = 0, send_calls = 0, send_errors = 0, received = 0, rx_in_window = 0, dup = 0;
    uint64_t bad_from = 0, bad_port = 0, bad_len = 0, bad_bytes = 0, bad_stamp = 0, lat_n = 0, arrival_n = 0;
    uint64_t max_lat_ns = 0;
    double max_behind = 0, forgiven = 0;
    uint32_t once_next = 0;
    size_t cursor = 0;
    const uint64_t t0 = now_ns();
    const uint64_t end = t0 + (uint64_t)(duration * 1e9);
    const uint64_t hard_end = end + (uint64_t)(drain_ms * 1e6);
    uint64_t last_send_ns = t0;
    int sending = 1;
    static uint64_t idle0[MAX_CPUS], idle1[MAX_CPUS];
    int ncpu = read_idle(idle0);
    const uint64_t idle_read0 = now_ns();
    long long ticks0 = read_pid_ticks(watch_pid), ticks1 = -1;

    for (;;) {
        uint64_t t = now_ns();
        if (sending && (t >= end || (once && once_next >= ntmpl))) {
            sending = 0;
            last_send_ns = t;
            read_idle(idle1);
            ticks1 = read_pid_ticks(watch_pid);
        }
        if (!sending && t >= (once ? last_send_ns + (uint64_t)(drain_ms * 1e6) : hard_end)) break;
        if (!sending && t >= hard_end + 5000000000ull) break; /* absolute bound */
        if (sending) {
            int n = batch;
            if (rate > 0) {
                double due = rate * (double)(t - t0) / 1e9 - (double)sent - forgiven;
                /* Fallen far behind (this thread did not run): what a stall left undone is not sent. */
                if (due > MAX_CATCH_UP) {
                    forgiven += due - MAX_CATCH_UP;
                    due = MAX_CATCH_UP;
                }
                if (due > max_behind) max_behind = due;
                if (due < 1) n = 0;
                else if (due < n) n = (int)due;
            }
            if (n > 0 && once) {
                /* --once: every template exactly once, in file order, each from its own socket. */
                for (int k = 0; k < n && once_next < ntmpl; k++) {
                    uint32_t ti = once_next++;
                    size_t len = build(sbuf[0], ti, sent);
                    send_calls++;
                    if (send(socks[tmpls[ti].sock], sbuf[0], len, 0) < 0) send_errors++;
                    sent++;
                }
            } else if (n > 0 && gso && by_sock_len[cursor] > 0) {
                /* One sendmsg per GSO_MAX_SEGS datagrams on the socket whose turn it is. */
                size_t s = cursor;
                cursor = (cursor + 1) % nsock;
                size_t len = by_sock_len[s];
                int per = (int)(GSO_MAX_BYTES / len);
                if (per > GSO_MAX_SEGS) per = GSO_MAX_SEGS;
                for (int k = 0; k < n;) {
                    int m = n - k < per ? n - k : per;
                    for (int j = 0; j < m; j++) {
                        uint32_t ti = by_sock[s][by_sock_next[s]];
                        by_sock_next[s] = (by_sock_next[s] + 1) % by_sock_n[s];
                        build(gbuf + (size_t)j * len, ti, sent + k + j);
                    }
                    struct iovec iov = {.iov_base = gbuf, .iov_len = (size_t)m * len};
                    char ctl[CMSG_SPACE(sizeof(uint16_t))];
                    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
                    if (m > 1) {
                        memset(ctl, 0, sizeof ctl);
                        mh.msg_control = ctl;
                        mh.msg_controllen = sizeof ctl;
                        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                        c->cmsg_level = SOL_UDP;
                        c->cmsg_type = UDP_SEGMENT;
                        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
                        uint16_t seg = (uint16_t)len;
                        memcpy(CMSG_DATA(c), &seg, sizeof seg);
                    }
                    send_calls++;
                    if (sendmsg(socks[s], &mh, 0) < 0) {
                        if (errno == EINTR) continue;
                        send_errors += m; /* counted as sent, and so as lost */
                    }
                    k += m;
                }
                sent += n;
            } else if (n > 0) {
                /* One sendmmsg per call on the socket whose turn it is (round robin). */
                size_t s = cursor;
                cursor = (cursor + 1) % nsock;
                if (by_sock_n[s] > 0) {
                    for (int k = 0; k < n; k++) {
                        uint32_t ti = by_sock[s][by_sock_next[s]];
                        by_sock_next[s] = (by_sock_next[s] + 1) % by_sock_n[s];
                        siov[k].iov_base = sbuf[k];
                        siov[k].iov_len = build(sbuf[k], ti, sent + k);
                        memset(&smsg[k], 0, sizeof smsg[k]);
                        smsg[k].msg_hdr.msg_iov = &siov[k];
                        smsg[k].msg_hdr.msg_iovlen = 1;
                    }
                    int done = 0;
                    while (done < n) {
                        int r = sendmmsg(socks[s], smsg + done, n - done, 0);
                        send_calls++;
                        if (r < 0) {
                            if (errno == EINTR) continue;
                            send_errors += n - done; /* counted as sent, and so as lost */
                            break;
                        }
                        done += r;
                    }
                    sent += n;
                }
            }
        }
        /* Drain returns without blocking; bounded per pass so sending keeps its pace. */
        for (int pass = 0; pass < 8; pass++) {
            for (int k = 0; k < MAX_BATCH; k++) {
                riov[k].iov_base = rbuf[k];
                riov[k].iov_len = MAX_LEN;
                memset(&rmsg[k].msg_hdr, 0, sizeof rmsg[k].msg_hdr);
                rmsg[k].msg_hdr.msg_iov = &riov[k];
                rmsg[k].msg_hdr.msg_iovlen = 1;
                rmsg[k].msg_hdr.msg_name = &rfrom[k];
                rmsg[k].msg_hdr.msg_namelen = sizeof rfrom[k];
                rmsg[k].msg_hdr.msg_control = rctl[k];
                rmsg[k].msg_hdr.msg_controllen = sizeof rctl[k];
            }
            int r;
            if (!sending) {
                struct pollfd p = {.fd = rx, .events = POLLIN};
                if (poll(&p, 1, 20) <= 0) break;
            }
            r = recvmmsg(rx, rmsg, MAX_BATCH, MSG_DONTWAIT, NULL);
            if (r <= 0) break;
            uint64_t tr = now_ns();
            for (int k = 0; k < r; k++) {
                const uint8_t *b = rbuf[k];
                unsigned len = rmsg[k].msg_len;
                if (rfrom[k].sin_addr.s_addr != expect_addr.s_addr) { bad_from++; continue; }
                if (len < COOKIE_OFFSET + 4) { bad_len++; continue; }
                uint32_t ti = rd32(b + COOKIE_OFFSET);
                if (ti >= ntmpl) { bad_bytes++; continue; }
                struct tmpl *tp = &tmpls[ti];
                if (len != tp->len) { bad_len++; continue; }
                if (ntohs(rfrom[k].sin_port) != sock_port[tp->sock]) { bad_port++; continue; }
                const uint8_t *st = b + tp->stamp;
                if (rd32(st) != STAMP_MAGIC || rd32(st + 8) != ti) { bad_stamp++; continue; }
                if (memcmp(b, tp->bytes, tp->stamp) != 0 || memcmp(b + tp->stamp + STAMP_LEN, tp->bytes + tp->stamp + STAMP_LEN, len - tp->stamp - STAMP_LEN) != 0) {
                    bad_bytes++;
                    continue;
                }
                uint64_t seq = ((uint64_t)rd32(st + 12) << 32) | rd32(st + 4);
                if (seq >= sent || seq >= seen_bits) { bad_stamp++; continue; }
                if (seen[seq >> 3] & (1 << (seq & 7))) { dup++; continue; }
                seen[seq >> 3] |= 1 << (seq & 7);
                received++;
                if (tr <= end) rx_in_window++;
                uint64_t ts = ((uint64_t)rd32(st + 16) << 32) | rd32(st + 20);
                uint64_t lat = tr > ts ? tr - ts : 0;
                if (lat > max_lat_ns) max_lat_ns = lat;
                uint64_t us = lat / 1000;
                hist[us > HIST_US ? HIST_US : us]++;
                lat_n++;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&rmsg[k].msg_hdr); c != NULL; c = CMSG_NXTHDR(&rmsg[k].msg_hdr, c)) {
                    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
                    struct timespec at;
                    memcpy(&at, CMSG_DATA(c), sizeof at);
                    int64_t arrived = (int64_t)at.tv_sec * 1000000000ll + at.tv_nsec - realtime_offset;
                    uint64_t alat = arrived > (int64_t)ts ? (uint64_t)(arrived - (int64_t)ts) / 1000 : 0;
                    arrival_hist[alat > HIST_US ? HIST_US : alat]++;
                    arrival_n++;
                }
            }
            if (r < MAX_BATCH) break;
        }
    }
    double send_s = (double)((once ? last_send_ns : (end < last_send_ns ? end : last_send_ns)) - t0) / 1e9;
    if (send_s <= 0) send_s = 1e-9;
    printf("{\"cpuBusy\":[");
    for (int c = 0; c < ncpu; c++) {
        printf("%s%.4f", c ? "," : "", busy_fraction(idle0[c], idle1[c], last_send_ns - idle_read0));
    }
    double watch = (ticks0 >= 0 && ticks1 >= 0) ? (double)(ticks1 - ticks0) / (double)sysconf(_SC_CLK_TCK) / send_s : -1;
    printf("],\"watchCores\":%.4f,\"maxBehind\":%.0f,\"forgiven\":%.0f,", watch, max_behind, forgiven);
    printf("\"sent\":%llu,\"received\":%llu,\"rxInWindow\":%llu,\"sendSeconds\":%.6f,\"sendPps\":%.0f,\"deliveredPps\":%.0f,"
           "\"lost\":%lld,\"duplicates\":%llu,\"badFrom\":%llu,\"badPort\":%llu,\"badLength\":%llu,\"badBytes\":%llu,\"badStamp\":%llu,"
           "\"sendCalls\":%llu,\"sendErrors\":%llu,\"p50Us\":%.0f,\"p90Us\":%.0f,\"p99Us\":%.0f,\"p999Us\":%.0f,\"maxUs\":%.1f,"
           "\"arrivalP50Us\":%.0f,\"arrivalP99Us\":%.0f,\"arrivals\":%llu,"
           "\"sockets\":%zu,\"templates\":%u}\n",
           (unsigned long long)sent, (unsigned long long)received, (unsigned long long)rx_in_window, send_s, (double)sent / send_s,
           (double)rx_in_window / send_s, (long long)(sent - received), (unsigned long long)dup, (unsigned long long)bad_from,
           (unsigned long long)bad_port, (unsigned long long)bad_len, (unsigned long long)bad_bytes, (unsigned long long)bad_stamp,
           (unsigned long long)send_calls, (unsigned long long)send_errors, pct(hist, lat_n, 0.5), pct(hist, lat_n, 0.9), pct(hist, lat_n, 0.99),
           pct(hist, lat_n, 0.999), (double)max_lat_ns / 1000.0, pct(arrival_hist, arrival_n, 0.5), pct(arrival_hist, arrival_n, 0.99),
           (unsigned long long)arrival_n, nsock, ntmpl);
    return 0;
}
