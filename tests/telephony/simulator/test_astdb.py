"""AstDB on the simulator PBX as Asterisk 20's main/db.c answers it: DBPut, DBGet (a list: "Result will follow",
DBGetResponse, DBGetComplete; a missing key is `Response: Error` "Database entry not found"), DBDel, DBDelTree, the
write classes each needs, the survey dialplan's `Set(DB(survey/<attempt>)=…)`, and the entries outliving a PBX
restart. Then the telephony facade's `astdb_get`/`astdb_del` over the same wire."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from agent_desktop.core.errors import TelephonyError
from telephony.ami.connection import AmiSettings
from telephony.control import SeatConfig
from telephony.service import TelephonyService
from telephony.simulator import SimulatorPbx, load_manager_user, scenario_from_mapping

from .client import AmiClient

ROOT = Path(__file__).resolve().parents[3]
SCENARIO = scenario_from_mapping({
    "pbx": {"time_scale": 0.01},
    "numbers": [{"number": "13800138001", "answer_after_s": 0.2, "dtmf": "2"},
                {"number": "13800138002", "answer_after_s": 0.2, "dtmf": "9"}],
})


async def test_dbput_dbget_dbdel_answer_in_asterisk_20s_form() -> None:
    pbx = SimulatorPbx(SCENARIO, auth_failure_delay_s=0.01)
    await pbx.start()
    try:
        async with await AmiClient.connect(pbx.port) as client:
            put = await client.action("DBPut", {"Family": "survey", "Key": "WO-1#1", "Val": "3,rec.wav"})
            assert put.headers == (("Response", "Success"), ("ActionID", put.action_id),
                                   ("Message", "Updated database successfully"))
            start = len(client.messages)
            reply, items = await client.list_action("DBGet", {"Family": "survey", "Key": "WO-1#1"})
            assert reply.headers == (("Response", "Success"), ("ActionID", reply.action_id), ("EventList", "start"),
                                     ("Message", "Result will follow"))
            (item,) = items
            # manager_dbget appends the ActionID after Val
            assert item.headers == (("Event", "DBGetResponse"), ("Family", "survey"), ("Key", "WO-1#1"),
                                    ("Val", "3,rec.wav"), ("ActionID", reply.action_id))
            complete = client.messages[-1]
            assert complete.headers == (("Event", "DBGetComplete"), ("ActionID", reply.action_id),
                                        ("EventList", "Complete"), ("ListItems", "1"))
            assert len(client.messages) - start == 3
            missing = await client.action("DBGet", {"Family": "survey", "Key": "WO-2#1"})
            assert missing.headers == (("Response", "Error"), ("ActionID", missing.action_id),
                                       ("Message", "Database entry not found"))
            assert not [m for m in client.messages if m.event == "DBGetComplete" and m.action_id ==
                        missing.action_id]
            assert (await client.action("DBGet", {"Family": "survey"})).get("Message") == "No key specified."
            assert (await client.action("DBPut", {"Key": "x"})).get("Message") == "No family specified"
            deleted = await client.action("DBDel", {"Family": "survey", "Key": "WO-1#1"})
            assert (deleted.response, deleted.get("Message")) == ("Success", "Key deleted successfully")
            again = await client.action("DBDel", {"Family": "survey", "Key": "WO-1#1"})
            assert (again.response, again.get("Message")) == ("Error", "Database entry not found")
            for key in ("a", "a/b", "ab"):
                await client.action("DBPut", {"Family": "t", "Key": key, "Val": "1"})
            tree = await client.action("DBDelTree", {"Family": "t", "Key": "a"})
            assert tree.get("Message") == "Key tree deleted successfully"
            assert pbx.astdb == {("t", "ab"): "1"}  # /t/a and /t/a/b went, /t/ab stayed
    finally:
        await pbx.stop()


async def test_the_sample_manager_conf_user_may_read_astdb_but_not_write_it() -> None:
    user = dataclasses.replace(load_manager_user(ROOT / "resources" / "asterisk" / "manager.conf", "desk"),
                               secret="desk123")
    pbx = SimulatorPbx(SCENARIO, users=[user], auth_failure_delay_s=0.01)
    await pbx.start()
    pbx.astdb[("survey", "WO-1#1")] = "1,rec.wav"
    try:
        async with await AmiClient.connect(pbx.port) as client:
            got = await client.list_action("DBGet", {"Family": "survey", "Key": "WO-1#1"})
            assert got[1][0].get("Val") == "1,rec.wav"  # `reporting` write is enough for DBGet
            for action in ("DBPut", "DBDel", "DBDelTree"):  # `system` only
                reply = await client.action(action, {"Family": "survey", "Key": "WO-1#1", "Val": "2"})
                assert (reply.response, reply.get("Message")) == ("Error", "Permission denied"), action
        assert pbx.astdb == {("survey", "WO-1#1"): "1,rec.wav"}
    finally:
        await pbx.stop()


async def test_the_survey_dialplan_keeps_a_valid_digit_in_astdb_and_it_survives_a_restart() -> None:
    pbx = SimulatorPbx(SCENARIO, auth_failure_delay_s=0.01)
    await pbx.start()
    try:
        async with await AmiClient.connect(pbx.port) as client:
            for number, attempt in (("13800138001", "WO-1#1"), ("13800138002", "WO-2#1")):
                client.send("Originate", {"Channel": f"Local/{number}@outbound", "Context": "survey", "Exten": "s",
                                          "Priority": 1, "CallerID": f"<{number}>", "Async": "true",
                                          "Variable": [f"WORK_ORDER={attempt[:4]}", f"SURVEY_ATTEMPT={attempt}"]})
                answered = await client.event("OriginateResponse", Response="Success")
                result = await client.event("UserEvent", UserEvent="Survey", Caller=number)
                if number.endswith("1"):
                    assert result.get("Result") == "2"
                    # written before the UserEvent: a dialer that misses the event still finds the digit
                    assert pbx.astdb[("survey", attempt)] == f"2,survey-{number}-{answered.get('Uniqueid')}.wav"
                    sets = [m for m in client.messages if m.event == "Newexten" and m.get("Application") == "Set"
                            and m.get("AppData", "").startswith("DB(survey/")]
                    assert client.messages.index(sets[-1]) < client.messages.index(result)
                else:
                    assert result.get("Result") == ""  # invalid twice: nothing is kept
                client.messages.clear()
        assert set(pbx.astdb) == {("survey", "WO-1#1")}
        await pbx.stop()
        await pbx.start()  # Asterisk restarted: AstDB is a file, the calls are gone, the entry is not
        async with await AmiClient.connect(pbx.port) as client:
            reply, items = await client.list_action("DBGet", {"Family": "survey", "Key": "WO-1#1"})
            assert reply.response == "Success" and items[0].get("Val", "").startswith("2,survey-13800138001-")
    finally:
        await pbx.stop()


async def test_the_telephony_facade_reads_and_deletes_astdb_entries() -> None:
    pbx = SimulatorPbx(SCENARIO, auth_failure_delay_s=0.01)
    await pbx.start()
    service = TelephonyService(AmiSettings("127.0.0.1", pbx.port, "desk", "desk123", ping_interval=30.0),
                               SeatConfig("Local/survey@survey", after_call_work_seconds=0), resync_interval=None)
    await service.start()
    try:
        pbx.astdb[("survey", "WO-9#2")] = "1,survey-13800138001-1.5.wav"
        assert await service.astdb_get("survey", "WO-9#2") == "1,survey-13800138001-1.5.wav"
        assert await service.astdb_get("survey", "WO-9#3") is None
        assert await service.astdb_del("survey", "WO-9#2") is True
        assert await service.astdb_del("survey", "WO-9#2") is False
        assert pbx.astdb == {}
        try:
            await service.astdb_get("survey", "WO-9/../x")
        except TelephonyError as exc:
            assert exc.code == "bad_astdb_key"
        else:
            raise AssertionError("a key with a slash was sent")
    finally:
        await service.stop()
        await pbx.stop()
