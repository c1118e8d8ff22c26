/* The language runner (PROTOCOL.md §Runner framing): a long-lived child speaking frames on its stdin/stdout.
 * The agent multiplexes invokes to it by id, kills its process group when a call passes its deadline, and
 * restarts it after any exit, answering the calls it took down with `runner_crashed`. */
#include "agent.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUNNER_STDERR_LINE 4096
#define MAX_RESTART_FAILURES 3

static int restart_failures;

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

int inflight_count(void) {
  int n = 0;
  for (int i = 0; i < MVM_MAX_INFLIGHT; i++) n += A.calls[i].used;
  for (int i = 0; i < MAX_JOBS; i++)
    n += A.jobs[i].used && (A.jobs[i].kind == JOB_EXEC || A.jobs[i].kind == JOB_INVOKE_COMMAND);
  return n;
}

static void send_to_runner(sbuf *b) {
  if (b->overflow || !oq_frame(&A.run.in, b->p, b->len)) logf_("runner is not reading: dropped a frame");
}

void runner_start(int first) {
  runner *r = &A.run;
  size_t n = 0;
  while (A.cfg.runner_argv[n]) n++;
  char **argv = calloc(n + 7, sizeof *argv);
  char hook[PATH_MAX];
  hook_path(hook, sizeof hook, "before_start");
  size_t k = 0;
  argv[k++] = "/bin/sh", argv[k++] = "-c";
  if (first) {
    /* README.md §Hook files: before_start is sourced by the shell that then execs the runner. */
    argv[k++] = "[ ! -f \"$0\" ] || . \"$0\" || exit $?; export -p > \"$1\" || exit 111; shift; exec \"$@\"";
    argv[k++] = hook;
    argv[k++] = A.env_path;
  } else {
    /* configure.sh after env.sh: the instance's values win over what before_start captured at boot. */
    argv[k++] = ". \"$0\" || exit 111; [ ! -f \"$1\" ] || . \"$1\" || exit 111; shift; exec \"$@\"";
    argv[k++] = A.env_path;
    argv[k++] = A.configure_path;
  }
  for (size_t i = 0; i < n; i++) argv[k++] = A.cfg.runner_argv[i];
  int gen = r->generation + 1;
  memset(r, 0, sizeof *r);
  r->generation = gen;
  if (first) A.t_runner_spawn = now_ms(), A.t_runner_spawn_rt = realtime_ms();
  r->pid = spawn_piped(argv, A.cfg.working_dir, &r->in_fd, &r->out_fd, &r->err_fd);
  free(argv);
  fr_init(&r->rd, MVM_MAX_PAYLOAD + MVM_MAX_FRAME);
  oq_init(&r->in, 2 * MVM_MAX_PAYLOAD);
  sb_init(&r->errline, RUNNER_STDERR_LINE);
  if (r->pid < 0) {
    r->in_fd = r->out_fd = r->err_fd = -1;
    return lifecycle_fail(MVM_ERR_RUNNER_CRASHED, "cannot start the runner: %s", strerror(errno));
  }
  sbuf b;
  sb_init(&b, MVM_MAX_FRAME);
  sb_puts(&b, "{\"type\":\"init\",\"module\":");
  sb_json_str(&b, A.cfg.module, strlen(A.cfg.module));
  sb_puts(&b, ",\"function\":");
  sb_json_str(&b, A.cfg.function, strlen(A.cfg.function));
  sb_puts(&b, ",\"params\":");
  sb_puts(&b, A.cfg.params_raw);
  sb_puts(&b, ",\"working_dir\":");
  sb_json_str(&b, A.cfg.working_dir, strlen(A.cfg.working_dir));
  sb_puts(&b, ",\"health_port\":");
  sb_int(&b, A.cfg.health_port);
  sb_puts(&b, ",\"max_inflight\":");
  sb_int(&b, A.cfg.max_inflight);
  sb_putc(&b, '}');
  send_to_runner(&b);
  sb_free(&b);
}

void runner_send_configure(void) {
  sbuf b;
  sb_init(&b, MVM_MAX_FRAME);
  sb_puts(&b, "{\"type\":\"configure\",\"env\":");
  sb_puts(&b, A.configure_env_raw ? A.configure_env_raw : "{}");
  sb_putc(&b, '}');
  send_to_runner(&b);
  sb_free(&b);
}

