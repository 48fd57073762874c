/// Typed headers as views over the message's bytes: each accessor checks its header exactly as the
/// value accessor of the same name does (``via``, ``from``, ``contacts``, …; same errors, lines
/// included) and returns ranges instead of Strings. Read a field with ``string(_:)`` or
/// ``withBytes(of:_:)``, a parameter with ``parameter(_:in:)``; turn a view into its value type with
/// ``via(_:)``, ``nameAddress(_:)``, ``uri(_:)``, ``authentication(_:)`` when a String is wanted.
extension SIPMessage {
    /// Parses each line of a header with `body`; a failure carries the line it came from.
    func viewEach(
        _ known: SIPHeaderName.Known, _ body: (UnsafeRawBufferPointer, ViewBase) throws(SIPParseError) -> Void
    ) throws(SIPParseError) {
        guard headers.mayContain(known) else { return }
        let raw = known.rawValue
        for i in headers.entries.indices where headers.entries[i].known == raw {
            do {
                try headers.withViewBytes(at: i, body)
            } catch {
                throw error.at(line: headers.sourceLine(at: i))
            }
        }
    }

    /// A header that may appear at most once (§7.3.1), as ``parseSingle(_:_:)`` checks it.
    func viewSingle<T>(
        _ known: SIPHeaderName.Known, _ body: (UnsafeRawBufferPointer, ViewBase) throws(SIPParseError) -> T
    ) throws(SIPParseError) -> T? {
        guard headers.mayContain(known) else { return nil }
        let raw = known.rawValue
        guard let first = headers.entries.firstIndex(where: { $0.known == raw }) else { return nil }
        if headers.mayRepeat(known), let second = headers.entries[(first + 1)...].firstIndex(where: { $0.known == raw })
        {
            throw SIPParseError(
                .duplicateHeader, line: headers.sourceLine(at: second),
                "\(known.canonicalName) appears more than once")
        }
        do {
            return try headers.withViewBytes(at: first, body)
        } catch {
            throw error.at(line: headers.sourceLine(at: first))
        }
    }

    static var viewURILimit: Int { SIPParserLimits.default.maximumURILength }

    /// Every Via value, top first, as views (``via``'s checks and errors).
    public var viaViews: [SIPViaView] {
        get throws(SIPParseError) {
            var out: [SIPViaView] = []
            try forEachViaView { out.append($0) }
            return out
        }
    }

    /// The top Via as a view (``topVia``'s checks and errors).
    public var topViaView: SIPViaView {
        get throws(SIPParseError) {
            let raw = SIPHeaderName.Known.via.rawValue
            guard let i = headers.entries.firstIndex(where: { $0.known == raw }) else {
                throw SIPParseError(.missingHeader, "missing Via header")
            }
            do {
                return try headers.withViewBytes(at: i) { (b, base) throws(SIPParseError) -> SIPViaView in
                    var c = ByteCursor(b)
                    c.skipWhitespace()
                    return try SIPViaView.parse(&c, base: base)
                }
            } catch {
                throw error.at(line: headers.sourceLine(at: i))
            }
        }
    }

    private func addressView(_ known: SIPHeaderName.Known, _ header: String) throws(SIPParseError)
        -> SIPNameAddressView?
    {
        try viewSingle(known) { (b, base) throws(SIPParseError) in
            try SIPNameAddressView.parseSingle(b, base: base, header: header, maximumURILength: Self.viewURILimit)
        }
    }

    /// From as a view (``from``'s checks and errors).
    public var fromView: SIPNameAddressView {
        get throws(SIPParseError) { try required(addressView(.from, "From"), .from) }
    }

    /// To as a view (``to``'s checks and errors).
    public var toView: SIPNameAddressView {
        get throws(SIPParseError) { try required(addressView(.to, "To"), .to) }
    }

    /// Refer-To as a view; nil when absent (``referTo``'s checks and errors).
    public var referToView: SIPNameAddressView? {
        get throws(SIPParseError) { try addressView(.referTo, "Refer-To") }
    }

    /// Referred-By as a view; nil when absent (``referredBy``'s checks and errors).
    public var referredByView: SIPNameAddressView? {
        get throws(SIPParseError) { try addressView(.referredBy, "Referred-By") }
    }

    /// Where the Call-ID is (``callID``'s checks and errors).
    public var callIDRange: SIPByteRange {
        get throws(SIPParseError) {
            try required(
                viewSingle(.callID) { (b, base) throws(SIPParseError) in
                    // A parsed line passed the same check in the parser; a line added in code is checked here.
                    if !base.parsedLine { try validateCallID(b) }
                    return base.range(0, b.count)
                }, .callID)
        }
    }

    /// CSeq as a view (``cseq``'s checks and errors).
    public var cseqView: SIPCSeqView {
        get throws(SIPParseError) {
            try required(
                viewSingle(.cseq) { (b, base) throws(SIPParseError) in try SIPCSeqView.parse(b, base: base) }, .cseq)
        }
    }

    /// Every Contact element in order as views (``contacts``'s checks and errors).
    public var contactViews: [SIPContactView] {
        get throws(SIPParseError) {
            var out: [SIPContactView] = []
            try forEachContactView { out.append($0) }
            return out
        }
    }

    private func addressViews(_ known: SIPHeaderName.Known, _ header: String) throws(SIPParseError)
        -> [SIPNameAddressView]
    {
        var out: [SIPNameAddressView] = []
        try forEachAddressView(known, header) { out.append($0) }
        return out
    }

