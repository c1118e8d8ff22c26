/* Replies to calls, held to the session that made them (PROTOCOL.md §Sessions): a call keeps running when a new
 * host says hello, but its reply is dropped, since the new host restarted its ids at 1 and would take it for
 * one of its own. */
#include "agent.h"
#include <string.h>

callref current_caller(long long id) { return (callref){A.session_gen, id}; }

int caller_gone(callref to) {
  if (to.session == A.session_gen) return 0;
  logf_("dropped the reply to id %lld of an earlier session", to.id);
  return 1;
}

void reply_error(callref to, const char *code, const char *msg) {
  if (!caller_gone(to)) send_error(to.id, code, msg);
}

void reply_body(callref to, sbuf *body) {
  if (!caller_gone(to)) send_body(body);
}
