"""The in-process route as a user runs it: ``python3 app.py`` with and without ``MVM_SDK_MODE=emit``."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

APP = textwrap.dedent('''\
    import mvm

    @mvm.app(image=mvm.python_image(python="3.12"), env={"GREETING": "héllo 😀"})
    def greet(name: str) -> str:
        return f"hello {name}"
''')
EMIT = 'if __name__ == "__main__":\n    mvm.emit_json()\n'
EMIT_MODE = {"MVM_SDK_MODE": "emit"}


def single_document(stdout: bytes) -> dict:
    """The output is exactly one canonical IR document followed by one newline."""
    assert stdout.endswith(b"\n") and stdout.count(b"\n") == 1, stdout
    return json.loads(stdout)


def test_emit_json_prints_the_canonical_ir_and_one_newline(run_script):
    run = run_script(APP + EMIT)
    assert run.returncode == 0, run.stderr
    workload = single_document(run.stdout)
    assert workload["id"] == "greet"
    assert workload["apps"][0]["entrypoints"][0]["module"] == "app"
    assert run.stdout == json.dumps(workload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8") + b"\n"


def test_a_second_emit_json_does_nothing(run_script):
    run = run_script(APP + "mvm.emit_json()\nmvm.emit_json()\n")
    assert run.returncode == 0, run.stderr
    single_document(run.stdout)


def test_emit_mode_with_an_explicit_emit_prints_one_ir(run_script):
    run = run_script(APP + EMIT, env=EMIT_MODE)
    assert run.returncode == 0, run.stderr
    single_document(run.stdout)


def test_emit_mode_prints_at_exit_when_the_script_did_not(run_script):
    run = run_script(APP, env=EMIT_MODE)
    assert run.returncode == 0, run.stderr
    assert single_document(run.stdout)["id"] == "greet"


def test_without_emit_mode_nothing_is_printed_unless_asked(run_script):
    run = run_script(APP)
    assert (run.returncode, run.stdout, run.stderr) == (0, b"", "")


def test_text_the_script_printed_first_stays_first(run_script):
    run = run_script(APP + 'print("before", end=" ")\nmvm.emit_json()\n')
    assert run.stdout.startswith(b"before {")


def test_out_path_receives_the_ir_instead_of_stdout(run_script, tmp_path):
    out = tmp_path / "workload.json"
    run = run_script(APP, env={**EMIT_MODE, "MVM_SDK_OUT_PATH": str(out)})
    assert (run.returncode, run.stdout) == (0, b"")
    single_document(out.read_bytes())


def test_emit_mode_prints_nothing_when_the_script_raises(run_script):
    run = run_script(APP + 'raise RuntimeError("boom")\n', env=EMIT_MODE)
    assert run.returncode == 1
    assert run.stdout == b""
    assert run.stderr.rstrip().endswith("RuntimeError: boom")


def test_emit_mode_prints_nothing_on_a_failing_sys_exit(run_script):
    run = run_script("import sys\n" + APP + "sys.exit(3)\n", env=EMIT_MODE)
    assert (run.returncode, run.stdout) == (3, b"")


def test_emit_mode_prints_on_sys_exit_zero(run_script):
    run = run_script("import sys\n" + APP + "sys.exit(0)\n", env=EMIT_MODE)
    assert run.returncode == 0
    single_document(run.stdout)


def test_emit_mode_stays_silent_when_the_script_ended_by_raising_system_exit(run_script):
    # Python does not tell exit handlers the status of a raised SystemExit; printing nothing is the safe side.
    run = run_script(APP + "raise SystemExit(0)\n", env=EMIT_MODE)
    assert (run.returncode, run.stdout) == (0, b"")


def test_emit_mode_without_an_app_fails_with_no_app(run_script):
    run = run_script("import mvm\n", env=EMIT_MODE)
    assert run.returncode == 1
    assert run.stdout == b""
    assert run.stderr.startswith("error[DECL_NO_APP]: ")


def test_emit_json_without_an_app_names_its_call(run_script):
    run = run_script("import mvm\n\nmvm.emit_json()\n")
    assert run.returncode == 1
    assert run.stdout == b""
    assert ":3:1: error[DECL_NO_APP]: " in run.stderr


def test_a_declaration_error_prints_nothing_on_stdout_and_reads_as_a_diagnostic(run_script, tmp_path):
    run = run_script('import mvm\n\n@mvm.app(image=mvm.python_image(), timeout=30)\ndef work():\n    return 1\n', env=EMIT_MODE)
    assert run.returncode == 1
    assert run.stdout == b""
    lines = run.stderr.rstrip("\n").split("\n")
    assert lines[-2] == f'{tmp_path / "app.py"}:3:2: error[DECL_UNKNOWN_KWARG]: app got an unknown argument "timeout"'
    assert lines[-1].startswith("hint: expected one of: name, source, image")
    # The traceback shows the user's frames, not the SDK's internals.
    assert lines[0] == "Traceback (most recent call last):"
    assert "/mvm/" not in run.stderr.replace(str(tmp_path), "")


def test_a_second_app_in_emit_mode_prints_nothing(run_script):
    run = run_script(APP + '\n@mvm.app(name="other", image=mvm.python_image())\ndef other():\n    return 2\n', env=EMIT_MODE)
    assert run.returncode == 1
    assert run.stdout == b""
    assert ":7:2: error[DECL_SECOND_APP]" in run.stderr  # APP is lines 1-5, a blank line, then this decorator


def test_the_file_stem_is_the_default_module(run_script):
    run = run_script(APP + EMIT, name="billing_service.py")
    assert single_document(run.stdout)["apps"][0]["entrypoints"][0]["module"] == "billing_service"


def test_the_seed_example_prints_exactly_one_ir():
    example = Path(__file__).resolve().parents[3] / "examples/python/hello-app/app.py"
    done = subprocess.run(
        [sys.executable, str(example)], cwd=example.parent, capture_output=True, timeout=60,
        env={"MVM_SDK_MODE": "emit", "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr
    workload = single_document(done.stdout)
    assert workload["id"] == "hello-app"
    assert workload["apps"][0]["hooks"]["after_start"] == [{"kind": "argv", "argv": ["curl", "-fsS", "http://127.0.0.1:8080/health"]}]


def test_inside_an_image_app_returns_the_function_unchecked_and_emitting_prints_nothing(run_script):
    # MVM_SDK_MODE=guest is what every built image sets; a second app would otherwise be DECL_SECOND_APP.
    source = APP + APP.replace("def greet", "def again").replace("import mvm\n", "") + 'mvm.emit_json()\nprint(greet("ari"))\n'
    run = run_script(source, env={"MVM_SDK_MODE": "guest"})
    assert run.returncode == 0, run.stderr
    assert run.stdout == b"hello ari\n"
