/* The host channel (PROTOCOL.md §Transport, §Frames): finding the virtio port and reading frames into dispatch.
 * What the agent sends goes through out.c. */
#include "agent.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int find_port(char *out, size_t n) {
  DIR *d = opendir("/sys/class/virtio-ports");
  if (!d) return 0;
  struct dirent *e;
  int found = 0;
  while (!found && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[512], name[64] = {0};
    snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    if (fgets(name, sizeof name, f)) {
      name[strcspn(name, "\n")] = 0;
      if (strcmp(name, MVM_AGENT_PORT_NAME) == 0) found = snprintf(out, n, "/dev/%s", e->d_name) > 0;
    }
    fclose(f);
  }
  closedir(d);
  return found;
}

int channel_open(const char *path, int fd) {
  char port[300];
  if (fd >= 0) {
    A.chan_fd = fd;
    A.chan_is_port = 0;
    logf_("channel fd %d", fd);
  } else {
    if (!path) {
      for (int i = 0; i < 500 && !find_port(port, sizeof port); i++) nanosleep(&(struct timespec){0, 20000000}, NULL);
      if (!find_port(port, sizeof port)) return logf_("no virtio port named %s", MVM_AGENT_PORT_NAME), 0;
      path = port;
    }
    A.chan_fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (A.chan_fd < 0) return logf_("cannot open %s: %s", path, strerror(errno)), 0;
    struct stat st;
    A.chan_is_port = fstat(A.chan_fd, &st) == 0 && S_ISCHR(st.st_mode);
    logf_("channel %s", path);
  }
  fcntl(A.chan_fd, F_SETFL, fcntl(A.chan_fd, F_GETFL) | O_NONBLOCK);
  fcntl(A.chan_fd, F_SETFD, FD_CLOEXEC);
  fr_init(&A.chan_rd, MVM_MAX_FRAME);
  /* Bounded by construction, not by a limit that would drop replies: big messages wait in out.c's FIFO, and
   * what lands here directly is one small reply per host frame or per call (PROTOCOL.md §Memory and time). */
  oq_init(&A.chan_out, (size_t)-1 / 2);
  return 1;
}

static void on_frame(void *ctx, frame_event ev, char **body, size_t len) {
  (void)ctx;
  char msg[128];
  if (ev == FRAME_BODY) dispatch_host_frame(*body, len);
  else if (ev == FRAME_EMPTY) send_error(0, MVM_ERR_BAD_FRAME, "frame with length 0");
  else {
    snprintf(msg, sizeof msg, "frame of %zu bytes is larger than MAX_FRAME (%ld); skipped", len, MVM_MAX_FRAME);
    send_error(0, MVM_ERR_PAYLOAD_TOO_LARGE, msg);
  }
}

/* Reads at most 16 × 64 KiB per wakeup, so a flood cannot starve the runner, jobs or deadlines. The agent never
 * stops reading the host: the host may stop reading while its own writes are backed up (PROTOCOL.md §Flow
 * control), and one side that always reads is what keeps the two from waiting on each other forever. */
void channel_on_readable(void) {
  static char buf[65536];
  for (int rounds = 0; rounds < 16; rounds++) {
    ssize_t n = read(A.chan_fd, buf, sizeof buf);
    if (n > 0) {
      fr_feed(&A.chan_rd, buf, (size_t)n, on_frame, NULL);
      continue;
    }
    if (n < 0 && (errno == EINTR)) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    /* EOF or error. A virtio port reads EOF while no host is connected: back off instead of spinning, and drop
     * the rest of a frame whose start went to the host that left (a new host must see whole frames). State of
     * the old session goes when the next host's hello brings a new nonce (PROTOCOL.md §Sessions), since the
     * host may come back before this EOF is read. A socketpair EOF means the host side is gone for good. */
    if (A.chan_is_port) {
      fr_reset(&A.chan_rd);
      oq_drop_partial(&A.chan_out);
      A.chan_idle_until = now_ms() + 20;
    } else {
      A.exit_now = 1;
    }
    return;
  }
}

void frame_start(sbuf *b, const char *type, long long id) {
  sb_puts(b, "{\"v\":");
  sb_int(b, MVM_PROTOCOL_VERSION);
  sb_puts(b, ",\"type\":\"");
  sb_puts(b, type);
  sb_putc(b, '"');
  if (id >= 0) {
    sb_puts(b, ",\"id\":");
    sb_int(b, id);
  }
}

void send_error(long long id, const char *code, const char *msg) {
  sbuf b;
  sb_init(&b, MVM_MAX_FRAME);
  frame_start(&b, MVM_GUEST_ERROR, id);
  sb_puts(&b, ",\"code\":\"");
  sb_puts(&b, code);
  sb_puts(&b, "\",\"message\":");
  sb_json_str(&b, msg, strlen(msg) > 4096 ? 4096 : strlen(msg));
  sb_putc(&b, '}');
  send_body(&b);
  sb_free(&b);
}
