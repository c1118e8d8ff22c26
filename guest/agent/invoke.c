/* Invokes the runner runs (PROTOCOL.md §Messages invoke, §Runner framing): each gets the agent's own id on the
 * runner's pipe, a deadline, and exactly one reply, which is budgeted before it is made (§Caps) and referenced
 * from the runner's frame rather than copied (§Memory and time). */
#include "agent.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int inflight_count(void) {
  int n = 0;
  for (int i = 0; i < MVM_MAX_INFLIGHT; i++) n += A.calls[i].used;
  for (int i = 0; i < MAX_JOBS; i++)
    n += A.jobs[i].used && (A.jobs[i].kind == JOB_EXEC || A.jobs[i].kind == JOB_INVOKE_COMMAND);
  return n;
}

int runner_invoke(callref to, const jval *input, const jval *function, long long timeout_ms) {
  runner_call *c = NULL;
  for (int i = 0; i < MVM_MAX_INFLIGHT && !c; i++)
    if (!A.calls[i].used) c = &A.calls[i];
  if (!c) return 0;
  char head[64];
  long long rid = next_id(&A.next_rid);
  snprintf(head, sizeof head, "{\"type\":\"invoke\",\"id\":%lld", rid);
  span parts[] = {{head, strlen(head)}, {",\"function\":", function ? 12u : 0u}, {function ? function->raw : "", function ? function->raw_len : 0},
                  {",\"input\":", 9}, {input->raw, input->raw_len}, {"}", 1}};
  if (!runner_queue(parts, 6)) return 0;
  c->used = 1, c->rid = rid, c->to = to, c->started_ms = now_ms(), c->deadline_ms = c->started_ms + timeout_ms;
  return 1;
}

runner_call *runner_call_by_rid(long long rid) {
  for (int i = 0; i < MVM_MAX_INFLIGHT; i++)
    if (A.calls[i].used && A.calls[i].rid == rid) return &A.calls[i];
  return NULL;
}

static int is_str(const jval *v) { return v && v->type == J_STR; }

static void too_large(callref to, size_t bytes, const char *what) {
  char msg[200];
  snprintf(msg, sizeof msg, "the %s is %zu bytes encoded, more than MAX_PAYLOAD (%ld) or its value budget", what, bytes,
           MVM_MAX_PAYLOAD);
  reply_error(to, MVM_ERR_PAYLOAD_TOO_LARGE, msg);
}

/* The runner's `error` frame for a function that raised. */
static msg *error_reply(const runner_call *c, const jval *f) {
  const jval *ex = json_get(f, "exception");
  const jval *type = json_get_str(ex, "type"), *emsg = json_get_str(ex, "message"), *tb = json_get_str(ex, "traceback");
  if (!type || !emsg || !tb || ex->truncated) return NULL;
  msg *m = msg_new();
  if (!m) return NULL;
  sbuf b, summary;
  sb_init(&b, 16384);
  frame_start(&b, MVM_GUEST_ERROR, c->to.id);
  sb_puts(&b, ",\"code\":\"" MVM_ERR_FUNCTION_ERROR "\",\"message\":");
  sb_init(&summary, 4096);
  sb_put(&summary, type->str, type->str_len > 500 ? 500 : type->str_len);
  sb_puts(&summary, ": ");
  sb_put(&summary, emsg->str, emsg->str_len > 3000 ? 3000 : emsg->str_len);
  sb_json_str(&b, summary.p, summary.len);
  sb_free(&summary);
  sb_puts(&b, ",\"exception\":{\"type\":");
  msg_textn(m, b.p, b.len);
  sb_free(&b);
  msg_ref(m, type->raw, type->raw_len);
  msg_text(m, ",\"message\":");
  msg_ref(m, emsg->raw, emsg->raw_len);
  msg_text(m, ",\"traceback\":");
  msg_ref(m, tb->raw, tb->raw_len);
  msg_text(m, "}");
  return m;
}

static msg *result_reply(const runner_call *c, const jval *value) {
  msg *m = msg_new();
  if (!m) return NULL;
  sbuf b;
  sb_init(&b, 256);
  frame_start(&b, MVM_GUEST_RESULT, c->to.id);
  sb_puts(&b, ",\"value\":");
  msg_textn(m, b.p, b.len);
  sb_free(&b);
  msg_ref(m, value->raw, value->raw_len);
  msg_text(m, ",\"duration_ms\":");
  msg_int(m, now_ms() - c->started_ms);
  return m;
}

/* A runner `result` or `error` frame (§Runner framing); *body is the frame, which the reply takes over. */
void runner_on_result(const jdoc *doc, const jval *f, char **body, int is_error) {
  long long rid;
  runner_call *c = json_get_int(f, "id", 1, MVM_MAX_ID, &rid) ? runner_call_by_rid(rid) : NULL;
  if (!c) return; /* already answered (timed out) */
  runner_call call = *c;
  c->used = 0;
  if (caller_gone(call.to)) return;
  const jval *code = is_error ? json_get_str(f, "code") : NULL, *text = json_get_str(f, "message");
  if (code) { /* the runner refused the result itself: it would not fit RUNNER_RESULT_MAX */
    if (!json_str_is(code, MVM_ERR_PAYLOAD_TOO_LARGE) || !text)
      return reply_error(call.to, MVM_ERR_INTERNAL, "runner sent an error with an unknown code");
    return reply_error(call.to, MVM_ERR_PAYLOAD_TOO_LARGE, text->str);
  }
  const jval *out = json_get(f, "stdout"), *err = json_get(f, "stderr"), *value = json_get(f, "value");
  if (!is_str(out) || !is_str(err) || (!is_error && !value))
    return reply_error(call.to, MVM_ERR_INTERNAL, "runner sent a malformed reply");
  msg *m = is_error ? error_reply(&call, f) : result_reply(&call, value);
  if (!m) return reply_error(call.to, MVM_ERR_INTERNAL, "runner sent a malformed exception");
  msg_text(m, ",\"stdout\":");
  msg_ref(m, out->raw, out->raw_len);
  msg_text(m, ",\"stderr\":");
  msg_ref(m, err->raw, err->raw_len);
  msg_text(m, "}");
  /* The runner checks its frame against RUNNER_RESULT_MAX; this holds one that did not to the wire's caps, for
   * that call alone. */
  if (m->total > (size_t)MVM_MAX_PAYLOAD || m->text.overflow || doc->values > MVM_MAX_MESSAGE_VALUES - 16 ||
      doc->containers > MVM_MAX_MESSAGE_CONTAINERS) {
    size_t total = m->total;
    msg_free(m);
    return too_large(call.to, total, is_error ? "exception" : "result");
  }
  m->owned = *body;
  *body = NULL;
  msg_send(m);
}

void runner_check_deadlines(long long now) {
  for (int i = 0; i < MVM_MAX_INFLIGHT; i++) {
    runner_call *c = &A.calls[i];
    if (!c->used || now < c->deadline_ms) continue;
    char msg[160];
    snprintf(msg, sizeof msg, "the call ran past its timeout (%lld ms); the runner was killed and restarted",
             c->deadline_ms - c->started_ms);
    c->used = 0;
    reply_error(c->to, MVM_ERR_TIMEOUT, msg);
    kill_group(A.run.pid);
  }
}

void runner_fail_calls(const char *code, const char *msg) {
  for (int i = 0; i < MVM_MAX_INFLIGHT; i++)
    if (A.calls[i].used) A.calls[i].used = 0, reply_error(A.calls[i].to, code, msg);
}
