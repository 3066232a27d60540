"""``whoami``, ``sessions list``, ``images list``, ``ai-chat wait`` and ``emulator``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from ._support import AI_CHAT, RunningEmulator, clean_env, run_pwasync, streaming


def test_whoami_prints_user_and_organization(emulator: RunningEmulator) -> None:
    """`whoami` prints the key's user and organization, as text and as JSON."""
    text = run_pwasync(["whoami", "--base-url", emulator.url], env=emulator.env())
    as_json = run_pwasync(["whoami", "--base-url", emulator.url, "--json"], env=emulator.env())

    assert text.returncode == 0, text.stderr
    assert text.stdout.strip() == f"{emulator.user} in organization {emulator.org}"
    assert json.loads(as_json.stdout) == {"user": emulator.user, "organization": emulator.org}


def test_sessions_list_json_has_one_session_per_line(emulator: RunningEmulator) -> None:
    """`sessions list --json` prints each visible session as one JSON object per line."""
    result = run_pwasync(
        ["sessions", "list", "--base-url", emulator.url, "--json"], env=emulator.env()
    )

    sessions = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0, result.stderr
    assert {session["name"] for session in sessions} >= {"desktop", "jupyter"}
    assert all(session["user"] == emulator.user for session in sessions)


def test_images_list_filters_by_csp(emulator: RunningEmulator) -> None:
    """`images list --csp aws` prints only images of that cloud, in a table when piped."""
    as_json = run_pwasync(
        ["images", "list", "--csp", "aws", "--base-url", emulator.url, "--json"], env=emulator.env()
    )
    table = run_pwasync(
        ["images", "list", "--csp", "aws", "--base-url", emulator.url], env=emulator.env()
    )

    images = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert as_json.returncode == 0, as_json.stderr
    assert images
    assert {image["csp"] for image in images} == {"aws"}
    assert table.returncode == 0, table.stderr
    assert images[0]["name"] in table.stdout
    assert "\x1b" not in table.stdout


def test_piped_table_keeps_cells_whole(emulator: RunningEmulator) -> None:
    """A table written to a pipe keeps each row on one line, however narrow COLUMNS is."""
    env = {**emulator.env(), "COLUMNS": "40"}
    as_json = run_pwasync(["sessions", "list", "--base-url", emulator.url, "--json"], env=env)
    table = run_pwasync(["sessions", "list", "--base-url", emulator.url], env=env)

    sessions = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert table.returncode == 0, table.stderr
    assert len(table.stdout.splitlines()) == len(sessions) + 5
    for session in sessions:
        row = next(line for line in table.stdout.splitlines() if f" {session['name']} " in line)
        assert session["url"] in row
        assert "\u2026" not in row


def test_ai_chat_wait_unknown_chat_fails(emulator: RunningEmulator) -> None:
    """`ai-chat wait` on a chat that does not exist exits 1 with a not-found line."""
    result = run_pwasync(
        ["ai-chat", "wait", emulator.org, emulator.user, "nope", "--base-url", emulator.url],
        env=emulator.env(),
    )

    assert result.returncode == 1
    assert result.stderr.startswith("error: AI Chat 'nope'")
    assert "not found" in result.stderr


def test_ai_chat_wait_ingested_chat(emulator: RunningEmulator) -> None:
    """`ai-chat wait` on the chat that `emulator --ai-chat` created exits 0 once ingested."""
    arguments = ["ai-chat", "wait", emulator.org, emulator.user, AI_CHAT]
    options = ["--base-url", emulator.url, "--interval", "0.05", "--timeout", "20"]

    result = run_pwasync([*arguments, *options], env=emulator.env())

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"AI Chat {emulator.user}/{AI_CHAT} is provisioned and ingested"


def test_emulator_prints_url_key_and_runs() -> None:
    """`pwasync emulator` prints its URL, key and run ids, and stops cleanly on Ctrl-C."""
    arguments = ["emulator", "--step-seconds", "0.05", "--run", "a", "--run", "b@create_network"]
    arguments += ["--ai-chat", "kb"]

    with streaming(arguments, env=clean_env()) as emulator:
        lines = [emulator.next_line().strip() for _ in range(7)]
        emulator.process.send_signal(signal.SIGINT)
        status, rest, stderr = emulator.finish()

    assert lines[0].startswith("url: http://127.0.0.1:")
    assert lines[1].startswith("api_key: pwt_")
    assert lines[2] == "org: emulator"
    assert lines[3] == "user: admin"
    assert lines[4].startswith("run: a inf-")
    assert lines[5].startswith("run: b inf-")
    assert lines[6] == "ai_chat: kb"
    assert status == 0, stderr
    assert rest == ""
    assert "Press Ctrl-C to stop." in stderr


def test_emulator_rejects_unknown_failing_step() -> None:
    """`--run NAME@STEP` with an unknown step exits 2 and lists the valid steps."""
    result = run_pwasync(["emulator", "--run", "a@nope"], env=clean_env())

    assert result.returncode == 2
    assert "unknown step 'nope'" in result.stderr
    assert "create_network" in result.stderr


def test_emulator_rejects_invalid_ai_chat_name() -> None:
    """`--ai-chat` with a name the API would reject exits 2 and names the value."""
    result = run_pwasync(["emulator", "--ai-chat", "two words"], env=clean_env())

    assert result.returncode == 2
    assert result.stderr.startswith("error: invalid --ai-chat 'two words'")


def test_sdk_import_skips_cli_dependencies() -> None:
    """`import pwasync` loads neither click nor rich, which only the cli extra installs."""
    probe = "import sys, pwasync; print(sorted({'click', 'rich'} & set(sys.modules)))"

    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("dependency", ["click", "rich"])
def test_command_without_cli_extra_names_install(dependency: str) -> None:
    """Without click or rich, `pwasync` exits 2 with one line naming the install command."""
    # None in sys.modules makes the import fail as if the package were not installed.
    probe = (
        f"import sys; sys.modules[{dependency!r}] = None; sys.argv = ['pwasync', 'demo']; "
        "from pwasync.cli import main; main()"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: the pwasync command needs {dependency}, which is not installed; "
        "install the command with: pip install 'pwasync[cli]'"
    ]
    assert result.stdout == ""


def test_help_names_every_variable() -> None:
    """`pwasync --help` names each environment variable that chooses the credential or server."""
    result = run_pwasync(["--help"], env=clean_env())

    assert result.returncode == 0, result.stderr
    for variable in ("PW_API_KEY", "PW_TOKEN", "PW_BASE_URL", "PW_PLATFORM_HOST"):
        assert variable in result.stdout
