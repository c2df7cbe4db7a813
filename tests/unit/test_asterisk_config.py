"""Static checks on the configuration we ship: the rules a reviewer would otherwise check by eye."""

import configparser
import re

from cti.config import REPO_DIR

CONFIG = REPO_DIR / "asterisk-config"


def _section(path: str, name: str) -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    current = None
    for line in (CONFIG / path).read_text().splitlines():
        line = line.split(";", 1)[0].strip()
        if line.startswith("["):
            current = line[1 : line.index("]")]
        elif current == name and "=" in line:
            key, _, value = line.partition("=")
            options.setdefault(key.strip(), []).append(value.strip())
    return options


def test_cti_manager_user_has_least_privilege() -> None:
    cti = _section("manager.conf", "cti")
    write = set(cti["write"][0].split(","))
    read = set(cti["read"][0].split(","))
    assert write == {"originate", "call", "agent"}
    assert {"call", "agent", "user", "reporting", "cdr"} <= read
    assert not {"command", "config", "all"} & (read | write)
    assert cti["deny"] == ["0.0.0.0/0.0.0.0"]
    assert cti["permit"] == ["127.0.0.1/255.255.255.255"]


def test_manager_listens_on_loopback_and_filters_noise() -> None:
    general = _section("manager.conf", "general")
    assert general["bindaddr"] == ["127.0.0.1"]
    assert "ALO153_CALL" in general["channelvars"][0]
    text = (CONFIG / "manager.conf").read_text()
    for noisy in ("VarSet", "Newexten"):
        assert f"eventfilter(action(exclude),name({noisy})) =" in text


def test_modules_are_loaded_explicitly() -> None:
    modules = _section("modules.conf", "modules")
    assert modules["autoload"] == ["no"]
    loaded = set(modules["load"])
    for needed in ("chan_pjsip.so", "app_queue.so", "res_agi.so", "cdr_csv.so", "res_speech.so"):
        assert needed in loaded


def test_153_goes_through_a_bounded_lookup_to_the_queue() -> None:
    dialplan = (CONFIG / "extensions.conf").read_text()
    assert "exten => 153,1,Goto(alo153-entry,s,1)" in dialplan
    assert re.search(r"Set\(TIMEOUT\(absolute\)=\$\{ALO153_AGI_TIMEOUT\}\)", dialplan)
    assert "exten => T,1," in dialplan
    assert "Set(AGIEXITONHANGUP=yes)" in dialplan
    assert re.search(r"Queue\(\$\{ALO153_QUEUE\},t,,,\$\{ALO153_MAX_WAIT\}\)", dialplan)
    assert "ALO153_QUEUE = alo153\n" in dialplan


def test_queue_log_and_call_records_are_enabled() -> None:
    assert _section("logger.conf", "general")["queue_log"] == ["yes"]
    assert _section("cdr.conf", "general")["enable"] == ["yes"]
    assert _section("cel.conf", "general")["enable"] == ["yes"]


def test_queues_exist_for_citizens_and_feedback() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None,
                                       comment_prefixes=(";", "#"))
    parser.read_string(re.sub(r"\]\((\S+)\)", "]", (CONFIG / "queues.conf").read_text()))
    assert {"alo153", "alo153-feedback"} <= set(parser.sections())


def test_every_queue_sets_its_own_strategy_and_the_template_none() -> None:
    # Asterisk reads a queue's strategy from the first `strategy` line, and a template's lines
    # come first: with one in queue-common the feedback queue was rrmemory, not leastrecent.
    text = (CONFIG / "queues.conf").read_text() + (
        CONFIG / "sandbox/queues_local.conf").read_text()
    sections = re.split(r"^\[", text, flags=re.M)[1:]
    strategies = {
        s.split("]", 1)[0]: re.findall(r"^strategy\s*=\s*(\S+)", s, flags=re.M)
        for s in sections
    }
    assert strategies["queue-common"] == []
    assert strategies["alo153"] == ["rrmemory"]
    assert strategies["alo153-feedback"] == ["leastrecent"]
    assert strategies["alo153-ringall"] == ["ringall"]
