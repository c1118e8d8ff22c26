// Seeded mutation of JSON frame bodies, shared by the fuzz test (host frames) and the hostile runner (runner
// frames). Plain JS: the hostile runner is started by the agent with node, without tsx. Same seed, same bytes.

/** mulberry32: small, fast, and the same sequence everywhere for a seed. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)], bytes: (n) => Buffer.from(Array.from({ length: n }, () => int(256))) };
}

const NUMBERS = ["1e400", "-1e400", "1e-400", "-0", "0.5", "-1", "0", "2147483647", "2147483648", "9223372036854775807",
  "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e30", "123456789012345678901234567890", "3.0", "1E2"];
const STRINGS = ['"chunk\\u0000x"', '"ping\\u0000"', '"\\ud800"', '"\\udc00\\ud800"', '"\\u0000"', '""', '"\\uffff"',
  `"${"k".repeat(65)}"`, `"${"x".repeat(5000)}"`, '"é∑😀"', '"\\"\\\\"'];
const BYTES = [0x00, 0xff, 0xc0, 0xed, 0xf4, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x20, 0x0a, 0x80];

const replaceToken = (text, re, choices, r) => {
  const hits = [...text.matchAll(re)];
  if (!hits.length) return text;
  const hit = r.pick(hits);
  return text.slice(0, hit.index) + r.pick(choices) + text.slice(hit.index + hit[0].length);
};

/** One mutated body from a valid one: token swaps (numbers, strings), deep nesting, duplicates and byte edits. */
export function mutate(body, r) {
  let text = body.toString("utf8");
  const steps = 1 + r.int(3);
  for (let s = 0; s < steps; s++) {
    switch (r.int(9)) {
      case 0: text = replaceToken(text, /-?\d+(\.\d+)?([eE][-+]?\d+)?/g, NUMBERS, r); break;
      case 1: text = replaceToken(text, /"(?:[^"\\]|\\.)*"/g, STRINGS, r); break;
      case 2: {
        const depth = r.pick([63, 64, 65, 200]);
        text = text.replace(/:(\{\}|\[\]|"[^"]*"|\d+)/, `:${"[".repeat(depth)}${"]".repeat(depth)}`);
        break;
      }
      case 3: text = text.replace(/^\{("[a-z_]+":[^,{}]*),/, "{$1,$1,"); break; // a repeated key
      case 4: text = text.replace(/\}$/, `,${Array.from({ length: 300 }, (_, i) => `"m${i}":${i}`).join(",")}}`); break;
      default: {
        const bytes = Buffer.from(text, "utf8");
        const at = r.int(bytes.length + 1);
        const edit = r.int(4);
        const out = edit === 0 ? Buffer.concat([bytes.subarray(0, at), Buffer.from([r.pick(BYTES)]), bytes.subarray(at)])
          : edit === 1 ? Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + r.int(8))])
            : edit === 2 ? Buffer.from(bytes.map((b, i) => (i === at ? b ^ (1 << r.int(8)) : b)))
              : bytes.subarray(0, at);
        return out.length ? out : Buffer.from("{");
      }
    }
  }
  return Buffer.from(text, "utf8");
}

export function frame(body) {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}
