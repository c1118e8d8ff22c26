/* Strict JSON parsing: no trailing commas, no comments, UTF-8 validated, depth and kept nodes bounded; every
 * value is counted, so callers can hold a message to PROTOCOL.md's value budget. */
#include "json.h"
#include "protocol.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_NODES 256
struct jblock {
  jblock *next;
  size_t used;
  jval nodes[BLOCK_NODES];
};

typedef struct {
  jdoc *doc;
  const char *s;
  size_t len, pos;
  int depth;
  int discard; /* > 0 while parsing a value that will not be kept: validate only */
  char *err;
  size_t errlen;
} parser;

static int fail(parser *p, const char *what) {
  snprintf(p->err, p->errlen, "%s at byte %zu", what, p->pos);
  return 0;
}

static jval scratch; /* the node of a value that is parsed but not kept */

static jval *new_node(parser *p) {
  jdoc *d = p->doc;
  if (p->discard) {
    memset(&scratch, 0, sizeof scratch);
    return &scratch;
  }
  if (!d->blocks || d->blocks->used == BLOCK_NODES) {
    jblock *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->next = d->blocks;
    d->blocks = b;
  }
  jval *v = &d->blocks->nodes[d->blocks->used++];
  memset(v, 0, sizeof *v);
  return v;
}

static void skip_ws(parser *p) {
  while (p->pos < p->len) {
    char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

static void put_utf8(char *out, size_t *o, unsigned cp) {
  if (cp < 0x80) out[(*o)++] = (char)cp;
  else if (cp < 0x800) {
    out[(*o)++] = (char)(0xC0 | (cp >> 6));
    out[(*o)++] = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out[(*o)++] = (char)(0xE0 | (cp >> 12));
    out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[(*o)++] = (char)(0x80 | (cp & 0x3F));
  } else {
    out[(*o)++] = (char)(0xF0 | (cp >> 18));
    out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[(*o)++] = (char)(0x80 | (cp & 0x3F));
  }
}

static int hex4(parser *p, unsigned *out) {
  if (p->len - p->pos < 4) return 0;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p->s[p->pos++];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return 0;
  }
  *out = v;
  return 1;
}

/* Decodes into the document's string buffer, or (while discarding) only validates: o counts, nothing is written. */
static int parse_string(parser *p, const char **out, size_t *out_len) {
  jdoc *d = p->doc;
  static char sink[8];
  int keep = !p->discard;
  char *dst = keep ? d->strbuf + d->str_used : sink;
  size_t o = 0;
#define PUT(c_) (keep ? (void)(dst[o++] = (char)(c_)) : (void)o++)
  p->pos++; /* opening quote */
  while (p->pos < p->len) {
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c == '"') {
      p->pos++;
      if (keep) {
        dst[o] = 0;
        d->str_used += o + 1;
      }
      *out = keep ? dst : "";
      *out_len = keep ? o : 0;
      return 1;
    }
    if (c < 0x20) return fail(p, "control character in string");
    if (c == '\\') {
      if (++p->pos >= p->len) break;
      char e = p->s[p->pos++];
      unsigned cp;
      switch (e) {
      case '"': PUT('"'); break;
      case '\\': PUT('\\'); break;
      case '/': PUT('/'); break;
      case 'b': PUT('\b'); break;
      case 'f': PUT('\f'); break;
      case 'n': PUT('\n'); break;
      case 'r': PUT('\r'); break;
      case 't': PUT('\t'); break;
      case 'u':
        if (!hex4(p, &cp)) return fail(p, "bad \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF && p->len - p->pos >= 6 && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
          size_t save = p->pos;
          unsigned lo;
          p->pos += 2;
          if (hex4(p, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          else p->pos = save;
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD; /* lone surrogate: the raw span keeps the escape */
        if (keep) put_utf8(dst, &o, cp);
        break;
      default: return fail(p, "bad escape");
      }
      continue;
    }
    size_t n = json_utf8_len((const unsigned char *)p->s + p->pos, p->len - p->pos);
    if (!n) return fail(p, "invalid UTF-8");
    if (keep) memcpy(dst + o, p->s + p->pos, n);
    o += n;
    p->pos += n;
  }
  return fail(p, "unterminated string");
#undef PUT
}

static int parse_number(parser *p, jval *v) {
  size_t start = p->pos;
  if (p->s[p->pos] == '-') p->pos++;
  if (p->pos >= p->len) return fail(p, "bad number");
  if (p->s[p->pos] == '0') p->pos++;
  else if (p->s[p->pos] >= '1' && p->s[p->pos] <= '9')
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
  else return fail(p, "bad number");
  if (p->pos < p->len && p->s[p->pos] == '.') {
    size_t digits = ++p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
    if (p->pos == digits) return fail(p, "bad fraction");
  }
  if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
    p->pos++;
    if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) p->pos++;
    size_t digits = p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
    if (p->pos == digits) return fail(p, "bad exponent");
  }
  char tmp[64];
  size_t n = p->pos - start;
  if (n >= sizeof tmp) n = sizeof tmp - 1; /* precision beyond 63 digits is irrelevant; raw keeps it all */
  memcpy(tmp, p->s + start, n);
  tmp[n] = 0;
  v->type = J_NUM;
  v->num = strtod(tmp, NULL);
  return 1;
}

static int parse_value(parser *p, jval **out);

/* A child is kept while its parent is kept, it sits within keep_depth and the node budget allows it; a child
 * that is not kept is still validated (in discard mode: no node, no decoded string) and its parent is marked
 * truncated. */
static int parse_container(parser *p, jval *v, char close) {
  if (++p->depth > MVM_MAX_JSON_DEPTH) return fail(p, "nesting too deep");
  p->doc->containers++;
  p->pos++;
  jval **tail = &v->child;
  skip_ws(p);
  if (p->pos < p->len && p->s[p->pos] == close) {
    p->pos++;
    p->depth--;
    return 1;
  }
  for (;;) {
    const char *key = NULL;
    size_t key_len = 0;
    /* The root's members have a budget of their own, so a huge value cannot crowd out the fields after it. */
    int room = p->depth == 1 ? p->doc->top_nodes < JSON_MAX_TOP_NODES : p->doc->nodes < JSON_MAX_NODES;
    int keep = !p->discard && p->depth <= p->doc->keep_depth && room;
    if (!p->discard && !keep) v->truncated = 1;
    if (!keep) p->discard++;
    skip_ws(p);
    if (close == '}') {
      if (p->pos >= p->len || p->s[p->pos] != '"') return fail(p, "expected member name");
      if (!parse_string(p, &key, &key_len)) return 0;
      skip_ws(p);
      if (p->pos >= p->len || p->s[p->pos] != ':') return fail(p, "expected ':'");
      p->pos++;
    }
    jval *item;
    if (keep && p->depth == 1) p->doc->top_nodes++;
    else if (keep) p->doc->nodes++;
    int ok = parse_value(p, &item);
    if (!keep) p->discard--;
    if (!ok) return 0;
    if (!keep) goto separator;
    item->key = key;
    item->key_len = key_len;
    *tail = item;
    tail = &item->next;
  separator:
    skip_ws(p);
    if (p->pos >= p->len) return fail(p, "unterminated container");
    char c = p->s[p->pos++];
    if (c == close) break;
    if (c != ',') return fail(p, "expected ',' or end of container");
  }
  p->depth--;
  return 1;
}

static int literal(parser *p, const char *word) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) return fail(p, "unexpected character");
  p->pos += n;
  return 1;
}

