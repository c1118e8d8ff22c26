/* JSON writing into bounded buffers, and base64 (frames carry bytes as base64, PROTOCOL.md §Encoding). */
#include "json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_init(sbuf *b, size_t limit) {
  memset(b, 0, sizeof *b);
  b->limit = limit;
}

void sb_free(sbuf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

void sb_reset(sbuf *b) {
  b->len = 0;
  b->overflow = 0;
}

void sb_put(sbuf *b, const void *data, size_t n) {
  if (b->overflow) return;
  if (n > b->limit - b->len) {
    b->overflow = 1;
    return;
  }
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->overflow = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
  b->p[b->len] = 0;
}

void sb_puts(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
void sb_putc(sbuf *b, char c) { sb_put(b, &c, 1); }

void sb_int(sbuf *b, long long v) {
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%lld", v);
  sb_put(b, tmp, (size_t)n);
}

size_t json_utf8_len(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t need;
  unsigned cp, min;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) need = 2, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0) need = 3, cp = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0) need = 4, cp = c & 0x07, min = 0x10000;
  else return 0;
  if (n < need) return 0;
  for (size_t i = 1; i < need; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return need;
}

void sb_json_str(sbuf *b, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  sb_putc(b, '"');
  size_t i = 0;
  while (i < n && !b->overflow) {
    unsigned char c = u[i];
    if (c == '"') sb_puts(b, "\\\""), i++;
    else if (c == '\\') sb_puts(b, "\\\\"), i++;
    else if (c == '\n') sb_puts(b, "\\n"), i++;
    else if (c == '\r') sb_puts(b, "\\r"), i++;
    else if (c == '\t') sb_puts(b, "\\t"), i++;
    else if (c < 0x20 || c == 0x7F) {
      char esc[8];
      snprintf(esc, sizeof esc, "\\u%04x", c);
      sb_puts(b, esc);
      i++;
    } else {
      size_t k = json_utf8_len(u + i, n - i);
      if (k) sb_put(b, u + i, k), i += k;
      else sb_puts(b, "\\ufffd"), i++;
    }
  }
  sb_putc(b, '"');
}

/* What sb_json_str writes for one unit at s (n bytes available), and how many bytes that unit is (*step); 0 when
 * the unit is a UTF-8 sequence that may still be completed by bytes not yet available (only when !final). */
static size_t json_unit(const unsigned char *s, size_t n, int final, size_t *step) {
  unsigned char c = s[0];
  *step = 1;
  if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t') return 2;
  if (c < 0x20 || c == 0x7F) return 6;
  if (c < 0x80) return 1;
  size_t k = json_utf8_len(s, n);
  if (k) return *step = k, k;
  if (!final && n < 4) return *step = 0, 0; /* maybe the start of a sequence that is still arriving */
  return 6; /* \ufffd */
}

size_t json_str_count(const char *s, size_t n, size_t *pos, int final) {
  size_t bytes = 0;
  while (*pos < n) {
    size_t step, k = json_unit((const unsigned char *)s + *pos, n - *pos, final, &step);
    if (!step) break;
    bytes += k;
    *pos += step;
  }
  return bytes;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void sb_base64(sbuf *b, const unsigned char *d, size_t n) {
  char quad[4];
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)d[i] << 16;
    if (i + 1 < n) v |= (unsigned)d[i + 1] << 8;
    if (i + 2 < n) v |= d[i + 2];
    quad[0] = B64[(v >> 18) & 63];
    quad[1] = B64[(v >> 12) & 63];
    quad[2] = i + 1 < n ? B64[(v >> 6) & 63] : '=';
    quad[3] = i + 2 < n ? B64[v & 63] : '=';
    sb_put(b, quad, 4);
  }
}

static int b64_value(char c) {
  static signed char table[256];
  static int built;
  if (!built) { /* a table, not strchr: chunked payloads decode megabytes */
    memset(table, -1, sizeof table);
    for (int i = 0; i < 64; i++) table[(unsigned char)B64[i]] = (signed char)i;
    built = 1;
  }
  return table[(unsigned char)c];
}

int sb_unbase64(sbuf *b, const char *t, size_t n) {
  if (n % 4) return 0;
  for (size_t i = 0; i < n; i += 4) {
    int pad = (t[i + 3] == '=') + (t[i + 2] == '=');
    if (pad && i + 4 != n) return 0;
    int a = b64_value(t[i]), c = b64_value(t[i + 1]);
    int d = t[i + 2] == '=' ? 0 : b64_value(t[i + 2]);
    int e = t[i + 3] == '=' ? 0 : b64_value(t[i + 3]);
    if (a < 0 || c < 0 || d < 0 || e < 0 || (t[i + 2] == '=' && t[i + 3] != '=')) return 0;
    unsigned v = ((unsigned)a << 18) | ((unsigned)c << 12) | ((unsigned)d << 6) | (unsigned)e;
    unsigned char out[3] = {(unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
    sb_put(b, out, (size_t)(3 - pad));
  }
  return !b->overflow;
}
