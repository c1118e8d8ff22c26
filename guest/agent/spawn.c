/* Starting children: each in its own process group, so a timeout kills everything it started. */
#include "agent.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPAWN_MAX_FDS 16

static void close_pair(int p[2]) {
  if (p[0] >= 0) close(p[0]);
  if (p[1] >= 0) close(p[1]);
}

/* In the child: fd i becomes fds[i] (-1: /dev/null) for i < nfds. Sources are first moved above every target,
 * so placing one can never clobber another. Everything else the agent holds is close-on-exec. */
static void place_fds(const int *fds, int nfds) {
  int moved[SPAWN_MAX_FDS];
  for (int i = 0; i < nfds; i++) {
    int src = fds[i] >= 0 ? fds[i] : open("/dev/null", O_RDWR | O_CLOEXEC);
    moved[i] = src >= 0 ? fcntl(src, F_DUPFD_CLOEXEC, SPAWN_MAX_FDS + 3) : -1;
  }
  for (int i = 0; i < nfds; i++)
    if (moved[i] < 0 || dup2(moved[i], i) < 0) _exit(125);
}

pid_t spawn_fds(char *const argv[], const char *cwd, const int *fds, int nfds) {
  if (nfds > SPAWN_MAX_FDS) return errno = EINVAL, -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    place_fds(fds, nfds);
    if (cwd && chdir(cwd) != 0) {
      dprintf(2, "mvm-agent: cannot chdir to %s: %s\n", cwd, strerror(errno));
      _exit(126);
    }
    execvp(argv[0], argv);
    dprintf(2, "mvm-agent: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid); /* also from the parent, so a kill right after fork cannot miss the group */
  return pid;
}

pid_t spawn_piped(char *const argv[], const char *cwd, int *in_fd, int *out_fd, int *err_fd) {
  int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
  if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC)) {
    close_pair(pin), close_pair(pout), close_pair(perr);
    return -1;
  }
  int fds[3] = {pin[0], pout[1], perr[1]};
  pid_t pid = spawn_fds(argv, cwd, fds, 3);
  close(pin[0]), close(pout[1]), close(perr[1]);
  if (pid < 0) {
    close(pin[1]), close(pout[0]), close(perr[0]);
    return -1;
  }
  fcntl(pin[1], F_SETFL, O_NONBLOCK);
  fcntl(pout[0], F_SETFL, O_NONBLOCK);
  fcntl(perr[0], F_SETFL, O_NONBLOCK);
  *in_fd = pin[1], *out_fd = pout[0], *err_fd = perr[0];
  return pid;
}

void kill_group(pid_t pid) {
  if (pid > 0) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  }
}
