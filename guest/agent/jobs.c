/* Captured children: exec requests (PROTOCOL.md §exec), command-entrypoint invokes (§invoke) and hook runs.
 * Output is bounded; a deadline kills the whole process group. */
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

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

job *job_spawn(job_kind kind, long long call_id, char *const argv[], const char *cwd, const char *stdin_data,
               size_t stdin_len, long long timeout_ms) {
  job *j = NULL;
  for (int i = 0; i < MAX_JOBS && !j; i++)
    if (!A.jobs[i].used) j = &A.jobs[i];
  if (!j) return NULL;
  memset(j, 0, sizeof *j);
  j->pid = spawn_piped(argv, cwd, &j->in_fd, &j->out_fd, &j->err_fd);
  if (j->pid < 0) return NULL;
  j->used = 1, j->kind = kind, j->call_id = call_id;
  size_t cap = (kind == JOB_EXEC || kind == JOB_INVOKE_COMMAND) ? (size_t)MVM_MAX_PAYLOAD / 2 : 64 * 1024;
  sb_init(&j->out, cap);
  sb_init(&j->err, cap);
  oq_init(&j->in, stdin_len + 16);
  if (stdin_len) {
    /* stdin carries raw bytes, not frames: queue them without a length header */
    j->in.p = malloc(stdin_len);
    if (j->in.p) memcpy(j->in.p, stdin_data, stdin_len), j->in.len = j->in.cap = stdin_len;
  }
  if (!stdin_len) close_fd(&j->in_fd);
  j->started_ms = now_ms();
  j->deadline_ms = j->started_ms + timeout_ms;
  return j;
}

void job_on_writable(job *j) {
  if (oq_flush(&j->in, j->in_fd) < 0 || oq_pending(&j->in) == 0) close_fd(&j->in_fd); /* EPIPE: it stopped reading */
}

void job_on_readable(job *j, int fd) {
  char buf[65536];
  sbuf *into = fd == j->out_fd ? &j->out : &j->err;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      sb_put(into, buf, (size_t)n);
      if (into->overflow) kill_group(j->pid);
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
  sb_init(&b, MVM_MAX_PAYLOAD + MVM_MAX_FRAME);
  frame_start(&b, MVM_GUEST_EXEC_RESULT, j->call_id);
  sb_puts(&b, ",\"exit_code\":");
  if (WIFEXITED(j->status)) sb_int(&b, WEXITSTATUS(j->status));
  else sb_puts(&b, "null");
  sb_puts(&b, ",\"signal\":");
  if (WIFSIGNALED(j->status)) sb_int(&b, WTERMSIG(j->status));
  else sb_puts(&b, "null");
  sb_puts(&b, ",\"stdout_b64\":\"");
  sb_base64(&b, (unsigned char *)j->out.p, j->out.len);
  sb_puts(&b, "\",\"stderr_b64\":\"");
  sb_base64(&b, (unsigned char *)j->err.p, j->err.len);
  sb_puts(&b, "\",\"duration_ms\":");
  sb_int(&b, duration);
  sb_putc(&b, '}');
  send_body(&b);
  sb_free(&b);
}

static void reply_command(job *j, long long duration) {
  sbuf b;
  sb_init(&b, MVM_MAX_PAYLOAD + MVM_MAX_FRAME);
  frame_start(&b, MVM_GUEST_RESULT, j->call_id);
  sb_puts(&b, ",\"value\":null,\"stdout\":");
  sb_json_str(&b, j->out.p ? j->out.p : "", j->out.len);
  sb_puts(&b, ",\"stderr\":");
  sb_json_str(&b, j->err.p ? j->err.p : "", j->err.len);
  sb_puts(&b, ",\"duration_ms\":");
  sb_int(&b, duration);
  sb_puts(&b, ",\"exit_code\":");
  sb_int(&b, WIFEXITED(j->status) ? WEXITSTATUS(j->status) : 128 + WTERMSIG(j->status));
  sb_putc(&b, '}');
  send_body(&b);
  sb_free(&b);
}

static void finish(job *j) {
  long long duration = now_ms() - j->started_ms;
  int is_call = j->kind == JOB_EXEC || j->kind == JOB_INVOKE_COMMAND;
  char msg[160];
  if (is_call && j->timed_out) {
    snprintf(msg, sizeof msg, "the command ran past its timeout (%lld ms) and was killed", duration);
    send_error(j->call_id, MVM_ERR_TIMEOUT, msg);
  } else if (is_call && (j->out.overflow || j->err.overflow)) {
    send_error(j->call_id, MVM_ERR_PAYLOAD_TOO_LARGE, "the command's output passed MAX_PAYLOAD/2 and it was killed");
  } else if (j->kind == JOB_EXEC) {
    reply_exec(j, duration);
  } else if (j->kind == JOB_INVOKE_COMMAND) {
    reply_command(j, duration);
  } else {
    lifecycle_job_done(j);
  }
  close_fd(&j->in_fd), close_fd(&j->out_fd), close_fd(&j->err_fd);
  oq_free(&j->in);
  sb_free(&j->out), sb_free(&j->err);
  j->used = 0;
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
