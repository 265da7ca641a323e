/*
 * asyncio-loadgen — a small, fast load generator for TCP echo servers.
 *
 * Single-threaded, Linux epoll (edge-triggered), non-blocking sockets with
 * TCP_NODELAY, no dependencies. Its user-space work is kept to a minimum (one
 * send and usually one recv per request, no per-request payload generation,
 * memcmp verification), so nearly all of its CPU time is the kernel's TCP
 * work. On loopback that kernel work is about the same per byte as an echo
 * server's own, so a very fast server can saturate the generator's core: the
 * generator reports its own CPU use so such client-bound results are visible.
 *
 * Modes
 *   rr      Request/response: each connection sends SIZE bytes, waits for all
 *           SIZE bytes to come back, verifies them, then sends the next request.
 *           Reports requests/s and latency percentiles.
 *   stream  Each connection writes a continuous byte stream (in SIZE-byte
 *           chunks) and reads the echo, verifying every byte, with at most
 *           --window bytes unacknowledged so it cannot deadlock against a
 *           server that applies back-pressure. Reports MiB/s.
 *
 * Payload pattern
 *   One pseudo-random base block of SIZE + 1 MiB bytes is made at start-up.
 *   Every payload unit (an rr request, or a stream chunk) is the SIZE-byte
 *   window of that block starting at an offset derived from a hash of the
 *   connection id and the unit index. Bytes delivered to the wrong
 *   connection, from the wrong request, or shifted by any amount therefore
 *   differ from the expected bytes (with overwhelming probability), while
 *   nothing has to be generated per unit: sends go straight from the base
 *   block and verification is a memcmp against it. That matters because for
 *   large payloads the generator does the same kernel copies as the server.
 *
 * Any verification failure, unexpected EOF, connect failure or socket error
 * prints a message to stderr (and an {"error": ...} object with --json) and
 * exits 1. The run is bounded: it stops after warm-up + duration, and a
 * SIGALRM hard timeout ends it even if the server hangs.
 */
#ifndef __linux__
/* epoll is Linux-only. This stub keeps `swift build` of the whole package
 * working on other systems (e.g. macOS), where the benchmarks do not run. */
#include <stdio.h>
int main(void) {
    fputs("asyncio-loadgen: Linux only (it uses epoll)\n", stderr);
    return 2;
}
#else

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define SCRATCH_SIZE (256 * 1024)
#define CONNECT_TIMEOUT_S 10.0 /* SYN retransmits happen at 1 s and 3 s */
#define DRAIN_TIMEOUT_S 2.0    /* graceful close: wait this long for server EOFs */
#define OFFSET_RANGE (1u << 20) /* unit start offsets within the base block; power of two */
#define STALL_S 1.0             /* outstanding data with no echo for this long at the end = hung */
#define SENDS_PER_TURN 64       /* stream: max send() calls per connection before yielding */

enum mode { MODE_RR, MODE_STREAM };
enum phase { PHASE_WARMUP, PHASE_MEASURE };

/* ------------------------------------------------------------------------ */
/* Options and global state                                                  */

static struct {
    const char *host;
    const char *port;
    enum mode mode;
    long connections;
    size_t size;
    size_t window;
    double duration;
    double warmup;
    int json;
    long server_pid; /* optional: sample this process's CPU time at the phase edges */
} opt = {
    .host = "127.0.0.1",
    .port = NULL,
    .mode = MODE_RR,
    .connections = 10,
    .size = 1024,
    .window = 1024 * 1024,
    .duration = 5.0,
    .warmup = 1.0,
    .json = 0,
    .server_pid = 0,
};

typedef struct conn {
    int fd;
    uint32_t id;
    int connected;
    int eof;                   /* drain phase: peer closed */
    const unsigned char *unit; /* rr: current request; stream: chunk being sent */
    const unsigned char *vbuf; /* stream: chunk being verified */
    /* rr */
    uint64_t req_idx;  /* index of the request in flight */
    size_t sent, rcvd; /* progress within that request */
    uint64_t t_start;  /* when the request was started (ns) */
    /* stream: absolute positions in this connection's byte stream */
    uint64_t send_pos, recv_pos;
    uint64_t send_unit, verify_unit; /* unit index held in unit / vbuf */
    uint64_t last_rx;                /* loop time of the last received bytes (ns) */
    int send_pending;                /* stream: on the pending list (yielded while still writable) */
} conn_t;

