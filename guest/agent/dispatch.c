/* Host frames (PROTOCOL.md §Messages): validate the envelope, then one handler per type. Every request gets
 * exactly one reply; a frame the agent cannot read gets an `error` with id 0 and the agent carries on. */
#include "agent.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void reply_simple(long long id, const char *type, const char *fields) {
  sbuf b;
  sb_init(&b, MVM_MAX_FRAME);
  frame_start(&b, type, id);
  sb_puts(&b, fields);
  sb_putc(&b, '}');
  send_body(&b);
  sb_free(&b);
}

/* Whether a call may start now; if not, the reason has been sent. */
static int admit_call(long long id) {
  if (A.state == ST_FAILED) return send_error(id, A.fail_code, A.fail_msg), 0;
  if (A.state != ST_READY) return send_error(id, MVM_ERR_NOT_READY, "the agent is not ready yet (or is stopping)"), 0;
  if (inflight_count() >= A.cfg.max_inflight) return send_error(id, MVM_ERR_BUSY, "too many calls in flight"), 0;
  return 1;
}

static int is_function_name(const jval *v) {
  if (v->type != J_STR || v->str_len == 0 || v->str_len > 128 || strlen(v->str) != v->str_len) return 0;
  for (size_t i = 0; i < v->str_len; i++) {
    char c = v->str[i];
    int alpha = c == '_' || c == '$' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!alpha && (i == 0 || c < '0' || c > '9')) return 0;
  }
  return 1;
}

static long long timeout_of(const jval *f) {
  long long t;
  return json_get_int(f, "timeout_ms", 1, 86400000, &t) ? t : A.cfg.invoke_ms;
}

/* §Messages invoke */
static void handle_invoke(long long id, const jval *f) {
  const jval *input = json_get(f, "input"), *function = json_get(f, "function");
  if (!input || input->type != J_OBJ) return send_error(id, MVM_ERR_BAD_FRAME, "invoke.input must be a JSON object");
  if (function && !is_function_name(function))
    return send_error(id, MVM_ERR_BAD_FRAME, "invoke.function must be an identifier of at most 128 characters");
  if (!admit_call(id)) return;
  if (A.cfg.kind == ENTRY_FUNCTION) {
    if (!runner_invoke(current_caller(id), input, function, timeout_of(f)))
      send_error(id, MVM_ERR_BUSY, "the runner is not reading its input; try again");
    return;
  }
  if (function) return send_error(id, MVM_ERR_INVALID_ENTRYPOINT, "a command entrypoint has no functions to choose from");
  /* A command entrypoint: the argv runs per call with the input JSON on stdin, after sourcing env.sh. */
  size_t n = 0;
  while (A.cfg.command[n]) n++;
  char **argv = calloc(n + 6, sizeof *argv);
  if (!argv) return send_error(id, MVM_ERR_INTERNAL, "out of memory");
  argv[0] = "/bin/sh", argv[1] = "-c";
  argv[2] = "[ ! -f \"$0\" ] || . \"$0\" || exit 111; [ ! -f \"$1\" ] || . \"$1\" || exit 111; shift; exec \"$@\"";
  argv[3] = A.env_path, argv[4] = A.configure_path;
  for (size_t i = 0; i < n; i++) argv[5 + i] = A.cfg.command[i];
  if (!job_spawn(JOB_INVOKE_COMMAND, current_caller(id), argv, A.cfg.working_dir, input->raw, input->raw_len, timeout_of(f)))
    send_error(id, MVM_ERR_EXEC_FAILED, "cannot start the command");
  free(argv);
}

