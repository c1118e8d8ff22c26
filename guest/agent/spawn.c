/* Starting children: each in its own process group, so a timeout kills everything it started. */
#include "agent.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void close_pair(int p[2]) {
  if (p[0] >= 0) close(p[0]);
  if (p[1] >= 0) close(p[1]);
}

pid_t spawn_piped(char *const argv[], const char *cwd, int *in_fd, int *out_fd, int *err_fd) {
  int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
  if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC)) {
    close_pair(pin), close_pair(pout), close_pair(perr);
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close_pair(pin), close_pair(pout), close_pair(perr);
    return -1;
  }
  if (pid == 0) {
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    dup2(pin[0], 0);
    dup2(pout[1], 1);
    dup2(perr[1], 2);
    if (cwd && chdir(cwd) != 0) {
      dprintf(2, "mvm-agent: cannot chdir to %s: %s\n", cwd, strerror(errno));
      _exit(126);
    }
    execvp(argv[0], argv);
    dprintf(2, "mvm-agent: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid); /* also from the parent, so a kill right after fork cannot miss the group */
  close(pin[0]), close(pout[1]), close(perr[1]);
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
