import SIPCore

/// Where a request that reached the phone goes: a pure function of the request's method, its
/// Request-URI, whether it belongs to a dialog we have, the address it came from, the connection
/// table and the policy for strangers. No I/O; the phone carries the decision out.
///
/// The rules, in order:
/// 1. A request in one of our dialogs (its Call-ID is a live session's) goes to that session.
/// 2. A Request-URI carrying a Contact token (``LineIdentity``) names its connection, whoever
///    delivered it (an SBC, another SRV peer of the site). A token no enabled connection registers
///    gets 404 from a site, at once, so the site does not wait for its timer (RFC 3261 §21.4.5), and
///    the stranger rule otherwise.
/// 3. From a site's address: the connection of that site whose DN the Request-URI names (its line's
///    connection on that site); none gets 404. In-dialog requests that match no dialog get 481
///    (§12.2.2); OPTIONS without a user goes to the site's first connection (a keep-alive probe).
/// 4. Anyone else is a stranger: dropped unanswered (`drop`, the default), 403 (`reject`), or routed
///    by the Request-URI's DN as if from a site (`accept`, for labs).
///
/// Admission looks at the source address and the Request-URI only: no User-Agent or content
/// heuristics, which a scanner changes at will.
enum InboundRouting {
    struct Request: Sendable {
        var method: SIPMethod
        var requestURIUser: String?
        var hasToTag: Bool
        var isInKnownDialog: Bool
        var sourceHost: String
        var sourcePort: Int?
    }

    enum Decision: Hashable, Sendable {
        /// A live session's request: the session machines take it.
        case dialog
        /// A request for connection `id` outside any dialog.
        case connection(Int)
        /// Answer with this status and phrase (never for ACK: that becomes `drop`).
        case respond(Int, String)
        /// It claims a dialog (or, a BYE or CANCEL, a call) that does not exist: the session layer's
        /// 481 (`DialogLookup.unknownDialogResponse`, RFC 3261 §12.2.2), which leaves an ACK unanswered.
        case unknownDialog
        /// No answer at all.
        case drop
    }

    /// - Parameter isSiteHost: whether an address is a site's; nil: one of `table`'s. A phone whose
    ///   lines are spread over several loops asks its listeners, which know every loop's sites.
    static func decide(
        _ request: Request, table: LineTable, strangers: EndpointPolicy.UnsolicitedRequests,
        isSiteHost: ((String) -> Bool)? = nil
    ) -> Decision {
        if request.isInKnownDialog { return .dialog }
        let fromSite = isSiteHost?(request.sourceHost) ?? table.isSiteHost(request.sourceHost)
        let decision: Decision
        if let user = request.requestURIUser, let token = LineIdentity.token(inUser: user) {
            if let id = table.connection(forToken: token), table.entries[id]?.isEnabled == true {
                decision = request.hasToTag ? noDialog(request.method) : .connection(id)
            } else if fromSite {
                decision = .respond(404, "Not Found")
            } else {
                decision = stranger(request, table: table, strangers: strangers)
            }
        } else if fromSite {
            decision = routeByUser(request, table: table, site: (request.sourceHost, request.sourcePort))
        } else {
            decision = stranger(request, table: table, strangers: strangers)
        }
        if request.method == .ack, case .respond = decision { return .drop }
        return decision
    }

    private static func stranger(_ request: Request, table: LineTable, strangers: EndpointPolicy.UnsolicitedRequests)
        -> Decision
    {
        switch strangers {
        case .drop: return .drop
        case .reject: return request.method == .ack ? .drop : .respond(403, "Forbidden")
        case .accept:
            return routeByUser(request, table: table, site: nil)
        }
    }

    /// A site's (or, with `site` nil, an accepted stranger's) request without a token: the enabled
    /// connection of that site (of any site) whose DN the Request-URI names. Dictionary lookups only:
    /// a site's request costs the same however many agents share the site.
    private static func routeByUser(_ request: Request, table: LineTable, site: (host: String, port: Int?)?) -> Decision
    {
        if request.hasToTag || request.method == .bye || request.method == .cancel { return noDialog(request.method) }
        guard let user = request.requestURIUser, !user.isEmpty else {
            // `OPTIONS sip:host` probing us: any connection of that site answers.
            let any = site.map { table.anyConnection(atSite: $0.host, port: $0.port) } ?? table.entries.keys.min()
            if request.method == .options, let any { return .connection(any) }
            return .respond(404, "Not Found")
        }
        let candidates =
            site.map { table.connections(atSite: $0.host, port: $0.port, user: user) }
            ?? table.connections(ofUser: user)
        if let id = candidates.first(where: { table.entries[$0]?.isEnabled == true }) { return .connection(id) }
        return .respond(404, "Not Found")
    }

    private static func noDialog(_ method: SIPMethod) -> Decision {
        method == .ack ? .drop : .unknownDialog
    }
}
