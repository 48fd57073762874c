import Testing

@testable import SipEndpoint

/// One customer call delivered by both sites: the per-line table of correlation values.
@Suite("Duplicate call table")
struct DuplicateCallTableTests {
    @Test func aFirstCopyRingsAndASecondOnAHealthyConnectionIsRefused() {
        var table = DuplicateCallTable()
        #expect(table.decide(user: "7001", value: "u1", hasFailed: { _ in false }) == .ring)
        let r1 = table.record(user: "7001", value: "u1", sessionId: "s1", connectionId: 0)
        #expect(r1)
        #expect(table.decide(user: "7001", value: "u1", hasFailed: { _ in false }) == .refuse(first: "s1"))
    }

    @Test func aCopyWhoseFirstIsOnAFailedConnectionReplacesIt() {
        var table = DuplicateCallTable()
        table.record(user: "7001", value: "u1", sessionId: "s1", connectionId: 0)
        #expect(table.decide(user: "7001", value: "u1", hasFailed: { $0 == 0 }) == .replace(first: "s1"))
        #expect(
            table.decide(user: "7001", value: "u1", hasFailed: { $0 == 1 }) == .refuse(first: "s1"),
            "only the first's connection matters")
        // The replacement takes the value over; the first's end does not free it.
        table.record(user: "7001", value: "u1", sessionId: "s2", connectionId: 1)
        table.remove(session: "s1")
        #expect(table.decide(user: "7001", value: "u1", hasFailed: { _ in false }) == .refuse(first: "s2"))
        table.remove(session: "s2")
        #expect(table.count == 0)
    }

    @Test func linesAreSeparateAndEndsFreeTheirValue() {
        var table = DuplicateCallTable()
        table.record(user: "7001", value: "u1", sessionId: "s1", connectionId: 0)
        #expect(table.decide(user: "7002", value: "u1", hasFailed: { _ in false }) == .ring, "another agent's line")
        table.remove(session: "s1")
        #expect(table.decide(user: "7001", value: "u1", hasFailed: { _ in false }) == .ring)
        #expect(table.count == 0)
    }

    @Test func aLineIsBounded() {
        var table = DuplicateCallTable(capacityPerLine: 2)
        let r2 = table.record(user: "7001", value: "a", sessionId: "s1", connectionId: 0)
        #expect(r2)
        let r3 = table.record(user: "7001", value: "b", sessionId: "s2", connectionId: 0)
        #expect(r3)
        let r4 = table.record(user: "7001", value: "c", sessionId: "s3", connectionId: 0)
        #expect(!r4, "full: not remembered")
        #expect(table.decide(user: "7001", value: "c", hasFailed: { _ in false }) == .ring)
        let r5 = table.record(user: "7002", value: "c", sessionId: "s4", connectionId: 2)
        #expect(r5, "per line")
        table.remove(session: "s1")
        let r6 = table.record(user: "7001", value: "c", sessionId: "s3", connectionId: 0)
        #expect(r6, "freed room is reused")
        #expect(table.count == 3)
    }
}
