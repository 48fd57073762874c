/// One Via value (RFC 3261 §20.42, §18.2; RFC 3581 `rport`).
///
///     via-parm = sent-protocol LWS sent-by *( SEMI via-params )
///     sent-protocol = protocol-name SLASH protocol-version SLASH transport
public struct SIPVia: Sendable, Hashable, CustomStringConvertible {
    /// The protocol name of sent-protocol; always `SIP` for values this SDK builds.
    public var protocolName: String
    /// The protocol version of sent-protocol; always `2.0` for values this SDK builds.
    public var protocolVersion: String
    /// Transport as written, uppercased (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, or any other token).
    public var transport: String
    /// The sent-by host (IPv6 with brackets).
    public var host: String
    /// The sent-by port; nil when absent, meaning the transport's default (5060, or 5061 for TLS, §18.2.2).
    public var port: Int?
    /// Every parameter in order, values as written.
    public var parameters: SIPParameters

    /// A `SIP/2.0/<transport>` Via for a new request: `transport` (uppercased), sent-by `host` and `port` (nil:
    /// none written), the transaction's `branch` (should start with ``magicCookie``; not checked) and, when
    /// `rport` is true (default), an empty `rport` parameter asking for the source port (RFC 3581 §3).
    public init(transport: String, host: String, port: Int?, branch: String, rport: Bool = true) {
        self.protocolName = "SIP"
        self.protocolVersion = "2.0"
        self.transport = transport.uppercased()
        self.host = host
        self.port = port
        self.parameters = SIPParameters()
        parameters.append("branch", branch)
        if rport { parameters.append("rport") }
    }

    /// Every field as given (the parse's and the views' initializer): the public one starts a
    /// parameter list with `branch` and uppercases its transport, work a parsed value throws away.
    init(
        protocolName: String, protocolVersion: String, transport: String, host: String, port: Int?,
        parameters: SIPParameters
    ) {
        self.protocolName = protocolName
        self.protocolVersion = protocolVersion
        self.transport = transport
        self.host = host
        self.port = port
        self.parameters = parameters
    }

    /// The transport token uppercased, as ``transport`` holds it (copied as it is when it already is).
    static func transportToken(_ bytes: UnsafeRawBufferPointer) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return bytes.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) ? text.uppercased() : text
    }

    /// The magic cookie of §8.1.1.7: branches of RFC 3261 transactions start with it.
    public static let magicCookie = "z9hG4bK"

    /// The `branch` parameter, the transaction identifier (§8.1.1.7); nil when absent.
    public var branch: String? { parameters.value("branch") }
    /// The `received` parameter: the source address the next hop saw, when it differs from sent-by (§18.2.1);
    /// nil when absent.
    public var received: String? { parameters.value("received") }
    /// The `maddr` parameter: an address to send responses to instead of sent-by (§18.2.2); nil when absent.
    public var maddr: String? { parameters.value("maddr") }
    /// The `ttl` parameter for multicast responses (0–255, §18.2.2); nil when absent or not a number.
    public var ttl: Int? { parameters.value("ttl").flatMap(Int.init) }
    /// `rport` with a value (the source port the server saw), RFC 3581 §4.
    public var rport: Int? { parameters.value("rport").flatMap(Int.init) }
    /// `rport` present, with or without a value.
    public var hasRPort: Bool { parameters.contains("rport") }
    /// `host[:port]`, the sent-by as written in the message.
    public var sentBy: String { port.map { "\(host):\($0)" } ?? host }

    public var description: String {
        // Written once into a string sized for it: appending piece by piece cost ≈ 300 instructions
        // a piece (a dozen of them), and a Via is printed for every request a UA builds.
        let portText = port.map(String.init)
        let count =
            protocolName.utf8.count + protocolVersion.utf8.count + transport.utf8.count + host.utf8.count
            + (portText.map { $0.utf8.count + 1 } ?? 0) + 3 + parameters.headerParameterTextCount
        return String(unsafeUninitializedCapacity: count) { buffer in
            var out = UTF8TextWriter(buffer)
            out.write(protocolName)
            out.write(UInt8(ascii: "/"))
            out.write(protocolVersion)
            out.write(UInt8(ascii: "/"))
            out.write(transport)
            out.write(UInt8(ascii: " "))
            out.write(host)
            if let portText {
                out.write(UInt8(ascii: ":"))
                out.write(portText)
            }
            parameters.writeHeaderParameterText(to: &out)
            return out.count
        }
    }

    /// Parses every via-parm of one header value.
    static func parseList(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) -> [SIPVia] {
        try parseHeaderValue(bytes) { (c) throws(SIPParseError) -> [SIPVia] in
            var vias: [SIPVia] = []
            repeat { vias.append(try parseOne(&c)) } while try c.listContinues(header: "Via")
            return vias
        }
    }

    static func parseOne(_ c: inout ByteCursor) throws(SIPParseError) -> SIPVia {
        guard let name = c.token(), c.consumeSeparator(.slash), let version = c.token(), c.consumeSeparator(.slash),
            let transport = c.token()
        else {
            throw SIPParseError(.invalidHeaderValue, "Via: sent-protocol must be name/version/transport")
        }
        let before = c.index
        c.skipWhitespace()
        guard c.index > before else { throw SIPParseError(.invalidHeaderValue, "Via: no space before sent-by") }
        let hostStart = c.index
        if c.consume(.openBracket) {
            while let b = c.peek, b.isASCIIHexDigit || b == .colon || b == UInt8(ascii: ".") { c.index += 1 }
            guard c.consume(.closeBracket) else {
                throw SIPParseError(.invalidHeaderValue, "Via: invalid IPv6 sent-by")
            }
        } else {
            while let b = c.peek, b.isIn(.host), b != .colon, b != .openBracket, b != .closeBracket { c.index += 1 }
        }
        guard c.index > hostStart else { throw SIPParseError(.invalidHeaderValue, "Via: missing sent-by host") }
        let host = String(decoding: c.slice(hostStart, c.index), as: UTF8.self)
        var port: Int?
        if c.consumeSeparator(.colon) {
            guard let digits = c.run(of: .token), let p = parsePort(digits) else {
                throw SIPParseError(.invalidHeaderValue, "Via: invalid sent-by port")
            }
            port = p
        }
        let params = try c.genericParameters(header: "Via")
        let via = SIPVia(
            protocolName: String(decoding: name, as: UTF8.self),
            protocolVersion: String(decoding: version, as: UTF8.self),
            transport: transportToken(transport), host: host, port: port, parameters: params)
        if let ttl = params.value("ttl"), Int(ttl).map({ (0...255).contains($0) }) != true {
            throw SIPParseError(.invalidHeaderValue, "Via: ttl must be 0–255")
        }
        if let rport = params.value("rport"), parsePort(rport) == nil {
            throw SIPParseError(.invalidHeaderValue, "Via: rport must be a port number")
        }
        return via
    }
}

/// A port: 1–5 digits, at most 65535.
func parsePort(_ digits: UnsafeRawBufferPointer) -> Int? {
    guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isASCIIDigit) else { return nil }
    var v = 0
    for d in digits { v = v * 10 + Int(d - UInt8(ascii: "0")) }
    return v <= 65535 ? v : nil
}

func parsePort(_ text: String) -> Int? {
    var t = text
    return t.withUTF8 { parsePort(UnsafeRawBufferPointer($0)) }
}