static conn_t *conns;
static int epfd = -1;
static unsigned char *base_block; /* SIZE + OFFSET_RANGE pseudo-random bytes */
static unsigned char *scratch;
static int stopping;          /* measured interval over: send nothing new */
static uint64_t loop_now;     /* time the current epoll_wait returned (ns) */
/* stream: connections that yielded after SENDS_PER_TURN sends with the socket
 * still writable. Edge-triggered epoll will not report them again, so the
 * main loop resumes them itself (polling epoll without blocking meanwhile). */
static conn_t **pending;
static long npending;

/* Counters over the whole run (snapshotted at the warm-up edge). */
static uint64_t total_requests;
static uint64_t total_bytes; /* verified echoed bytes */

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "asyncio-loadgen: error: %s\n", msg);
    if (opt.json) {
        fputs("{\"error\": ", stdout);
        json_string(stdout, msg);
        fputs(", \"errors\": 1}\n", stdout);
        fflush(stdout);
    }
    exit(1);
}

static void on_alarm(int sig) {
    (void)sig;
    /* Only async-signal-safe calls here. */
    static const char m1[] = "asyncio-loadgen: error: hard timeout: server stopped responding\n";
    static const char j1[] = "{\"error\": \"hard timeout: server stopped responding\", \"errors\": 1}\n";
    ssize_t r = write(2, m1, sizeof m1 - 1);
    if (opt.json) r = write(1, j1, sizeof j1 - 1);
    (void)r;
    _exit(1);
}

/* ------------------------------------------------------------------------ */
/* Time, CPU                                                                 */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double self_cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* utime+stime of another process from /proc/PID/stat, in seconds; -1 if unknown. */
static double proc_cpu_s(long pid) {
    if (pid <= 0) return -1;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* The command name may contain spaces and parentheses: start after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    p++;
    /* Fields after ')' begin at field 3 (state); utime and stime are fields 14 and 15. */
    unsigned long long utime = 0, stime = 0;
    int field = 3;
    char *save = NULL;
    for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
        if (field == 14) utime = strtoull(tok, NULL, 10);
        if (field == 15) {
            stime = strtoull(tok, NULL, 10);
            break;
        }
    }
    long tck = sysconf(_SC_CLK_TCK);
    if (tck <= 0) tck = 100;
    return (double)(utime + stime) / (double)tck;
}

/* Seconds the threads of a process spent runnable but waiting for a CPU (the
 * second field of /proc/PID/task/TID/schedstat), or -1 if unknown. On a shared
 * machine this shows when other processes took CPU time from the server or
 * from the generator, which makes a cell's numbers unreliable. */
static double proc_wait_s(long pid) {
    if (pid <= 0) return -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/task", pid);
    DIR *dir = opendir(path);
    if (!dir) return -1;
    unsigned long long total = 0;
    int found = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char file[320];
        snprintf(file, sizeof file, "/proc/%ld/task/%s/schedstat", pid, e->d_name);
        FILE *f = fopen(file, "r");
        if (!f) continue;
        unsigned long long run, wait;
        if (fscanf(f, "%llu %llu", &run, &wait) == 2) {
            total += wait;
            found = 1;
        }
        fclose(f);
    }
    closedir(dir);
    return found ? (double)total / 1e9 : -1;
}

/* Percentage of `secs` that the wait grew by, or -1 if unknown. */
static double wait_pct(double before, double after, double secs) {
    if (before < 0 || after < 0 || secs <= 0) return -1;
    double d = after - before; /* threads that exited take their share along */
    return d > 0 ? d / secs * 100.0 : 0.0;
}

/* ------------------------------------------------------------------------ */
/* Latency histogram: log-linear, 64 sub-buckets per power of two (<1.6% error) */

#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) * HIST_SUB)

static uint64_t hist[HIST_BUCKETS];
static uint64_t hist_count, hist_max, hist_sum;

