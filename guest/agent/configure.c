/* Per-instance values (PROTOCOL.md §configure): the instance id and env that differ between instances of one
 * shared read-only image. Applied to the agent's own environment (inherited by everything it starts), written
 * to $STATE/configure.sh (sourced after env.sh, so a restarted runner or a later hook sees these values, not the
 * ones before_start captured), and forwarded to a running runner. */
#include "agent.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int is_env_name(const char *s, size_t n) {
  if (n == 0 || strlen(s) != n || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'))) return 0;
  for (size_t i = 1; i < n; i++) {
    char c = s[i];
    if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return 0;
  }
  return 1;
}

static int is_instance_id(const jval *v) {
  if (!v || v->type != J_STR || v->str_len == 0 || v->str_len > 128) return 0;
  for (size_t i = 0; i < v->str_len; i++) {
    char c = v->str[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("._:-", c))) return 0;
  }
  return 1;
}

/* export NAME='value' with ' written as '\'' (values are never evaluated). */
static void put_export(sbuf *b, const char *name, const char *value) {
  sb_puts(b, "export ");
  sb_puts(b, name);
  sb_puts(b, "='");
  for (const char *p = value; *p; p++) {
    if (*p == '\'') sb_puts(b, "'\\''");
    else sb_putc(b, *p);
  }
  sb_puts(b, "'\n");
}

static int write_configure_sh(const jval *env, const char *instance_id) {
  sbuf b;
  sb_init(&b, 2 * MVM_MAX_CONFIGURE_VARS * (MVM_MAX_CONFIGURE_VALUE + 200));
  for (const jval *e = env->child; e; e = e->next) put_export(&b, e->key, e->str);
  put_export(&b, "MVM_INSTANCE_ID", instance_id);
  char tmp[PATH_MAX + 8];
  snprintf(tmp, sizeof tmp, "%s.tmp", A.configure_path);
  FILE *f = b.overflow ? NULL : fopen(tmp, "w");
  int ok = f && fwrite(b.p, 1, b.len, f) == b.len;
  if (f) ok = fclose(f) == 0 && ok;
  ok = ok && rename(tmp, A.configure_path) == 0;
  sb_free(&b);
  return ok;
}

/* "52:54:00:ab:cd:ef" (lowercase) into 6 bytes; 0 when it is not exactly that. */
static int parse_mac(const jval *v, unsigned char out[6]) {
  if (!v || v->type != J_STR || v->str_len != 17) return 0;
  for (int i = 0; i < 6; i++) {
    unsigned byte = 0;
    for (int j = 0; j < 2; j++) {
      char c = v->str[i * 3 + j];
      if (c >= '0' && c <= '9') byte = byte * 16 + (unsigned)(c - '0');
      else if (c >= 'a' && c <= 'f') byte = byte * 16 + (unsigned)(c - 'a' + 10);
      else return 0;
    }
    if (i < 5 && v->str[i * 3 + 2] != ':') return 0;
    out[i] = (unsigned char)byte;
  }
  return 1;
}

/* PROTOCOL.md §Messages configure, §configure */
void handle_configure(long long id, const jval *f) {
  const jval *env = json_get(f, "env"), *instance = json_get(f, "instance_id"), *mac = json_get(f, "mac");
  unsigned char mac_bytes[6];
  if (!is_instance_id(instance)) return send_error(id, MVM_ERR_BAD_FRAME, "configure.instance_id must be 1..128 of [A-Za-z0-9._:-]");
  if (mac && !parse_mac(mac, mac_bytes)) return send_error(id, MVM_ERR_BAD_FRAME, "configure.mac must be six lowercase hex pairs separated by ':'");
  if (!env || env->type != J_OBJ) return send_error(id, MVM_ERR_BAD_FRAME, "configure.env must be an object");
  if (env->truncated) return send_error(id, MVM_ERR_BAD_FRAME, "configure.env has too many variables");
  int n = 0;
  for (const jval *e = env->child; e; e = e->next, n++) {
    if (n >= MVM_MAX_CONFIGURE_VARS) return send_error(id, MVM_ERR_BAD_FRAME, "configure.env has too many variables");
    if (!is_env_name(e->key, e->key_len)) return send_error(id, MVM_ERR_BAD_FRAME, "configure.env has a name that is not [A-Za-z_][A-Za-z0-9_]*");
    if (e->type != J_STR || strlen(e->str) != e->str_len || e->str_len > MVM_MAX_CONFIGURE_VALUE)
      return send_error(id, MVM_ERR_BAD_FRAME, "configure.env values must be strings without NUL, at most MAX_CONFIGURE_VALUE bytes");
  }
  /* First, so a MAC that cannot be set leaves nothing of this configure applied. On a host (tests) the
   * agent must not touch the host's interfaces: PID 1 only, like sync's clock. */
  if (mac && A.is_pid1) {
    char why[160];
    if (!set_nic_mac(mac_bytes, why, sizeof why)) return send_error(id, MVM_ERR_INTERNAL, why);
  }
  if (!write_configure_sh(env, instance->str)) return send_error(id, MVM_ERR_INTERNAL, "cannot write configure.sh");
  for (const jval *e = env->child; e; e = e->next) setenv(e->key, e->str, 1);
  setenv("MVM_INSTANCE_ID", instance->str, 1);
  free(A.configure_env_raw);
  A.configure_env_raw = strndup(env->raw, env->raw_len);
  if (!A.configured) A.t_configured = now_ms();
  A.configured = 1;
  logf_("configured instance=%s vars=%d", instance->str, n);
  /* Frames to the runner are ordered, so an invoke sent after configure_ok sees the new values. */
  if (A.run.pid > 0 && A.run.started) runner_send_configure();
  sbuf b;
  sb_init(&b, 256);
  frame_start(&b, MVM_GUEST_CONFIGURE_OK, id);
  sb_putc(&b, '}');
  send_body(&b);
  sb_free(&b);
  if (A.cfg.await_configure && !A.begun && A.state == ST_STARTING) lifecycle_begin();
}
