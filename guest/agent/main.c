/* mvm-agent: the guest side of the mvm channel. See README.md (in-guest contract) and ../PROTOCOL.md. */
#include "agent.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

agent A;
long long lifecycle_next_ms(void);

long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long realtime_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long uptime_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void logf_(const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  console_line("mvm-agent: ", line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

long long next_id(long long *counter) {
  *counter = *counter >= MVM_MAX_ID ? 1 : *counter + 1;
  return *counter;
}

void hook_path(char *out, size_t n, const char *phase) { snprintf(out, n, "%s" MVM_HOOKS_DIR "/%s.sh", A.root, phase); }

static void on_sigchld(int sig) {
  (void)sig;
  int saved = errno;
  if (write(A.sig_pipe[1], "c", 1) < 0) { /* the pipe is full: a wake-up is already pending */
  }
  errno = saved;
}

static void reap(void) {
  char drain[64];
  while (read(A.sig_pipe[0], drain, sizeof drain) > 0) {
  }
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == A.run.pid) {
      runner_on_exit(status);
      continue;
    }
    for (int i = 0; i < MAX_JOBS; i++)
      if (A.jobs[i].used && A.jobs[i].pid == pid) job_on_exit(&A.jobs[i], status);
  }
}

/* Without fds 0-2 (no /dev/console in the image) the first pipes would land there and be clobbered by dup2. */
static void ensure_std_fds(void) {
  for (int fd = 0; fd < 3; fd++) {
    if (fcntl(fd, F_GETFD) != -1) continue;
    int got = open(A.is_pid1 ? "/dev/console" : "/dev/null", O_RDWR);
    if (got < 0) got = open("/dev/null", O_RDWR);
    if (got >= 0 && got != fd) dup2(got, fd), close(got);
  }
}

static void usage(void) {
  fprintf(stderr, "usage: mvm-agent [--channel-fd N | --channel PATH] [--root DIR] [--state-dir DIR]\n");
  exit(2);
}

enum { OWN_CHAN, OWN_SIG, OWN_CONSOLE, OWN_RUN_OUT, OWN_RUN_CON, OWN_RUN_IN, OWN_JOB_OUT, OWN_JOB_ERR, OWN_JOB_IN };

static void loop_once(void) {
  struct pollfd pfd[8 + 3 * MAX_JOBS];
  int owner[8 + 3 * MAX_JOBS], index[8 + 3 * MAX_JOBS];
  int n = 0;
  long long now = now_ms(), wake = now + 1000;
#define ADD(fd_, ev_, own_, idx_) (pfd[n] = (struct pollfd){(fd_), (short)(ev_), 0}, owner[n] = (own_), index[n++] = (idx_))
  out_pump();
  if (oq_pending(&A.chan_out)) oq_flush(&A.chan_out, A.chan_fd);
  out_pump();
  if (now >= A.chan_idle_until) ADD(A.chan_fd, POLLIN | (out_wants_write() ? POLLOUT : 0), OWN_CHAN, 0);
  else wake = A.chan_idle_until;
  ADD(A.sig_pipe[0], POLLIN, OWN_SIG, 0);
  if (console_pending()) ADD(2, POLLOUT, OWN_CONSOLE, 0);
  /* Backpressure on the runner (PROTOCOL.md §Memory and time): while big replies wait for the host, its next frames wait
   * in its pipe, not in the agent. */
  if (A.run.out_fd >= 0 && A.out_backlog < OUT_BACKLOG_MAX) ADD(A.run.out_fd, POLLIN, OWN_RUN_OUT, 0);
  if (A.run.console_fd >= 0) ADD(A.run.console_fd, POLLIN, OWN_RUN_CON, 0);
  if (A.run.in_fd >= 0 && oq_pending(&A.run.in)) ADD(A.run.in_fd, POLLOUT, OWN_RUN_IN, 0);
  for (int i = 0; i < MVM_MAX_INFLIGHT; i++)
    if (A.calls[i].used && A.calls[i].deadline_ms < wake) wake = A.calls[i].deadline_ms;
  for (int i = 0; i < MAX_JOBS; i++) {
    job *j = &A.jobs[i];
    if (!j->used) continue;
    if (j->out_fd >= 0) ADD(j->out_fd, POLLIN, OWN_JOB_OUT, i);
    if (j->err_fd >= 0) ADD(j->err_fd, POLLIN, OWN_JOB_ERR, i);
    if (j->in_fd >= 0) ADD(j->in_fd, POLLOUT, OWN_JOB_IN, i);
    if (j->deadline_ms < wake) wake = j->deadline_ms;
  }
  long long next = lifecycle_next_ms();
  if (next >= 0 && next < wake) wake = next;
  int timeout = wake > now ? (int)(wake - now) : 0;
  if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR) logf_("poll: %s", strerror(errno));
  for (int k = 0; k < n; k++) {
    short re = pfd[k].revents;
    if (!re) continue;
    switch (owner[k]) {
    case OWN_CHAN:
      if (re & (POLLIN | POLLHUP | POLLERR)) channel_on_readable();
      if ((re & POLLOUT) && oq_flush(&A.chan_out, A.chan_fd) < 0 && !A.chan_is_port) A.exit_now = 1;
      break;
    case OWN_SIG: reap(); break;
    case OWN_CONSOLE: console_flush(); break;
    case OWN_RUN_OUT: if (A.run.out_fd >= 0) runner_on_frames(); break;
    case OWN_RUN_CON: if (A.run.console_fd >= 0) runner_on_console(); break;
    case OWN_RUN_IN: if (A.run.in_fd >= 0) runner_on_writable(); break;
    case OWN_JOB_OUT: case OWN_JOB_ERR: {
      job *j = &A.jobs[index[k]];
      int fd = owner[k] == OWN_JOB_OUT ? j->out_fd : j->err_fd;
      if (j->used && fd >= 0) job_on_readable(j, fd);
      break;
    }
    case OWN_JOB_IN:
      if (A.jobs[index[k]].used && A.jobs[index[k]].in_fd >= 0) job_on_writable(&A.jobs[index[k]]);
      break;
    }
  }
  now = now_ms();
  if (A.run.pid > 0) runner_check_deadlines(now);
  for (int i = 0; i < MAX_JOBS; i++)
    if (A.jobs[i].used) job_check(&A.jobs[i], now);
  lifecycle_tick(now);
}

