/// A request method: one of RFC 3261's and its extensions', or any other token (RFC 3261 §7.1
/// says methods are case-sensitive and extensible).
public struct SIPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// A method from its token, kept exactly as given (methods are case-sensitive, §7.1: `invite` is not
    /// ``invite``). The token is not checked; the parser checks tokens on the wire.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// `INVITE` (RFC 3261 §13): starts a session, or changes one inside a dialog (re-INVITE).
    public static let invite = SIPMethod("INVITE")
    /// `ACK` (RFC 3261 §13.2.2.4, §17.1.1.3): confirms the final response to an INVITE; never answered.
    public static let ack = SIPMethod("ACK")
    /// `BYE` (RFC 3261 §15): ends the session of a dialog.
    public static let bye = SIPMethod("BYE")
    /// `CANCEL` (RFC 3261 §9): cancels a pending INVITE that has no final response yet.
    public static let cancel = SIPMethod("CANCEL")
    /// `REGISTER` (RFC 3261 §10): binds an address-of-record to Contacts at a registrar.
    public static let register = SIPMethod("REGISTER")
    /// `OPTIONS` (RFC 3261 §11): asks for capabilities; also used as a keep-alive probe.
    public static let options = SIPMethod("OPTIONS")
    /// `INFO` (RFC 6086): application data inside an INVITE dialog, e.g. DTMF relay.
    public static let info = SIPMethod("INFO")
    /// `UPDATE` (RFC 3311): changes session parameters before the INVITE completes, or refreshes a session timer.
    public static let update = SIPMethod("UPDATE")
    /// `PRACK` (RFC 3262): acknowledges a reliable provisional response (`100rel`).
    public static let prack = SIPMethod("PRACK")
    /// `SUBSCRIBE` (RFC 6665): asks for notifications of an event package.
    public static let subscribe = SIPMethod("SUBSCRIBE")
    /// `NOTIFY` (RFC 6665): reports the state of a subscription (and, for REFER, the transfer's progress).
    public static let notify = SIPMethod("NOTIFY")
    /// `REFER` (RFC 3515): asks the recipient to contact the `Refer-To` URI (call transfer).
    public static let refer = SIPMethod("REFER")
    /// `MESSAGE` (RFC 3428): an instant message carried in the body.
    public static let message = SIPMethod("MESSAGE")
    /// `PUBLISH` (RFC 3903): publishes event state to an event state compositor.
    public static let publish = SIPMethod("PUBLISH")

    /// The method for a token on the wire; the common ones reuse their constants without building a String.
    @inlinable
    static func from(bytes: UnsafeRawBufferPointer) -> SIPMethod {
        switch bytes.count {
        case 3:
            if matches(bytes, "ACK") { return .ack }
            if matches(bytes, "BYE") { return .bye }
        case 4:
            if matches(bytes, "INFO") { return .info }
        case 5:
            if matches(bytes, "REFER") { return .refer }
            if matches(bytes, "PRACK") { return .prack }
        case 6:
            if matches(bytes, "INVITE") { return .invite }
            if matches(bytes, "CANCEL") { return .cancel }
            if matches(bytes, "UPDATE") { return .update }
            if matches(bytes, "NOTIFY") { return .notify }
        case 7:
            if matches(bytes, "OPTIONS") { return .options }
            if matches(bytes, "MESSAGE") { return .message }
            if matches(bytes, "PUBLISH") { return .publish }
        case 8:
            if matches(bytes, "REGISTER") { return .register }
        case 9:
            if matches(bytes, "SUBSCRIBE") { return .subscribe }
        default:
            break
        }
        return SIPMethod(String(decoding: bytes, as: UTF8.self))
    }

    @inlinable
    static func matches(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount, let base = bytes.baseAddress else { return false }
        return memcmp(base, literal.utf8Start, bytes.count) == 0
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
