/* Frame I/O (PROTOCOL.md §Frames): 4-byte big-endian length + body. The reader checks the announced length
 * against its cap before allocating anything; an oversized frame is skipped byte by byte, never buffered. */
#ifndef MVM_FRAME_H
#define MVM_FRAME_H
#include <stddef.h>

typedef enum { FRAME_BODY, FRAME_TOO_LARGE, FRAME_EMPTY } frame_event;
/* Called per complete frame. *body is NUL-terminated at body[len]; the callback may keep it by taking the
 * pointer and setting *body to NULL (it then frees it), otherwise the reader frees it on return. */
typedef void (*frame_cb)(void *ctx, frame_event ev, char **body, size_t len);

typedef struct {
  unsigned char hdr[4];
  size_t hdr_got;
  char *body; /* allocated once the length is known and accepted */
  size_t want, got;
  size_t skip; /* bytes of an oversized body still to discard */
  size_t max;
} frame_reader;

void fr_init(frame_reader *r, size_t max);
void fr_reset(frame_reader *r);
/* Consumes n bytes, calling cb for each complete frame. */
void fr_feed(frame_reader *r, const char *data, size_t n, frame_cb cb, void *ctx);

/* A byte queue of whole frames drained by non-blocking writes. `boundary` is the end of the frame the next
 * write continues (== off between frames), so the queue can be cut back to whole frames at any moment. */
typedef struct {
  char *p;
  size_t off, len, cap, limit, boundary;
} outq;

typedef struct {
  const char *p;
  size_t n;
} span;

void oq_init(outq *q, size_t limit);
void oq_free(outq *q);
/* Queues one frame (header + body); returns 0 when the queue would pass its limit. */
int oq_frame(outq *q, const char *body, size_t len);
/* Queues one frame whose body is the concatenation of parts. */
int oq_frame_parts(outq *q, const span *parts, int nparts);
/* Queues raw bytes that are not frames (a child's stdin). */
int oq_bytes(outq *q, const char *data, size_t len);
/* Drops every queued frame except the rest of the one partly written; returns the bytes dropped. */
size_t oq_drop_unstarted(outq *q);
/* Drops the unwritten rest of a partly written frame (its start went to a peer that is gone). */
void oq_drop_partial(outq *q);
/* Writes what it can; returns -1 on a write error other than EAGAIN, else 0. */
int oq_flush(outq *q, int fd);
static inline size_t oq_pending(const outq *q) { return q->len - q->off; }

#endif
