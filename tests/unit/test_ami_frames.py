import pytest

from cti.telephony.ami.frames import (
    FrameBuffer,
    FrameTooLarge,
    UnsafeHeader,
    encode_action,
    parse_frame,
)

NAME_FRAME = "Event: Newchannel\r\nCallerIDName: Ayşe Şahin\r\nUniqueid: alo153-1.0\r\n\r\n"


def test_turkish_name_split_inside_a_character_arrives_whole() -> None:
    raw = NAME_FRAME.encode()
    cut = raw.index("ş".encode()) + 1  # between the two bytes of "ş"
    buffer = FrameBuffer()
    first = list(buffer.feed(raw[:cut]))
    second = list(buffer.feed(raw[cut:]))
    assert first == []
    assert second[0].get("CallerIDName") == "Ayşe Şahin"


def test_byte_by_byte_feed_yields_every_frame_once() -> None:
    raw = (NAME_FRAME * 3).encode()
    buffer = FrameBuffer()
    frames = [frame for byte in raw for frame in buffer.feed(bytes([byte]))]
    assert [f.get("CallerIDName") for f in frames] == ["Ayşe Şahin"] * 3


def test_invalid_utf8_is_replaced_not_dropped() -> None:
    frame = parse_frame(b"Event: X\r\nCallerIDName: Ay\xfee")
    assert frame.get("CallerIDName") == "Ay\ufffde"


def test_repeated_headers_keep_every_value() -> None:
    frame = parse_frame(b"Event: X\r\nChanVariable: A=1\r\nChanVariable: B=2")
    assert frame.get_all("chanvariable") == ["A=1", "B=2"]
    assert frame.get("ChanVariable") == "A=1"


def test_a_peer_that_never_ends_a_frame_is_cut_off() -> None:
    buffer = FrameBuffer(max_frame=1024)
    with pytest.raises(FrameTooLarge):
        list(buffer.feed(b"Event: X\r\nJunk: " + b"a" * 2048))


@pytest.mark.parametrize("value", ["05321112233\r\nAction: Command", "a\nb", "nul\0"])
def test_crlf_or_nul_in_a_value_cannot_inject_a_second_action(value: str) -> None:
    with pytest.raises(UnsafeHeader):
        encode_action("Originate", {"CallerID": value})
    with pytest.raises(UnsafeHeader):
        encode_action("Originate", variables={"ALO153_ATTEMPT": value})


def test_action_is_one_frame_in_utf8() -> None:
    raw = encode_action("QueueAdd", {"Queue": "alo153", "MemberName": "Şule"}, {"A": "1"})
    assert (
        raw
        == "Action: QueueAdd\r\nQueue: alo153\r\nMemberName: Şule\r\nVariable: A=1\r\n\r\n".encode()
    )