int runner_invoke(long long id, const jval *input, const jval *function, long long timeout_ms) {
  runner_call *c = NULL;
  for (int i = 0; i < MVM_MAX_INFLIGHT && !c; i++)
    if (!A.calls[i].used) c = &A.calls[i];
  if (!c) return 0;
  sbuf b;
  sb_init(&b, MVM_MAX_PAYLOAD + MVM_MAX_FRAME);
  sb_puts(&b, "{\"type\":\"invoke\",\"id\":");
  sb_int(&b, id);
  if (function) sb_puts(&b, ",\"function\":"), sb_put(&b, function->raw, function->raw_len);
  sb_puts(&b, ",\"input\":");
  sb_put(&b, input->raw, input->raw_len);
  sb_putc(&b, '}');
  int ok = !b.overflow && oq_frame(&A.run.in, b.p, b.len);
  sb_free(&b);
  if (!ok) return 0;
  c->used = 1, c->id = id, c->started_ms = now_ms(), c->deadline_ms = c->started_ms + timeout_ms;
  return 1;
}

static runner_call *find_call(long long id) {
  for (int i = 0; i < MVM_MAX_INFLIGHT; i++)
    if (A.calls[i].used && A.calls[i].id == id) return &A.calls[i];
  return NULL;
}

static int is_str(const jval *v) { return v && v->type == J_STR; }

static void on_result(const jval *f, int is_error) {
  long long id;
  const jval *out = json_get(f, "stdout"), *err = json_get(f, "stderr"), *value = json_get(f, "value");
  runner_call *c = json_get_int(f, "id", 1, MVM_MAX_ID, &id) ? find_call(id) : NULL;
  if (!c) return; /* already answered (timed out) */
  long long duration = now_ms() - c->started_ms;
  c->used = 0;
  if (!is_str(out) || !is_str(err) || (!is_error && !value)) return send_error(id, MVM_ERR_INTERNAL, "runner sent a malformed reply");
  sbuf b;
  sb_init(&b, MVM_MAX_PAYLOAD + MVM_MAX_FRAME);
  if (is_error) {
    const jval *ex = json_get(f, "exception");
    const jval *type = json_get_str(ex, "type"), *msg = json_get_str(ex, "message"), *tb = json_get_str(ex, "traceback");
    if (!type || !msg || !tb) return sb_free(&b), send_error(id, MVM_ERR_INTERNAL, "runner sent a malformed exception");
    frame_start(&b, MVM_GUEST_ERROR, id);
    sb_puts(&b, ",\"code\":\"" MVM_ERR_FUNCTION_ERROR "\",\"message\":");
    sbuf m;
    sb_init(&m, 4096);
    sb_put(&m, type->str, type->str_len);
    sb_puts(&m, ": ");
    sb_put(&m, msg->str, msg->str_len > 3000 ? 3000 : msg->str_len);
    sb_json_str(&b, m.p, m.len);
    sb_free(&m);
    sb_puts(&b, ",\"exception\":{\"type\":");
    sb_put(&b, type->raw, type->raw_len);
    sb_puts(&b, ",\"message\":");
    sb_put(&b, msg->raw, msg->raw_len);
    sb_puts(&b, ",\"traceback\":");
    sb_put(&b, tb->raw, tb->raw_len);
    sb_putc(&b, '}');
  } else {
    frame_start(&b, MVM_GUEST_RESULT, id);
    sb_puts(&b, ",\"value\":");
    sb_put(&b, value->raw, value->raw_len);
    sb_puts(&b, ",\"duration_ms\":");
    sb_int(&b, duration);
  }
  sb_puts(&b, ",\"stdout\":");
  sb_put(&b, out->raw, out->raw_len);
  sb_puts(&b, ",\"stderr\":");
  sb_put(&b, err->raw, err->raw_len);
  sb_putc(&b, '}');
  if (b.overflow) send_error(id, MVM_ERR_PAYLOAD_TOO_LARGE, "the function's result is larger than MAX_PAYLOAD");
  else send_body(&b);
  sb_free(&b);
}

