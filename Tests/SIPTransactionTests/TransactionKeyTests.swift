import NIOCore
import Testing

@testable import SIPTransaction

@Suite("TransactionKey (§17.1.3, §17.2.3) and MergedRequestDetector (§8.2.2.2)")
struct TransactionKeyTests {
    @Test("Client: branch and CSeq method; the CANCEL's response does not match the INVITE")
    func clientMatching() {
        let invite = TransactionKey.client(branch: "z9hG4bK776asdhds", method: "INVITE")
        #expect(TransactionKey.client(branch: "z9hG4bK776asdhds", method: "INVITE") == invite)
        #expect(TransactionKey.client(branch: "z9hG4bK776asdhds", method: "CANCEL") != invite)
        #expect(TransactionKey.client(branch: "z9hG4bK776asdhdt", method: "INVITE") != invite)
    }

    @Test("Server: branch + sent-by + method; ACK matches its INVITE; sent-by host is case-insensitive")
    func serverMatching() throws {
        let invite = try #require(
            TransactionKey.server(branch: "z9hG4bKnashds8", sentBy: "pc33.atlanta.com:5060", method: "INVITE"))
        #expect(
            TransactionKey.server(branch: "z9hG4bKnashds8", sentBy: "PC33.Atlanta.COM:5060", method: "ACK") == invite)
        #expect(
            TransactionKey.server(branch: "z9hG4bKnashds8", sentBy: "pc34.atlanta.com:5060", method: "INVITE") != invite
        )
        #expect(
            TransactionKey.server(branch: "z9hG4bKnashds9", sentBy: "pc33.atlanta.com:5060", method: "INVITE") != invite
        )
        #expect(
            TransactionKey.server(branch: "z9hG4bKnashds8", sentBy: "pc33.atlanta.com:5060", method: "BYE") != invite)
        #expect(TransactionKey.client(branch: "z9hG4bKnashds8", method: "INVITE") != invite)
    }

    @Test("CANCEL has its own server transaction and names the INVITE it cancels")
    func cancel() throws {
        let invite = try #require(TransactionKey.server(branch: "z9hG4bKx", sentBy: "127.0.10.1", method: "INVITE"))
        let cancel = try #require(TransactionKey.server(branch: "z9hG4bKx", sentBy: "127.0.10.1", method: "CANCEL"))
        #expect(cancel != invite)
        #expect(cancel.cancelledInviteKey == invite)
        #expect(invite.cancelledInviteKey == nil)
    }

    @Test(
        "No magic cookie (RFC 2543 peer) or a bare cookie: no key",
        arguments: ["1234abcd", "z9hG4bK", "Z9HG4BKabc", ""])
    func noCookie(branch: String) {
        #expect(TransactionKey.server(branch: branch, sentBy: "h", method: "INVITE") == nil)
    }

    let start = NIODeadline.uptimeNanoseconds(0)

    func key(_ branch: String) -> TransactionKey {
        TransactionKey.server(branch: branch, sentBy: "127.0.10.1:5060", method: "INVITE")!
    }

    @Test("Same From tag + Call-ID + CSeq with another branch is merged (482); same branch is the same transaction")
    func merged() {
        var detector = MergedRequestDetector()
        func check(_ branch: String, cseq: UInt32 = 1, at offset: TimeAmount = .zero) -> MergedRequestDetector.Verdict {
            detector.check(
                fromTag: "ft", callID: "call-1", cseqNumber: cseq, cseqMethod: "INVITE", transaction: key(branch),
                now: start + offset)
        }
        #expect(check("z9hG4bK1") == .new)
        #expect(check("z9hG4bK1") == .sameTransaction)
        #expect(check("z9hG4bK2") == .merged)
        #expect(check("z9hG4bK3", cseq: 2) == .new)
        #expect(detector.count == 2)
    }

    @Test("Entries expire after their lifetime; forget drops one early")
    func expiry() {
        var detector = MergedRequestDetector(configuration: .init(lifetime: .seconds(32), capacity: 100))
        #expect(
            detector.check(
                fromTag: "a", callID: "c", cseqNumber: 1, cseqMethod: "OPTIONS", transaction: key("z9hG4bK1"),
                now: start) == .new)
        #expect(
            detector.check(
                fromTag: "a", callID: "c", cseqNumber: 1, cseqMethod: "OPTIONS", transaction: key("z9hG4bK2"),
                now: start + .seconds(31)) == .merged)
        #expect(
            detector.check(
                fromTag: "a", callID: "c", cseqNumber: 1, cseqMethod: "OPTIONS", transaction: key("z9hG4bK2"),
                now: start + .seconds(32)) == .new)
        detector.forget(fromTag: "a", callID: "c", cseqNumber: 1, cseqMethod: "OPTIONS")
        #expect(detector.count == 0)
        #expect(
            detector.check(
                fromTag: "a", callID: "c", cseqNumber: 1, cseqMethod: "OPTIONS", transaction: key("z9hG4bK3"),
                now: start + .seconds(33)) == .new)
    }

    @Test("Size is bounded: past capacity the oldest entry is forgotten, also under forget churn")
    func capacity() {
        var detector = MergedRequestDetector(configuration: .init(lifetime: .seconds(32), capacity: 100))
        for index in 0..<10_000 {
            _ = detector.check(
                fromTag: "t\(index)", callID: "c", cseqNumber: 1, cseqMethod: "INVITE",
                transaction: key("z9hG4bK\(index)"), now: start)
            if index.isMultiple(of: 2) {
                detector.forget(fromTag: "t\(index)", callID: "c", cseqNumber: 1, cseqMethod: "INVITE")
            }
            #expect(detector.count <= 100)
        }
        #expect(
            detector.check(
                fromTag: "t9999", callID: "c", cseqNumber: 1, cseqMethod: "INVITE", transaction: key("z9hG4bKother"),
                now: start) == .merged)
        #expect(
            detector.check(
                fromTag: "t1", callID: "c", cseqNumber: 1, cseqMethod: "INVITE", transaction: key("z9hG4bKother"),
                now: start) == .new)
    }

    @Test("A transaction that ends is forgotten by its key alone; the key index stays bounded")
    func forgetByTransactionKey() {
        var detector = MergedRequestDetector(configuration: .init(lifetime: .seconds(32), capacity: 100))
        #expect(
            detector.check(
                fromTag: "a", callID: "c", cseqNumber: 1, cseqMethod: "OPTIONS", transaction: key("z9hG4bK1"),
                now: start) == .new)
        detector.forget(transaction: key("z9hG4bK2"))
        #expect(detector.count == 1, "another transaction's key forgets nothing")
        detector.forget(transaction: key("z9hG4bK1"))
        #expect(detector.count == 0)
        #expect(
            detector.check(
                fromTag: "a", callID: "c", cseqNumber: 1, cseqMethod: "OPTIONS", transaction: key("z9hG4bK3"),
                now: start) == .new, "after its transaction ended the same request is new, not merged")
        for index in 0..<10_000 {
            _ = detector.check(
                fromTag: "t\(index)", callID: "c", cseqNumber: 1, cseqMethod: "INVITE",
                transaction: key("z9hG4bK.n\(index)"), now: start)
            if index.isMultiple(of: 3) { detector.forget(transaction: key("z9hG4bK.n\(index)")) }
        }
        #expect(detector.count <= 100)
        #expect(detector.indexedTransactionCount <= 100, "the key index is bounded like the entries")
        #expect(
            detector.check(
                fromTag: "t9998", callID: "c", cseqNumber: 1, cseqMethod: "INVITE", transaction: key("z9hG4bKx"),
                now: start) == .merged)
    }
}

