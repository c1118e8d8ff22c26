/**
 * Writes to stdout/stderr and resolves once the bytes are handed to the OS. A pipe takes 64 KiB at a time,
 * and main's process.exit would drop whatever is still queued, so a large result must be awaited whole.
 * A reader that went away (`| head`) is not an error of ours: the write just ends.
 */
export function writeFully(stream: NodeJS.WriteStream, data: string | Uint8Array): Promise<void> {
  if (data.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    stream.write(data, () => resolve());
  });
}
