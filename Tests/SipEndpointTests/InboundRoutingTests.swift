import SIPCore
import Testing

@testable import SipEndpoint

/// Inbound routing and admission as a pure function: two agents (7001, 7002), each on site A
/// (127.0.0.2:5060) and site B (127.0.0.3:5060): connections 0, 1 = 7001 on A, B; 2, 3 = 7002 on A, B.
@Suite("Inbound routing: lines, Contact tokens and strangers")
struct InboundRoutingTests {
    static let siteA = "127.0.0.2", siteB = "127.0.0.3", stranger = "127.0.0.9"

    static func token(_ id: Int) -> String {
        LineIdentity.contactToken(
            instanceURN: "urn:uuid:00000000-0000-4000-8000-00000000000\(id < 2 ? 1 : 2)", connectionId: id,
            server: ServerAddress(host: id % 2 == 0 ? siteA : siteB, port: 5060), transport: .udp)
    }

    static var table: LineTable {
        var t = LineTable()
        for id in 0..<4 {
            t.add(id: id, user: id < 2 ? "7001" : "7002", token: token(id), isEnabled: true)
            t.setSite(id, addresses: [(id % 2 == 0 ? siteA : siteB, 5060)])
        }
        return t
    }

    static func request(
        _ method: SIPMethod = .invite, user: String?, from host: String, port: Int = 5060, toTag: Bool = false,
        inDialog: Bool = false
    ) -> InboundRouting.Request {
        .init(
            method: method, requestURIUser: user, hasToTag: toTag, isInKnownDialog: inDialog, sourceHost: host,
            sourcePort: port)
    }

    static func decide(
        _ r: InboundRouting.Request, _ strangers: EndpointPolicy.UnsolicitedRequests = .drop, table: LineTable = table
    )
        -> InboundRouting.Decision
    {
        InboundRouting.decide(r, table: table, strangers: strangers)
    }

    @Test func aSiteCallForOneAgentRingsOnThatAgentsConnectionAtThatSite() {
        #expect(Self.decide(Self.request(user: "7002", from: Self.siteA)) == .connection(2))
        #expect(Self.decide(Self.request(user: "7002", from: Self.siteB)) == .connection(3))
        #expect(Self.decide(Self.request(user: "7001", from: Self.siteA)) == .connection(0))
        #expect(Self.decide(Self.request(user: "7001", from: Self.siteB, port: 40000)) == .connection(1))
    }

    @Test func aContactTokenNamesItsConnectionWhoeverDeliversIt() {
        for id in 0..<4 {
            let user = LineIdentity.contactUser(user: id < 2 ? "7001" : "7002", token: Self.token(id))
            #expect(Self.decide(Self.request(user: user, from: Self.stranger)) == .connection(id), "an SBC's address")
            #expect(Self.decide(Self.request(user: user, from: Self.siteA)) == .connection(id), "any site")
        }
    }

    @Test func aTokenNoConnectionRegistersGets404FromASiteAndNothingFromAStranger() {
        let unknown = LineIdentity.contactUser(
            user: "7001", token: String(repeating: "a", count: LineIdentity.tokenLength))
        #expect(Self.decide(Self.request(user: unknown, from: Self.siteA)) == .respond(404, "Not Found"))
        #expect(Self.decide(Self.request(user: unknown, from: Self.stranger)) == .drop)
        var table = Self.table
        table.setEnabled(2, false)
        let disabled = LineIdentity.contactUser(user: "7002", token: Self.token(2))
        #expect(Self.decide(Self.request(user: disabled, from: Self.siteA), table: table) == .respond(404, "Not Found"))
        table.remove(id: 3)
        let removed = LineIdentity.contactUser(user: "7002", token: Self.token(3))
        #expect(Self.decide(Self.request(user: removed, from: Self.siteB), table: table) == .respond(404, "Not Found"))
    }

