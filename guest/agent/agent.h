/* The agent's state and the functions each module offers the main loop. One agent per process, so the state
 * is one global struct (`A`), touched only from the single-threaded poll loop. */
#ifndef MVM_AGENT_H
#define MVM_AGENT_H
#include "frame.h"
#include "json.h"
#include "protocol.h"
#include <limits.h>
#include <sys/types.h>

#define AGENT_NAME "mvm-agent/0.1"
#define MAX_JOBS (MVM_MAX_INFLIGHT + 4)
/* What a runner frame may encode (PROTOCOL.md §Runner framing): the agent's reply adds at most this much
 * envelope (v, id digits, duration_ms, the error message) to what the runner sent. */
#define REPLY_ENVELOPE_MAX (64 * 1024)
#define RUNNER_RESULT_MAX (MVM_MAX_PAYLOAD - REPLY_ENVELOPE_MAX)
/* Guest-originated messages larger than a frame are chunked lazily: the next chunk is made only while the
 * channel's queue holds less than this, so a big reply is held once, as its body (PROTOCOL.md §Memory and time). */
#define OUT_LOW_WATER (2 * MVM_MAX_FRAME)
/* The runner's frames are not read while this many bytes of big replies wait to be chunked. */
#define OUT_BACKLOG_MAX MVM_MAX_PAYLOAD

/* starting: hooks/runner not done yet · ready: after_start passed · failed: start-up gave up (the reason is
 * in fail_code/fail_msg) · stopping: shutdown accepted, before_stop running. */
typedef enum { ST_STARTING, ST_READY, ST_FAILED, ST_STOPPING } agent_state;
typedef enum { ENTRY_FUNCTION, ENTRY_COMMAND } entry_kind;

typedef struct {
  entry_kind kind;
  char language[16];
  char **runner_argv; /* NULL-terminated */
  char **command;     /* NULL-terminated, command entrypoints */
  char *module, *function, *params_raw;
  char working_dir[PATH_MAX];
  long long health_port, max_inflight, invoke_ms, after_start_ms, after_start_interval_ms, before_stop_ms;
  int await_configure;
} agent_config;

/* Who a call's reply goes to: the host session that sent it and the id that host chose (PROTOCOL.md §Sessions).
 * A reply whose session is no longer the current one is dropped, never sent to the new host. */
typedef struct {
  long long session, id;
} callref;

typedef enum { JOB_INVOKE_COMMAND, JOB_EXEC, JOB_BEFORE_START, JOB_AFTER_START, JOB_BEFORE_STOP } job_kind;

/* What a captured stream would cost once encoded into its reply: base64 for exec, a JSON string for a command
 * invoke (escapes can make a byte six). `pos` bytes are counted; a partial UTF-8 sequence waits for more. */
typedef struct {
  size_t pos, bytes;
} enc_count;

/* A child whose stdout/stderr are captured: exec requests, command invokes and hook phases. */
typedef struct {
  int used;
  job_kind kind;
  callref to;
  pid_t pid;
  int in_fd, out_fd, err_fd;
  outq in;
  sbuf out, err;
  enc_count out_enc, err_enc;
  long long started_ms, deadline_ms;
  int exited, status, timed_out, too_large;
} job;

typedef struct {
  pid_t pid;
  int in_fd;      /* frames to the runner (its fd 3) */
  int out_fd;     /* frames from the runner (its fd 4) */
  int console_fd; /* its console pipe (its fd 7), relayed as mvm-runner: lines */
  int std_fd[2];  /* the read ends of its fd 1 and 2 (the runner reads them; the agent drains them after it exits) */
  frame_reader rd;
  outq in;
  sbuf errline;
  int started, ever_started, exited, out_eof, generation;
  char init_error[512];
  char init_code[32];
  char last_err[256]; /* the runner's last console line, for start-up failure messages */
} runner;

/* An invoke the runner is running. `rid` is the agent's own id for it on the runner's pipe, so calls of two host
 * sessions (both of which start their ids at 1) never meet there. */
typedef struct {
  int used;
  long long rid;
  callref to;
  long long started_ms, deadline_ms;
} runner_call;

typedef struct {
  int used;
  long long gid, rid;
  int generation;
} host_req;

typedef struct {
  int used;
  long long stream, next_seq;
  sbuf data;
} stream_in;

/* A guest→host message larger than one frame, waiting to be chunked (out.c). Its body is a list of segments:
 * literal text built by the agent, and spans of `owned` (e.g. the runner frame a result came in), so a
 * function's 60 MB return value is never copied. */
#define MSG_SEGS 16
typedef struct msg {
  struct msg *next;
  char *owned;
  sbuf text;
  struct {
    int in_text;
    size_t off, n;
    const char *p;
  } seg[MSG_SEGS];
  int nseg;
  size_t total, sent;
  long long stream, seq;
} msg;

