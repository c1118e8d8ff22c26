/* The language runner process (PROTOCOL.md §Runner framing): a long-lived child that speaks frames on private
 * fds, never on its stdio. The agent starts it (through /bin/sh, README.md §Hook files), relays its console,
 * kills its process group when a call passes its deadline (invoke.c), and restarts it after any exit,
 * answering the calls it took down with `runner_crashed`. */
#include "agent.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUNNER_CONSOLE_LINE 4096
#define MAX_RESTART_FAILURES 3
/* Reads per wakeup from one runner pipe, so a runner that floods cannot starve the channel or deadlines. */
#define READS_PER_WAKEUP 16

/* The runner's fds (PROTOCOL.md §Runner framing). */
enum { RFD_STDIN, RFD_STDOUT, RFD_STDERR, RFD_FRAMES_IN, RFD_FRAMES_OUT, RFD_OWN_STDOUT, RFD_OWN_STDERR, RFD_CONSOLE, RFD_COUNT };

static int restart_failures;

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

int runner_queue(const span *parts, int nparts) {
  if (A.run.in_fd < 0) return 0;
  return oq_frame_parts(&A.run.in, parts, nparts);
}

static void send_to_runner(sbuf *b) {
  span one = {b->p, b->len};
  if (b->overflow || !runner_queue(&one, 1)) logf_("runner is not reading: dropped a frame");
}

/* Pipes: p[0] read end, p[1] write end, all close-on-exec in the agent; spawn_fds places them. */
static int spawn_runner(char *const argv[], runner *r) {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, so[2] = {-1, -1}, se[2] = {-1, -1}, con[2] = {-1, -1};
  int ok = !pipe2(in, O_CLOEXEC) && !pipe2(out, O_CLOEXEC) && !pipe2(so, O_CLOEXEC) && !pipe2(se, O_CLOEXEC) &&
           !pipe2(con, O_CLOEXEC);
  if (ok) {
    /* The runner reads its own fd 1 and 2 (5, 6) without blocking; its frame fds (3, 4) block, as it expects. */
    set_nonblock(so[0]), set_nonblock(se[0]);
    int fds[RFD_COUNT] = {-1, so[1], se[1], in[0], out[1], so[0], se[0], con[1]};
    r->pid = spawn_fds(argv, A.cfg.working_dir, fds, RFD_COUNT);
    ok = r->pid > 0;
  }
  int keep[] = {in[1], out[0], con[0], so[0], se[0]};
  int *mine[] = {&r->in_fd, &r->out_fd, &r->console_fd, &r->std_fd[0], &r->std_fd[1]};
  int theirs[] = {in[0], out[1], so[1], se[1], con[1]};
  for (int i = 0; i < 5; i++) if (theirs[i] >= 0) close(theirs[i]);
  for (int i = 0; i < 5; i++) {
    if (ok) *mine[i] = keep[i], set_nonblock(keep[i]);
    else if (keep[i] >= 0) close(keep[i]);
  }
  return ok;
}

