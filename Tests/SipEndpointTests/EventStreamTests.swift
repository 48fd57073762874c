import Foundation
import RegistrationLoad
import SIPTestSupport
import SipEndpoint
import Synchronization
import Testing

/// An event with its sequence number, or the broadcaster's marker for lost ones.
private enum Numbered: Sendable, Hashable {
    case event(Int)
    case dropped(count: Int)
}

/// Checks what one subscriber read from a burst of `total` numbered events (0, 1, 2, …): the events in
/// order, each marker standing exactly for the gap it sits in, never two markers in a row, and the
/// events plus the markers' counts adding up to `total`.
private func checkAccounting(_ read: [Numbered], total: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    var expectedNext = 0
    var pendingLoss: Int?
    var events = 0
    var lost = 0
    for element in read {
        switch element {
        case .dropped(let count):
            #expect(pendingLoss == nil, "two markers in a row", sourceLocation: sourceLocation)
            #expect(count > 0, sourceLocation: sourceLocation)
            pendingLoss = count
            lost += count
        case .event(let n):
            #expect(
                n == expectedNext + (pendingLoss ?? 0),
                "event \(n) after \(expectedNext - 1) with a marker of \(pendingLoss ?? 0)",
                sourceLocation: sourceLocation)
            expectedNext = n + 1
            pendingLoss = nil
            events += 1
        }
    }
    #expect(pendingLoss == nil, "a marker must be followed by the event after the gap", sourceLocation: sourceLocation)
    #expect(events + lost == total, "\(events) events + \(lost) lost ≠ \(total)", sourceLocation: sourceLocation)
    #expect(expectedNext == total, "the last event read is the last one published", sourceLocation: sourceLocation)
}