static void on_host_request(const jval *f) {
  long long rid;
  const jval *kind = json_get_str(f, "kind"), *payload = json_get(f, "payload");
  if (!json_get_int(f, "rid", 1, MVM_MAX_ID, &rid) || !kind || !payload || kind->str_len == 0 || kind->str_len > 64)
    return logf_("runner sent a malformed host_request");
  host_req *h = NULL;
  for (int i = 0; i < MVM_MAX_INFLIGHT && !h; i++)
    if (!A.hreqs[i].used) h = &A.hreqs[i];
  if (!h) return logf_("too many host_requests in flight; dropped one");
  if (A.next_gid >= MVM_MAX_ID) A.next_gid = 0;
  h->used = 1, h->gid = ++A.next_gid, h->rid = rid, h->generation = A.run.generation;
  sbuf b;
  sb_init(&b, MVM_MAX_PAYLOAD + MVM_MAX_FRAME);
  frame_start(&b, MVM_GUEST_HOST_REQUEST, h->gid);
  sb_puts(&b, ",\"kind\":");
  sb_put(&b, kind->raw, kind->raw_len);
  sb_puts(&b, ",\"payload\":");
  sb_put(&b, payload->raw, payload->raw_len);
  sb_putc(&b, '}');
  send_body(&b);
  sb_free(&b);
}

int runner_forward_host_response(const jval *f) {
  long long gid;
  if (!json_get_int(f, "id", 1, MVM_MAX_ID, &gid)) return 0;
  for (int i = 0; i < MVM_MAX_INFLIGHT; i++) {
    host_req *h = &A.hreqs[i];
    if (!h->used || h->gid != gid) continue;
    h->used = 0;
    if (h->generation != A.run.generation) return 1; /* the runner that asked is gone */
    const jval *ok = json_get(f, "ok"), *value = json_get(f, "value"), *error = json_get(f, "error");
    sbuf b;
    sb_init(&b, MVM_MAX_PAYLOAD + MVM_MAX_FRAME);
    sb_puts(&b, "{\"type\":\"host_response\",\"rid\":");
    sb_int(&b, h->rid);
    sb_puts(&b, ok && ok->type == J_BOOL && ok->boolean ? ",\"ok\":true" : ",\"ok\":false");
    if (value) sb_puts(&b, ",\"value\":"), sb_put(&b, value->raw, value->raw_len);
    if (error) sb_puts(&b, ",\"error\":"), sb_put(&b, error->raw, error->raw_len);
    sb_putc(&b, '}');
    send_to_runner(&b);
    sb_free(&b);
    return 1;
  }
  return 0;
}

/* before_start is sourced by the shell that then writes env.sh and execs the runner, so env.sh's mtime is
 * where before_start ended and the runner's import began. */
static void note_first_start(void) {
  struct stat st;
  A.t_started = now_ms();
  long long total = A.t_started - A.t_runner_spawn;
  long long before = stat(A.env_path, &st) == 0
                         ? (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000 - A.t_runner_spawn_rt
                         : 0;
  A.before_start_ms = before < 0 ? 0 : before > total ? total : before;
}

static void on_runner_frame(void *ctx, frame_event ev, char *body, size_t len) {
  (void)ctx;
  if (ev != FRAME_BODY) {
    logf_("runner sent a %s frame; restarting it", ev == FRAME_EMPTY ? "empty" : "too large");
    return kill_group(A.run.pid);
  }
  jdoc doc;
  char err[160];
  jval *f = json_parse(&doc, body, len, FRAME_KEEP_DEPTH, err, sizeof err);
  const jval *type = json_get_str(f, "type");
  if (!type) logf_("runner sent an unreadable frame: %s", f ? "no type" : err);
  else if (strcmp(type->str, "result") == 0) on_result(f, 0);
  else if (strcmp(type->str, "error") == 0) on_result(f, 1);
  else if (strcmp(type->str, "host_request") == 0) on_host_request(f);
  else if (strcmp(type->str, "started") == 0) {
    if (!A.run.ever_started) note_first_start();
    A.run.started = A.run.ever_started = 1;
    restart_failures = 0;
    logf_("runner started pid=%d", (int)A.run.pid);
    lifecycle_runner_started();
  } else if (strcmp(type->str, "init_failed") == 0) {
    const jval *code = json_get_str(f, "code"), *msg = json_get_str(f, "message");
    snprintf(A.run.init_code, sizeof A.run.init_code, "%s",
             code && strcmp(code->str, MVM_ERR_INVALID_ENTRYPOINT) == 0 ? MVM_ERR_INVALID_ENTRYPOINT : MVM_ERR_RUNNER_CRASHED);
    snprintf(A.run.init_error, sizeof A.run.init_error, "%s", msg ? msg->str : "the runner could not start");
  } else logf_("runner sent an unknown frame type %.40s", type->str);
  json_free(&doc);
}

void runner_on_stdout(void) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(A.run.out_fd, buf, sizeof buf);
    if (n > 0) {
      fr_feed(&A.run.rd, buf, (size_t)n, on_runner_frame, NULL);
      if (A.run.out_fd < 0) return;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    close_fd(&A.run.out_fd);
    A.run.out_eof = 1;
    return;
  }
}

