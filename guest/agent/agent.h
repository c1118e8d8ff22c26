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

typedef enum { JOB_INVOKE_COMMAND, JOB_EXEC, JOB_BEFORE_START, JOB_AFTER_START, JOB_BEFORE_STOP } job_kind;

/* A child whose stdout/stderr are captured: exec requests, command invokes and hook phases. */
typedef struct {
  int used;
  job_kind kind;
  long long call_id;
  pid_t pid;
  int in_fd, out_fd, err_fd;
  outq in;
  sbuf out, err;
  long long started_ms, deadline_ms;
  int exited, status, timed_out;
} job;

typedef struct {
  pid_t pid;
  int in_fd, out_fd, err_fd;
  frame_reader rd;
  outq in;
  sbuf errline;
  int started, ever_started, exited, out_eof, generation;
  char init_error[512];
  char init_code[32];
  char last_err[256]; /* the runner's last stderr line, for start-up failure messages */
} runner;

typedef struct {
  int used;
  long long id, started_ms, deadline_ms;
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

typedef struct {
  agent_config cfg;
  char root[PATH_MAX / 2], state_dir[PATH_MAX / 2], env_path[PATH_MAX];
  int is_pid1;
  agent_state state;
  char fail_code[32], fail_msg[512];
  int chan_fd, chan_is_port;
  long long chan_idle_until;
  frame_reader chan_rd;
  outq chan_out;
  int sig_pipe[2];
  runner run;
  runner_call calls[MVM_MAX_INFLIGHT];
  job jobs[MAX_JOBS];
  host_req hreqs[MVM_MAX_INFLIGHT];
  stream_in streams[MVM_MAX_STREAMS];
  long long next_stream, next_gid;
  long long after_start_deadline, after_start_next;
  long long shutdown_id;
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

/* clock.c-free helpers live where they are used; these are shared: */
long long now_ms(void);
long long uptime_ms(void);
long long realtime_ms(void);
void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hook_path(char *out, size_t n, const char *phase);

/* config.c */
int config_load(const char *path, agent_config *cfg, char *err, size_t errlen);

/* channel.c */
int channel_open(const char *path, int fd);
void channel_on_readable(void);
void send_body(sbuf *body);
void send_error(long long id, const char *code, const char *msg);
void frame_start(sbuf *b, const char *type, long long id);

/* dispatch.c */
void dispatch_host_frame(const char *body, size_t len);

/* configure.c */
void handle_configure(long long id, const jval *f);

/* spawn.c */
pid_t spawn_piped(char *const argv[], const char *cwd, int *in_fd, int *out_fd, int *err_fd);
void kill_group(pid_t pid);

/* runner.c */
void runner_start(int first);
void runner_on_stdout(void);
void runner_on_stderr(void);
void runner_on_exit(int status);
int runner_invoke(long long id, const jval *input, const jval *function, long long timeout_ms);
void runner_send_configure(void);
void runner_check_deadlines(long long now);
void runner_on_writable(void);
void runner_stop(void);
void runner_fail_calls(const char *code, const char *msg);
int runner_forward_host_response(const jval *frame);
int inflight_count(void);

/* jobs.c */
job *job_spawn(job_kind kind, long long call_id, char *const argv[], const char *cwd, const char *stdin_data,
               size_t stdin_len, long long timeout_ms);
void job_on_readable(job *j, int fd);
void job_on_writable(job *j);
void jobs_kill_all(void);
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

#endif
