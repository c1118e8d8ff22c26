/* A small, strict, bounded JSON reader and writer (RFC 8259). The reader keeps every value's raw span so a
 * subtree (an invoke's input, a function's return value) is forwarded byte for byte without re-encoding. */
#ifndef MVM_JSON_H
#define MVM_JSON_H
#include <stddef.h>

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval {
  jtype type;
  const char *raw; /* the value's text in the source */
  size_t raw_len;
  const char *str; /* J_STR: decoded UTF-8, NUL-terminated (lone surrogates become U+FFFD) */
  size_t str_len;
  double num;
  int boolean;
  const char *key; /* set when the value is an object member */
  size_t key_len;
  struct jval *child, *next;
  /* A container whose children were not all kept (past keep_depth, or past the document's node budget): a
   * handler that needs every child must refuse it. */
  int truncated;
} jval;

typedef struct jblock jblock;
typedef struct {
  jblock *blocks;
  char *strbuf;
  size_t str_used, str_cap;
  size_t top_nodes, nodes; /* members of the root kept, and other nodes kept, below their budgets */
  size_t values, containers; /* every value parsed, kept or not (the message budgets in PROTOCOL.md §Caps) */
  int keep_depth;
  jval *partial; /* the root even when parsing failed: members read before the error are usable */
} jdoc;

/* Nodes one parse keeps, whatever the document's shape: the root's members, and everything below them (argv or
 * env entries, exception fields). A function's 5-million-item list costs no nodes beyond this (PROTOCOL.md
 * §Memory and time). */
#define JSON_MAX_TOP_NODES 256
#define JSON_MAX_NODES 4096

/* Parses src[0..len). Values nested deeper than keep_depth, and values past JSON_MAX_NODES, are validated but
 * kept only as raw text inside their parent (no nodes, no decoded strings; the parent is marked `truncated`), so
 * a huge payload costs no memory beyond its bytes. Returns the root or NULL with a message in err. Free with
 * json_free even on failure. */
jval *json_parse(jdoc *doc, const char *src, size_t len, int keep_depth, char *err, size_t errlen);
/* Frames need their top-level fields and one level below (argv items, env entries, exception fields). */
#define FRAME_KEEP_DEPTH 2
void json_free(jdoc *doc);

const jval *json_get(const jval *obj, const char *key);
/* 1 when obj[key] is an integer in [min, max], stored in *out. */
int json_get_int(const jval *obj, const char *key, long long min, long long max, long long *out);
/* obj[key] when it is a string, else NULL. */
const jval *json_get_str(const jval *obj, const char *key);
/* 1 when v is a string equal to lit, byte for byte (so "chunk\u0000x" is not "chunk"). */
int json_str_is(const jval *v, const char *lit);

/* Length of the valid UTF-8 sequence at s (n bytes available; no overlongs, surrogates or > U+10FFFF), or 0. */
size_t json_utf8_len(const unsigned char *s, size_t n);

/* A growable byte buffer that refuses to grow past `limit` (sets `overflow` instead). */
typedef struct {
  char *p;
  size_t len, cap, limit;
  int overflow;
} sbuf;

void sb_init(sbuf *b, size_t limit);
void sb_free(sbuf *b);
void sb_reset(sbuf *b);
void sb_put(sbuf *b, const void *data, size_t n);
void sb_puts(sbuf *b, const char *s);
void sb_putc(sbuf *b, char c);
void sb_int(sbuf *b, long long v);
/* Writes s as a JSON string literal; invalid UTF-8 bytes become U+FFFD, so the output is always valid JSON. */
void sb_json_str(sbuf *b, const char *s, size_t n);
/* Adds up what sb_json_str would write for s[*pos..n) (without the quotes), advancing *pos. Unless final, a
 * trailing UTF-8 sequence that may still be completed is left for the next call. */
size_t json_str_count(const char *s, size_t n, size_t *pos, int final);
/* Appends the base64 encoding of data. */
void sb_base64(sbuf *b, const unsigned char *data, size_t n);
/* Decodes base64 text into b; returns 0 on malformed input. */
int sb_unbase64(sbuf *b, const char *text, size_t n);

#endif