void runner_on_stderr(void) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(A.run.err_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && A.run.exited) return close_fd(&A.run.err_fd);
    if (n < 0) return;
    if (n == 0) return close_fd(&A.run.err_fd);
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] != '\n' && A.run.errline.len < RUNNER_STDERR_LINE - 1) {
        sb_putc(&A.run.errline, buf[i]);
        continue;
      }
      if (buf[i] == '\n' || A.run.errline.len) {
        const char *line = A.run.errline.p ? A.run.errline.p : "";
        fprintf(stderr, "mvm-runner: %.*s\n", (int)A.run.errline.len, line);
        snprintf(A.run.last_err, sizeof A.run.last_err, "%.*s", (int)A.run.errline.len, line);
      }
      sb_reset(&A.run.errline);
    }
  }
}

void runner_on_writable(void) {
  if (oq_flush(&A.run.in, A.run.in_fd) < 0) close_fd(&A.run.in_fd);
}

void runner_fail_calls(const char *code, const char *msg) {
  for (int i = 0; i < MVM_MAX_INFLIGHT; i++)
    if (A.calls[i].used) A.calls[i].used = 0, send_error(A.calls[i].id, code, msg);
}

static void cleanup(void) {
  close_fd(&A.run.in_fd), close_fd(&A.run.out_fd), close_fd(&A.run.err_fd);
  fr_reset(&A.run.rd);
  oq_free(&A.run.in);
  sb_free(&A.run.errline);
}

void runner_on_exit(int status) {
  char msg[200];
  runner *r = &A.run;
  kill_group(r->pid); /* leftovers of its group would keep its pipes open */
  r->pid = -1;
  r->exited = 1;
  /* A reply or stderr line written just before exiting still counts: it is in the pipe already. Read once
   * (until EAGAIN or EOF), never wait: an orphan in another session may hold the pipes open forever. */
  if (r->out_fd >= 0) runner_on_stdout();
  if (r->err_fd >= 0) runner_on_stderr();
  if (WIFEXITED(status)) snprintf(msg, sizeof msg, "the runner exited with status %d during the call", WEXITSTATUS(status));
  else snprintf(msg, sizeof msg, "the runner was killed by signal %d during the call", WTERMSIG(status));
  runner_fail_calls(MVM_ERR_RUNNER_CRASHED, msg);
  int started = r->ever_started;
  char init_code[32], init_error[512], last_err[256];
  snprintf(last_err, sizeof last_err, "%s", r->last_err);
  snprintf(init_code, sizeof init_code, "%s", r->init_code);
  snprintf(init_error, sizeof init_error, "%s", r->init_error);
  cleanup();
  if (A.state == ST_STOPPING || A.state == ST_FAILED) return;
  if (!started && access(A.env_path, F_OK) != 0)
    return lifecycle_fail(MVM_ERR_HOOK_FAILED, "before_start failed (shell exit status %d): %s",
                          WIFEXITED(status) ? WEXITSTATUS(status) : -1, last_err);
  if (!started && A.state == ST_STARTING)
    return lifecycle_fail(init_code[0] ? init_code : MVM_ERR_RUNNER_CRASHED, "%s", init_error[0] ? init_error : msg);
  if (!r->started && ++restart_failures >= MAX_RESTART_FAILURES)
    return lifecycle_fail(MVM_ERR_RUNNER_CRASHED, "the runner failed to restart %d times", restart_failures);
  logf_("runner exited (%s); restarting", WIFEXITED(status) ? "status" : "signal");
  runner_start(0);
}

void runner_check_deadlines(long long now) {
  for (int i = 0; i < MVM_MAX_INFLIGHT; i++) {
    runner_call *c = &A.calls[i];
    if (!c->used || now < c->deadline_ms) continue;
    char msg[160];
    snprintf(msg, sizeof msg, "the call ran past its timeout (%lld ms); the runner was killed and restarted",
             c->deadline_ms - c->started_ms);
    c->used = 0;
    send_error(c->id, MVM_ERR_TIMEOUT, msg);
    kill_group(A.run.pid);
  }
}

void runner_stop(void) {
  if (A.run.pid > 0) kill_group(A.run.pid);
}