static unsigned hist_index(uint64_t v) {
    if (v < HIST_SUB) return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v); /* floor(log2 v) >= HIST_SUB_BITS */
    unsigned shift = e - HIST_SUB_BITS;
    unsigned mant = (unsigned)(v >> shift); /* in [HIST_SUB, 2*HIST_SUB) */
    return (e - HIST_SUB_BITS + 1) * HIST_SUB + (mant - HIST_SUB);
}

/* Midpoint of a bucket's value range. */
static double hist_value(unsigned idx) {
    if (idx < HIST_SUB) return (double)idx;
    unsigned e = idx / HIST_SUB + HIST_SUB_BITS - 1;
    unsigned shift = e - HIST_SUB_BITS;
    uint64_t mant = HIST_SUB + idx % HIST_SUB;
    return (double)(mant << shift) + (double)(1ull << shift) / 2.0;
}

static void hist_record(uint64_t ns) {
    hist[hist_index(ns)]++;
    hist_count++;
    hist_sum += ns;
    if (ns > hist_max) hist_max = ns;
}

static void hist_reset(void) {
    memset(hist, 0, sizeof hist);
    hist_count = hist_max = hist_sum = 0;
}

static double hist_quantile_ns(double q) {
    if (hist_count == 0) return 0;
    double exact = q * (double)hist_count;
    uint64_t rank = (uint64_t)exact;
    if ((double)rank < exact || rank < 1) rank++; /* ceil, and at least the first sample */
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += hist[i];
        if (seen >= rank) {
            double v = hist_value(i);
            return v > (double)hist_max ? (double)hist_max : v;
        }
    }
    return (double)hist_max;
}

/* ------------------------------------------------------------------------ */
/* Payload pattern                                                           */

static uint64_t mix64(uint64_t z) { /* splitmix64 finaliser */
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void init_base_block(size_t size) {
    size_t len = size + OFFSET_RANGE;
    base_block = malloc(len + 8);
    if (!base_block) die("out of memory");
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w = mix64(0x5eed0000ull + i);
        memcpy(base_block + i, &w, 8);
    }
}

/* Unit `index` of connection `id`: SIZE bytes inside the base block. */
static const unsigned char *unit_bytes(uint32_t id, uint64_t index) {
    uint64_t h = mix64(((uint64_t)id << 40) ^ index);
    return base_block + (h & (OFFSET_RANGE - 1));
}

static void report_mismatch(conn_t *c, const unsigned char *got, const unsigned char *want, size_t n,
                            const char *what, uint64_t unit, size_t unit_off) {
    size_t i = 0;
    while (i < n && got[i] == want[i]) i++;
    die("verification failed on connection %u, %s %" PRIu64 " offset %zu: expected 0x%02x, got 0x%02x",
        c->id, what, unit, unit_off + i, want[i], got[i]);
}

/* ------------------------------------------------------------------------ */
/* Connections                                                               */

static void fatal_socket_error(conn_t *c, const char *op, int err) {
    if (err == ECONNRESET || err == EPIPE)
        die("connection %u: %s: connection reset by server", c->id, op);
    die("connection %u: %s: %s", c->id, op, strerror(err));
}

