import Foundation
import NIOCore
import NIOPosix
import SIPTestSupport
import SipEndpoint
import Testing

/// A back end hosts many agents: phones run on the caller's event-loop group and add no threads.
@Suite("Hosting phones on the caller's event-loop group", .timeLimit(.minutes(1)))
struct HostingTests {
    static func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    @Test("20 phones on one two-loop group register on its loops; the group outlives them")
    func phonesAddNoThreads() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let site = try await InProcessSite.start(.init(name: "site-a"))
        // Let the group's and the site's threads exist before counting.
        try await group.next().submit {}.get()
        let before = Self.threadCount()
        var phones: [Phone] = []
        for n in 0..<20 {
            let connection = ConnectionConfiguration(
                user: "\(7001 + n % 10)", server: ServerAddress(host: "127.0.0.1", port: site.port),
                password: "pass\(7001 + n % 10)",
                reregisterInSeconds: 60, optionsInterval: 0)
            let phone = Phone(configuration: fastConfiguration([connection]), eventLoopGroup: group)
            try await phone.start()
            phones.append(phone)
        }
        try await waitUntil(timeout: .seconds(10)) { phones.allSatisfy { $0.status == .active } }
        #expect(phones.allSatisfy { $0.status == .active })
        // Every phone lives on a loop of the given group, spread over both loops (no group of its own;
        // the thread count is printed, not asserted: other suites run beside this one).
        let loops = Set(group.makeIterator().map { ObjectIdentifier($0 as AnyObject) })
        let used = phones.map { ObjectIdentifier($0.eventLoop as AnyObject) }
        #expect(used.allSatisfy(loops.contains))
        #expect(Set(used).count == 2)
        print("hosting phones=20 threads-before=\(before) threads-during=\(Self.threadCount())")
        for phone in phones { await phone.shutdown() }
        // The group is the caller's: still running after every phone shut down.
        let answer = try await group.next().submit { 42 }.get()
        #expect(answer == 42)
        try await site.stop()
        try await group.shutdownGracefully()
    }

    @Test("A phone made without a group runs on NIO's singleton alone and spreads its agents' lines over its loops")
    func defaultPhoneRunsOnTheSingleton() async throws {
        let singleton = MultiThreadedEventLoopGroup.singleton
        let site = try await InProcessSite.start(.init(name: "site-a"))
        // The singleton's threads exist before counting: the phone may add none besides them.
        try await singleton.next().submit {}.get()
        let before = Self.threadCount()
        let agents = (0..<4).map { n in
            ConnectionConfiguration(
                user: "\(7001 + n)", server: ServerAddress(host: "127.0.0.1", port: site.port),
                password: "pass\(7001 + n)", reregisterInSeconds: 60, optionsInterval: 0)
        }
        let phone = Phone(configuration: fastConfiguration(agents))
        try await phone.start()
        try await waitUntil(timeout: .seconds(10)) {
            phone.connectionManager.connections.allSatisfy { $0.status == .ready }
        }
        #expect(phone.connectionManager.connections.allSatisfy { $0.status == .ready })
        let loops = Set(singleton.makeIterator().map { ObjectIdentifier($0 as AnyObject) })
        let used = (0..<4).map { ObjectIdentifier(phone.eventLoop(ofConnection: $0) as AnyObject) }
        #expect(phone.eventLoops.count == loops.count, "one shard per loop of the singleton")
        #expect(used.allSatisfy(loops.contains), "every line is on a loop of the singleton, none of its own")
        #expect(Set(used).count == min(4, loops.count), "the agents' lines are spread over the loops")
        // Printed, not asserted: other suites start and stop threads beside this one.
        print("hosting singleton phone: threads-before=\(before) threads-during=\(Self.threadCount())")
        await phone.shutdown()
        // The singleton is NIO's: still running after the phone shut down.
        #expect(try await singleton.next().submit { 42 }.get() == 42)
        try await site.stop()
    }
}
