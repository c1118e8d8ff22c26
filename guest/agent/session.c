/* hello (PROTOCOL.md §Handshake, §Sessions): version negotiation and the host session. Every host sends hello
 * with its own nonce after connecting. A nonce the agent has not seen last begins a new session: whatever was
 * queued for the old host, its half-sent chunked messages and its pending host requests are dropped, calls it
 * started keep running but their replies are dropped (calls.c), and only the agent's state (starting, ready or
 * failed; configured) carries over. hello_ok names the nonce, and the ready or failed event is sent again right
 * after it, so a host that reconnects learns exactly where the agent stands. */
#include "agent.h"
#include <stdio.h>
#include <string.h>

static int is_nonce(const jval *v) {
  if (!v || v->type != J_STR || v->str_len < MVM_SESSION_NONCE_MIN || v->str_len > MVM_SESSION_NONCE_MAX) return 0;
  for (size_t i = 0; i < v->str_len; i++) {
    char c = v->str[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return 0;
  }
  return 1;
}

static void drop_host_streams(void) {
  for (int i = 0; i < MVM_MAX_STREAMS; i++)
    if (A.streams[i].used) sb_free(&A.streams[i].data), A.streams[i].used = 0;
}

static void begin_session(const jval *nonce) {
  int first = A.session_gen == 0 && !A.session[0];
  next_id(&A.session_gen);
  snprintf(A.session, sizeof A.session, "%s", nonce->str);
  out_drop_queued();
  drop_host_streams();
  host_requests_drop(MVM_ERR_NOT_READY, "the host reconnected (a new session) before answering");
  int running = inflight_count();
  logf_("session %.16s%s%s", A.session, first ? "" : " (replaces the previous one)",
        running ? "; calls of the old session still running will not be answered" : "");
}

static void reply_hello_ok(long long id) {
  static const char *const states[] = {"starting", "ready", "failed", "starting"};
  sbuf b;
  sb_init(&b, MVM_MAX_FRAME);
  /* The body starts {"v":V,"type":"hello_ok","id":N,"session":"NONCE": a host that lost the framing of an old
   * session's bytes finds it by that prefix (PROTOCOL.md §Sessions). */
  frame_start(&b, MVM_GUEST_HELLO_OK, id);
  sb_puts(&b, ",\"session\":\"");
  sb_puts(&b, A.session);
  sb_puts(&b, "\",\"version\":");
  sb_int(&b, MVM_PROTOCOL_VERSION);
  sb_puts(&b, ",\"agent\":\"" AGENT_NAME "\",\"state\":\"");
  sb_puts(&b, states[A.state]);
  sb_puts(&b, A.configured ? "\",\"configured\":true" : "\",\"configured\":false");
  sb_puts(&b, ",\"caps\":{\"max_frame\":");
  sb_int(&b, MVM_MAX_FRAME);
  sb_puts(&b, ",\"max_payload\":");
  sb_int(&b, MVM_MAX_PAYLOAD);
  sb_puts(&b, ",\"max_inflight\":");
  sb_int(&b, A.cfg.max_inflight ? A.cfg.max_inflight : MVM_MAX_INFLIGHT);
  sb_puts(&b, ",\"chunk_bytes\":");
  sb_int(&b, MVM_CHUNK_BYTES);
  sb_puts(&b, "}}");
  send_body(&b);
  sb_free(&b);
}

/* PROTOCOL.md §Handshake, §Sessions */
void handle_hello(long long id, const jval *f) {
  long long lo, hi;
  const jval *nonce = json_get(f, "session");
  if (!json_get_int(f, "min_v", 0, MVM_MAX_ID, &lo) || !json_get_int(f, "max_v", 0, MVM_MAX_ID, &hi))
    return send_error(id, MVM_ERR_BAD_FRAME, "hello needs integer min_v and max_v");
  /* The agent speaks MIN_PROTOCOL_VERSION..PROTOCOL_VERSION and picks the highest the host also speaks. Versions
   * come first: a host too old to send a session is told so, not that its frame is bad. */
  long long version = hi < MVM_PROTOCOL_VERSION ? hi : MVM_PROTOCOL_VERSION;
  if (version < lo || version < MVM_MIN_PROTOCOL_VERSION) {
    char msg[160];
    snprintf(msg, sizeof msg, "host speaks v%lld..v%lld, agent speaks v%ld..v%ld", lo, hi, MVM_MIN_PROTOCOL_VERSION,
             MVM_PROTOCOL_VERSION);
    return send_error(id, MVM_ERR_UNSUPPORTED_VERSION, msg);
  }
  if (!is_nonce(nonce)) return send_error(id, MVM_ERR_BAD_FRAME, "hello.session must be 16..64 of [A-Za-z0-9_-]");
  int is_new = strcmp(nonce->str, A.session) != 0;
  if (is_new) begin_session(nonce);
  reply_hello_ok(id);
  if (is_new && A.state_event.len) send_body(&A.state_event);
}
