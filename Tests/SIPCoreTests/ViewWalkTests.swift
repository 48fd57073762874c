import NIOCore
import Testing

@testable import SIPCore

/// The list headers' walks (``SIPMessage/forEachViaView(_:)`` and the others) against their array
/// accessors, over the seeds, vectors, fuzz regressions and one-byte mutations: the same views in the
/// same order when the accessor succeeds, the same error (code, line, text) when it throws, and no
/// view seen after the one that failed.
@Suite("View walks equal the array accessors")
struct ViewWalkTests {
    static func agree<T: Equatable>(
        _ name: String, _ array: () throws(SIPParseError) -> [T],
        _ walk: ((T) -> Void) throws(SIPParseError) -> Void
    ) -> Bool {
        var seen: [T] = []
        let walked: SIPParseError?
        do throws(SIPParseError) {
            try walk { seen.append($0) }
            walked = nil
        } catch { walked = error }
        do throws(SIPParseError) {
            let all = try array()
            if walked != nil || seen != all {
                Issue.record("\(name): walk \(seen) (\(String(describing: walked))) but array \(all)")
                return false
            }
        } catch {
            guard let walked, walked.code == error.code, walked.line == error.line, walked.detail == error.detail else {
                Issue.record("\(name): array threw \(error) but the walk \(String(describing: walked))")
                return false
            }
        }
        return true
    }

    static func compare(_ m: SIPMessage, _ name: String) -> Bool {
        var ok = agree("\(name) via", { () throws(SIPParseError) in try m.viaViews }, m.forEachViaView)
        ok = agree("\(name) contact", { () throws(SIPParseError) in try m.contactViews }, m.forEachContactView) && ok
        ok = agree("\(name) route", { () throws(SIPParseError) in try m.routeViews }, m.forEachRouteView) && ok
        ok =
            agree(
                "\(name) record-route", { () throws(SIPParseError) in try m.recordRouteViews }, m.forEachRecordRouteView
            )
            && ok
        let auth: [(SIPHeaderName, () throws(SIPParseError) -> [SIPAuthenticationView])] = [
            (.wwwAuthenticate, { () throws(SIPParseError) in try m.wwwAuthenticateViews }),
            (.proxyAuthenticate, { () throws(SIPParseError) in try m.proxyAuthenticateViews }),
            (.authorization, { () throws(SIPParseError) in try m.authorizationViews }),
            (.proxyAuthorization, { () throws(SIPParseError) in try m.proxyAuthorizationViews }),
        ]
        for (header, array) in auth {
            ok =
                agree("\(name) \(header)", array) { (body) throws(SIPParseError) in
                    try m.forEachAuthenticationView(of: header, body)
                } && ok
        }
        return ok
    }

    @Test func seedsVectorsAndMutationsAgree() throws {
        let compared = try ViewDifferentialTests.forEachMessageAndMutation(
            replacing: [nil, .comma, .semicolon, .quote, .lessThan, .greaterThan, .equals, .space]
        ) { name, message, _ in Self.compare(message, name) }
        #expect(compared > 1_000)
    }

    /// A header name that has no challenges or credentials walks nothing; a bad second Via stops the
    /// walk after the first.
    @Test func walksStopAtTheError() throws {
        let m = try parse(request(with: "Via: SIP/2.0/UDP ok.example;branch=z9hG4bK2, SIP/2.0 bad"))
        var seen = 0
        #expect(throws: SIPParseError.self) { try m.forEachViaView { _ in seen += 1 } }
        #expect(seen == 2)
        var none = 0
        try m.forEachAuthenticationView(of: .via) { _ in none += 1 }
        #expect(none == 0)
    }
}
