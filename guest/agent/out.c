/* Everything the agent sends the host (PROTOCOL.md §Frames, §Chunking, §Memory and time). A body that fits one frame is
 * queued on the channel at once. A larger message is kept as its body (segments, nothing re-encoded) in a FIFO
 * and cut into chunk frames only while the channel's queue is below OUT_LOW_WATER, one message at a time, so
 * the host never reassembles two of ours at once and a big reply costs its own bytes once, not a base64 copy
 * on top. No reply is ever dropped here: bodies are budgeted (≤ MAX_PAYLOAD) before they are made. */
#include "agent.h"
#include <poll.h>
#include <stdlib.h>
#include <string.h>

static void queue_frame(const span *parts, int n) {
  if (!oq_frame_parts(&A.chan_out, parts, n)) logf_("internal: out of memory queueing a frame for the host");
}

msg *msg_new(void) {
  msg *m = calloc(1, sizeof *m);
  if (m) sb_init(&m->text, MVM_MAX_FRAME);
  return m;
}

void msg_free(msg *m) {
  if (!m) return;
  free(m->owned);
  sb_free(&m->text);
  free(m);
}

static int add_seg(msg *m) {
  if (m->nseg == MSG_SEGS) {
    m->text.overflow = 1; /* a programming error; msg_send refuses the message */
    return -1;
  }
  return m->nseg++;
}

void msg_textn(msg *m, const char *s, size_t n) {
  size_t at = m->text.len;
  sb_put(&m->text, s, n);
  if (m->text.overflow) return;
  if (m->nseg && m->seg[m->nseg - 1].in_text) {
    m->seg[m->nseg - 1].n += n;
  } else {
    int i = add_seg(m);
    if (i >= 0) m->seg[i].in_text = 1, m->seg[i].off = at, m->seg[i].n = n;
  }
  m->total += n;
}

void msg_text(msg *m, const char *s) { msg_textn(m, s, strlen(s)); }

void msg_int(msg *m, long long v) {
  sbuf t;
  sb_init(&t, 32);
  sb_int(&t, v);
  msg_textn(m, t.p, t.len);
  sb_free(&t);
}

void msg_ref(msg *m, const char *p, size_t n) {
  int i = add_seg(m);
  if (i < 0) return;
  m->seg[i].in_text = 0, m->seg[i].p = p, m->seg[i].n = n;
  m->total += n;
}

static const char *seg_ptr(const msg *m, int i) { return m->seg[i].in_text ? m->text.p + m->seg[i].off : m->seg[i].p; }

/* Copies n bytes of the body starting at `at` into dst. */
static void gather(const msg *m, size_t at, size_t n, char *dst) {
  for (int i = 0; i < m->nseg && n; i++) {
    size_t sn = m->seg[i].n;
    if (at >= sn) {
      at -= sn;
      continue;
    }
    size_t k = sn - at < n ? sn - at : n;
    memcpy(dst, seg_ptr(m, i) + at, k);
    dst += k, n -= k, at = 0;
  }
}

void msg_send(msg *m) {
  if (!m) return logf_("internal: out of memory building a message for the host");
  if (m->text.overflow || m->total > (size_t)MVM_MAX_PAYLOAD) {
    logf_("internal: a message for the host broke its budget (%zu bytes); not sent", m->total);
    return msg_free(m);
  }
  if (m->total <= (size_t)MVM_MAX_FRAME) {
    span parts[MSG_SEGS];
    for (int i = 0; i < m->nseg; i++) parts[i] = (span){seg_ptr(m, i), m->seg[i].n};
    queue_frame(parts, m->nseg);
    return msg_free(m);
  }
  if (A.out_tail) A.out_tail->next = m;
  else A.out_head = m;
  A.out_tail = m;
  A.out_backlog += m->total;
  out_pump();
}

void send_body(sbuf *body) {
  if (body->overflow) return logf_("internal: a message for the host outgrew its buffer; not sent");
  if (body->len <= (size_t)MVM_MAX_FRAME) {
    span one = {body->p, body->len};
    return queue_frame(&one, 1);
  }
  msg *m = msg_new();
  if (!m) return logf_("internal: out of memory building a message for the host");
  m->owned = body->p; /* the message takes the buffer over */
  msg_ref(m, body->p, body->len);
  sb_init(body, body->limit);
  msg_send(m);
}

void out_pump(void) {
  static char raw[MVM_CHUNK_BYTES];
  sbuf chunk;
  sb_init(&chunk, MVM_MAX_FRAME);
  while (A.out_head && oq_pending(&A.chan_out) < OUT_LOW_WATER) {
    msg *m = A.out_head;
    if (!m->stream) m->stream = next_id(&A.next_stream);
    size_t n = m->total - m->sent < (size_t)MVM_CHUNK_BYTES ? m->total - m->sent : (size_t)MVM_CHUNK_BYTES;
    gather(m, m->sent, n, raw);
    m->sent += n;
    A.out_backlog -= n;
    sb_reset(&chunk);
    frame_start(&chunk, MVM_GUEST_CHUNK, -1);
    sb_puts(&chunk, ",\"stream\":");
    sb_int(&chunk, m->stream);
    sb_puts(&chunk, ",\"seq\":");
    sb_int(&chunk, m->seq++);
    sb_puts(&chunk, m->sent == m->total ? ",\"final\":true,\"data\":\"" : ",\"final\":false,\"data\":\"");
    sb_base64(&chunk, (const unsigned char *)raw, n);
    sb_puts(&chunk, "\"}");
    span one = {chunk.p, chunk.len};
    queue_frame(&one, 1);
    if (m->sent == m->total) {
      A.out_head = m->next;
      if (!A.out_head) A.out_tail = NULL;
      msg_free(m);
    }
  }
  sb_free(&chunk);
}

int out_wants_write(void) { return oq_pending(&A.chan_out) > 0 || A.out_head != NULL; }

/* A new session (PROTOCOL.md §Sessions): nothing queued for the old host may reach the new one. The frame being
 * written is finished, so the byte stream stays framed. */
void out_drop_queued(void) {
  size_t bytes = oq_drop_unstarted(&A.chan_out);
  int msgs = 0;
  while (A.out_head) {
    msg *m = A.out_head;
    A.out_head = m->next;
    msg_free(m);
    msgs++;
  }
  A.out_tail = NULL;
  A.out_backlog = 0;
  if (bytes || msgs) logf_("new session: dropped %zu queued bytes and %d unsent messages of the old one", bytes, msgs);
}

void out_flush_before_exit(long long deadline_ms) {
  while (out_wants_write() && now_ms() < deadline_ms) {
    out_pump();
    struct pollfd p = {A.chan_fd, POLLOUT, 0};
    poll(&p, 1, 50);
    if (oq_flush(&A.chan_out, A.chan_fd) < 0) return;
  }
}