static int parse_value(parser *p, jval **out) {
  skip_ws(p);
  if (p->pos >= p->len) return fail(p, "unexpected end");
  jval *v = new_node(p);
  if (!v) return fail(p, "out of memory");
  p->doc->values++;
  if (!p->doc->partial) p->doc->partial = v;
  v->raw = p->s + p->pos;
  size_t start = p->pos;
  char c = p->s[p->pos];
  int ok;
  if (c == '{') v->type = J_OBJ, ok = parse_container(p, v, '}');
  else if (c == '[') v->type = J_ARR, ok = parse_container(p, v, ']');
  else if (c == '"') v->type = J_STR, ok = parse_string(p, &v->str, &v->str_len);
  else if (c == 't') v->type = J_BOOL, v->boolean = 1, ok = literal(p, "true");
  else if (c == 'f') v->type = J_BOOL, ok = literal(p, "false");
  else if (c == 'n') v->type = J_NULL, ok = literal(p, "null");
  else ok = parse_number(p, v);
  v->raw_len = p->pos - start;
  *out = v;
  return ok;
}

jval *json_parse(jdoc *doc, const char *src, size_t len, int keep_depth, char *err, size_t errlen) {
  memset(doc, 0, sizeof *doc);
  doc->keep_depth = keep_depth;
  /* A decoded string plus its NUL never exceeds its quoted source. Only kept strings are written, so for a
   * large frame most of this allocation is never touched (and never resident). */
  doc->str_cap = len + 1;
  doc->strbuf = malloc(doc->str_cap);
  if (!doc->strbuf) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  parser p = {doc, src, len, 0, 0, 0, err, errlen};
  jval *root;
  if (!parse_value(&p, &root)) return NULL;
  skip_ws(&p);
  if (p.pos != len) {
    fail(&p, "trailing data");
    return NULL;
  }
  return root;
}

void json_free(jdoc *doc) {
  while (doc->blocks) {
    jblock *next = doc->blocks->next;
    free(doc->blocks);
    doc->blocks = next;
  }
  free(doc->strbuf);
  doc->strbuf = NULL;
}

const jval *json_get(const jval *obj, const char *key) {
  if (!obj || obj->type != J_OBJ) return NULL;
  size_t n = strlen(key);
  const jval *found = NULL;
  for (const jval *c = obj->child; c; c = c->next)
    if (c->key_len == n && memcmp(c->key, key, n) == 0) found = c; /* last one wins, as in JSON.parse */
  return found;
}

int json_get_int(const jval *obj, const char *key, long long min, long long max, long long *out) {
  const jval *v = json_get(obj, key);
  if (!v || v->type != J_NUM) return 0;
  /* The range check comes before the cast: casting 1e400 (inf) or 1e30 to long long is undefined. */
  if (!(v->num >= (double)min && v->num <= (double)max)) return 0;
  long long i = (long long)v->num;
  if ((double)i != v->num) return 0;
  *out = i;
  return 1;
}

int json_str_is(const jval *v, const char *lit) {
  size_t n = strlen(lit);
  return v && v->type == J_STR && v->str_len == n && memcmp(v->str, lit, n) == 0;
}

const jval *json_get_str(const jval *obj, const char *key) {
  const jval *v = json_get(obj, key);
  return v && v->type == J_STR ? v : NULL;
}
