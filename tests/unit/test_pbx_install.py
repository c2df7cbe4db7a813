from pathlib import Path

from cti.config import REPO_DIR
from cti.pbx.install import install_config, operator_port, with_sandbox_contacts
from cti.pbx.sounds import chime, ulaw_byte

CONFIG = REPO_DIR / "asterisk-config"


def test_every_operator_aor_gets_its_sipp_contact_without_qualify() -> None:
    text = (CONFIG / "pjsip_operators.conf").read_text()
    sandbox = with_sandbox_contacts(text)
    assert "contact = sip:1001@127.0.0.1:5101\nqualify_frequency = 0" in sandbox
    assert "contact = sip:1010@127.0.0.1:5110" in sandbox
    assert sandbox.count("contact = ") == text.count("(operator-aor)")
    assert operator_port("1003") == 5103


def test_install_uses_the_sandbox_carrier_and_keeps_debian_samples(tmp_path: Path) -> None:
    etc = tmp_path / "etc/asterisk"
    etc.mkdir(parents=True)
    (etc / "stock.conf").write_text("debian sample")
    install_config(tmp_path, CONFIG)
    assert (tmp_path / "etc/asterisk.dist/stock.conf").exists()
    assert not (etc / "stock.conf").exists()
    assert "match = 127.0.0.2" in (etc / "pjsip_carrier.conf").read_text()
    assert (etc / "manager.conf").read_text() == (CONFIG / "manager.conf").read_text()
    install_config(tmp_path, CONFIG)  # a second install replaces, never stacks
    assert (etc / "pjsip_operators.conf").read_text().count("contact = sip:1001@") == 1


def test_hold_music_is_mu_law() -> None:
    assert ulaw_byte(0) == 0xFF
    assert ulaw_byte(32767) == 0x80
    assert ulaw_byte(-32768) == 0x00
    audio = chime(repeats=1)
    assert len(audio) == int(8000 * 0.45) + int(8000 * 0.6) + int(8000 * 2.2)