/* Many connections may need more descriptors than the default soft limit. */
static void raise_fd_limit(void) {
    struct rlimit rl;
    rlim_t want = (rlim_t)opt.connections + 32;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void open_connections(void) {
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(opt.host, opt.port, &hints, &res);
    if (rc != 0 || !res) die("cannot resolve %s:%s: %s", opt.host, opt.port, gai_strerror(rc));

    for (long i = 0; i < opt.connections; i++) {
        conn_t *c = &conns[i];
        c->id = (uint32_t)i;
        c->fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) die("socket: %s", strerror(errno));
        int one = 1;
        if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
            die("setsockopt(TCP_NODELAY): %s", strerror(errno));
        if (connect(c->fd, res->ai_addr, res->ai_addrlen) < 0 && errno != EINPROGRESS)
            die("connect to %s:%s failed: %s", opt.host, opt.port, strerror(errno));
        /* Edge-triggered, registered once for both directions: no epoll_ctl
         * calls in the hot path. Handlers read/write until a short result. */
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
    }
    freeaddrinfo(res);

    /* Wait until every connection is established (or one fails). */
    long connecting = opt.connections;
    uint64_t deadline = now_ns() + (uint64_t)(CONNECT_TIMEOUT_S * 1e9);
    struct epoll_event events[MAX_EVENTS];
    while (connecting > 0) {
        uint64_t now = now_ns();
        if (now >= deadline)
            die("connect to %s:%s timed out (%ld of %ld connections pending)", opt.host, opt.port, connecting,
                opt.connections);
        int n = epoll_wait(epfd, events, MAX_EVENTS, (int)((deadline - now) / 1000000u) + 1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait: %s", strerror(errno));
        }
        for (int i = 0; i < n; i++) {
            conn_t *c = events[i].data.ptr;
            if (c->connected) continue;
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err) die("connect to %s:%s failed: %s", opt.host, opt.port, strerror(err));
            if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
                if (events[i].events & (EPOLLERR | EPOLLHUP))
                    die("connect to %s:%s failed: connection closed", opt.host, opt.port);
                c->connected = 1;
                connecting--;
            }
        }
    }
}

/* ------------------------------------------------------------------------ */
/* rr mode                                                                   */

static void rr_send(conn_t *c) {
    while (c->sent < opt.size) {
        ssize_t n = send(c->fd, c->unit + c->sent, opt.size - c->sent, MSG_NOSIGNAL);
        if (n > 0) {
            c->sent += (size_t)n;
            if (c->sent < opt.size) return; /* short write: buffer full, EPOLLOUT edge will follow */
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            fatal_socket_error(c, "send", n < 0 ? errno : EPIPE);
        }
    }
}

static void rr_start(conn_t *c, uint64_t now) {
    c->unit = unit_bytes(c->id, c->req_idx);
    c->sent = c->rcvd = 0;
    c->t_start = now;
    rr_send(c);
}

