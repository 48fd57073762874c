#!/usr/bin/python3
"""Decrypts the SRTP in a tcpdump capture with pylibsrtp (Debian python3-pylibsrtp), as a third party
with a key log would: no SipEndpoint code is involved.

    decrypt-pcap.py CAPTURE.pcap SRC_PORT SUITE KEY_BASE64 OUT_PREFIX

Reads the UDP datagrams sent from SRC_PORT (IPv4 over Ethernet or Linux cooked/loopback framing),
keeps the RTP ones (RFC 5761: second byte not an RTCP packet type), and writes:
  OUT_PREFIX.wire   the payloads as they were on the wire, concatenated (what a listener without the key gets)
  OUT_PREFIX.plain  the payloads after unprotecting each packet with the key, concatenated in arrival order
Prints `packets=N decrypted=M failed=F payload-type=PT` and exits 0 when at least one packet decrypted.
"""
import base64
import struct
import sys

import pylibsrtp

PROFILES = {
    "AES_CM_128_HMAC_SHA1_80": pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
    "AES_CM_128_HMAC_SHA1_32": pylibsrtp.Policy.SRTP_PROFILE_AES128_CM_SHA1_32,
    "AEAD_AES_128_GCM": pylibsrtp.Policy.SRTP_PROFILE_AEAD_AES_128_GCM,
    "AEAD_AES_256_GCM": pylibsrtp.Policy.SRTP_PROFILE_AEAD_AES_256_GCM,
}


def datagrams(path, src_port):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    offset = 24
    while offset + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen
        if linktype == 1:  # Ethernet (Linux lo)
            if len(frame) < 14 or frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
        elif linktype == 113:  # Linux cooked
            ip = frame[16:]
        elif linktype == 0:  # BSD loopback
            ip = frame[4:]
        else:
            continue
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        header = (ip[0] & 0x0F) * 4
        udp = ip[header:]
        if len(udp) < 8:
            continue
        sport, _, length = struct.unpack("!HHH", udp[:6])
        if sport == src_port:
            yield udp[8:length]


def main():
    capture, src_port, suite, key, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    policy = pylibsrtp.Policy(key=base64.b64decode(key), ssrc_type=pylibsrtp.Policy.SSRC_ANY_INBOUND,
                              srtp_profile=PROFILES[suite])
    session = pylibsrtp.Session(policy=policy)
    packets = decrypted = failed = 0
    payload_type = -1
    with open(prefix + ".wire", "wb") as wire, open(prefix + ".plain", "wb") as plain:
        for datagram in datagrams(capture, src_port):
            if len(datagram) < 12 or 192 <= datagram[1] <= 223:
                continue
            packets += 1
            header = 12 + 4 * (datagram[0] & 0x0F)
            wire.write(datagram[header:])
            try:
                rtp = session.unprotect(datagram)
            except pylibsrtp.Error:
                failed += 1
                continue
            decrypted += 1
            payload_type = rtp[1] & 0x7F
            plain.write(rtp[12 + 4 * (rtp[0] & 0x0F):])
    print(f"packets={packets} decrypted={decrypted} failed={failed} payload-type={payload_type}")
    return 0 if decrypted > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
