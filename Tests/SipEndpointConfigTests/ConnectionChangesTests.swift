import SipEndpoint
import Testing

@Suite("SipEndpointConfiguration.connectionChanges(to:)")
struct ConnectionChangesTests {
    static let a = ConnectionConfiguration(user: "7001", server: ServerAddress(host: "127.0.0.2", port: 5060))
    static let b = ConnectionConfiguration(
        user: "7001", server: ServerAddress(host: "127.0.0.3", port: 5061), transport: .tls)
    static let c = ConnectionConfiguration(user: "7002", server: ServerAddress(host: "127.0.0.4"))

    @Test("same connections: all unchanged, even when a policy changes")
    func unchanged() {
        let old = SipEndpointConfiguration(connections: [Self.a, Self.b])
        var new = old
        new.session.autoAnswer = true
        let diff = old.connectionChanges(to: new)
        #expect(diff.added == [] && diff.removed == [] && diff.changed == [])
        #expect(diff.unchanged == [0, 1])
    }

    @Test("a connection appended is added; the others are untouched")
    func added() {
        let diff = SipEndpointConfiguration(connections: [Self.a]).connectionChanges(
            to: SipEndpointConfiguration(connections: [Self.a, Self.b, Self.c]))
        #expect(diff.added == [1, 2] && diff.removed == [] && diff.changed == [] && diff.unchanged == [0])
    }

    @Test("the last connections dropped are removed")
    func removed() {
        let diff = SipEndpointConfiguration(connections: [Self.a, Self.b, Self.c]).connectionChanges(
            to: SipEndpointConfiguration(connections: [Self.a]))
        #expect(diff.added == [] && diff.removed == [1, 2] && diff.changed == [] && diff.unchanged == [0])
    }

    @Test("any field of a connection changed (a password, a timer) makes it changed")
    func changed() {
        var b2 = Self.b
        b2.password = "new"
        var a2 = Self.a
        a2.reregisterInSeconds = 60
        let old = SipEndpointConfiguration(connections: [Self.a, Self.b, Self.c])
        #expect(
            old.connectionChanges(to: SipEndpointConfiguration(connections: [Self.a, b2, Self.c])) == (
                [], [], [1], [0, 2]
            ))
        #expect(old.connectionChanges(to: SipEndpointConfiguration(connections: [a2, Self.b])) == ([], [2], [0], [1]))
    }

    @Test("ids are positions: removing the first line shifts the others, which then count as changed")
    func positional() {
        let diff = SipEndpointConfiguration(connections: [Self.a, Self.b]).connectionChanges(
            to: SipEndpointConfiguration(connections: [Self.b]))
        #expect(diff.changed == [0] && diff.removed == [1] && diff.unchanged == [] && diff.added == [])
    }

    @Test("from and to nothing")
    func empty() {
        let none = SipEndpointConfiguration()
        let two = SipEndpointConfiguration(connections: [Self.a, Self.b])
        #expect(none.connectionChanges(to: two) == ([0, 1], [], [], []))
        #expect(two.connectionChanges(to: none) == ([], [0, 1], [], []))
        #expect(none.connectionChanges(to: none) == ([], [], [], []))
    }
}