static void rr_readable(conn_t *c, enum phase phase) {
    for (;;) {
        ssize_t n = recv(c->fd, scratch, SCRATCH_SIZE, 0);
        if (n > 0) {
            size_t got = (size_t)n;
            c->last_rx = loop_now;
            /* An echo can never run ahead of what was sent. */
            if (got > c->sent - c->rcvd)
                die("connection %u: server returned %zu bytes but only %zu were outstanding (request %" PRIu64 ")",
                    c->id, got, c->sent - c->rcvd, c->req_idx);
            if (memcmp(scratch, c->unit + c->rcvd, got) != 0)
                report_mismatch(c, scratch, c->unit + c->rcvd, got, "request", c->req_idx, c->rcvd);
            c->rcvd += got;
            total_bytes += got;
            if (c->rcvd == opt.size) {
                uint64_t t = now_ns();
                total_requests++;
                if (phase == PHASE_MEASURE) hist_record(t - c->t_start);
                c->req_idx++;
                if (!stopping) rr_start(c, t);
            }
            /* A short read means the socket is drained (epoll(7)); a new arrival raises a new edge. */
            if (got < SCRATCH_SIZE) return;
        } else if (n == 0) {
            die("connection %u: unexpected EOF from server (request %" PRIu64 ", %zu of %zu bytes echoed)", c->id,
                c->req_idx, c->rcvd, opt.size);
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else {
            fatal_socket_error(c, "recv", errno);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* stream mode                                                               */

static void stream_send(conn_t *c) {
    /* Bounded turns keep one connection with a tiny --size from starving the
     * others (and the clock checks in the main loop). */
    for (int turn = 0; !stopping; turn++) {
        if (turn == SENDS_PER_TURN) {
            if (!c->send_pending) {
                c->send_pending = 1;
                pending[npending++] = c;
            }
            return;
        }
        uint64_t inflight = c->send_pos - c->recv_pos;
        if (inflight >= opt.window) return; /* resumed from stream_readable */
        uint64_t unit = c->send_pos / opt.size;
        size_t off = (size_t)(c->send_pos % opt.size);
        if (unit != c->send_unit) {
            c->unit = unit_bytes(c->id, unit);
            c->send_unit = unit;
        }
        size_t len = opt.size - off;
        if (len > opt.window - inflight) len = (size_t)(opt.window - inflight);
        ssize_t n = send(c->fd, c->unit + off, len, MSG_NOSIGNAL);
        if (n > 0) {
            c->send_pos += (uint64_t)n;
            if ((size_t)n < len) return; /* socket buffer full */
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            fatal_socket_error(c, "send", n < 0 ? errno : EPIPE);
        }
    }
}

static void stream_verify(conn_t *c, const unsigned char *data, size_t len) {
    while (len > 0) {
        uint64_t unit = c->recv_pos / opt.size;
        size_t off = (size_t)(c->recv_pos % opt.size);
        if (unit != c->verify_unit) {
            c->vbuf = unit_bytes(c->id, unit);
            c->verify_unit = unit;
        }
        size_t k = opt.size - off;
        if (k > len) k = len;
        if (memcmp(data, c->vbuf + off, k) != 0) report_mismatch(c, data, c->vbuf + off, k, "chunk", unit, off);
        data += k;
        len -= k;
        c->recv_pos += k;
    }
}

static void stream_readable(conn_t *c) {
    for (;;) {
        ssize_t n = recv(c->fd, scratch, SCRATCH_SIZE, 0);
        if (n > 0) {
            size_t got = (size_t)n;
            c->last_rx = loop_now;
            if (got > c->send_pos - c->recv_pos)
                die("connection %u: server returned %zu bytes but only %" PRIu64 " were outstanding", c->id, got,
                    c->send_pos - c->recv_pos);
            stream_verify(c, scratch, got);
            total_bytes += got;
            if (got < SCRATCH_SIZE) break;
        } else if (n == 0) {
            die("connection %u: unexpected EOF from server after %" PRIu64 " bytes", c->id, c->recv_pos);
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        } else {
            fatal_socket_error(c, "recv", errno);
        }
    }
    stream_send(c); /* the window may have opened */
}

/* ------------------------------------------------------------------------ */
/* Graceful close: half-close, then discard echoes until the server's EOF.   */
/* Servers then see an orderly EOF instead of a reset, so they exit cleanly. */

static void drain_and_close(void) {
    long open = 0;
    for (long i = 0; i < opt.connections; i++) {
        conn_t *c = &conns[i];
        if (shutdown(c->fd, SHUT_WR) == 0) {
            open++;
        } else {
            c->eof = 1;
        }
    }
    uint64_t deadline = now_ns() + (uint64_t)(DRAIN_TIMEOUT_S * 1e9);
    struct epoll_event events[MAX_EVENTS];
    /* Edges may already have been consumed: make one pass over every socket first. */
    int first = 1;
    while (open > 0) {
        int n = 0;
        if (!first) {
            uint64_t now = now_ns();
            if (now >= deadline) break;
            n = epoll_wait(epfd, events, MAX_EVENTS, (int)((deadline - now) / 1000000u) + 1);
            if (n < 0 && errno != EINTR) break;
        }
        long todo = first ? opt.connections : n;
        for (long i = 0; i < todo; i++) {
            conn_t *c = first ? &conns[i] : events[i].data.ptr;
            while (!c->eof) {
                ssize_t r = recv(c->fd, scratch, SCRATCH_SIZE, 0);
                if (r > 0) continue;
                if (r < 0 && errno == EINTR) continue;
                if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                c->eof = 1; /* EOF or error: either way this one is done */
                open--;
            }
        }
        first = 0;
    }
    for (long i = 0; i < opt.connections; i++) close(conns[i].fd);
}

/* ------------------------------------------------------------------------ */
/* Command line                                                              */

static void usage(FILE *f) {
    fprintf(f,
            "usage: asyncio-loadgen --port P [options]\n"
            "  --host H            server address (default 127.0.0.1)\n"
            "  --port P            server port (required)\n"
            "  --mode rr|stream    request/response or streaming (default rr)\n"
            "  --connections C     concurrent connections (default 10)\n"
            "  --size S            rr: request size; stream: write size (bytes, k/m suffix ok; default 1024)\n"
            "  --window W          stream: max unacknowledged bytes per connection (default 1m)\n"
            "  --duration SECS     measured interval (default 5)\n"
            "  --warmup SECS       warm-up before measuring (default 1)\n"
            "  --server-pid PID    also report that process's CPU use over the measured interval\n"
            "  --json              print one JSON object instead of a summary line\n");
}

static size_t parse_size(const char *s, const char *name) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) goto bad;
    if (*end == 'k' || *end == 'K') v *= 1024, end++;
    else if (*end == 'm' || *end == 'M') v *= 1024 * 1024, end++;
    if (*end != 0 || v == 0 || v > (256ull << 20)) goto bad;
    return (size_t)v;
bad:
    fprintf(stderr, "asyncio-loadgen: invalid %s: %s\n", name, s);
    exit(2);
}

static double parse_secs(const char *s, const char *name, double min) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != 0 || !(v >= min) || v > 86400) {
        fprintf(stderr, "asyncio-loadgen: invalid %s: %s\n", name, s);
        exit(2);
    }
    return v;
}

