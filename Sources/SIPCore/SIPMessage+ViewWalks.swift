// The list headers' views one at a time, without an array: the same grammar, checks and errors as
// the array accessors (``SIPMessage/viaViews`` and the others are built on these), for a caller that
// reads each value once. An array costs an allocation on every read of every list header a message
// has.

extension SIPMessage {
    /// Calls `body` with each Via value, top first, as a view, checked as ``viaViews`` checks it.
    ///
    /// Values reach `body` as they are parsed: on an error the walk stops and throws what
    /// ``viaViews`` throws, after `body` has seen the values before the failing one. Read
    /// ``viaViews`` instead to get all of them or none.
    public func forEachViaView(_ body: (SIPViaView) -> Void) throws(SIPParseError) {
        try viewEach(.via) { (b, base) throws(SIPParseError) in
            var c = ByteCursor(b)
            c.skipWhitespace()
            repeat { body(try SIPViaView.parse(&c, base: base)) } while try c.listContinues(header: "Via")
        }
    }

    /// Calls `body` with each Contact element in order, checked as ``contactViews`` checks them;
    /// on an error, as ``forEachViaView(_:)`` does.
    ///
    /// An element whose `expires` or `q` fails its check is seen before the error, which is thrown
    /// once its line has parsed (as the value parser reports a later syntax error first).
    public func forEachContactView(_ body: (SIPContactView) -> Void) throws(SIPParseError) {
        try viewEach(.contact) { (b, base) throws(SIPParseError) in
            try SIPContactView.parseList(b, base: base, maximumURILength: Self.viewURILimit, body)
        }
    }

    /// Calls `body` with each Route value, first hop first, checked as ``routeViews`` checks them;
    /// on an error, as ``forEachViaView(_:)`` does.
    public func forEachRouteView(_ body: (SIPNameAddressView) -> Void) throws(SIPParseError) {
        try forEachAddressView(.route, "Route", body)
    }

    /// Calls `body` with each Record-Route value as written, checked as ``recordRouteViews`` checks
    /// them; on an error, as ``forEachViaView(_:)`` does.
    public func forEachRecordRouteView(_ body: (SIPNameAddressView) -> Void) throws(SIPParseError) {
        try forEachAddressView(.recordRoute, "Record-Route", body)
    }

    /// Calls `body` with each challenge or set of credentials of `name` (WWW-Authenticate,
    /// Proxy-Authenticate, Authorization or Proxy-Authorization; nothing for another name), checked
    /// as ``wwwAuthenticateViews`` and the others check them; on an error, as ``forEachViaView(_:)`` does.
    public func forEachAuthenticationView(of name: SIPHeaderName, _ body: (SIPAuthenticationView) -> Void)
        throws(SIPParseError)
    {
        switch name.known {
        case .wwwAuthenticate?: try forEachAuthenticationView(.wwwAuthenticate, "WWW-Authenticate", body)
        case .proxyAuthenticate?: try forEachAuthenticationView(.proxyAuthenticate, "Proxy-Authenticate", body)
        case .authorization?: try forEachAuthenticationView(.authorization, "Authorization", body)
        case .proxyAuthorization?: try forEachAuthenticationView(.proxyAuthorization, "Proxy-Authorization", body)
        default: return
        }
    }

    func forEachAddressView(
        _ known: SIPHeaderName.Known, _ header: String, _ body: (SIPNameAddressView) -> Void
    ) throws(SIPParseError) {
        try viewEach(known) { (b, base) throws(SIPParseError) in
            try SIPNameAddressView.parseList(b, base: base, header: header, maximumURILength: Self.viewURILimit, body)
        }
    }

    func forEachAuthenticationView(
        _ known: SIPHeaderName.Known, _ header: String, _ body: (SIPAuthenticationView) -> Void
    ) throws(SIPParseError) {
        try viewEach(known) { (b, base) throws(SIPParseError) in
            try SIPAuthenticationView.parseList(b, base: base, header: header, body)
        }
    }
}
