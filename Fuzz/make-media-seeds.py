#!/usr/bin/env python3
"""Writes Fuzz/seeds-media: one small valid input per reader of Scripts/fuzz-media.

The first byte of every seed picks the reader (SIPMediaFuzzer.swift): 0 RTP, 1 RTCP, 2 telephone-event,
3 SDP, 4 WAV, 5 a stream script. Run it again after changing the selector; the seeds are committed.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "seeds-media")


def rtp(pt, seq, ts, ssrc, payload, marker=False, csrcs=(), ext=None, padding=0):
    first = 0x80 | len(csrcs) | (0x20 if padding else 0) | (0x10 if ext else 0)
    out = struct.pack("!BBHII", first, (0x80 if marker else 0) | pt, seq, ts, ssrc)
    out += b"".join(struct.pack("!I", c) for c in csrcs)
    if ext:
        profile, data = ext
        out += struct.pack("!HH", profile, len(data) // 4) + data
    out += payload
    if padding:
        out += b"\0" * (padding - 1) + bytes([padding])
    return out


def rtcp(count, pt, body):
    assert len(body) % 4 == 0
    return struct.pack("!BBH", 0x80 | count, pt, len(body) // 4) + body


def block(ssrc):  # one report block: fraction 5, lost 3, highest seq, jitter, LSR, DLSR
    return struct.pack("!IB3sIIII", ssrc, 5, (3).to_bytes(3, "big"), 0x1_0010, 40, 0x1234_5678, 0x0001_0000)


def sr(ssrc, blocks):
    body = struct.pack("!IQIII", ssrc, 0xE9A0_0000_8000_0000, 160, 20, 3200)
    return rtcp(len(blocks), 200, body + b"".join(blocks))


def rr(ssrc, blocks):
    return rtcp(len(blocks), 201, struct.pack("!I", ssrc) + b"".join(blocks))


def sdes(chunks):
    body = b""
    for ssrc, cname in chunks:
        chunk = struct.pack("!I", ssrc) + bytes([1, len(cname)]) + cname + b"\0"
        chunk += b"\0" * (-len(chunk) % 4)
        body += chunk
    return rtcp(len(chunks), 202, body)


def bye(ssrcs, reason=b""):
    body = b"".join(struct.pack("!I", s) for s in ssrcs)
    if reason:
        body += bytes([len(reason)]) + reason
        body += b"\0" * (-len(body) % 4)
    return rtcp(len(ssrcs), 203, body)


def wav(fmt_tag, bits, data):
    fmt = struct.pack("<HHIIHH", fmt_tag, 1, 8000, 8000 * bits // 8, bits // 8, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def te(event, end, volume, duration):
    return struct.pack("!BBH", event, (0x80 if end else 0) | volume, duration)


OFFER = (
    "v=0\r\no=alice 2890844526 2890844526 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n"
)
OFFER_HOLD_MUX = (
    "v=0\no=- 7 8 IN IP6 ::1\ns=call\nt=0 0\nm=video 0 RTP/AVP 31\n"
    "m=audio 40002 RTP/AVP 8 96\nc=IN IP6 ::1\na=rtpmap:96 telephone-event/8000\na=rtcp-mux\na=rtcp:40003\n"
    "a=ptime:30\na=sendonly\n"
)

PEER = 0x2222


def stream_script():
    """Op byte low bits: 0 RTP (length byte, bytes), 1 RTCP (length/2 byte, bytes), 2 playout, 3 wait."""
    out = b""
    for i in range(6):
        packet = rtp(0, 100 + i, 160 * i, PEER, b"\xff" * 16, marker=(i == 0))
        out += bytes([0, len(packet)]) + packet + bytes([2])
    out += bytes([3 | 4 << 2])  # 200 ms pass: a late and a lost packet follow
    out += bytes([0, 28]) + rtp(0, 108, 160 * 8, PEER, b"\x7f" * 16)
    out += bytes([0, 28]) + rtp(0, 103, 160 * 3, PEER, b"\x7f" * 16)
    for d, end in ((160, False), (480, True)):
        packet = rtp(101, 109 + (d // 480), 160 * 9, PEER, te(5, end, 10, d), marker=not end)
        out += bytes([4, len(packet)]) + packet + bytes([2])  # 4: the same op from the stranger's address
    report = sr(PEER, [block(0x1111)]) + sdes([(PEER, b"bob@127.0.0.2")])
    out += bytes([1, len(report) // 2]) + report + bytes([2, 2])
    goodbye = rr(PEER, []) + bye([PEER], b"done")
    out += bytes([1, len(goodbye) // 2]) + goodbye + bytes([2])
    return out


SEEDS = {
    "rtp-pcmu.bin": bytes([0]) + rtp(0, 1, 160, 0x1234, b"\xff" * 20, marker=True),
    "rtp-csrc-ext-padding.bin": bytes([0])
    + rtp(8, 65535, 0xFFFFFF00, 0x1234, b"\xd5" * 8, csrcs=(7, 9), ext=(0xBEDE, b"\x10\xaa\0\0"), padding=4),
    "rtp-telephone-event.bin": bytes([0]) + rtp(101, 2, 320, 0x1234, te(1, False, 10, 160), marker=True),
    "rtcp-sr-sdes.bin": bytes([1]) + sr(0x1234, [block(0x1111)]) + sdes([(0x1234, b"alice@127.0.0.1")]),
    "rtcp-rr-sdes-bye.bin": bytes([1])
    + rr(0x1234, [block(0x1111), block(0x3333)]) + sdes([(0x1234, b"a"), (0x5555, b"")]) + bye([0x1234], b"bye"),
    "rtcp-rr-app.bin": bytes([1]) + rr(0x1234, []) + rtcp(1, 204, struct.pack("!I4s", 0x1234, b"name")),
    "te-end.bin": bytes([2]) + te(11, True, 63, 800),
    "sdp-offer.bin": bytes([3]) + OFFER.encode(),
    "sdp-offer-hold-mux.bin": bytes([3]) + OFFER_HOLD_MUX.encode(),
    "wav-pcm16.bin": bytes([4]) + wav(1, 16, struct.pack("<8h", 0, 1000, -1000, 32767, -32768, 5, 6, 7)),
    "wav-ulaw.bin": bytes([4]) + wav(7, 8, b"\xff\x7f\x00\x80\x01"),
    "stream.bin": bytes([5]) + stream_script(),
}

os.makedirs(OUT, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes")
