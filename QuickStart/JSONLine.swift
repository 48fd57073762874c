import Foundation
import SipEndpoint

/// One JSON object on one line with its keys in the order added (`event` first, so `{"event":"result"`
/// can be matched as text). Linux's JSONEncoder does not keep key order, so the object is assembled
/// here, but every value is encoded by JSONEncoder, which owns the escaping rules of RFC 8259.
struct JSONLine {
    private var fields: [String] = []
    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        return e
    }()

    init(event: String) {
        add("event", event)
    }

    /// Adds `name: value`; a nil value leaves the key out.
    mutating func add(_ name: String, _ value: (some Encodable)?) {
        guard let value, let data = try? Self.encoder.encode(value), let key = try? Self.encoder.encode(name) else {
            return
        }
        fields.append(String(decoding: key, as: UTF8.self) + ":" + String(decoding: data, as: UTF8.self))
    }

    /// The line. JSONEncoder escapes C0 control characters; DEL and C1 (a raw CSI that a terminal
    /// showing the line would obey) are escaped here too.
    var text: String { TerminalText.escapingRawControls(inJSON: "{" + fields.joined(separator: ",") + "}") }
}
