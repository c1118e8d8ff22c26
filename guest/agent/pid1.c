/* What only PID 1 does (README.md §PID 1): mounts, loopback, reboot; and the clock/entropy sync and the NIC's
 * address from configure, which touch the machine's clock, RNG and network and therefore also run only as
 * PID 1 (except an uncredited mix). */
#include "agent.h"
#include <errno.h>
#include <fcntl.h>
#include <net/if_arp.h>
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

/* Credited entropy does not reach the CRNG once it is initialised: it only refills the input pool, and the
 * CRNG reseeds on its own schedule (up to a minute away). After a snapshot restore every clone would keep
 * the template's CRNG key until then, so /dev/urandom output would repeat across clones: force the reseed. */
int reseed_crng(void) {
  int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  int ok = ioctl(fd, RNDRESEEDCRNG) == 0;
  if (!ok) logf_("cannot reseed the CRNG: %s", strerror(errno));
  close(fd);
  return ok;
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

/* A clone restores its template's virtio-net state, MAC included, so configure gives each instance its own
 * (PROTOCOL.md §configure). The VM has at most one Ethernet interface: the first one found is it. */
int set_nic_mac(const unsigned char mac[6], char *why, size_t why_len) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return snprintf(why, why_len, "socket: %s", strerror(errno)), 0;
  struct if_nameindex *names = if_nameindex();
  int ok = 0;
  snprintf(why, why_len, "the VM has no Ethernet interface");
  for (struct if_nameindex *n = names; n && n->if_index != 0; n++) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", n->if_name);
    if (ioctl(s, SIOCGIFHWADDR, &ifr) != 0 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) continue;
    memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
    ok = ioctl(s, SIOCSIFHWADDR, &ifr) == 0;
    if (!ok) snprintf(why, why_len, "SIOCSIFHWADDR on %s: %s", n->if_name, strerror(errno));
    else logf_("%s address %02x:%02x:%02x:%02x:%02x:%02x", n->if_name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    break;
  }
  if (names) if_freenameindex(names);
  close(s);
  return ok;
}
