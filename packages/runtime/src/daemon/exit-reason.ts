import type { VmExit } from "@mvm/vmm";

/**
 * Why a VM ended, in words for `ps` and errors, from what is knowable: its exit (status and signal when it
 * was our child), the end of its console and the VMM's stderr.
 */
export function describeVmExit(exit: VmExit, pid: number | null, consoleTail: string, vmmStderr: string): string {
  const panicked = /Kernel panic/.test(consoleTail);
  const guestRebooted = panicked || /reboot: Restarting system|mvm-agent: shutdown/.test(consoleTail);
  const process = `QEMU (pid ${pid ?? "?"})`;
  switch (exit.reason) {
    case "guest":
      if (exit.signal) return `${process} was killed by ${exit.signal}`;
      if (exit.code === 0) return panicked ? "the guest kernel panicked and the VM stopped" : "the guest shut down by itself";
      return `${process} exited with status ${exit.code}${lastLine(vmmStderr) ? `: ${lastLine(vmmStderr)}` : ""}`;
    case "vanished":
      if (guestRebooted) return panicked ? "the guest kernel panicked and the VM stopped" : "the guest shut down by itself";
      return `${process} ended (killed or crashed; it was adopted after a daemon restart, so its exit status is unknown)`;
    case "quit":
      return "stopped through QMP quit";
    case "killed":
      return "killed after it did not stop in time";
    default:
      return exit.reason satisfies never;
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").pop()?.trim() ?? "";
}
