/// An ordered list of `;name[=value]` parameters, as on URIs (RFC 3261 §19.1.1) and header fields
/// (`generic-param`, §25.1). Names compare case-insensitively; order and spelling are kept for writing.
public struct SIPParameters: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// One `name[=value]` parameter, name and value as written.
    public struct Parameter: Sendable, Hashable {
        /// The name as written; compared case-insensitively by the list's lookups.
        public var name: String
        /// nil for a parameter without `=value` (for example `lr` or `rport`).
        public var value: String?
        /// A parameter `name` with `value` (nil writes the bare name, as for `lr`), both as written: nothing is
        /// quoted or escaped for you.
        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    /// The parameters in the order written, repeats included.
    public private(set) var items: [Parameter]

    /// An empty list.
    public init() { items = [] }
    /// An empty list with room for `capacity` parameters before its storage grows.
    package init(reservingCapacity capacity: Int) {
        items = []
        items.reserveCapacity(capacity)
    }
    /// A list of `items` in the given order, kept as they are (repeated names included).
    public init(_ items: [Parameter]) { self.items = items }
    public init(dictionaryLiteral elements: (String, String?)...) {
        items = elements.map { Parameter(name: $0.0, value: $0.1) }
    }

    /// Whether there are no parameters.
    public var isEmpty: Bool { items.isEmpty }
    /// How many parameters there are, repeats counted.
    public var count: Int { items.count }

    /// Whether a parameter with this name is present (with or without a value).
    public func contains(_ name: String) -> Bool { index(of: name) != nil }

    /// The value of the named parameter: `.some(nil)` when present without a value, nil when absent.
    public subscript(name: String) -> String?? {
        get { index(of: name).map { items[$0].value } }
        set {
            if let i = index(of: name) {
                if let newValue { items[i].value = newValue } else { items.remove(at: i) }
            } else if let newValue {
                items.append(Parameter(name: name, value: newValue))
            }
        }
    }

    /// The named parameter's value, or nil when absent or valueless.
    public func value(_ name: String) -> String? { index(of: name).flatMap { items[$0].value } }

    /// Adds `name` with `value` (default nil: no `=value`) at the end, even when the name is already present.
    public mutating func append(_ name: String, _ value: String? = nil) {
        items.append(Parameter(name: name, value: value))
    }

    /// Replaces the value of the first parameter with this name (case-insensitive), or appends one. A nil
    /// `value` keeps the parameter but without `=value`; use ``remove(_:)`` to drop it.
    public mutating func set(_ name: String, _ value: String?) {
        if let i = index(of: name) { items[i].value = value } else { append(name, value) }
    }

    /// Removes every parameter with this name, in any case (ASCII case-insensitive, as every lookup
    /// here: parameter names are tokens, RFC 3261 §7.3.1); does nothing when there is none.
    public mutating func remove(_ name: String) { items.removeAll { asciiCaseInsensitiveEqual($0.name, name) } }

    func index(of name: String) -> Int? {
        items.firstIndex { asciiCaseInsensitiveEqual($0.name, name) }
    }

    /// Order-insensitive, case-insensitive names (values compared as written). A repeated name (legal,
    /// e.g. `?h=1&h=2` in URI headers) compares its values in the order written; matching each one
    /// against the first of its name made a value with repeats unequal to itself.
    public static func == (lhs: SIPParameters, rhs: SIPParameters) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if zip(lhs.items, rhs.items).allSatisfy({ sameName($0.name, $1.name) && $0.value == $1.value }) { return true }
        return zip(lhs.byName, rhs.byName).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// The items with lowercased names, sorted by name; a stable sort, so repeats keep their order.
    private var byName: [Parameter] {
        items.enumerated()
            .map { (offset: $0.offset, p: Parameter(name: $0.element.name.lowercased(), value: $0.element.value)) }
            .sorted { ($0.p.name, $0.offset) < ($1.p.name, $1.offset) }
            .map(\.p)
    }

    private static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { $0.asciiLowercased == $1.asciiLowercased }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for p in items.map({ $0.name.lowercased() }).sorted() { hasher.combine(p) }
    }
}

/// ASCII case-insensitive equality over the UTF-8 bytes, without building lowercased copies.
@inlinable
func asciiCaseInsensitiveEqual(_ a: String, _ b: String) -> Bool {
    guard a.utf8.count == b.utf8.count else { return false }
    var a = a
    var b = b
    return a.withUTF8 { pa in
        b.withUTF8 { pb in
            for i in 0..<pa.count where pa[i].asciiLowercased != pb[i].asciiLowercased { return false }
            return true
        }
    }
}