/* §Messages exec */
static void handle_exec(long long id, const jval *f) {
  const jval *args = json_get(f, "argv");
  if (!args || args->type != J_ARR || !args->child) return send_error(id, MVM_ERR_BAD_FRAME, "exec.argv must be a non-empty array");
  size_t n = 0;
  for (const jval *a = args->child; a; a = a->next, n++)
    if (a->type != J_STR || strlen(a->str) != a->str_len) return send_error(id, MVM_ERR_BAD_FRAME, "exec.argv must be strings without NUL");
  if (args->truncated || n > MVM_MAX_EXEC_ARGV)
    return send_error(id, MVM_ERR_BAD_FRAME, "exec.argv has more than MAX_EXEC_ARGV entries");
  if (A.state == ST_STOPPING) return send_error(id, MVM_ERR_NOT_READY, "the agent is stopping");
  if (inflight_count() >= A.cfg.max_inflight) return send_error(id, MVM_ERR_BUSY, "too many calls in flight");
  sbuf in;
  sb_init(&in, MVM_MAX_PAYLOAD);
  const jval *stdin_b64 = json_get_str(f, "stdin_b64");
  if (stdin_b64 && !sb_unbase64(&in, stdin_b64->str, stdin_b64->str_len)) {
    sb_free(&in);
    return send_error(id, MVM_ERR_BAD_FRAME, "exec.stdin_b64 is not base64");
  }
  char **argv = calloc(n + 1, sizeof *argv);
  if (!argv) return sb_free(&in), send_error(id, MVM_ERR_INTERNAL, "out of memory");
  n = 0;
  for (const jval *a = args->child; a; a = a->next) argv[n++] = (char *)a->str;
  if (!job_spawn(JOB_EXEC, current_caller(id), argv, A.cfg.working_dir[0] ? A.cfg.working_dir : "/", in.p, in.len, timeout_of(f)))
    send_error(id, MVM_ERR_EXEC_FAILED, "cannot start the command");
  free(argv);
  sb_free(&in);
}

/* §Messages sync, §Timeouts and the clock */
static void handle_sync(long long id, const jval *f) {
  long long epoch;
  const jval *ent = json_get_str(f, "entropy_b64");
  if (!json_get_int(f, "epoch_ms", 0, 253402300799999LL, &epoch) || !ent)
    return send_error(id, MVM_ERR_BAD_FRAME, "sync needs epoch_ms and entropy_b64");
  sbuf bytes;
  sb_init(&bytes, 4096);
  if (!sb_unbase64(&bytes, ent->str, ent->str_len)) return sb_free(&bytes), send_error(id, MVM_ERR_BAD_FRAME, "entropy_b64 is not base64 of at most 4096 bytes");
  /* Setting the clock or crediting entropy on a host (tests) would change the host: PID 1 only. */
  int clock_set = A.is_pid1 && set_clock_ms(epoch);
  int mixed = bytes.len > 0 && add_entropy((unsigned char *)bytes.p, bytes.len, A.is_pid1);
  /* After a restore every clone holds the template's CRNG state: reseed it from the fresh entropy now. */
  int reseeded = mixed && A.is_pid1 && reseed_crng();
  /* Frames to the runner are ordered: an invoke sent after sync_ok runs after the runner reseeded too. */
  if (reseeded && A.run.pid > 0 && A.run.started) runner_send_reseed();
  char fields[200];
  snprintf(fields, sizeof fields, ",\"clock_set\":%s,\"entropy_bytes\":%zu,\"credited\":%s,\"reseeded\":%s", clock_set ? "true" : "false",
           mixed ? bytes.len : 0, mixed && A.is_pid1 ? "true" : "false", reseeded ? "true" : "false");
  sb_free(&bytes);
  reply_simple(id, MVM_GUEST_SYNC_OK, fields);
}

static size_t stream_bytes(void) {
  size_t n = 0;
  for (int i = 0; i < MVM_MAX_STREAMS; i++)
    if (A.streams[i].used) n += A.streams[i].data.len;
  return n;
}

/* §Chunking: at most MAX_STREAMS open streams and MAX_PAYLOAD bytes across all of them. */
static void handle_chunk(const jval *f, int nested) {
  long long stream, seq;
  const jval *fin = json_get(f, "final"), *data = json_get_str(f, "data");
  if (nested || !json_get_int(f, "stream", 1, MVM_MAX_ID, &stream) || !json_get_int(f, "seq", 0, MVM_MAX_ID, &seq) ||
      !fin || fin->type != J_BOOL || !data)
    return send_error(0, MVM_ERR_BAD_FRAME, "chunk needs stream, seq, final and data");
  stream_in *s = NULL, *free_slot = NULL;
  for (int i = 0; i < MVM_MAX_STREAMS; i++) {
    if (A.streams[i].used && A.streams[i].stream == stream) s = &A.streams[i];
    if (!A.streams[i].used && !free_slot) free_slot = &A.streams[i];
  }
  if (!s) {
    if (seq != 0) return send_error(0, MVM_ERR_BAD_FRAME, "chunk for an unknown stream");
    if (!free_slot) return send_error(0, MVM_ERR_BUSY, "too many chunked messages at once");
    s = free_slot;
    s->used = 1, s->stream = stream, s->next_seq = 0;
    sb_init(&s->data, MVM_MAX_PAYLOAD);
  }
  const char *problem = NULL;
  size_t others = stream_bytes() - s->data.len;
  s->data.limit = (size_t)MVM_MAX_PAYLOAD > others ? (size_t)MVM_MAX_PAYLOAD - others : 0;
  if (seq != s->next_seq) problem = MVM_ERR_BAD_FRAME;
  else if (!sb_unbase64(&s->data, data->str, data->str_len)) problem = s->data.overflow ? MVM_ERR_PAYLOAD_TOO_LARGE : MVM_ERR_BAD_FRAME;
  if (problem) {
    send_error(0, problem, "chunked message dropped (out of order, bad base64 or past MAX_PAYLOAD across open streams)");
    sb_free(&s->data);
    s->used = 0;
    return;
  }
  s->next_seq++;
  if (!fin->boolean) return;
  sbuf whole = s->data;
  s->used = 0;
  dispatch_host_frame(whole.p ? whole.p : "", whole.len);
  sb_free(&whole);
}

