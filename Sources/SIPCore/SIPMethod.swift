/// A request method: one of RFC 3261's and its extensions', or any other token (RFC 3261 §7.1
/// says methods are case-sensitive and extensible).
public struct SIPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let invite = SIPMethod("INVITE")
    public static let ack = SIPMethod("ACK")
    public static let bye = SIPMethod("BYE")
    public static let cancel = SIPMethod("CANCEL")
    public static let register = SIPMethod("REGISTER")
    public static let options = SIPMethod("OPTIONS")
    public static let info = SIPMethod("INFO")
    public static let update = SIPMethod("UPDATE")
    public static let prack = SIPMethod("PRACK")
    public static let subscribe = SIPMethod("SUBSCRIBE")
    public static let notify = SIPMethod("NOTIFY")
    public static let refer = SIPMethod("REFER")
    public static let message = SIPMethod("MESSAGE")
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