static void parse_args(int argc, char **argv) {
    static const struct option longopts[] = {
        {"host", required_argument, 0, 'h'},     {"port", required_argument, 0, 'p'},
        {"mode", required_argument, 0, 'm'},     {"connections", required_argument, 0, 'c'},
        {"size", required_argument, 0, 's'},     {"window", required_argument, 0, 'W'},
        {"duration", required_argument, 0, 'd'}, {"warmup", required_argument, 0, 'w'},
        {"server-pid", required_argument, 0, 'P'}, {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'H'},           {0, 0, 0, 0},
    };
    int ch;
    char *end;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h': opt.host = optarg; break;
        case 'p': opt.port = optarg; break;
        case 'm':
            if (strcmp(optarg, "rr") == 0) opt.mode = MODE_RR;
            else if (strcmp(optarg, "stream") == 0) opt.mode = MODE_STREAM;
            else {
                fprintf(stderr, "asyncio-loadgen: --mode must be rr or stream\n");
                exit(2);
            }
            break;
        case 'c':
            opt.connections = strtol(optarg, &end, 10);
            if (*end || opt.connections < 1 || opt.connections > 50000) {
                fprintf(stderr, "asyncio-loadgen: invalid --connections: %s\n", optarg);
                exit(2);
            }
            break;
        case 's': opt.size = parse_size(optarg, "--size"); break;
        case 'W': opt.window = parse_size(optarg, "--window"); break;
        case 'd': opt.duration = parse_secs(optarg, "--duration", 0.001); break;
        case 'w': opt.warmup = parse_secs(optarg, "--warmup", 0); break;
        case 'P': opt.server_pid = strtol(optarg, &end, 10); break;
        case 'j': opt.json = 1; break;
        case 'H': usage(stdout); exit(0);
        default: usage(stderr); exit(2);
        }
    }
    if (optind < argc || !opt.port) {
        usage(stderr);
        exit(2);
    }
    char *pend;
    long port = strtol(opt.port, &pend, 10);
    if (*pend || port < 1 || port > 65535) {
        fprintf(stderr, "asyncio-loadgen: invalid --port: %s\n", opt.port);
        exit(2);
    }
}

/* ------------------------------------------------------------------------ */

