/* Captured children: exec requests (PROTOCOL.md §Messages exec), command-entrypoint invokes (§invoke) and hook
 * runs. A call's output is budgeted by what its reply will encode to (§Caps): past MAX_PAYLOAD the group is killed
 * and that call alone is answered payload_too_large. A deadline kills the whole process group. */
#include "agent.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* After the child exits, how long a grandchild may keep its pipes open before we stop reading them. */
#define LINGER_MS 1000
/* Reads per wakeup from one pipe, so a child that floods cannot starve the channel or deadlines. */
#define READS_PER_WAKEUP 4
/* The envelope around a call's captured output: type, id, exit code, signal, duration, field names. */
#define JOB_REPLY_OVERHEAD 512

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static int is_call(const job *j) { return j->kind == JOB_EXEC || j->kind == JOB_INVOKE_COMMAND; }

job *job_spawn(job_kind kind, callref to, char *const argv[], const char *cwd, const char *stdin_data,
               size_t stdin_len, long long timeout_ms) {
  job *j = NULL;
  for (int i = 0; i < MAX_JOBS && !j; i++)
    if (!A.jobs[i].used) j = &A.jobs[i];
  if (!j) return NULL;
  memset(j, 0, sizeof *j);
  oq_init(&j->in, stdin_len + 16);
  if (stdin_len && !oq_bytes(&j->in, stdin_data, stdin_len)) return oq_free(&j->in), NULL;
  j->pid = spawn_piped(argv, cwd, &j->in_fd, &j->out_fd, &j->err_fd);
  if (j->pid < 0) return oq_free(&j->in), NULL;
  j->used = 1, j->kind = kind, j->to = to;
  size_t cap = is_call(j) ? (size_t)MVM_MAX_PAYLOAD : 64 * 1024;
  sb_init(&j->out, cap);
  sb_init(&j->err, cap);
  if (!stdin_len) close_fd(&j->in_fd);
  j->started_ms = now_ms();
  j->deadline_ms = j->started_ms + timeout_ms;
  return j;
}

void job_on_writable(job *j) {
  if (oq_flush(&j->in, j->in_fd) < 0 || oq_pending(&j->in) == 0) close_fd(&j->in_fd); /* EPIPE: it stopped reading */
}

static size_t b64_len(size_t n) { return (n + 2) / 3 * 4; }

/* The bytes the call's reply would have if it ended now. */
static size_t encoded_reply(job *j, int final) {
  if (j->kind == JOB_EXEC) return JOB_REPLY_OVERHEAD + b64_len(j->out.len) + b64_len(j->err.len);
  j->out_enc.bytes += json_str_count(j->out.p, j->out.len, &j->out_enc.pos, final);
  j->err_enc.bytes += json_str_count(j->err.p, j->err.len, &j->err_enc.pos, final);
  return JOB_REPLY_OVERHEAD + j->out_enc.bytes + j->err_enc.bytes + (j->out.len - j->out_enc.pos) * 6 +
         (j->err.len - j->err_enc.pos) * 6;
}

void job_on_readable(job *j, int fd) {
  char buf[65536];
  sbuf *into = fd == j->out_fd ? &j->out : &j->err;
  for (int rounds = 0; rounds < READS_PER_WAKEUP; rounds++) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      if (j->too_large) continue; /* killed already; drain what is left */
      sb_put(into, buf, (size_t)n);
      if (into->overflow || (is_call(j) && encoded_reply(j, 0) > (size_t)MVM_MAX_PAYLOAD)) {
        j->too_large = 1;
        kill_group(j->pid);
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    close_fd(fd == j->out_fd ? &j->out_fd : &j->err_fd);
    return;
  }
}

void job_on_exit(job *j, int status) {
  j->exited = 1;
  j->status = status;
  j->deadline_ms = now_ms() + LINGER_MS;
}

