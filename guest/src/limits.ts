/**
 * The protocol's caps (PROTOCOL.md §Caps), apart from the frame schemas so that code which only needs a
 * number (the CLI's daemon client) does not load zod. protocol.ts re-exports them; protocol.h is generated
 * from them.
 */
/** Largest frame body in bytes; a peer that announces more is sent `payload_too_large` (agent) or dropped (host). */
export const MAX_FRAME = 1024 * 1024;
/** Largest reassembled payload of a chunked message, in bytes. */
export const MAX_PAYLOAD = 64 * 1024 * 1024;
/** Raw bytes carried by one chunk frame (base64 makes it ~4/3 larger, still under MAX_FRAME). */
export const CHUNK_BYTES = 512 * 1024;
/** Chunked messages one side may be reassembling at once. */
export const MAX_STREAMS = 8;
/** Requests the agent runs at once; one more is answered `busy`. */
export const MAX_INFLIGHT = 64;
/** Nesting depth the agent's JSON parser accepts. */
export const MAX_JSON_DEPTH = 64;
/** Largest request id; ids are positive integers chosen by the requester, 0 means "no request". */
export const MAX_ID = 2 ** 31 - 1;
/** Timeout the agent applies to an invoke or exec that names none. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/** Variables one `configure` frame may set, and the largest value, in bytes. */
export const MAX_CONFIGURE_VARS = 256;
export const MAX_CONFIGURE_VALUE = 32 * 1024;
/** Most entries of an `exec` argv. */
export const MAX_EXEC_ARGV = 1024;
/**
 * Most JSON values, and most objects and arrays among them, in one message. Parsing costs memory per value far
 * more than per byte (22 million `{}` in 64 MiB took a host 1.5 GB and 25 s), so both sides refuse a message past
 * these before building it (PROTOCOL.md §Caps).
 */
export const MAX_MESSAGE_VALUES = 8 * 1024 * 1024;
export const MAX_MESSAGE_CONTAINERS = 1024 * 1024;
/** Length bounds of a host session nonce (`hello.session`, PROTOCOL.md §Sessions), of `[A-Za-z0-9_-]`. */
export const SESSION_NONCE_MIN = 16;
export const SESSION_NONCE_MAX = 64;