int main(int argc, char **argv) {
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    /* Hard timeout: connect + warm-up + measured interval + drain + slack. */
    alarm((unsigned)(CONNECT_TIMEOUT_S + opt.warmup + opt.duration + DRAIN_TIMEOUT_S + 5.0) + 1);

    conns = calloc((size_t)opt.connections, sizeof *conns);
    pending = calloc((size_t)opt.connections, sizeof *pending);
    scratch = malloc(SCRATCH_SIZE);
    if (!conns || !pending || !scratch) die("out of memory");
    init_base_block(opt.size);
    for (long i = 0; i < opt.connections; i++) conns[i].send_unit = conns[i].verify_unit = UINT64_MAX;
    raise_fd_limit();
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) die("epoll_create1: %s", strerror(errno));

    open_connections();

    uint64_t t0 = now_ns();
    uint64_t t_warm_end = t0 + (uint64_t)(opt.warmup * 1e9);
    uint64_t t_end = t_warm_end + (uint64_t)(opt.duration * 1e9);
    enum phase phase = PHASE_WARMUP;

    /* Snapshot taken at the warm-up edge. */
    uint64_t m_t0 = t0, m_req0 = 0, m_bytes0 = 0;
    double m_cpu0 = self_cpu_s(), m_srv0 = proc_cpu_s(opt.server_pid);
    double m_wait_self0 = proc_wait_s(getpid()), m_wait_srv0 = proc_wait_s(opt.server_pid);
    if (opt.warmup == 0) {
        phase = PHASE_MEASURE;
    }

    loop_now = t0;
    for (long i = 0; i < opt.connections; i++) {
        conns[i].last_rx = t0;
        if (opt.mode == MODE_RR) rr_start(&conns[i], t0);
        else stream_send(&conns[i]);
    }

    struct epoll_event events[MAX_EVENTS];
    uint64_t m_t1 = 0;
    for (;;) {
        uint64_t now = now_ns();
        if (phase == PHASE_WARMUP && now >= t_warm_end) {
            phase = PHASE_MEASURE;
            m_t0 = now;
            m_req0 = total_requests;
            m_bytes0 = total_bytes;
            m_cpu0 = self_cpu_s();
            m_srv0 = proc_cpu_s(opt.server_pid);
            m_wait_self0 = proc_wait_s(getpid());
            m_wait_srv0 = proc_wait_s(opt.server_pid);
            hist_reset();
        }
        if (phase == PHASE_MEASURE && now >= t_end) {
            m_t1 = now;
            break;
        }
        uint64_t next = phase == PHASE_WARMUP ? t_warm_end : t_end;
        int timeout_ms = npending ? 0 : (int)((next - now + 999999u) / 1000000u);
        int n = epoll_wait(epfd, events, MAX_EVENTS, timeout_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait: %s", strerror(errno));
        }
        loop_now = now_ns();
        for (int i = 0; i < n; i++) {
            conn_t *c = events[i].data.ptr;
            uint32_t ev = events[i].events;
            if (ev & EPOLLERR) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                fatal_socket_error(c, "socket", err ? err : EPIPE);
            }
            /* EPOLLHUP/EPOLLRDHUP: let recv() report the EOF or error. */
            if (ev & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) {
                if (opt.mode == MODE_RR) rr_readable(c, phase);
                else stream_readable(c);
            }
            if (ev & EPOLLOUT) {
                if (opt.mode == MODE_RR) rr_send(c);
                else stream_send(c);
            }
        }
        /* Resume connections that yielded; they may re-queue themselves. */
        long n_resume = npending;
        for (long i = 0; i < n_resume; i++) {
            conn_t *c = pending[i];
            c->send_pending = 0;
            stream_send(c);
        }
        /* Keep the ones queued during this pass (they were appended after n_resume). */
        memmove(pending, pending + n_resume, (size_t)(npending - n_resume) * sizeof *pending);
        npending -= n_resume;
    }

    /* Measured interval is over: collect numbers before the drain phase. */
    double cpu1 = self_cpu_s(), srv1 = proc_cpu_s(opt.server_pid);
    double wait_self1 = proc_wait_s(getpid()), wait_srv1 = proc_wait_s(opt.server_pid);
    double secs = (double)(m_t1 - m_t0) / 1e9;
    uint64_t reqs = total_requests - m_req0;
    uint64_t bytes = total_bytes - m_bytes0;
    double lg_cpu_pct = secs > 0 ? (cpu1 - m_cpu0) / secs * 100.0 : 0;
    double srv_cpu_s = (m_srv0 >= 0 && srv1 >= 0) ? srv1 - m_srv0 : -1;
    double mibps = secs > 0 ? (double)bytes / secs / (1024.0 * 1024.0) : 0;
    double rps = secs > 0 ? (double)reqs / secs : 0;
    double lg_wait_pct = wait_pct(m_wait_self0, wait_self1, secs);
    double srv_wait_pct = wait_pct(m_wait_srv0, wait_srv1, secs);

    /* A connection that has been waiting for its echo for a long time means
     * the server lost data or hung; the totals alone would hide that. */
    for (long i = 0; i < opt.connections; i++) {
        conn_t *c = &conns[i];
        uint64_t outstanding = opt.mode == MODE_RR ? c->sent - c->rcvd : c->send_pos - c->recv_pos;
        double idle = (double)(m_t1 - c->last_rx) / 1e9;
        if (outstanding > 0 && idle >= STALL_S)
            die("connection %u stalled: no echo for %.1f s with %" PRIu64 " bytes outstanding", c->id, idle,
                outstanding);
    }

    stopping = 1;
    alarm(0);
    alarm((unsigned)DRAIN_TIMEOUT_S + 5);
    drain_and_close();
    alarm(0);

    if (bytes == 0)
        die("no progress: the server echoed nothing during the %.2f s measured interval", secs);

    const char *mode_name = opt.mode == MODE_RR ? "rr" : "stream";
    if (opt.json) {
        printf("{\"tool\": \"asyncio-loadgen\", \"mode\": \"%s\", \"host\": ", mode_name);
        json_string(stdout, opt.host);
        printf(", \"port\": %s, \"connections\": %ld, \"size\": %zu, \"warmup_s\": %.3f, \"duration_s\": %.4f, ",
               opt.port, opt.connections, opt.size, opt.warmup, secs);
        if (opt.mode == MODE_RR) {
            printf("\"requests\": %" PRIu64 ", \"requests_per_s\": %.1f, ", reqs, rps);
            printf("\"latency_us\": {\"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, \"max\": %.1f, \"mean\": %.1f}, ",
                   hist_quantile_ns(0.50) / 1e3, hist_quantile_ns(0.90) / 1e3, hist_quantile_ns(0.99) / 1e3,
                   (double)hist_max / 1e3, hist_count ? (double)hist_sum / (double)hist_count / 1e3 : 0.0);
        } else {
            printf("\"requests\": null, \"requests_per_s\": null, \"window\": %zu, \"latency_us\": null, ", opt.window);
        }
        printf("\"mib_per_s\": %.2f, \"bytes_verified\": %" PRIu64 ", \"bytes_verified_total\": %" PRIu64
               ", \"errors\": 0, \"loadgen_cpu_pct\": %.1f",
               mibps, bytes, total_bytes, lg_cpu_pct);
        if (srv_cpu_s >= 0)
            printf(", \"server_cpu_s\": %.3f, \"server_cpu_pct\": %.1f", srv_cpu_s, secs > 0 ? srv_cpu_s / secs * 100 : 0);
        else
            printf(", \"server_cpu_s\": null, \"server_cpu_pct\": null");
        /* Time spent runnable but without a CPU: contention from other processes. */
        if (lg_wait_pct >= 0) printf(", \"loadgen_cpu_wait_pct\": %.1f", lg_wait_pct);
        else printf(", \"loadgen_cpu_wait_pct\": null");
        if (srv_wait_pct >= 0) printf(", \"server_cpu_wait_pct\": %.1f", srv_wait_pct);
        else printf(", \"server_cpu_wait_pct\": null");
        printf("}\n");
    } else {
        if (opt.mode == MODE_RR)
            printf("rr %ldx%zuB: %.0f req/s, %.1f MiB/s, latency p50 %.0f us p99 %.0f us max %.0f us, ",
                   opt.connections, opt.size, rps, mibps, hist_quantile_ns(0.50) / 1e3, hist_quantile_ns(0.99) / 1e3,
                   (double)hist_max / 1e3);
        else
            printf("stream %ldx%zuB: %.1f MiB/s, ", opt.connections, opt.size, mibps);
        printf("%" PRIu64 " bytes verified in %.2f s, 0 errors, loadgen CPU %.0f%%", bytes, secs, lg_cpu_pct);
        if (srv_cpu_s >= 0) printf(", server CPU %.0f%%", srv_cpu_s / secs * 100);
        if (lg_wait_pct >= 1 || srv_wait_pct >= 1)
            printf(" (waited for a CPU: loadgen %.0f%%, server %.0f%%)", lg_wait_pct, srv_wait_pct);
        printf("\n");
    }
    return 0;
}

#endif /* __linux__ */
