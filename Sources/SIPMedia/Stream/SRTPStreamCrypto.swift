import NIOCore

/// The SRTP contexts of one stream: one to protect what we send, one to check what we receive, made
/// from the keys the last offer/answer agreed (``NegotiatedSRTP``).
///
/// Rules:
/// - A context lives as long as its key: a new offer/answer with the same keys (hold, retrieve, a
///   session refresh) keeps it, so its rollover counter and replay window go on. A key and SSRC pair
///   never sees a packet index again (RFC 3711 §9.2): a sending context whose key is replaced is kept
///   (a few, bounded), and taken up again should that key come back.
/// - Fail closed: when keys were agreed but a context could not be made, nothing is sent and
///   nothing is accepted; plain RTP never stands in for SRTP.
/// - Without agreed keys the stream is plain RTP and this does nothing.
struct SRTPStreamCrypto {
    private(set) var keys: NegotiatedSRTP?
    private var sending: SRTPContext?
    private var receiving: SRTPContext?
    private var retired: [SRTPContext] = []
    private static let retiredLimit = 8

    /// What unprotecting one datagram gave.
    enum Unprotected {
        case plain
        case authentic
        case failed(SRTPError.Code)
    }

    /// Keys were agreed: packets are SRTP both ways.
    var isActive: Bool { keys != nil }

    /// The keys of a new offer/answer; contexts change only for a key that changed.
    mutating func apply(_ new: NegotiatedSRTP?) {
        guard new != keys else { return }
        keys = new
        guard let new else {
            if let sending { retire(sending) }
            sending = nil
            receiving = nil
            return
        }
        if sending?.key != new.sendKey {
            if let sending { retire(sending) }
            if let index = retired.firstIndex(where: { $0.key == new.sendKey }) {
                sending = retired.remove(at: index)
            } else {
                sending = try? SRTPContext(key: new.sendKey, direction: .send)
            }
        }
        if receiving?.key != new.receiveKey {
            receiving = try? SRTPContext(key: new.receiveKey, direction: .receive)
        }
    }

    private mutating func retire(_ context: SRTPContext) {
        retired.append(context)
        if retired.count > Self.retiredLimit { retired.removeFirst() }
    }

    /// The sending context now (tests compare identities).
    var sendingContext: SRTPContext? { sending }

    /// Protects an RTP packet in place; false when it must not go out.
    func protectRTP(_ buffer: inout ByteBuffer) -> Bool {
        guard isActive else { return true }
        guard let sending else { return false }
        do { try sending.protectRTP(&buffer) } catch { return false }
        return true
    }

    /// The SRTCP form of a compound RTCP packet; nil when it must not go out.
    func protectRTCP(_ bytes: [UInt8]) -> [UInt8]? {
        guard isActive else { return bytes }
        return try? sending?.protectRTCP(bytes)
    }

    func unprotectRTP(_ bytes: inout [UInt8]) -> Unprotected {
        unprotect(&bytes, rtcp: false)
    }

    func unprotectRTCP(_ bytes: inout [UInt8]) -> Unprotected {
        unprotect(&bytes, rtcp: true)
    }

    private func unprotect(_ bytes: inout [UInt8], rtcp: Bool) -> Unprotected {
        guard isActive else { return .plain }
        guard let receiving else { return .failed(.library) }
        do {
            if rtcp { try receiving.unprotectRTCP(&bytes) } else { try receiving.unprotectRTP(&bytes) }
            return .authentic
        } catch {
            return .failed(error.code)
        }
    }
}