    @Test func aSiteAskingForAUserWeDoNotHaveGets404() {
        #expect(Self.decide(Self.request(user: "7999", from: Self.siteA)) == .respond(404, "Not Found"))
        var table = Self.table
        table.remove(id: 3)
        #expect(
            Self.decide(Self.request(user: "7002", from: Self.siteB), table: table) == .respond(404, "Not Found"),
            "removed from the site index too")
        #expect(Self.decide(Self.request(user: "7002", from: Self.siteA), table: table) == .connection(2))
    }

    @Test(arguments: [SIPMethod.invite, .options, .message, .register, .bye, .cancel, .ack])
    func strangersAreDroppedByDefault(method: SIPMethod) {
        #expect(Self.decide(Self.request(method, user: "7001", from: Self.stranger)) == .drop)
        #expect(Self.decide(Self.request(method, user: nil, from: Self.stranger)) == .drop)
        #expect(
            Self.decide(Self.request(method, user: "7001", from: Self.stranger, toTag: true)) == .drop,
            "looks in-dialog, is not")
    }

    @Test func strangersGet403WhenRejectedAndARouteWhenAccepted() {
        #expect(Self.decide(Self.request(user: "7002", from: Self.stranger), .reject) == .respond(403, "Forbidden"))
        #expect(Self.decide(Self.request(.ack, user: "7002", from: Self.stranger), .reject) == .drop)
        #expect(Self.decide(Self.request(user: "7002", from: Self.stranger), .accept) == .connection(2))
    }

    @Test func aLiveDialogsRequestsGoToItsSessionFromAnywhere() {
        #expect(
            Self.decide(Self.request(.bye, user: "7001", from: Self.stranger, toTag: true, inDialog: true)) == .dialog)
        #expect(Self.decide(Self.request(.cancel, user: "7001", from: Self.siteA, inDialog: true)) == .dialog)
    }

    @Test func aSitesRequestForADialogWeDoNotHaveGets481AndAnACKNothing() {
        #expect(
            Self.decide(Self.request(.bye, user: "7001", from: Self.siteA, toTag: true))
                == .unknownDialog)
        #expect(
            Self.decide(Self.request(.cancel, user: "7001", from: Self.siteA))
                == .unknownDialog)
        #expect(Self.decide(Self.request(.ack, user: "7001", from: Self.siteA, toTag: true)) == .drop)
    }

    @Test func aSitesOptionsProbeWithoutAUserIsAnswered() {
        #expect(Self.decide(Self.request(.options, user: nil, from: Self.siteB)) == .connection(1))
    }

    @Test func linesAreTheConnectionsThatShareADN() {
        let table = Self.table
        #expect(table.line(of: 0) == [0, 1] && table.line(of: 3) == [2, 3])
        #expect(table.connections(atSite: Self.siteA, port: 5060, user: "7002") == [2])
        #expect(table.connections(atSite: Self.siteB, port: nil, user: "7001") == [1])
        #expect(table.anyConnection(atSite: Self.siteA, port: 5060) == 0)
    }

    @Test func tokensAreStablePerConnectionAndDifferAcrossConnectionsAndInstances() {
        let server = ServerAddress(host: Self.siteA, port: 5060)
        let a = LineIdentity.contactToken(instanceURN: "urn:uuid:1", connectionId: 0, server: server, transport: .udp)
        #expect(
            a == LineIdentity.contactToken(instanceURN: "urn:uuid:1", connectionId: 0, server: server, transport: .udp))
        #expect(
            a != LineIdentity.contactToken(instanceURN: "urn:uuid:1", connectionId: 1, server: server, transport: .udp))
        #expect(
            a != LineIdentity.contactToken(instanceURN: "urn:uuid:2", connectionId: 0, server: server, transport: .udp))
        #expect(
            a != LineIdentity.contactToken(instanceURN: "urn:uuid:1", connectionId: 0, server: server, transport: .tcp))
        #expect(a.count == LineIdentity.tokenLength)
        #expect(LineIdentity.token(inUser: LineIdentity.contactUser(user: "70-01", token: a)) == a)
        #expect(LineIdentity.token(inUser: "7001") == nil)
        #expect(LineIdentity.token(inUser: "7001-" + String(repeating: "g", count: LineIdentity.tokenLength)) == nil)
    }

    @Test func theInstanceIsTheApplicationsOrDerivedFromTheSecretOrRandom() {
        #expect(
            LineIdentity.instanceURN(configured: "urn:uuid:ABC", user: "7001", password: "p") { "r" } == "urn:uuid:ABC")
        #expect(LineIdentity.instanceURN(configured: "ABC", user: "7001", password: "p") { "r" } == "urn:uuid:abc")
        let derived = LineIdentity.instanceURN(configured: nil, user: "7001", password: "pass7001") { "r" }
        #expect(
            derived == LineIdentity.instanceURN(configured: nil, user: "7001", password: "pass7001") { "other" },
            "stable across restarts")
        #expect(
            derived != LineIdentity.instanceURN(configured: nil, user: "7001", password: "pass7002") { "r" },
            "needs the secret")
        #expect(derived.hasPrefix("urn:uuid:") && derived.count == "urn:uuid:".count + 36)
        #expect(LineIdentity.instanceURN(configured: nil, user: "7001", password: nil) { "random" } == "random")
    }

    /// The site lookups after a site moves: the old addresses find nothing, the new ones find the line's
    /// connection, the exact `host:port` first, and a removed connection is gone from both.
    @Test func siteLookupsFollowMovesAndRemovals() {
        var t = Self.table
        #expect(t.connections(atSite: Self.siteA, port: 5060, user: "7001") == [0])
        t.setSite(0, addresses: [("127.0.0.4", 5070), (Self.siteB, 5080)])
        #expect(t.connections(atSite: Self.siteA, port: 5060, user: "7001").isEmpty)
        #expect(t.connections(atSite: "127.0.0.4", port: 5070, user: "7001") == [0])
        #expect(t.connections(atSite: Self.siteB, port: 5060, user: "7001") == [1, 0], "exact host:port first")
        #expect(t.connections(atSite: Self.siteB, port: 5080, user: "7001") == [0, 1])
        #expect(t.anyConnection(atSite: "127.0.0.4", port: nil) == 0)
        #expect(t.isSiteHost(Self.siteA), "7002's connection 2 is still on site A")
        t.remove(id: 0)
        #expect(t.connections(atSite: "127.0.0.4", port: 5070, user: "7001").isEmpty)
        #expect(!t.isSiteHost("127.0.0.4"))
        #expect(t.line(of: 1) == [1])
    }
}
