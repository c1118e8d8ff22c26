/* Frame reading and the output queues (PROTOCOL.md §Frames). */
#include "frame.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fr_init(frame_reader *r, size_t max) {
  memset(r, 0, sizeof *r);
  r->max = max;
}

void fr_reset(frame_reader *r) {
  free(r->body);
  size_t max = r->max;
  fr_init(r, max);
}

void fr_feed(frame_reader *r, const char *data, size_t n, frame_cb cb, void *ctx) {
  while (n > 0) {
    if (r->skip) {
      size_t k = n < r->skip ? n : r->skip;
      r->skip -= k, data += k, n -= k;
      continue;
    }
    if (r->hdr_got < 4) {
      r->hdr[r->hdr_got++] = (unsigned char)*data++;
      n--;
      if (r->hdr_got < 4) continue;
      size_t len = ((size_t)r->hdr[0] << 24) | ((size_t)r->hdr[1] << 16) | ((size_t)r->hdr[2] << 8) | r->hdr[3];
      r->hdr_got = 0;
      if (len == 0) {
        cb(ctx, FRAME_EMPTY, NULL, 0);
      } else if (len > r->max || !(r->body = malloc(len + 1))) { /* no memory: skip it rather than die */
        r->skip = len;
        cb(ctx, FRAME_TOO_LARGE, NULL, len);
      } else {
        r->want = len;
        r->got = 0;
        r->hdr_got = 4;
      }
      continue;
    }
    size_t k = r->want - r->got;
    if (k > n) k = n;
    memcpy(r->body + r->got, data, k);
    r->got += k, data += k, n -= k;
    if (r->got == r->want) {
      char *body = r->body;
      size_t len = r->want;
      body[len] = 0;
      r->body = NULL;
      r->hdr_got = 0;
      cb(ctx, FRAME_BODY, &body, len);
      free(body);
    }
  }
}

void oq_init(outq *q, size_t limit) {
  memset(q, 0, sizeof *q);
  q->limit = limit;
}

void oq_free(outq *q) {
  free(q->p);
  memset(q, 0, sizeof *q);
}

static int oq_reserve(outq *q, size_t n) {
  if (q->off > 0 && q->off == q->len) q->off = q->len = q->boundary = 0;
  if (n > q->limit || q->len - q->off > q->limit - n) return 0;
  if (q->len + n > q->cap) {
    if (q->off > 0) { /* compact before growing; boundary >= off always holds */
      memmove(q->p, q->p + q->off, q->len - q->off);
      q->len -= q->off;
      q->boundary -= q->off;
      q->off = 0;
    }
    size_t cap = q->cap ? q->cap : 4096;
    while (cap < q->len + n) cap *= 2;
    char *p = realloc(q->p, cap);
    if (!p) return 0;
    q->p = p;
    q->cap = cap;
  }
  return 1;
}

int oq_frame_parts(outq *q, const span *parts, int nparts) {
  size_t len = 0;
  for (int i = 0; i < nparts; i++) {
    if (parts[i].n > 0xFFFFFFFFu - len) return 0;
    len += parts[i].n;
  }
  if (!oq_reserve(q, len + 4)) return 0;
  unsigned char h[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8),
                        (unsigned char)len};
  memcpy(q->p + q->len, h, 4);
  size_t at = q->len + 4;
  for (int i = 0; i < nparts; i++) {
    if (parts[i].n) memcpy(q->p + at, parts[i].p, parts[i].n);
    at += parts[i].n;
  }
  q->len = at;
  return 1;
}

int oq_frame(outq *q, const char *body, size_t len) {
  span one = {body, len};
  return oq_frame_parts(q, &one, 1);
}

int oq_bytes(outq *q, const char *data, size_t len) {
  if (!oq_reserve(q, len)) return 0;
  if (len) memcpy(q->p + q->len, data, len);
  q->len += len;
  q->boundary = q->len; /* raw bytes have no frames to keep whole */
  return 1;
}

size_t oq_drop_unstarted(outq *q) {
  size_t keep = q->boundary > q->off ? q->boundary : q->off;
  size_t dropped = q->len - keep;
  q->len = keep;
  if (q->off == q->len) q->off = q->len = q->boundary = 0;
  return dropped;
}

void oq_drop_partial(outq *q) {
  if (q->boundary > q->off) q->off = q->boundary;
  if (q->off == q->len) q->off = q->len = q->boundary = 0;
}

/* After a write: move boundary to the end of the frame that holds off (headers are whole in the buffer). */
static void advance_boundary(outq *q) {
  while (q->boundary < q->off && q->boundary + 4 <= q->len) {
    const unsigned char *h = (const unsigned char *)q->p + q->boundary;
    size_t n = ((size_t)h[0] << 24) | ((size_t)h[1] << 16) | ((size_t)h[2] << 8) | h[3];
    q->boundary += 4 + n;
  }
  if (q->boundary < q->off) q->boundary = q->off;
}

int oq_flush(outq *q, int fd) {
  while (q->off < q->len) {
    ssize_t w = write(fd, q->p + q->off, q->len - q->off);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      return -1;
    }
    if (w == 0) return 0;
    q->off += (size_t)w;
    advance_boundary(q);
  }
  q->off = q->len = q->boundary = 0;
  return 0;
}
