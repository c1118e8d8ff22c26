/* Start-up and shutdown ordering (README.md §Hook files): before_start → runner imported → after_start polled
 * until exit 0 → READY; on shutdown before_stop runs (bounded) before the reply and the exit. */
#include "agent.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int hook_exists(const char *phase) {
  char p[PATH_MAX];
  hook_path(p, sizeof p, phase);
  return access(p, F_OK) == 0;
}

static job *run_phase(job_kind kind, const char *phase, long long timeout_ms) {
  char p[PATH_MAX];
  hook_path(p, sizeof p, phase);
  /* env.sh holds before_start's exports; configure.sh, sourced after it, the instance's own values. */
  char *argv[] = {"/bin/sh", "-c", "[ ! -f \"$0\" ] || . \"$0\"; [ ! -f \"$2\" ] || . \"$2\"; . \"$1\"", A.env_path, p,
                  A.configure_path, NULL};
  return job_spawn(kind, (callref){0, 0}, argv, A.cfg.working_dir, NULL, 0, timeout_ms);
}

static long long nonneg(long long v) { return v > 0 ? v : 0; }

/* The ready/failed event is sent now and kept: a host session that begins later gets it right after its
 * hello_ok (PROTOCOL.md §Sessions). */
static void keep_state_event(sbuf *b) {
  sb_free(&A.state_event);
  A.state_event = *b;
  send_body(&A.state_event);
}

static void become_ready(void) {
  A.state = ST_READY;
  long long up = uptime_ms(), now = now_ms();
  long long configure_wait = A.cfg.await_configure ? nonneg(A.t_configured - A.t_start) : 0;
  long long import = A.cfg.kind == ENTRY_FUNCTION ? nonneg(A.t_started - A.t_runner_spawn - A.before_start_ms) : 0;
  long long after_start = nonneg(now - A.t_started);
  logf_("ready uptime_ms=%lld language=%s configure_wait_ms=%lld before_start_ms=%lld runner_import_ms=%lld after_start_ms=%lld",
        up, A.cfg.language, configure_wait, A.before_start_ms, import, after_start);
  sbuf b;
  sb_init(&b, MVM_MAX_FRAME);
  frame_start(&b, MVM_GUEST_READY, -1);
  sb_puts(&b, ",\"uptime_ms\":");
  sb_int(&b, up);
  sb_puts(&b, ",\"language\":\"");
  sb_puts(&b, A.cfg.language);
  sb_puts(&b, "\",\"timings\":{\"configure_wait_ms\":");
  sb_int(&b, configure_wait);
  sb_puts(&b, ",\"before_start_ms\":");
  sb_int(&b, A.before_start_ms);
  sb_puts(&b, ",\"runner_import_ms\":");
  sb_int(&b, import);
  sb_puts(&b, ",\"after_start_ms\":");
  sb_int(&b, after_start);
  sb_puts(&b, "}}");
  keep_state_event(&b);
}

void lifecycle_fail(const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(A.fail_msg, sizeof A.fail_msg, fmt, ap);
  va_end(ap);
  snprintf(A.fail_code, sizeof A.fail_code, "%s", code);
  A.state = ST_FAILED;
  A.after_start_deadline = 0;
  logf_("failed code=%s: %s", A.fail_code, A.fail_msg);
  sbuf b;
  sb_init(&b, MVM_MAX_FRAME);
  frame_start(&b, MVM_GUEST_FAILED, -1);
  sb_puts(&b, ",\"code\":\"");
  sb_puts(&b, A.fail_code);
  sb_puts(&b, "\",\"message\":");
  sb_json_str(&b, A.fail_msg, strlen(A.fail_msg));
  sb_putc(&b, '}');
  keep_state_event(&b);
}

void lifecycle_begin(void) {
  A.begun = 1;
  if (!A.cfg.await_configure) A.t_configured = A.t_start;
  unlink(A.env_path); /* its presence is how a failed before_start is told from a failed runner */
  if (A.cfg.kind == ENTRY_FUNCTION) return runner_start(1);
  char p[PATH_MAX];
  hook_path(p, sizeof p, "before_start");
  char *argv[] = {"/bin/sh", "-c", "[ ! -f \"$0\" ] || . \"$0\" || exit $?; export -p > \"$1\"", p, A.env_path, NULL};
  if (!job_spawn(JOB_BEFORE_START, (callref){0, 0}, argv, A.cfg.working_dir, NULL, 0, 24LL * 3600 * 1000))
    lifecycle_fail(MVM_ERR_HOOK_FAILED, "cannot start before_start");
}