/// The first `count` elements of `stream`, or fewer if it ends or `timeout` passes.
private func first<E: Sendable>(_ count: Int, of stream: AsyncStream<E>, within timeout: Duration) async -> [E] {
    await withTaskGroup(of: [E]?.self) { group in
        group.addTask {
            var read: [E] = []
            for await e in stream {
                read.append(e)
                if read.count == count { break }
            }
            return read
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let result = await group.next() ?? nil
        group.cancelAll()
        return result ?? []
    }
}

@Suite("Event streams: loss is never silent")
struct EventBroadcasterTests {
    private static func broadcaster(bufferSize: Int) -> EventBroadcaster<Numbered> {
        EventBroadcaster(bufferSize: bufferSize, dropped: { .dropped(count: $0) })
    }

    @Test func aStalledReaderGetsOneMarkerForTheOldestThenTheNewest() async {
        let broadcaster = Self.broadcaster(bufferSize: 16)
        let stream = broadcaster.subscribe()
        for n in 0..<2_000 { broadcaster.yield(.event(n)) }
        broadcaster.finish()
        var read: [Numbered] = []
        for await e in stream { read.append(e) }
        #expect(read == [.dropped(count: 1_984)] + (1_984..<2_000).map { .event($0) })
        checkAccounting(read, total: 2_000)
    }

    @Test func markersStandWhereTheEventsWereLost() async {
        // Bursts of 100 events, 5 elements read after each: deterministic, on one task.
        let broadcaster = Self.broadcaster(bufferSize: 16)
        let stream = broadcaster.subscribe()
        var iterator = stream.makeAsyncIterator()
        var read: [Numbered] = []
        for burst in 0..<20 {
            for n in burst * 100..<(burst + 1) * 100 { broadcaster.yield(.event(n)) }
            for _ in 0..<5 { if let e = await iterator.next() { read.append(e) } }
        }
        broadcaster.finish()
        while let e = await iterator.next() { read.append(e) }
        // After the first burst 16 are kept (84…99): the 84 before them are lost.
        #expect(Array(read.prefix(5)) == [.dropped(count: 84), .event(84), .event(85), .event(86), .event(87)])
        // Then 88…99 remain (12); 100 more arrive, 16 are kept (184…199): 12 + 84 lost.
        #expect(Array(read.dropFirst(5).prefix(2)) == [.dropped(count: 96), .event(184)])
        #expect(read.filter { if case .dropped = $0 { true } else { false } }.count == 20)
        checkAccounting(read, total: 2_000)
    }

    @Test func aReaderTakingFiveMillisecondsPerEventIsToldOfEveryLoss() async {
        let broadcaster = Self.broadcaster(bufferSize: 32)
        let stream = broadcaster.subscribe()
        let reader = Task {
            var read: [Numbered] = []
            for await e in stream {
                read.append(e)
                try? await Task.sleep(for: .milliseconds(5))
            }
            return read
        }
        // 2,000 events in bursts of 50 from another task, then the end of the stream.
        let producer = Task.detached {
            for n in 0..<2_000 {
                broadcaster.yield(.event(n))
                if n % 50 == 49 { await Task.yield() }
            }
            broadcaster.finish()
        }
        await producer.value
        let read = await reader.value
        let markers = read.filter { if case .dropped = $0 { true } else { false } }
        #expect(!markers.isEmpty, "a reader this slow must have lost events")
        checkAccounting(read, total: 2_000)
    }

    @Test func theEventAfterAMarkerIsNotLostInTurn() async {
        let broadcaster = Self.broadcaster(bufferSize: 4)
        let stream = broadcaster.subscribe()
        var iterator = stream.makeAsyncIterator()
        for n in 0..<10 { broadcaster.yield(.event(n)) }
        var read: [Numbered] = []
        if let e = await iterator.next() { read.append(e) }
        // The reader stalls again right after the marker: 10 more push out 7…15, never 6.
        for n in 10..<20 { broadcaster.yield(.event(n)) }
        broadcaster.finish()
        while let e = await iterator.next() { read.append(e) }
        #expect(
            read == [.dropped(count: 6), .event(6), .dropped(count: 9), .event(16), .event(17), .event(18), .event(19)])
        checkAccounting(read, total: 20)
    }

    @Test func aReaderThatKeepsUpLosesNothing() async {
        let broadcaster = Self.broadcaster(bufferSize: 16)
        let stream = broadcaster.subscribe()
        var iterator = stream.makeAsyncIterator()
        var read: [Numbered] = []
        for n in 0..<200 {
            broadcaster.yield(.event(n))
            if let e = await iterator.next() { read.append(e) }
        }
        #expect(read == (0..<200).map { .event($0) })
    }

    @Test func finishDeliversWhatIsBufferedThenEnds() async {
        let broadcaster = Self.broadcaster(bufferSize: 8)
        let stream = broadcaster.subscribe()
        for n in 0..<3 { broadcaster.yield(.event(n)) }
        broadcaster.finish()
        broadcaster.yield(.event(3))
        var read: [Numbered] = []
        for await e in stream { read.append(e) }
        #expect(read == [.event(0), .event(1), .event(2)])
        var late: [Numbered] = []
        for await e in broadcaster.subscribe() { late.append(e) }
        #expect(late.isEmpty, "a subscriber after finish gets an ended stream")
        #expect(broadcaster.subscriberCount == 0)
    }

    @Test func aCancelledReaderEndsAndLeaves() async {
        let broadcaster = Self.broadcaster(bufferSize: 8)
        let stream = broadcaster.subscribe()
        #expect(broadcaster.subscriberCount == 1)
        let reader = Task {
            var count = 0
            for await _ in stream { count += 1 }
            return count
        }
        broadcaster.yield(.event(0))
        reader.cancel()
        let count = await reader.value
        #expect(count <= 1)
        #expect(broadcaster.subscriberCount == 0)
    }

    @Test func aReleasedStreamLeaves() {
        let broadcaster = Self.broadcaster(bufferSize: 8)
        do {
            let stream = broadcaster.subscribe()
            _ = stream
            #expect(broadcaster.subscriberCount == 1)
        }
        #expect(broadcaster.subscriberCount == 0)
    }
}

@Suite("Phone event streams and waitUntilReady")
struct PhoneEventStreamTests {
    @Test func streamsSubscribedBeforeStartSeeTheFirstRegistering() async throws {
        let site = try await SIPTestPeer.start()
        // A generous transaction timeout: a loaded machine must not turn this into a failed registration.
        let phone = Phone.onOwnThread(configuration: fastConfiguration([try connection(to: site)], timeoutMs: 5_000))
        let connectionEvents = phone.connectionManager.statusChanges
        let phoneEvents = phone.statusChanges
        try await phone.start()
        let changes = await first(2, of: connectionEvents, within: .seconds(5)).compactMap(\.change)
        #expect(changes.map(\.status) == [.registering, .ready])
        #expect(changes.first?.previousStatus == .disabled)
        #expect(changes.first?.connectionId == 0)
        let phoneChanges = await first(1, of: phoneEvents, within: .seconds(5)).compactMap(\.change)
        #expect(phoneChanges.map(\.status) == [.active])
        await phone.shutdown()
        try await site.stop()
    }