static void reply_exec(job *j, long long duration) {
  sbuf b;
  sb_init(&b, MVM_MAX_PAYLOAD);
  frame_start(&b, MVM_GUEST_EXEC_RESULT, j->to.id);
  sb_puts(&b, ",\"exit_code\":");
  if (WIFEXITED(j->status)) sb_int(&b, WEXITSTATUS(j->status));
  else sb_puts(&b, "null");
  sb_puts(&b, ",\"signal\":");
  if (WIFSIGNALED(j->status)) sb_int(&b, WTERMSIG(j->status));
  else sb_puts(&b, "null");
  sb_puts(&b, ",\"stdout_b64\":\"");
  sb_base64(&b, (unsigned char *)j->out.p, j->out.len);
  sb_free(&j->out);
  sb_puts(&b, "\",\"stderr_b64\":\"");
  sb_base64(&b, (unsigned char *)j->err.p, j->err.len);
  sb_free(&j->err);
  sb_puts(&b, "\",\"duration_ms\":");
  sb_int(&b, duration);
  sb_putc(&b, '}');
  reply_body(j->to, &b);
  sb_free(&b);
}

static void reply_command(job *j, long long duration) {
  sbuf b;
  sb_init(&b, MVM_MAX_PAYLOAD);
  frame_start(&b, MVM_GUEST_RESULT, j->to.id);
  sb_puts(&b, ",\"value\":null,\"stdout\":");
  sb_json_str(&b, j->out.p ? j->out.p : "", j->out.len);
  sb_free(&j->out);
  sb_puts(&b, ",\"stderr\":");
  sb_json_str(&b, j->err.p ? j->err.p : "", j->err.len);
  sb_free(&j->err);
  sb_puts(&b, ",\"duration_ms\":");
  sb_int(&b, duration);
  sb_puts(&b, ",\"exit_code\":");
  sb_int(&b, WIFEXITED(j->status) ? WEXITSTATUS(j->status) : 128 + WTERMSIG(j->status));
  sb_putc(&b, '}');
  reply_body(j->to, &b);
  sb_free(&b);
}

static void release(job *j) {
  close_fd(&j->in_fd), close_fd(&j->out_fd), close_fd(&j->err_fd);
  oq_free(&j->in);
  sb_free(&j->out), sb_free(&j->err);
  j->used = 0;
}

static void finish(job *j) {
  long long duration = now_ms() - j->started_ms;
  char msg[200];
  if (is_call(j) && j->timed_out) {
    snprintf(msg, sizeof msg, "the command ran past its timeout (%lld ms) and was killed", duration);
    reply_error(j->to, MVM_ERR_TIMEOUT, msg);
  } else if (is_call(j) && (j->too_large || encoded_reply(j, 1) > (size_t)MVM_MAX_PAYLOAD)) {
    snprintf(msg, sizeof msg, "the command's output would encode to more than MAX_PAYLOAD (%ld bytes) and it was killed",
             MVM_MAX_PAYLOAD);
    reply_error(j->to, MVM_ERR_PAYLOAD_TOO_LARGE, msg);
  } else if (j->kind == JOB_EXEC) {
    reply_exec(j, duration);
  } else if (j->kind == JOB_INVOKE_COMMAND) {
    reply_command(j, duration);
  } else {
    lifecycle_job_done(j);
  }
  release(j);
}

void job_check(job *j, long long now) {
  if (!j->exited && now >= j->deadline_ms && !j->timed_out) {
    j->timed_out = 1;
    kill_group(j->pid);
  }
  if (j->exited && ((j->out_fd < 0 && j->err_fd < 0) || now >= j->deadline_ms)) finish(j);
}

void jobs_kill_all(void) {
  for (int i = 0; i < MAX_JOBS; i++)
    if (A.jobs[i].used && !A.jobs[i].exited) kill_group(A.jobs[i].pid);
}

/* Shutdown (PROTOCOL.md §Messages): calls still running are answered, then their groups are killed. */
void jobs_fail_calls(const char *code, const char *msg) {
  for (int i = 0; i < MAX_JOBS; i++) {
    job *j = &A.jobs[i];
    if (!j->used || !is_call(j)) continue;
    reply_error(j->to, code, msg);
    if (!j->exited) kill_group(j->pid);
    release(j);
  }
}