typedef struct {
  agent_config cfg;
  char root[PATH_MAX / 2], state_dir[PATH_MAX / 2], env_path[PATH_MAX];
  int is_pid1;
  agent_state state;
  char fail_code[32], fail_msg[512];
  /* The output of the last after_start attempt that ran to its end: the one cut off by the deadline has none. */
  char probe_output[320];
  int chan_fd, chan_is_port;
  long long chan_idle_until;
  frame_reader chan_rd;
  outq chan_out;
  msg *out_head, *out_tail;
  size_t out_backlog; /* bytes of queued messages not yet chunked */
  int sig_pipe[2];
  runner run;
  runner_call calls[MVM_MAX_INFLIGHT];
  job jobs[MAX_JOBS];
  host_req hreqs[MVM_MAX_INFLIGHT];
  stream_in streams[MVM_MAX_STREAMS];
  long long next_stream, next_gid, next_rid;
  /* The host session (PROTOCOL.md §Sessions): its nonce and a counter that tags every call. 0 = frames before
   * any hello. */
  char session[80];
  long long session_gen;
  /* The ready or failed event as sent, re-sent to a new session right after its hello_ok. */
  sbuf state_event;
  long long after_start_deadline, after_start_next;
  callref shutdown_to;
  int exit_now;
  /* configure (PROTOCOL.md §configure): applied once at least; the env object as sent, for the runner. */
  int configured, begun;
  char *configure_env_raw;
  char configure_path[PATH_MAX];
  /* Start-up timings (PROTOCOL.md §ready), CLOCK_MONOTONIC ms; runner_spawn_rt is CLOCK_REALTIME ms, to compare
   * with env.sh's mtime (the moment before_start finished inside the runner's shell). */
  long long t_start, t_configured, t_runner_spawn, t_runner_spawn_rt, t_started, before_start_ms;
} agent;

extern agent A;

long long now_ms(void);
long long uptime_ms(void);
long long realtime_ms(void);
void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hook_path(char *out, size_t n, const char *phase);
long long next_id(long long *counter); /* 1..MAX_ID, wrapping */

/* console.c */
void console_init(void);
void console_line(const char *prefix, const char *text, size_t n);
int console_pending(void);
void console_flush(void);
void console_drain(long long deadline_ms);
unsigned long long console_dropped(void);

/* config.c */
int config_load(const char *path, agent_config *cfg, char *err, size_t errlen);

/* channel.c */
int channel_open(const char *path, int fd);
void channel_on_readable(void);
void frame_start(sbuf *b, const char *type, long long id);
void send_error(long long id, const char *code, const char *msg);

/* out.c: everything the agent sends the host goes through here */
void send_body(sbuf *body);
msg *msg_new(void);
void msg_text(msg *m, const char *s);
void msg_textn(msg *m, const char *s, size_t n);
void msg_int(msg *m, long long v);
void msg_ref(msg *m, const char *p, size_t n);
void msg_send(msg *m);
void msg_free(msg *m);
void out_pump(void);
int out_wants_write(void);
void out_drop_queued(void);
void out_flush_before_exit(long long deadline_ms);

/* calls.c: replies to a call, held to its session */
callref current_caller(long long id);
int caller_gone(callref to); /* 1 (and logged) when the call's session has ended */
void reply_error(callref to, const char *code, const char *msg);
void reply_body(callref to, sbuf *body);

/* dispatch.c */
void dispatch_host_frame(const char *body, size_t len);

/* session.c */
void handle_hello(long long id, const jval *f);

/* configure.c */
void handle_configure(long long id, const jval *f);

/* spawn.c */
pid_t spawn_fds(char *const argv[], const char *cwd, const int *fds, int nfds);
pid_t spawn_piped(char *const argv[], const char *cwd, int *in_fd, int *out_fd, int *err_fd);
void kill_group(pid_t pid);

/* runner.c: the runner process */
void runner_start(int first);
void runner_on_frames(void);
void runner_on_console(void);
void runner_on_exit(int status);
void runner_send_configure(void);
void runner_send_reseed(void);
void runner_on_writable(void);
void runner_stop(void);
int runner_queue(const span *parts, int nparts);

/* invoke.c: calls the runner runs */
int runner_invoke(callref to, const jval *input, const jval *function, long long timeout_ms);
runner_call *runner_call_by_rid(long long rid);
void runner_on_result(const jdoc *doc, const jval *f, char **body, int is_error);
void runner_check_deadlines(long long now);
void runner_fail_calls(const char *code, const char *msg);
int inflight_count(void);

/* host_request.c: requests the function makes of the host */
void host_request_from_runner(const jdoc *doc, const jval *f, char **body);
int host_response_from_host(const jval *frame);
void host_requests_drop(const char *code, const char *why);

/* jobs.c */
job *job_spawn(job_kind kind, callref to, char *const argv[], const char *cwd, const char *stdin_data,
               size_t stdin_len, long long timeout_ms);
void job_on_readable(job *j, int fd);
void job_on_writable(job *j);
void jobs_kill_all(void);
void jobs_fail_calls(const char *code, const char *msg);
void job_on_exit(job *j, int status);
void job_check(job *j, long long now);

/* lifecycle.c */
void lifecycle_begin(void);
void lifecycle_runner_started(void);
void lifecycle_fail(const char *code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lifecycle_job_done(job *j);
void lifecycle_tick(long long now);
void lifecycle_shutdown(long long id);

/* pid1.c */
void pid1_setup(void);
void pid1_reboot(void);
int set_clock_ms(long long epoch_ms);
int add_entropy(const unsigned char *data, size_t n, int credit);
int reseed_crng(void);
/* Sets the hardware address of the VM's one Ethernet interface; 0 with `why` filled when it cannot. */
int set_nic_mac(const unsigned char mac[6], char *why, size_t why_len);

#endif
