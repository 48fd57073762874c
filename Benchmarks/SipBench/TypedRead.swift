import SIPCore

/// Reading every header a message has as its typed value, touching every field: what
/// `parse-typed-mean-ns` times, and what Benchmarks/SofiaBench does with sofia-sip's structures.
enum TypedRead {
    /// Through the views: each field's length, each number, each parameter's name and value, each
    /// URI part; Strings only where the message already holds them (the Request-URI, the reason phrase).
    @inline(never)
    static func views(_ m: SIPMessage) throws(SIPParseError) -> Int {
        var n = 0
        switch m.startLine {
        case .request(let method, let uri):
            n &+= method.rawValue.utf8.count &+ uri.host.utf8.count &+ (uri.user?.utf8.count ?? 0) &+ (uri.port ?? 0)
            for p in uri.parameters.items { n &+= p.name.utf8.count &+ (p.value?.utf8.count ?? 1) }
        case .response(let code, let reason):
            n &+= code &+ reason.utf8.count
        }
        // The list headers through their walks (no array per header; ``viaViews`` and the others
        // give the same views in an array).
        try m.forEachViaView { v in
            n &+= v.protocolName.length &+ v.protocolVersion.length &+ v.transport.length &+ v.host.length
            n &+= (v.port ?? 0) &+ touch(m, v.parameters)
        }
        n &+= touch(m, try m.fromView) &+ touch(m, try m.toView) &+ (try m.callIDRange).length
        let cseq = try m.cseqView
        n &+= Int(cseq.sequenceNumber) &+ cseq.methodText.length
        n &+= try m.maxForwards ?? 0
        try m.forEachContactView { c in
            if case .address(let a) = c { n &+= touch(m, a) } else { n &+= 1 }
        }
        try m.forEachRouteView { n &+= touch(m, $0) }
        try m.forEachRecordRouteView { n &+= touch(m, $0) }
        for name in authenticationHeaders {
            try m.forEachAuthenticationView(of: name) { n &+= $0.scheme.length &+ touch(m, $0.parameters) }
        }
        if let t = try m.contentTypeView { n &+= t.type.length &+ t.subtype.length &+ touch(m, t.parameters) }
        n &+= try m.contentLength ?? 0
        n &+= try m.expires ?? 0
        n &+= try m.minExpires ?? 0
        for name in tokenLists {
            var tokens = 0
            try m.forEachToken(of: name) { tokens &+= $0.length }
            n &+= tokens
        }
        // Every line's value as text too: Date, Server, User-Agent, Reason have no typed value in SIPCore.
        for i in 0..<m.headers.count { n &+= m.headers.valueRange(at: i).length }
        return n
    }

    static func touch(_ m: SIPMessage, _ list: SIPParameterList) -> Int {
        var n = 0
        m.forEachParameter(in: list) { name, value in n &+= name.length &+ (value?.length ?? 1) }
        return n
    }

    static func touch(_ m: SIPMessage, _ uri: SIPURIView) -> Int {
        Int(uri.scheme.rawValue) &+ uri.schemeText.length &+ (uri.user?.length ?? 0) &+ (uri.password?.length ?? 0)
            &+ uri.host.length &+ (uri.port ?? 0) &+ touch(m, uri.parameters) &+ touch(m, uri.headers)
            &+ (uri.opaque?.length ?? 0)
    }

    static func touch(_ m: SIPMessage, _ a: SIPNameAddressView) -> Int {
        (a.displayName?.length ?? 0) &+ touch(m, a.uri) &+ touch(m, a.parameters)
    }

    /// Through the value types (every String made): the same headers, the figure before the views.
    @inline(never)
    static func values(_ m: SIPMessage) throws(SIPParseError) -> Int {
        var n = 0
        func touch(_ s: String?) { n &+= s?.utf8.count ?? 0 }
        func touch(_ p: SIPParameters) { for i in p.items { n &+= i.name.utf8.count &+ (i.value?.utf8.count ?? 1) } }
        func touch(_ u: SIPURI) {
            touch(u.scheme.description)
            touch(u.user)
            touch(u.password)
            touch(u.host)
            n &+= u.port ?? 0
            touch(u.parameters)
            touch(u.headers)
            touch(u.opaque)
        }
        func touch(_ a: SIPNameAddress) {
            touch(a.displayName)
            touch(a.uri)
            touch(a.parameters)
        }
        func touch(_ a: SIPAuthentication) {
            touch(a.scheme)
            touch(a.parameters)
        }
        if let uri = m.requestURI { touch(uri) }
        touch(m.reasonPhrase)
        for v in try m.via {
            touch(v.protocolName)
            touch(v.protocolVersion)
            touch(v.transport)
            touch(v.host)
            n &+= v.port ?? 0
            touch(v.parameters)
        }
        touch(try m.from)
        touch(try m.to)
        touch(try m.callID)
        let cseq = try m.cseq
        n &+= Int(cseq.sequenceNumber) &+ cseq.method.rawValue.utf8.count
        n &+= try m.maxForwards ?? 0
        for c in try m.contacts {
            if let a = c.address { touch(a) } else { n &+= 1 }
        }
        for r in try m.routes { touch(r) }
        for r in try m.recordRoutes { touch(r) }
        for a in try m.wwwAuthenticate { touch(a) }
        for a in try m.proxyAuthenticate { touch(a) }
        for a in try m.authorization { touch(a) }
        for a in try m.proxyAuthorization { touch(a) }
        if let t = try m.contentType {
            touch(t.type)
            touch(t.subtype)
            touch(t.parameters)
        }
        n &+= try m.contentLength ?? 0
        n &+= try m.expires ?? 0
        n &+= try m.minExpires ?? 0
        for t in try m.allow { touch(t.rawValue) }
        for list in [try m.supported, try m.require, try m.proxyRequire, try m.unsupported] {
            for t in list { touch(t) }
        }
        for i in 0..<m.headers.count { touch(m.headers.value(at: i)) }
        return n
    }

    static let tokenLists: [SIPHeaderName] = [.allow, .supported, .require, .proxyRequire, .unsupported]
    static let authenticationHeaders: [SIPHeaderName] = [
        .wwwAuthenticate, .proxyAuthenticate, .authorization, .proxyAuthorization,
    ]

}