    /// Every Route value, first hop first, as views (``routes``'s checks and errors).
    public var routeViews: [SIPNameAddressView] {
        get throws(SIPParseError) { try addressViews(.route, "Route") }
    }

    /// Every Record-Route value as written, as views (``recordRoutes``'s checks and errors).
    public var recordRouteViews: [SIPNameAddressView] {
        get throws(SIPParseError) { try addressViews(.recordRoute, "Record-Route") }
    }

    private func authenticationViews(_ known: SIPHeaderName.Known, _ header: String) throws(SIPParseError)
        -> [SIPAuthenticationView]
    {
        var out: [SIPAuthenticationView] = []
        try forEachAuthenticationView(known, header) { out.append($0) }
        return out
    }

    /// Every WWW-Authenticate challenge as views (``wwwAuthenticate``'s checks and errors).
    public var wwwAuthenticateViews: [SIPAuthenticationView] {
        get throws(SIPParseError) { try authenticationViews(.wwwAuthenticate, "WWW-Authenticate") }
    }

    /// Every Proxy-Authenticate challenge as views (``proxyAuthenticate``'s checks and errors).
    public var proxyAuthenticateViews: [SIPAuthenticationView] {
        get throws(SIPParseError) { try authenticationViews(.proxyAuthenticate, "Proxy-Authenticate") }
    }

    /// Every Authorization credential as views (``authorization``'s checks and errors).
    public var authorizationViews: [SIPAuthenticationView] {
        get throws(SIPParseError) { try authenticationViews(.authorization, "Authorization") }
    }

    /// Every Proxy-Authorization credential as views (``proxyAuthorization``'s checks and errors).
    public var proxyAuthorizationViews: [SIPAuthenticationView] {
        get throws(SIPParseError) { try authenticationViews(.proxyAuthorization, "Proxy-Authorization") }
    }

    /// Content-Type as a view; nil when absent (``contentType``'s checks and errors).
    public var contentTypeView: SIPMediaTypeView? {
        get throws(SIPParseError) {
            try viewSingle(.contentType) { (b, base) throws(SIPParseError) in try SIPMediaTypeView.parse(b, base: base)
            }
        }
    }

    /// Calls `body` with each token of every line of a token-list header (Allow, Supported, Require,
    /// Proxy-Require, Unsupported) in order, after the checks ``allow`` and the others make; throws as
    /// they do, before calling `body` for a line that does not parse.
    public func forEachToken(of name: SIPHeaderName, _ body: (SIPByteRange) -> Void) throws(SIPParseError) {
        guard let known = name.known else { return }
        try viewEach(known) { (b, base) throws(SIPParseError) in
            var c = ByteCursor(b)
            c.skipWhitespace()
            if c.isAtEnd { return }
            // Checked whole first, so a bad line reports before any of its tokens; the first 16 are
            // kept while checking, so only a longer list is walked again.
            let header = known.canonicalName
            var kept = InlineArray<16, SIPByteRange>(repeating: base.range(0, 0))
            var count = 0
            repeat {
                let start = c.index
                guard c.token() != nil else {
                    throw SIPParseError(
                        .invalidHeaderValue,
                        "\(header): expected a token, found \(quoteForError(c.remaining, limit: 20))")
                }
                if count < 16 { kept[count] = base.range(start, c.index) }
                count += 1
            } while try c.listContinues(header: header)
            if count <= 16 {
                for k in 0..<count { body(kept[k]) }
                return
            }
            var i = 0
            while i < b.count {
                while i < b.count, !b[i].isSIPToken { i += 1 }
                let start = i
                while i < b.count, b[i].isSIPToken { i += 1 }
                if i > start { body(base.range(start, i)) }
            }
        }
    }

    // MARK: Views to values

    /// The display name of a view, unquoted; nil when absent.
    public func displayName(_ view: SIPNameAddressView) -> String? {
        guard let r = view.displayName else { return nil }
        return view.displayNameIsQuoted ? withBytes(of: r) { unquote($0) } : string(r)
    }

    /// A Via view as a ``SIPVia`` value.
    public func via(_ view: SIPViaView) -> SIPVia {
        SIPVia(
            protocolName: string(view.protocolName), protocolVersion: string(view.protocolVersion),
            transport: headers.withBytes(of: view.transport) { SIPVia.transportToken($0) }, host: string(view.host),
            port: view.port, parameters: parameters(view.parameters))
    }

    /// A name-addr view as a ``SIPNameAddress`` value.
    public func nameAddress(_ view: SIPNameAddressView) -> SIPNameAddress {
        SIPNameAddress(displayName: displayName(view), uri: uri(view.uri), parameters: parameters(view.parameters))
    }

    /// A Contact view as a ``SIPContact`` value.
    public func contact(_ view: SIPContactView) -> SIPContact {
        switch view {
        case .wildcard: .wildcard
        case .address(let a): .address(nameAddress(a))
        }
    }

    /// A challenge or credentials view as a ``SIPAuthentication`` value.
    public func authentication(_ view: SIPAuthenticationView) -> SIPAuthentication {
        SIPAuthentication(scheme: string(view.scheme), parameters: parameters(view.parameters))
    }

    /// A CSeq view as a ``SIPCSeq`` value.
    public func cseq(_ view: SIPCSeqView) -> SIPCSeq { SIPCSeq(view.sequenceNumber, view.method) }

    /// A Content-Type view as a ``SIPMediaType`` value.
    public func mediaType(_ view: SIPMediaTypeView) -> SIPMediaType {
        SIPMediaType(type: string(view.type), subtype: string(view.subtype), parameters: parameters(view.parameters))
    }
}