static int chunk_depth; /* a reassembled message may not itself be a chunk */

/* PROTOCOL.md §Frames (agent reading host frames), then §Messages by type. */
void dispatch_host_frame(const char *body, size_t len) {
  jdoc doc;
  char err[160], msg[256];
  jval *f = json_parse(&doc, body, len, FRAME_KEEP_DEPTH, err, sizeof err);
  long long v, id = 0;
  const jval *type = json_get_str(f, "type");
  if (!f || f->type != J_OBJ) {
    /* The host writes v and id first, so a frame that breaks later (too deep, bad UTF-8) still names its id. */
    if (!f) json_get_int(doc.partial, "id", 1, MVM_MAX_ID, &id);
    snprintf(msg, sizeof msg, "frame is not a JSON object: %s", f ? "wrong type" : err);
    send_error(id, MVM_ERR_BAD_FRAME, msg);
  } else if (f->truncated) {
    send_error(0, MVM_ERR_BAD_FRAME, "frame has too many members");
  } else if (!json_get_int(f, "v", 0, MVM_MAX_ID, &v) || !type) {
    send_error(0, MVM_ERR_BAD_FRAME, "frame needs integer v and string type");
  } else if (v != MVM_PROTOCOL_VERSION) {
    json_get_int(f, "id", 1, MVM_MAX_ID, &id);
    send_error(id, MVM_ERR_UNSUPPORTED_VERSION, "frame version is not the negotiated version");
  } else if (json_str_is(type, MVM_HOST_CHUNK)) {
    chunk_depth++;
    handle_chunk(f, chunk_depth > 1);
    chunk_depth--;
  } else if (!json_get_int(f, "id", 1, MVM_MAX_ID, &id)) {
    send_error(0, MVM_ERR_BAD_FRAME, "frame needs an integer id in 1..MAX_ID");
  } else if (doc.values > MVM_MAX_MESSAGE_VALUES || doc.containers > MVM_MAX_MESSAGE_CONTAINERS) {
    send_error(id, MVM_ERR_PAYLOAD_TOO_LARGE, "the message has more JSON values than MAX_MESSAGE_VALUES or MAX_MESSAGE_CONTAINERS");
  } else if (json_str_is(type, MVM_HOST_HELLO)) {
    handle_hello(id, f);
  } else if (json_str_is(type, MVM_HOST_PING)) { /* §Messages ping */
    snprintf(msg, sizeof msg, ",\"uptime_ms\":%lld", uptime_ms());
    reply_simple(id, MVM_GUEST_PONG, msg);
  } else if (json_str_is(type, MVM_HOST_INVOKE)) {
    handle_invoke(id, f);
  } else if (json_str_is(type, MVM_HOST_EXEC)) {
    handle_exec(id, f);
  } else if (json_str_is(type, MVM_HOST_SHUTDOWN)) {
    lifecycle_shutdown(id);
  } else if (json_str_is(type, MVM_HOST_SYNC)) {
    handle_sync(id, f);
  } else if (json_str_is(type, MVM_HOST_CONFIGURE)) {
    handle_configure(id, f);
  } else if (json_str_is(type, MVM_HOST_HOST_RESPONSE)) {
    if (!host_response_from_host(f)) logf_("host_response %lld matches no pending host_request", id);
  } else {
    sbuf printable;
    sb_init(&printable, 200);
    sb_json_str(&printable, type->str, type->str_len > 64 ? 64 : type->str_len);
    snprintf(msg, sizeof msg, "unknown frame type %s", printable.p ? printable.p : "\"\"");
    sb_free(&printable);
    send_error(id, MVM_ERR_UNKNOWN_TYPE, msg);
  }
  json_free(&doc);
}
