/* The agent's console (README.md §Console markers; PROTOCOL.md §Memory and time): fd 2, the serial console when
 * PID 1. Writing to it never blocks the agent: lines go into a bounded buffer drained by non-blocking writes from
 * the poll loop, and a line that does not fit is dropped and counted; the count is reported in a marker line as
 * soon as there is room again. A console drained at 100 KB/s must not delay pings or deadlines. */
#include "agent.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CONSOLE_BUF (64 * 1024)

static char buf[CONSOLE_BUF];
static size_t off, len;
static unsigned long long dropped_lines, dropped_total;

void console_init(void) { fcntl(2, F_SETFL, fcntl(2, F_GETFL) | O_NONBLOCK); }

static int fits(size_t n) {
  if (len + n <= CONSOLE_BUF) return 1;
  if (off > 0) {
    memmove(buf, buf + off, len - off);
    len -= off;
    off = 0;
  }
  return len + n <= CONSOLE_BUF;
}

static void append(const char *s, size_t n) {
  memcpy(buf + len, s, n);
  len += n;
}

void console_line(const char *prefix, const char *text, size_t n) {
  char marker[128];
  size_t plen = strlen(prefix);
  if (n > CONSOLE_BUF / 4) n = CONSOLE_BUF / 4; /* one line may not take the whole buffer */
  if (dropped_lines) {
    int m = snprintf(marker, sizeof marker, "mvm-agent: console dropped %llu lines (it is slower than the output)\n",
                     dropped_lines);
    if (m < 0 || !fits((size_t)m + plen + n + 1)) {
      dropped_lines++, dropped_total++;
      return;
    }
    append(marker, (size_t)m);
    dropped_lines = 0;
  }
  if (!fits(plen + n + 1)) {
    dropped_lines++, dropped_total++;
    return;
  }
  append(prefix, plen);
  append(text, n);
  append("\n", 1);
  console_flush();
}

unsigned long long console_dropped(void) { return dropped_total; }

int console_pending(void) { return len > off; }

void console_flush(void) {
  while (off < len) {
    ssize_t w = write(2, buf + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return; /* EAGAIN: the poll loop waits for POLLOUT; any other error: nothing to be done */
    off += (size_t)w;
  }
  off = len = 0;
}

/* At exit: give the console a bounded moment to take what is buffered. */
void console_drain(long long deadline_ms) {
  while (console_pending() && now_ms() < deadline_ms) {
    struct pollfd p = {2, POLLOUT, 0};
    if (poll(&p, 1, 50) < 0 && errno != EINTR) return;
    size_t before = len - off;
    console_flush();
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL) && len - off == before) return;
  }
}
