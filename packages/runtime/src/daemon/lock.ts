import { createServer, type Server } from "node:net";
import { daemonLockName } from "./home.ts";

/**
 * Takes the one-daemon-per-MVM_HOME lock: an abstract-namespace Unix socket named after the home. Binding
 * is atomic and the kernel drops it when the process dies, so there is no stale lock file to clean up.
 * Resolves with a release function, or null when another daemon holds it.
 */
export function takeDaemonLock(home: string): Promise<(() => void) | null> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer((socket) => socket.destroy());
    server.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? resolve(null) : reject(err)));
    server.listen(daemonLockName(home), () => resolve(() => server.close()));
  });
}