void runner_start(int first) {
  runner *r = &A.run;
  size_t n = 0;
  while (A.cfg.runner_argv[n]) n++;
  char **argv = calloc(n + 7, sizeof *argv);
  if (!argv) return lifecycle_fail(MVM_ERR_RUNNER_CRASHED, "cannot start the runner: out of memory");
  char hook[PATH_MAX];
  hook_path(hook, sizeof hook, "before_start");
  size_t k = 0;
  argv[k++] = "/bin/sh", argv[k++] = "-c";
  if (first) {
    /* README.md §Hook files: before_start is sourced by the shell that then execs the runner. While it runs, its
     * output goes to the console and it cannot see the frame fds, so nothing it starts can hold or write them. */
    argv[k++] = "[ ! -f \"$0\" ] || { . \"$0\"; } 3<&- 4>&- 5<&- 6<&- >&7 2>&7 || exit $?; export -p > \"$1\" || exit 111; shift; exec \"$@\"";
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
  r->pid = -1, r->in_fd = r->out_fd = r->console_fd = r->std_fd[0] = r->std_fd[1] = -1;
  if (first) A.t_runner_spawn = now_ms(), A.t_runner_spawn_rt = realtime_ms();
  fr_init(&r->rd, MVM_MAX_PAYLOAD + MVM_MAX_FRAME);
  oq_init(&r->in, 2 * MVM_MAX_PAYLOAD);
  sb_init(&r->errline, RUNNER_CONSOLE_LINE);
  int started = spawn_runner(argv, r);
  free(argv);
  if (!started) {
    r->pid = -1;
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
  sb_puts(&b, ",\"max_result_bytes\":");
  sb_int(&b, RUNNER_RESULT_MAX);
  sb_putc(&b, '}');
  send_to_runner(&b);
  sb_free(&b);
}

void runner_send_configure(void) {
  sbuf b;
  sb_init(&b, MVM_MAX_FRAME + 256);
  sb_puts(&b, "{\"type\":\"configure\",\"env\":");
  /* The env object with MVM_INSTANCE_ID added (a clone's runner must see its own id, not the template's);
   * ids are [A-Za-z0-9._:-], so they need no escaping. */
  const char *raw = A.configure_env_raw ? A.configure_env_raw : "{}";
  size_t len = strlen(raw);
  while (len > 0 && raw[len - 1] != '}') len--;
  int empty = 1;
  for (size_t i = 1; i + 1 < len; i++)
    if (raw[i] != ' ' && raw[i] != '\t' && raw[i] != '\n' && raw[i] != '\r') empty = 0;
  if (len > 0) sb_put(&b, raw, len - 1);
  else sb_putc(&b, '{');
  sb_puts(&b, empty ? "" : ",");
  sb_puts(&b, "\"MVM_INSTANCE_ID\":\"");
  sb_puts(&b, getenv("MVM_INSTANCE_ID") ? getenv("MVM_INSTANCE_ID") : "");
  sb_puts(&b, "\"}}");
  send_to_runner(&b);
  sb_free(&b);
}

/* The VM's RNG was reseeded (a snapshot restore): the runner reseeds what the language seeded at start. */
void runner_send_reseed(void) {
  sbuf b;
  sb_init(&b, 64);
  sb_puts(&b, "{\"type\":\"reseed\"}");
  send_to_runner(&b);
  sb_free(&b);
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

/* PROTOCOL.md §Runner framing: one frame from the runner */
static void on_runner_frame(void *ctx, frame_event ev, char **body, size_t len) {
  (void)ctx;
  if (ev != FRAME_BODY) {
    logf_("runner sent a %s frame; restarting it", ev == FRAME_EMPTY ? "empty" : "too large");
    return kill_group(A.run.pid);
  }
  jdoc doc;
  char err[160];
  jval *f = json_parse(&doc, *body, len, FRAME_KEEP_DEPTH, err, sizeof err);
  const jval *type = json_get_str(f, "type");
  /* A frame the agent cannot read cannot be matched to its call: the runner broke the framing contract, so it
   * is restarted and every call it held is answered runner_crashed, rather than left to its deadline. */
  if (!type || f->truncated) {
    logf_("runner sent an unreadable frame (%s); restarting it", !f ? err : !type ? "no type" : "too many members");
    kill_group(A.run.pid);
  } else if (json_str_is(type, "result")) runner_on_result(&doc, f, body, 0);
  else if (json_str_is(type, "error")) runner_on_result(&doc, f, body, 1);
  else if (json_str_is(type, "host_request")) host_request_from_runner(&doc, f, body);
  else if (json_str_is(type, "started")) {
    if (!A.run.ever_started) note_first_start();
    A.run.started = A.run.ever_started = 1;
    restart_failures = 0;
    logf_("runner started pid=%d", (int)A.run.pid);
    lifecycle_runner_started();
  } else if (json_str_is(type, "init_failed")) {
    const jval *code = json_get_str(f, "code"), *msg = json_get_str(f, "message");
    snprintf(A.run.init_code, sizeof A.run.init_code, "%s",
             json_str_is(code, MVM_ERR_INVALID_ENTRYPOINT) ? MVM_ERR_INVALID_ENTRYPOINT : MVM_ERR_RUNNER_CRASHED);
    snprintf(A.run.init_error, sizeof A.run.init_error, "%s", msg ? msg->str : "the runner could not start");
  } else {
    logf_("runner sent an unknown frame type %.40s; restarting it", type->str);
    kill_group(A.run.pid);
  }
  json_free(&doc);
}

void runner_on_frames(void) {
  char buf[65536];
  for (int rounds = 0; rounds < READS_PER_WAKEUP; rounds++) {
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

static void console_bytes(const char *buf, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (buf[i] != '\n' && A.run.errline.len < RUNNER_CONSOLE_LINE - 1) {
      sb_putc(&A.run.errline, buf[i]);
      continue;
    }
    if (buf[i] == '\n' || A.run.errline.len) {
      const char *line = A.run.errline.p ? A.run.errline.p : "";
      console_line("mvm-runner: ", line, A.run.errline.len);
      snprintf(A.run.last_err, sizeof A.run.last_err, "%.*s", (int)A.run.errline.len, line);
    }
    sb_reset(&A.run.errline);
  }
}

/* Reads at most READS_PER_WAKEUP times from fd into the console; closes it at EOF (or, once the runner has exited,
 * when it is empty: an orphan may hold it open forever). */
static void relay(int *fd) {
  char buf[4096];
  for (int rounds = 0; rounds < READS_PER_WAKEUP; rounds++) {
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && A.run.exited) return close_fd(fd);
    if (n < 0) return;
    if (n == 0) return close_fd(fd);
    console_bytes(buf, (size_t)n);
  }
}

void runner_on_console(void) { relay(&A.run.console_fd); }

void runner_on_writable(void) {
  if (oq_flush(&A.run.in, A.run.in_fd) < 0) close_fd(&A.run.in_fd);
}

static void cleanup(void) {
  close_fd(&A.run.in_fd), close_fd(&A.run.out_fd), close_fd(&A.run.console_fd);
  close_fd(&A.run.std_fd[0]), close_fd(&A.run.std_fd[1]);
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
  /* A reply or console line written just before exiting still counts: it is in the pipe already. Read once
   * (bounded, until EAGAIN or EOF), never wait: an orphan in another session may hold the pipes open forever.
   * What it wrote to fd 1/2 and never read itself (a crash in its first lines) goes to the console. */
  if (r->out_fd >= 0) runner_on_frames();
  if (r->console_fd >= 0) relay(&r->console_fd);
  for (int i = 0; i < 2; i++)
    if (r->std_fd[i] >= 0) relay(&r->std_fd[i]);
  if (r->errline.len) console_bytes("\n", 1);
  if (WIFEXITED(status)) snprintf(msg, sizeof msg, "the runner exited with status %d during the call", WEXITSTATUS(status));
  else snprintf(msg, sizeof msg, "the runner was killed by signal %d during the call", WTERMSIG(status));
  runner_fail_calls(MVM_ERR_RUNNER_CRASHED, msg);
  host_requests_drop(MVM_ERR_RUNNER_CRASHED, "the runner exited");
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

void runner_stop(void) {
  if (A.run.pid > 0) kill_group(A.run.pid);
}
