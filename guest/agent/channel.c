/* The host channel (PROTOCOL.md §Frames, §Chunking): finding the virtio port, reading frames into
 * dispatch, and queueing replies, split into chunk frames when a body is larger than MAX_FRAME. */
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
  oq_init(&A.chan_out, 2 * MVM_MAX_PAYLOAD + 2 * MVM_MAX_FRAME);
  return 1;
}

static void on_frame(void *ctx, frame_event ev, char *body, size_t len) {
  (void)ctx;
  char msg[128];
  if (ev == FRAME_BODY) dispatch_host_frame(body, len);
  else if (ev == FRAME_EMPTY) send_error(0, MVM_ERR_BAD_FRAME, "frame with length 0");
  else {
    snprintf(msg, sizeof msg, "frame of %zu bytes is larger than MAX_FRAME (%ld); skipped", len, MVM_MAX_FRAME);
    send_error(0, MVM_ERR_PAYLOAD_TOO_LARGE, msg);
  }
}

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
    /* EOF or error. A virtio port reads EOF while no host is connected: back off instead of spinning. A
     * socketpair EOF means the host side is gone for good. */
    if (A.chan_is_port) {
      fr_reset(&A.chan_rd);
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

static void queue(const char *body, size_t len) {
  if (!oq_frame(&A.chan_out, body, len)) logf_("host is not reading: dropped a %zu-byte frame", len);
}

void send_body(sbuf *body) {
  if (body->overflow) {
    logf_("dropped a reply that outgrew its buffer");
    return;
  }
  if (body->len <= (size_t)MVM_MAX_FRAME) {
    queue(body->p, body->len);
    return;
  }
  long long stream = ++A.next_stream;
  sbuf chunk;
  sb_init(&chunk, MVM_MAX_FRAME);
  long long seq = 0;
  for (size_t off = 0; off < body->len; off += MVM_CHUNK_BYTES, seq++) {
    size_t n = body->len - off < (size_t)MVM_CHUNK_BYTES ? body->len - off : (size_t)MVM_CHUNK_BYTES;
    sb_reset(&chunk);
    frame_start(&chunk, MVM_GUEST_CHUNK, -1);
    sb_puts(&chunk, ",\"stream\":");
    sb_int(&chunk, stream);
    sb_puts(&chunk, ",\"seq\":");
    sb_int(&chunk, seq);
    sb_puts(&chunk, off + n >= body->len ? ",\"final\":true,\"data\":\"" : ",\"final\":false,\"data\":\"");
    sb_base64(&chunk, (const unsigned char *)body->p + off, n);
    sb_puts(&chunk, "\"}");
    queue(chunk.p, chunk.len);
  }
  sb_free(&chunk);
}

void send_error(long long id, const char *code, const char *msg) {
  sbuf b;
  sb_init(&b, MVM_MAX_FRAME);
  frame_start(&b, MVM_GUEST_ERROR, id);
  sb_puts(&b, ",\"code\":\"");
  sb_puts(&b, code);
  sb_puts(&b, "\",\"message\":");
  sb_json_str(&b, msg, strlen(msg));
  sb_putc(&b, '}');
  send_body(&b);
  sb_free(&b);
}
