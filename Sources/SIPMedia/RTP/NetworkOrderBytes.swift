// Big-endian reads and writes for the RTP-family wire formats (RFC 3550 §5.1 "network byte order").
// Every read checks its bounds and answers nil, so a short datagram becomes a typed error at the caller
// instead of a trap (nothing from the network may crash the process).

extension Array where Element == UInt8 {
    func networkUInt16(at index: Int) -> UInt16? {
        guard index >= 0, index + 2 <= count else { return nil }
        return UInt16(self[index]) << 8 | UInt16(self[index + 1])
    }

    func networkUInt32(at index: Int) -> UInt32? {
        guard index >= 0, index + 4 <= count else { return nil }
        return UInt32(self[index]) << 24 | UInt32(self[index + 1]) << 16 | UInt32(self[index + 2]) << 8
            | UInt32(self[index + 3])
    }

    mutating func appendNetworkUInt16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendNetworkUInt32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }
}
