"""The provisioning simulator and the provision status PATCH that external agents send."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import aiohttp
import pytest

from pwasync.testing import DEFAULT_STEPS, Emulator

pytestmark = pytest.mark.anyio

DONE = {"provisioned", "failed"}


async def fetch(
    http: aiohttp.ClientSession, emu: Emulator, headers: dict[str, str], infra_id: str
) -> Any:
    path = f"/api/organizations/{emu.org}/provisionstatus/{infra_id}"
    async with http.get(path, headers=headers) as response:
        assert response.status == 200
        return await response.json()


async def poll_until_finished(
    http: aiohttp.ClientSession, emu: Emulator, headers: dict[str, str], infra_id: str
) -> list[Any]:
    """Poll every 10 ms and return every snapshot seen, ending with the finished one."""
    snapshots: list[Any] = []
    for _ in range(500):
        snapshot = await fetch(http, emu, headers, infra_id)
        snapshots.append(snapshot)
        if snapshot and (
            all(step["status"] == "provisioned" for step in snapshot)
            or any(step["status"] == "failed" for step in snapshot)
        ):
            return snapshots
        await asyncio.sleep(0.01)
    raise AssertionError(f"run {infra_id} did not finish; last snapshot: {snapshots[-1]}")


def assert_logs_only_grow(snapshots: list[Any]) -> None:
    previous: dict[str, str] = {}
    for snapshot in snapshots:
        for step in snapshot or []:
            before = previous.get(step["id"], "")
            assert step["logs"].startswith(before), f"logs of {step['id']} shrank or changed"
            previous[step["id"]] = step["logs"]


async def test_run_reaches_provisioned(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """A run with 0.05 s steps takes every step to provisioned with growing logs."""
    infra_id = emu.start_provisioning(emu.org, emu.user, "hpc", step_seconds=0.05)

    first = await fetch(http, emu, admin, infra_id)
    snapshots = await poll_until_finished(http, emu, admin, infra_id)

    final = snapshots[-1]
    assert first is None
    assert [step["name"] for step in final] == list(DEFAULT_STEPS)
    assert [step["index"] for step in final] == list(range(len(DEFAULT_STEPS)))
    assert {step["status"] for step in final} == {"provisioned"}
    assert all(step["error"] == "" for step in final)
    assert all(step["logs"].count("\n") == 4 for step in final)
    assert_logs_only_grow(snapshots)
    compute = final[DEFAULT_STEPS.index("launch_compute")]
    assert [child["status"] for child in compute["children"]] == ["provisioned", "provisioned"]


async def test_steps_registered_pending_up_front(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """The first snapshot after null lists every step, the later ones pending."""
    infra_id = emu.start_provisioning(emu.org, emu.user, "hpc", steps=["a", "b", "c"])

    snapshot = None
    while snapshot is None:
        await asyncio.sleep(0.005)
        snapshot = await fetch(http, emu, admin, infra_id)

    assert [step["name"] for step in snapshot] == ["a", "b", "c"]
    assert [step["status"] for step in snapshot[1:]] == ["pending", "pending"]
    for field in ("id", "label", "logs", "error", "attributes", "createdAt", "updatedAt"):
        assert field in snapshot[0]


async def test_run_fails_at_named_step(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """With fail_at, exactly that step ends failed with an error, and the run stops."""
    steps = ["plan", "network", "compute", "finish"]
    infra_id = emu.start_provisioning(emu.org, emu.user, "hpc", steps=steps, fail_at="compute")

    snapshots = await poll_until_finished(http, emu, admin, infra_id)
    await asyncio.sleep(0.1)
    later = await fetch(http, emu, admin, infra_id)

    final = snapshots[-1]
    assert [step["status"] for step in final] == ["provisioned", "provisioned", "failed", "pending"]
    assert "simulated failure" in final[2]["error"]
    assert later == final
    assert_logs_only_grow([*snapshots, later])
    assert emu.active_runs == 0


async def test_failing_compute_fails_a_child(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """A failure at launch_compute also fails its last child node, with the error text."""
    infra_id = emu.start_provisioning(
        emu.org, emu.user, "hpc", steps=["launch_compute"], fail_at="launch_compute"
    )

    final = (await poll_until_finished(http, emu, admin, infra_id))[-1]

    children = final[0]["children"]
    assert [child["status"] for child in children] == ["provisioned", "failed"]
    assert children[1]["error"] == final[0]["error"]


async def test_agent_patch_appends_and_updates(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """PATCH appends new steps, updates known ones, appends logs and manages children."""
    infra_id = emu.add_cluster_session(emu.org, emu.user, "hpc", session_number=2)
    path = f"/api/organizations/{emu.org}/clusters/{emu.user}/hpc/sessions/2"

    def update(**fields: str) -> dict[str, Any]:
        for name in ("logs", "errorMessage"):
            if name in fields:
                fields[name] = base64.b64encode(fields[name].encode()).decode()
        return {"provisionStatus": fields}

    before = await fetch(http, emu, admin, infra_id)
    bodies = [
        update(id="net", status="provisioning", logs="one\n"),
        update(id="net", status="provisioning", logs="two\n"),
        update(id="net", status="provisioning", childAction="add", childId="n0", childLabel="Node"),
        update(id="net", status="failed", childAction="update", childId="n0", errorMessage="boom"),
        update(id="net", status="failed", errorMessage="net broke"),
        update(id="disk", status="skipped"),
    ]
    statuses = []
    for body in bodies:
        async with http.patch(path, headers=admin, json=body) as response:
            statuses.append(response.status)
    after = await fetch(http, emu, admin, infra_id)

    assert before is None
    assert statuses == [204] * len(bodies)
    assert [(s["name"], s["status"]) for s in after] == [("net", "failed"), ("disk", "skipped")]
    assert after[0]["logs"] == "one\ntwo\n"
    assert after[0]["error"] == "net broke"
    assert after[0]["children"][0]["label"] == "Node"
    assert after[0]["children"][0]["error"] == "boom"
    assert emu.add_cluster_session(emu.org, emu.user, "hpc", session_number=2) == infra_id


async def test_patch_unknown_targets(
    emu: Emulator, http: aiohttp.ClientSession, admin: dict[str, str]
) -> None:
    """PATCH to an unknown session, or a child of an unknown step or child, gives 404."""
    emu.add_cluster_session(emu.org, emu.user, "hpc")
    base = f"/api/organizations/{emu.org}/clusters/{emu.user}"
    child = {"id": "x", "status": "provisioning", "childAction": "update", "childId": "c"}
    step = {"id": "x", "status": "provisioning"}

    results = []
    for path, body in [
        (f"{base}/nope/sessions/1", step),
        (f"{base}/hpc/sessions/1", child),
        (f"{base}/hpc/sessions/1", step),
        (f"{base}/hpc/sessions/1", child),
    ]:
        async with http.patch(path, headers=admin, json={"provisionStatus": body}) as response:
            results.append(response.status)
    async with http.patch(f"{base}/hpc/sessions/one", headers=admin, json={}) as response:
        bad_number = response.status

    assert results == [404, 404, 204, 404]
    assert bad_number == 400


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"steps": []}, "at least one"),
        ({"steps": "abc"}, "list of step names"),
        ({"steps": ["a", "a"]}, "unique"),
        ({"steps": ["a", ""]}, "non-empty"),
        ({"steps": ["a"], "fail_at": "b"}, "fail_at"),
        ({"step_seconds": 0}, "step_seconds"),
        ({"session_number": 0}, "session_number"),
    ],
)
async def test_start_provisioning_rejects_bad_options(
    emu: Emulator, options: dict[str, Any], fragment: str
) -> None:
    """Bad run options raise ValueError naming the option."""
    with pytest.raises(ValueError, match=fragment):
        emu.start_provisioning(emu.org, emu.user, "hpc", **options)


async def test_second_run_on_same_session_rejected(emu: Emulator) -> None:
    """Starting a run on a cluster session that already has steps raises ValueError."""
    emu.start_provisioning(emu.org, emu.user, "hpc", steps=["a"])
    await asyncio.sleep(0.03)

    with pytest.raises(ValueError, match="already has provision steps"):
        emu.start_provisioning(emu.org, emu.user, "hpc", steps=["a"])


async def test_close_cancels_runs() -> None:
    """Closing the emulator mid-run cancels the run's task and leaves none behind."""
    emulator = Emulator(step_seconds=10)
    await emulator.start()
    emulator.start_provisioning(emulator.org, emulator.user, "hpc")
    emulator.start_provisioning(emulator.org, emulator.user, "hpc", session_number=2)
    running = emulator.active_runs

    await emulator.aclose()

    assert running == 2
    assert emulator.active_runs == 0
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("provision ")]