void lifecycle_runner_started(void) {
  if (A.state != ST_STARTING) return;
  if (!hook_exists("after_start")) return become_ready();
  A.after_start_deadline = now_ms() + A.cfg.after_start_ms;
  A.after_start_next = 0;
}

static int phase_running(job_kind kind) {
  for (int i = 0; i < MAX_JOBS; i++)
    if (A.jobs[i].used && A.jobs[i].kind == kind) return 1;
  return 0;
}

void lifecycle_tick(long long now) {
  if (A.state != ST_STARTING || !A.after_start_deadline || phase_running(JOB_AFTER_START)) return;
  if (now < A.after_start_next) return;
  if (!run_phase(JOB_AFTER_START, "after_start", A.after_start_deadline - now + 1))
    lifecycle_fail(MVM_ERR_HOOK_FAILED, "cannot start after_start");
}

/* The soonest moment lifecycle_tick has something to do, for the poll timeout. */
long long lifecycle_next_ms(void) {
  if (A.state != ST_STARTING || !A.after_start_deadline || phase_running(JOB_AFTER_START)) return -1;
  return A.after_start_next;
}

static void finish_shutdown(int ran, const job *j) {
  char fields[200];
  int timed_out = ran && j->timed_out;
  int exited = ran && !timed_out && WIFEXITED(j->status);
  snprintf(fields, sizeof fields, ",\"before_stop\":{\"ran\":%s,\"exit_code\":", ran ? "true" : "false");
  sbuf b;
  sb_init(&b, 4096);
  frame_start(&b, MVM_GUEST_SHUTDOWN_OK, A.shutdown_to.id);
  sb_puts(&b, fields);
  if (exited) sb_int(&b, WEXITSTATUS(j->status));
  else sb_puts(&b, "null");
  sb_puts(&b, timed_out ? ",\"timed_out\":true}}" : ",\"timed_out\":false}}");
  reply_body(A.shutdown_to, &b);
  sb_free(&b);
  if (ran) logf_("before_stop exit=%d%s", exited ? WEXITSTATUS(j->status) : -1, timed_out ? " (timed out)" : "");
  A.exit_now = 2;
}

/* PROTOCOL.md §Messages shutdown */
void lifecycle_shutdown(long long id) {
  if (A.state == ST_STOPPING) return send_error(id, MVM_ERR_BUSY, "a shutdown is already running");
  A.state = ST_STOPPING;
  A.shutdown_to = current_caller(id);
  if (!A.cfg.working_dir[0] || !hook_exists("before_stop")) return finish_shutdown(0, NULL);
  if (!run_phase(JOB_BEFORE_STOP, "before_stop", A.cfg.before_stop_ms)) finish_shutdown(0, NULL);
}

void lifecycle_job_done(job *j) {
  int ok = !j->timed_out && WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0;
  long long now = now_ms();
  switch (j->kind) {
  case JOB_BEFORE_START:
    if (A.state != ST_STARTING) return;
    A.before_start_ms = now - j->started_ms;
    A.t_started = now;
    if (ok) return lifecycle_runner_started();
    return lifecycle_fail(MVM_ERR_HOOK_FAILED, "before_start failed: %.300s", j->err.p ? j->err.p : "");
  case JOB_AFTER_START:
    if (A.state != ST_STARTING) return;
    if (ok) return become_ready();
    if (now >= A.after_start_deadline)
      return lifecycle_fail(MVM_ERR_HOOK_FAILED, "after_start did not exit 0 within %lld ms; last stderr: %.300s",
                            A.cfg.after_start_ms, j->err.p ? j->err.p : "");
    A.after_start_next = now + A.cfg.after_start_interval_ms;
    return;
  case JOB_BEFORE_STOP:
    return finish_shutdown(1, j);
  default:
    return;
  }
}
