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
      if (len == 0) {
        r->hdr_got = 0;
        cb(ctx, FRAME_EMPTY, NULL, 0);
      } else if (len > r->max) {
        r->hdr_got = 0;
        r->skip = len;
        cb(ctx, FRAME_TOO_LARGE, NULL, len);
      } else {
        r->body = malloc(len + 1);
        if (!r->body) { /* treat as oversized: skip it rather than die */
          r->hdr_got = 0;
          r->skip = len;
          cb(ctx, FRAME_TOO_LARGE, NULL, len);
          continue;
        }
        r->want = len;
        r->got = 0;
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
      cb(ctx, FRAME_BODY, body, len);
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
  if (q->off > 0 && q->off == q->len) q->off = q->len = 0;
  if (q->len - q->off + n > q->limit) return 0;
  if (q->len + n > q->cap) {
    if (q->off > 0) { /* compact before growing */
      memmove(q->p, q->p + q->off, q->len - q->off);
      q->len -= q->off;
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

int oq_frame(outq *q, const char *body, size_t len) {
  if (len > 0xFFFFFFFFu || !oq_reserve(q, len + 4)) return 0;
  unsigned char h[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8),
                        (unsigned char)len};
  memcpy(q->p + q->len, h, 4);
  memcpy(q->p + q->len + 4, body, len);
  q->len += len + 4;
  return 1;
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
  }
  q->off = q->len = 0;
  return 0;
}
