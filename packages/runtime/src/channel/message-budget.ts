import { MvmError } from "@mvm/ir";
import { MAX_MESSAGE_CONTAINERS, MAX_MESSAGE_VALUES } from "@mvm/guest";

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, OPEN_OBJ = 0x7b, OPEN_ARR = 0x5b, CLOSE_OBJ = 0x7d, CLOSE_ARR = 0x5d;
const isSpace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Holds a reassembled message to PROTOCOL.md's value budget before JSON.parse builds it: parsing costs memory and
 * time per value far more than per byte (22 million `{}` in 64 MiB took 1.5 GB and 25 s). One pass over the bytes,
 * strings skipped with indexOf; it counts exactly what the agent counts (1 + commas + non-empty containers) and
 * stops at the first budget it breaks. Malformed JSON is left to JSON.parse.
 */
export function checkMessageBudget(body: Buffer): void {
  let values = 1;
  let containers = 0;
  let opened = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (isSpace(c)) continue;
    if (opened) {
      opened = false;
      if (c !== CLOSE_OBJ && c !== CLOSE_ARR) values++;
    }
    if (c === QUOTE) {
      let end = i;
      for (;;) {
        end = body.indexOf(QUOTE, end + 1);
        if (end < 0) return;
        let slashes = 0;
        while (body[end - 1 - slashes] === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
      }
      i = end;
    } else if (c === COMMA) {
      values++;
    } else if (c === OPEN_OBJ || c === OPEN_ARR) {
      containers++;
      opened = true;
    } else {
      continue;
    }
    if (values > MAX_MESSAGE_VALUES || containers > MAX_MESSAGE_CONTAINERS) {
      throw new MvmError("RUN_PAYLOAD_TOO_LARGE",
        `the guest sent a message with more than ${MAX_MESSAGE_VALUES} JSON values or ${MAX_MESSAGE_CONTAINERS} objects and arrays`);
    }
  }
}
