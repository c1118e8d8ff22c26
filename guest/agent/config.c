/* Loads /etc/mvm/agent.json (README.md §agent.json). Strict: an unknown key or a wrong type is an error, the
 * agent never guesses. */
#include "agent.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(const jval *v) {
  char *s = malloc(v->str_len + 1);
  if (s) memcpy(s, v->str, v->str_len + 1);
  return s;
}

static char **dup_argv(const jval *arr) {
  size_t n = 0;
  for (const jval *c = arr->child; c; c = c->next) {
    if (c->type != J_STR || c->str_len != strlen(c->str)) return NULL; /* no NUL bytes inside an argument */
    n++;
  }
  if (n == 0) return NULL;
  char **argv = calloc(n + 1, sizeof *argv);
  if (!argv) return NULL;
  size_t i = 0;
  for (const jval *c = arr->child; c; c = c->next) argv[i++] = dup_str(c);
  return argv;
}

static int only_keys(const jval *obj, const char *const *keys, char *err, size_t errlen, const char *where) {
  for (const jval *c = obj->child; c; c = c->next) {
    int known = 0;
    for (const char *const *k = keys; *k; k++)
      if (strlen(*k) == c->key_len && memcmp(*k, c->key, c->key_len) == 0) known = 1;
    if (!known) {
      snprintf(err, errlen, "%s: unknown key \"%.*s\"", where, (int)c->key_len, c->key);
      return 0;
    }
  }
  return 1;
}

static int parse_config(const jval *root, agent_config *cfg, char *err, size_t errlen) {
  static const char *const top[] = {"config_version", "language", "entrypoint", "working_dir", "env", "runner_argv",
                                    "health_port", "max_inflight", "await_configure", "timeouts", NULL};
  static const char *const fn_keys[] = {"kind", "module", "function", "params", NULL};
  static const char *const cmd_keys[] = {"kind", "command", NULL};
  static const char *const to_keys[] = {"invoke_ms", "after_start_ms", "after_start_interval_ms", "before_stop_ms", NULL};
  long long version;
  if (!root || root->type != J_OBJ) return snprintf(err, errlen, "not a JSON object"), 0;
  if (!only_keys(root, top, err, errlen, "agent.json")) return 0;
  if (!json_get_int(root, "config_version", 1, 1, &version)) return snprintf(err, errlen, "config_version must be 1"), 0;
  const jval *lang = json_get_str(root, "language");
  if (!lang || (strcmp(lang->str, "python") && strcmp(lang->str, "node") && strcmp(lang->str, "command")))
    return snprintf(err, errlen, "language must be python, node or command"), 0;
  snprintf(cfg->language, sizeof cfg->language, "%s", lang->str);
  const jval *wd = json_get_str(root, "working_dir");
  if (!wd || wd->str[0] != '/') return snprintf(err, errlen, "working_dir must be an absolute path"), 0;
  snprintf(cfg->working_dir, sizeof cfg->working_dir, "%s%s", A.root, wd->str);
  const jval *ep = json_get(root, "entrypoint");
  const jval *kind = json_get_str(ep, "kind");
  if (!kind) return snprintf(err, errlen, "entrypoint.kind is missing"), 0;
  if (strcmp(kind->str, "function") == 0) {
    cfg->kind = ENTRY_FUNCTION;
    if (!only_keys(ep, fn_keys, err, errlen, "entrypoint")) return 0;
    const jval *mod = json_get_str(ep, "module"), *fn = json_get_str(ep, "function"), *params = json_get(ep, "params");
    if (!mod || !fn || !params || params->type != J_ARR)
      return snprintf(err, errlen, "entrypoint needs module, function and params"), 0;
    for (const jval *p = params->child; p; p = p->next)
      if (p->type != J_STR) return snprintf(err, errlen, "entrypoint.params must be strings"), 0;
    cfg->module = dup_str(mod);
    cfg->function = dup_str(fn);
    cfg->params_raw = strndup(params->raw, params->raw_len);
    const jval *ra = json_get(root, "runner_argv");
    if (!ra || ra->type != J_ARR || !(cfg->runner_argv = dup_argv(ra)))
      return snprintf(err, errlen, "runner_argv must be a non-empty array of strings"), 0;
    if (strcmp(cfg->language, "command") == 0) return snprintf(err, errlen, "a function needs python or node"), 0;
  } else if (strcmp(kind->str, "command") == 0) {
    cfg->kind = ENTRY_COMMAND;
    if (!only_keys(ep, cmd_keys, err, errlen, "entrypoint")) return 0;
    const jval *cmd = json_get(ep, "command");
    if (!cmd || cmd->type != J_ARR || !(cfg->command = dup_argv(cmd)))
      return snprintf(err, errlen, "entrypoint.command must be a non-empty array of strings"), 0;
  } else {
    return snprintf(err, errlen, "entrypoint.kind must be function or command"), 0;
  }
  if (!json_get_int(root, "health_port", 1, 65535, &cfg->health_port)) return snprintf(err, errlen, "bad health_port"), 0;
  if (!json_get_int(root, "max_inflight", 1, MVM_MAX_INFLIGHT, &cfg->max_inflight))
    return snprintf(err, errlen, "max_inflight must be 1..%ld", MVM_MAX_INFLIGHT), 0;
  const jval *await = json_get(root, "await_configure");
  if (!await || await->type != J_BOOL) return snprintf(err, errlen, "await_configure must be true or false"), 0;
  cfg->await_configure = await->boolean;
  const jval *to = json_get(root, "timeouts");
  if (!to || to->type != J_OBJ || !only_keys(to, to_keys, err, errlen, "timeouts") ||
      !json_get_int(to, "invoke_ms", 1, 86400000, &cfg->invoke_ms) ||
      !json_get_int(to, "after_start_ms", 1, 86400000, &cfg->after_start_ms) ||
      !json_get_int(to, "after_start_interval_ms", 1, 60000, &cfg->after_start_interval_ms) ||
      !json_get_int(to, "before_stop_ms", 1, 86400000, &cfg->before_stop_ms))
    return err[0] ? 0 : (snprintf(err, errlen, "timeouts needs four positive integers"), 0);
  const jval *env = json_get(root, "env");
  if (!env || env->type != J_OBJ) return snprintf(err, errlen, "env must be an object"), 0;
  for (const jval *e = env->child; e; e = e->next) {
    if (e->type != J_STR || e->key_len == 0 || strlen(e->key) != e->key_len || strchr(e->key, '=') ||
        strlen(e->str) != e->str_len)
      return snprintf(err, errlen, "env values must be strings without NUL"), 0;
    setenv(e->key, e->str, 1);
  }
  return 1;
}

int config_load(const char *path, agent_config *cfg, char *err, size_t errlen) {
  err[0] = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return snprintf(err, errlen, "cannot open %s", path), 0;
  sbuf text;
  sb_init(&text, 1 << 20);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) sb_put(&text, chunk, n);
  fclose(f);
  if (text.overflow) return sb_free(&text), snprintf(err, errlen, "%s is larger than 1 MiB", path), 0;
  jdoc doc;
  char perr[160];
  jval *root = json_parse(&doc, text.p ? text.p : "", text.len, MVM_MAX_JSON_DEPTH, perr, sizeof perr);
  int ok = root ? parse_config(root, cfg, err, errlen) : (snprintf(err, errlen, "%s: %s", path, perr), 0);
  json_free(&doc);
  sb_free(&text);
  return ok;
}