    @Test func waitUntilReadyReturnsTheReadyConnections() async throws {
        let siteA = try await InProcessSite.start(.init(name: "site-a"))
        let siteB = try await InProcessSite.start(.init(name: "site-b"))
        func connection(_ s: InProcessSite) -> ConnectionConfiguration {
            ConnectionConfiguration(
                user: "7001", server: ServerAddress(host: "127.0.0.1", port: s.port), password: "pass7001",
                reregisterInSeconds: 60, regInterval: 120, regRetryMax: 300, optionsInterval: 0)
        }
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration([connection(siteA), connection(siteB)], timeoutMs: 5_000))
        try await phone.start()
        let ready = try await phone.connectionManager.waitUntilReady(timeout: .seconds(10))
        #expect(ready.map(\.id) == [0, 1])
        #expect(ready.allSatisfy { $0.status == .ready })
        // Already ready: it returns at once with the snapshot asked for.
        let one = try await phone.connectionManager.waitUntilReady([1], timeout: .milliseconds(1))
        #expect(one.map(\.id) == [1])
        await phone.shutdown()
        try await siteA.stop()
        try await siteB.stop()
    }

    @Test func waitUntilReadyNamesTheConnectionOfASilentSite() async throws {
        let silent = try await SIPTestPeer.start()
        let answering = try await SIPTestPeer.start()
        silent.on(.register, .silent)
        // Connection 0 stays `registering` for the 2 s transaction timeout, then `failed`: not ready either way.
        let phone = Phone.onOwnThread(
            configuration: fastConfiguration(
                [try connection(to: silent), try connection(to: answering)], timeoutMs: 2_000))
        try await phone.start()
        // The answering one alone is ready.
        let ready = try await phone.connectionManager.waitUntilReady([1], timeout: .seconds(2))
        #expect(ready.map(\.status) == [.ready])
        do {
            _ = try await phone.connectionManager.waitUntilReady(timeout: .milliseconds(300))
            Issue.record("connection 0's site never answers: the wait must time out")
        } catch {
            #expect(error.code == .timedOut)
            #expect(error.connectionIds == [0])
            // Still registering, or failed if the machine was slow enough for the 2 s timeout to pass.
            #expect(error.detail.contains("0 registering") || error.detail.contains("0 failed"), "\(error.detail)")
        }
        await phone.shutdown()
        try await silent.stop()
        try await answering.stop()
    }

    @Test func waitUntilReadyNeedsARunningPhoneAndKnownConnections() async throws {
        let site = try await SIPTestPeer.start()
        let phone = Phone.onOwnThread(configuration: fastConfiguration([try connection(to: site)]))
        await #expect(throws: SipEndpointError(.notRunning, "")) {
            try await phone.connectionManager.waitUntilReady(timeout: .milliseconds(100))
        }
        try await phone.start()
        await #expect(throws: SipEndpointError(.unknownConnection, "")) {
            try await phone.connectionManager.waitUntilReady([7], timeout: .milliseconds(100))
        }
        await phone.shutdown()
        try await site.stop()
    }

    /// More than 1024 connection events (300 connections registering, then un-registering: 1,200) past
    /// a reader that reads nothing until the phone is shut down: it gets one marker, then the newest 1024.
    @Test func aStalledConnectionReaderIsToldHowManyItLost() async throws {
        let dns = 150
        let sites = try await LoadSites.start(sites: 2)
        let phone = Phone.onOwnThread(
            configuration: RegistrationLoad.configuration(
                dns: dns, sites: sites.addresses, reregisterInSeconds: 60, optionsInterval: 0))
        let stalled = phone.connectionManager.statusChanges
        // A reader that keeps up (or, on a loaded machine, is told what it lost): what was published.
        let everything = phone.connectionManager.statusChanges
        let fast = Task {
            var count = 0
            for await e in everything {
                if case .dropped(let n) = e { count += n } else { count += 1 }
            }
            return count
        }
        try await phone.start()
        // On a loaded machine a registration may time out and wait for its retry: the marker's rule
        // does not depend on every connection getting ready, only on more than 1024 events.
        _ = try? await phone.connectionManager.waitUntilReady(timeout: .seconds(30))
        await phone.shutdown()
        await sites.shutdown()
        let published = await fast.value
        #expect(published >= dns * 2 * 3, "at least registering, then a final status and disabled for each connection")
        var read: [ConnectionEvent] = []
        for await e in stalled { read.append(e) }
        guard case .dropped(let lost) = read.first else {
            Issue.record("the stalled reader's first element must be the marker, got \(String(describing: read.first))")
            return
        }
        #expect(read.count == 1 + 1024)
        #expect(lost + 1024 == published)
        #expect(read.dropFirst().allSatisfy { $0.change != nil })
    }
}
