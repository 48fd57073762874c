/// The sixteen DTMF keys and their RFC 4733 event codes (§3.2, Table 3): 0–9 are the digits,
/// then `*` 10, `#` 11, A–D 12–15.
package enum DTMFEvent: UInt8, Sendable, Hashable, CaseIterable {
    case digit0 = 0, digit1, digit2, digit3, digit4, digit5, digit6, digit7, digit8, digit9
    case star = 10
    case pound = 11
    case a = 12, b, c, d

    /// The key for a character as an application or a SIP INFO body writes it (`0`–`9`, `*`, `#`,
    /// `A`–`D` in either case); nil for anything else.
    package init?(_ character: Character) {
        switch character {
        case "0"..."9":
            guard let value = character.asciiValue else { return nil }
            self.init(rawValue: value - UInt8(ascii: "0"))
        case "*": self = .star
        case "#": self = .pound
        case "A", "a": self = .a
        case "B", "b": self = .b
        case "C", "c": self = .c
        case "D", "d": self = .d
        default: return nil
        }
    }

    /// The key as a character (`A`–`D` upper case).
    package var character: Character {
        switch self {
        case .star: "*"
        case .pound: "#"
        case .a: "A"
        case .b: "B"
        case .c: "C"
        case .d: "D"
        default: Character(Unicode.Scalar(UInt8(ascii: "0") + rawValue))
        }
    }
}
