/* What only PID 1 does (README.md §PID 1): mounts, loopback, reboot; and the clock/entropy sync, which
 * touches the machine's clock and RNG and therefore also runs only as PID 1 (except an uncredited mix). */
#include "agent.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void mount_one(const char *src, const char *dst, const char *type, unsigned long flags, const char *opts) {
  mkdir(dst, 0755);
  if (mount(src, dst, type, flags, opts) != 0 && errno != EBUSY)
    logf_("cannot mount %s on %s: %s", type, dst, strerror(errno));
}

static void loopback_up(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) logf_("cannot bring up lo: %s", strerror(errno));
  }
  close(s);
}

void pid1_setup(void) {
  mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_one("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
  mount_one("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666");
  mount_one("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  mount_one("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  mount_one("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
  setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
  setenv("HOME", "/root", 1);
  loopback_up();
}

void pid1_reboot(void) {
  sync();
  /* The VM runs with reboot=t and -no-reboot, so a reboot makes QEMU exit; poweroff would need ACPI. */
  reboot(RB_AUTOBOOT);
  logf_("reboot failed: %s", strerror(errno));
  for (;;) pause(); /* PID 1 must never exit: that panics the kernel */
}

int set_clock_ms(long long epoch_ms) {
  struct timespec ts = {.tv_sec = epoch_ms / 1000, .tv_nsec = (epoch_ms % 1000) * 1000000L};
  return clock_settime(CLOCK_REALTIME, &ts) == 0;
}

int add_entropy(const unsigned char *data, size_t n, int credit) {
  int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  int ok;
  if (credit) {
    struct rand_pool_info *info = malloc(sizeof *info + n);
    if (!info) return close(fd), 0;
    info->entropy_count = (int)(n * 8);
    info->buf_size = (int)n;
    memcpy(info->buf, data, n);
    ok = ioctl(fd, RNDADDENTROPY, info) == 0;
    free(info);
  } else {
    ok = write(fd, data, n) == (ssize_t)n; /* mixed in, not credited */
  }
  close(fd);
  return ok;
}