/* PROTOCOL.md §Messages shutdown: calls still in flight, invokes and execs alike, are answered not_ready. */
static void stop_everything(void) {
  runner_fail_calls(MVM_ERR_NOT_READY, "the agent shut down during the call");
  jobs_fail_calls(MVM_ERR_NOT_READY, "the agent shut down during the call");
  runner_stop();
  jobs_kill_all();
  long long deadline = now_ms() + 2000;
  out_flush_before_exit(deadline);
  console_drain(deadline + 500);
}

int main(int argc, char **argv) {
  int chan_fd = -1;
  const char *chan_path = NULL, *state_dir = MVM_AGENT_STATE_DIR;
  for (int i = 1; i < argc; i++) {
    if (i + 1 >= argc) usage();
    if (strcmp(argv[i], "--channel-fd") == 0) chan_fd = atoi(argv[++i]);
    else if (strcmp(argv[i], "--channel") == 0) chan_path = argv[++i];
    else if (strcmp(argv[i], "--root") == 0) snprintf(A.root, sizeof A.root, "%s", argv[++i]);
    else if (strcmp(argv[i], "--state-dir") == 0) state_dir = argv[++i];
    else usage();
  }
  A.is_pid1 = getpid() == 1;
  A.run.pid = -1, A.run.in_fd = A.run.out_fd = A.run.console_fd = A.run.std_fd[0] = A.run.std_fd[1] = -1;
  A.cfg.max_inflight = MVM_MAX_INFLIGHT;
  A.cfg.invoke_ms = MVM_DEFAULT_CALL_TIMEOUT_MS;
  A.t_start = now_ms();
  if (A.is_pid1) pid1_setup();
  ensure_std_fds();
  console_init();
  logf_("start v=%ld pid=%d", MVM_PROTOCOL_VERSION, (int)getpid());
  snprintf(A.state_dir, sizeof A.state_dir, "%s", state_dir);
  mkdir(A.state_dir, 0700);
  snprintf(A.env_path, sizeof A.env_path, "%s/env.sh", A.state_dir);
  snprintf(A.configure_path, sizeof A.configure_path, "%s/configure.sh", A.state_dir);
  unlink(A.configure_path);
  signal(SIGPIPE, SIG_IGN);
  if (pipe2(A.sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return logf_("pipe: %s", strerror(errno)), 1;
  struct sigaction sa = {0};
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  if (!channel_open(chan_path, chan_fd)) {
    console_drain(now_ms() + 1000);
    if (A.is_pid1) pid1_reboot();
    return 1;
  }
  char path[PATH_MAX + 32], err[600];
  snprintf(path, sizeof path, "%s" MVM_AGENT_CONFIG_PATH, A.root);
  if (!config_load(path, &A.cfg, err, sizeof err)) {
    A.cfg.max_inflight = MVM_MAX_INFLIGHT;
    lifecycle_fail(MVM_ERR_INVALID_ENTRYPOINT, "bad %s: %s", path, err);
  } else if (A.cfg.await_configure) {
    logf_("waiting for configure");
  } else {
    lifecycle_begin();
  }
  while (!A.exit_now) loop_once();
  logf_("shutdown");
  stop_everything();
  if (A.is_pid1) pid1_reboot();
  return 0;
}
