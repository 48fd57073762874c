/// One `<type>=<value>` line that has no typed home in the model, kept so it can be written back.
package struct SDPField: Hashable, Sendable {
    /// The type letter, `a`–`z`.
    package var type: Character
    /// Everything after `=`.
    package var value: String

    package init(_ type: Character, _ value: String) {
        self.type = type
        self.value = value
    }
}

/// `a=<attribute>` or `a=<attribute>:<value>` (RFC 4566 §5.13).
package struct SDPAttribute: Hashable, Sendable {
    /// Attribute name, as written (RFC 4566 names are case-sensitive).
    package var name: String
    /// Everything after the first `:`; nil for a property attribute such as `a=sendrecv`.
    package var value: String?

    package init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// The value after `a=`.
    package var fieldValue: String {
        if let value { return "\(name):\(value)" }
        return name
    }
}
