/* Requests the function makes of the host (PROTOCOL.md §Messages host_request, §Runner framing). The agent
 * relays each under its own id (the guest's id space) and answers the runner exactly once: with the host's
 * host_response, or itself with ok:false when it cannot relay the request (malformed, too many in flight, too
 * large), the call that asked belongs to an ended host session, or the session that would have answered ended.
 * A function never waits on a request the host will not answer, and an old session's call never reaches a new
 * host. */
#include "agent.h"
#include <stdio.h>
#include <string.h>

static void answer_runner(long long rid, const char *code, const char *message) {
  char head[64];
  snprintf(head, sizeof head, "{\"type\":\"host_response\",\"rid\":%lld", rid);
  sbuf err;
  sb_init(&err, 4096);
  sb_puts(&err, ",\"ok\":false,\"error\":{\"code\":\"");
  sb_puts(&err, code);
  sb_puts(&err, "\",\"message\":");
  sb_json_str(&err, message, strlen(message));
  sb_puts(&err, "}}");
  span parts[] = {{head, strlen(head)}, {err.p, err.len}};
  if (!runner_queue(parts, 2)) logf_("runner is not reading: could not refuse host_request %lld", rid);
  sb_free(&err);
}

/* PROTOCOL.md §Runner framing host_request → §Messages host_request (guest → host) */
void host_request_from_runner(const jdoc *doc, const jval *f, char **body) {
  long long rid;
  if (!json_get_int(f, "rid", 1, MVM_MAX_ID, &rid)) return logf_("runner sent a host_request without a valid rid");
  const jval *kind = json_get_str(f, "kind"), *payload = json_get(f, "payload");
  if (!kind || !payload || kind->str_len == 0 || kind->str_len > 64 || strlen(kind->str) != kind->str_len)
    return answer_runner(rid, MVM_ERR_BAD_FRAME, "host_request needs a kind of 1..64 characters and a payload");
  long long call;
  const runner_call *c = json_get_int(f, "call", 1, MVM_MAX_ID, &call) ? runner_call_by_rid(call) : NULL;
  if (c && c->to.session != A.session_gen)
    return answer_runner(rid, MVM_ERR_NOT_READY, "the host session of the call that asked has ended");
  host_req *h = NULL;
  for (int i = 0; i < MVM_MAX_INFLIGHT && !h; i++)
    if (!A.hreqs[i].used) h = &A.hreqs[i];
  if (!h) return answer_runner(rid, MVM_ERR_BUSY, "too many host requests in flight (MAX_INFLIGHT)");
  long long gid = next_id(&A.next_gid);
  msg *m = msg_new();
  if (!m) return answer_runner(rid, MVM_ERR_INTERNAL, "out of memory");
  sbuf b;
  sb_init(&b, 256);
  frame_start(&b, MVM_GUEST_HOST_REQUEST, gid);
  sb_puts(&b, ",\"kind\":");
  msg_textn(m, b.p, b.len);
  sb_free(&b);
  msg_ref(m, kind->raw, kind->raw_len);
  msg_text(m, ",\"payload\":");
  msg_ref(m, payload->raw, payload->raw_len);
  msg_text(m, "}");
  if (m->total > (size_t)MVM_MAX_PAYLOAD || m->text.overflow || doc->values > MVM_MAX_MESSAGE_VALUES - 16 ||
      doc->containers > MVM_MAX_MESSAGE_CONTAINERS) {
    msg_free(m);
    return answer_runner(rid, MVM_ERR_PAYLOAD_TOO_LARGE, "the host_request is larger than MAX_PAYLOAD or its value budget");
  }
  h->used = 1, h->gid = gid, h->rid = rid, h->generation = A.run.generation;
  m->owned = *body;
  *body = NULL;
  msg_send(m);
}

/* PROTOCOL.md §Messages host_response → §Runner framing host_response */
int host_response_from_host(const jval *f) {
  long long gid;
  if (!json_get_int(f, "id", 1, MVM_MAX_ID, &gid)) return 0;
  for (int i = 0; i < MVM_MAX_INFLIGHT; i++) {
    host_req *h = &A.hreqs[i];
    if (!h->used || h->gid != gid) continue;
    h->used = 0;
    if (h->generation != A.run.generation) return 1; /* the runner that asked is gone */
    const jval *ok = json_get(f, "ok"), *value = json_get(f, "value"), *error = json_get(f, "error");
    char head[64];
    snprintf(head, sizeof head, "{\"type\":\"host_response\",\"rid\":%lld", h->rid);
    const char *okf = ok && ok->type == J_BOOL && ok->boolean ? ",\"ok\":true" : ",\"ok\":false";
    span parts[] = {{head, strlen(head)}, {okf, strlen(okf)}, {",\"value\":", value ? 9u : 0u}, {value ? value->raw : "", value ? value->raw_len : 0},
                    {",\"error\":", error ? 9u : 0u}, {error ? error->raw : "", error ? error->raw_len : 0}, {"}", 1}};
    if (!runner_queue(parts, 7)) logf_("runner is not reading: dropped host_response %lld", gid);
    return 1;
  }
  return 0;
}

/* Ends every pending request: the current runner's are answered with code, a gone runner's just forgotten. */
void host_requests_drop(const char *code, const char *why) {
  for (int i = 0; i < MVM_MAX_INFLIGHT; i++) {
    host_req *h = &A.hreqs[i];
    if (!h->used) continue;
    h->used = 0;
    if (h->generation == A.run.generation && A.run.pid > 0) answer_runner(h->rid, code, why);
  }
}