@Suite("TransactionTimerConfiguration")
struct TransactionTimerConfigurationTests {
    @Test("Defaults: T1 500 ms, T2 4 s, T4 5 s; B and F capped at 4 s; the rest per RFC 3261 table 4 / RFC 6026")
    func defaults() {
        let c = TransactionTimerConfiguration()
        #expect(c.t1 == .milliseconds(500) && c.t2 == .seconds(4) && c.t4 == .seconds(5))
        #expect(c.timerA == .milliseconds(500) && c.timerE == .milliseconds(500) && c.timerG == .milliseconds(500))
        #expect(c.timerB == .seconds(4) && c.timerF == .seconds(4))
        #expect(c.timerD(isReliable: false) == .seconds(32) && c.timerD(isReliable: true) == .zero)
        #expect(c.timerH == .seconds(32) && c.timerL == .seconds(32) && c.timerM == .seconds(32))
        #expect(c.timerI(isReliable: false) == .seconds(5) && c.timerI(isReliable: true) == .zero)
        #expect(c.timerJ(isReliable: false) == .seconds(32) && c.timerJ(isReliable: true) == .zero)
        #expect(c.timerK(isReliable: false) == .seconds(5) && c.timerK(isReliable: true) == .zero)
    }

    @Test("The cap never lengthens B and F beyond 64·T1")
    func capIsACap() {
        let c = TransactionTimerConfiguration(t1: .milliseconds(100), transactionTimeout: .seconds(60))
        #expect(c.timerB == .milliseconds(6400) && c.timerF == .milliseconds(6400))
    }
}
