import NIOCore
import SIPCore
import Testing

@testable import SIPUserAgent

private func invite(recordRoute: [String] = []) throws -> SIPMessage {
    var text = """
        INVITE sip:9000@site-a.example.net SIP/2.0\r
        Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKaaa\r
        Max-Forwards: 70\r
        From: <sip:7001@site-a.example.net>;tag=ft\r
        To: <sip:9000@site-a.example.net>\r
        Call-ID: c1\r
        CSeq: 10 INVITE\r
        Contact: <sip:7001@127.0.0.1:5070>\r

        """
    for rr in recordRoute { text += "Record-Route: \(rr)\r\n" }
    text += "Content-Length: 0\r\n\r\n"
    return try SIPMessage(parsing: text)
}

private func ok(to request: SIPMessage, contact: String = "<sip:9000@127.0.0.2:5080>") throws -> SIPMessage {
    var response = request.makeResponse(statusCode: 200, toTag: "tt")
    response.headers.add(.contact, contact)
    return try SIPMessage(parsing: response.text)
}

private let via = SIPVia(transport: "UDP", host: "127.0.0.1", port: 5070, branch: "z9hG4bKnew")

@Suite("Dialog (RFC 3261 §12)")
struct DialogTests {
    @Test("UAC: route set is Record-Route reversed, loose routing keeps the remote target as Request-URI")
    func uacLooseRoute() throws {
        let request = try invite(recordRoute: ["<sip:p2.example.net;lr>", "<sip:p1.example.net;lr>"])
        var dialog = try Dialog(request: request, response: try ok(to: request))
        #expect(dialog.state == .confirmed)
        #expect(dialog.id == DialogID(callID: "c1", localTag: "ft", remoteTag: "tt"))
        #expect(dialog.routeSet.map(\.uri.host) == ["p1.example.net", "p2.example.net"])
        let bye = dialog.makeRequest(.bye, via: via, contact: nil)
        #expect(bye.requestURI?.description == "sip:9000@127.0.0.2:5080")
        #expect(bye.headers.values(for: .route) == ["<sip:p1.example.net;lr>", "<sip:p2.example.net;lr>"])
        #expect(try bye.cseq == SIPCSeq(11, .bye))
        #expect(try bye.from.tag == "ft")
        #expect(try bye.to.tag == "tt")
        let ack = dialog.ack(inviteSequence: 10, via: via)
        #expect(try ack.cseq == SIPCSeq(10, .ack))
        #expect(dialog.localSequence == 11, "ACK takes no CSeq number")
    }

    @Test("UAS: route set as received; its first request has CSeq 1, From our tag")
    func uasRoute() throws {
        let request = try invite(recordRoute: ["<sip:p2.example.net;lr>", "<sip:p1.example.net;lr>"])
        var dialog = try Dialog(receivedRequest: request, localTag: "mine")
        #expect(dialog.state == .early)
        #expect(dialog.remoteSequence == 10)
        #expect(dialog.localSequence == nil)
        let bye = dialog.makeRequest(.bye, via: via, contact: nil)
        #expect(bye.headers.values(for: .route) == ["<sip:p2.example.net;lr>", "<sip:p1.example.net;lr>"])
        #expect(bye.requestURI?.description == "sip:7001@127.0.0.1:5070")
        #expect(try bye.cseq == SIPCSeq(1, .bye))
        #expect(try bye.from.tag == "mine")
        #expect(try bye.from.uri.user == "9000")
        #expect(try bye.to.tag == "ft")
    }

    @Test("strict router first: its URI is the Request-URI, the remote target the last Route (§12.2.1.1)")
    func strictRoute() throws {
        let request = try invite(recordRoute: ["<sip:p2.example.net;lr>", "<sip:strict.example.net;method=INVITE>"])
        var dialog = try Dialog(request: request, response: try ok(to: request))
        let bye = dialog.makeRequest(.bye, via: via, contact: nil)
        #expect(bye.requestURI?.description == "sip:strict.example.net")
        #expect(bye.headers.values(for: .route) == ["<sip:p2.example.net;lr>", "<sip:9000@127.0.0.2:5080>"])
        #expect(dialog.nextHop.host == "strict.example.net")
    }

    @Test("remote CSeq: lower is out of order (500), ACK and CANCEL are not checked (§12.2.2)")
    func remoteSequence() throws {
        var dialog = try Dialog(receivedRequest: try invite(), localTag: "mine")
        let inOrder = dialog.acceptRemoteSequence(SIPCSeq(11, .info))
        let lower = dialog.acceptRemoteSequence(SIPCSeq(9, .bye))
        let ack = dialog.acceptRemoteSequence(SIPCSeq(10, .ack))
        #expect(inOrder && !lower && ack)
        #expect(dialog.remoteSequence == 11)
    }

    @Test("target refresh replaces the remote target; a 2xx without Contact makes no dialog")
    func targetRefresh() throws {
        let request = try invite()
        var dialog = try Dialog(request: request, response: try ok(to: request))
        dialog.refreshRemoteTarget(from: try ok(to: request, contact: "<sip:9000@127.0.99.9:5099>"))
        #expect(dialog.remoteTarget.description == "sip:9000@127.0.99.9:5099")
        let bare = try SIPMessage(parsing: request.makeResponse(statusCode: 200, toTag: "tt").text)
        #expect(throws: DialogError(.missingContact, "")) { try Dialog(request: request, response: bare) }
    }

    @Test("lookup: no To tag is outside any dialog, an unknown one gets 481, an ACK nothing")
    func lookup() throws {
        let outside = try invite()
        #expect(DialogLookup.classify(outside) { _ in true } == .outsideDialog)
        var bye = try invite()
        bye.startLine = .request(method: .bye, uri: try SIPURI("sip:9000@127.0.0.2"))
        bye.headers.replaceOrAdd(.to, "<sip:9000@site-a.example.net>;tag=gone")
        bye.headers.replaceOrAdd(.cseq, "11 BYE")
        let known = DialogID(callID: "c1", localTag: "mine", remoteTag: "ft")
        #expect(
            DialogLookup.classify(bye) { $0 == known }
                == .unknownDialog(DialogID(callID: "c1", localTag: "gone", remoteTag: "ft")))
        #expect(DialogLookup.unknownDialogResponse(to: bye)?.statusCode == 481)
        var ack = bye
        ack.startLine = .request(method: .ack, uri: try SIPURI("sip:9000@127.0.0.2"))
        #expect(DialogLookup.unknownDialogResponse(to: ack) == nil)
    }
}

@Suite("Session helpers: glare wait, DTMF relay, sipfrag, CANCEL")
struct SessionHelperTests {
    @Test("§14.1 wait: 2.1–4 s in 10 ms steps for the Call-ID owner, 0–2 s otherwise")
    func glareWait() {
        var random = SeededRandom(seed: 1)
        for _ in 0..<500 {
            let owner = GlareBackoff.wait(ownsCallID: true, using: &random).nanoseconds
            let other = GlareBackoff.wait(ownsCallID: false, using: &random).nanoseconds
            #expect((2_100_000_000...4_000_000_000).contains(owner))
            #expect((0...2_000_000_000).contains(other))
            #expect(owner % 10_000_000 == 0 && other % 10_000_000 == 0)
        }
    }

    @Test("dtmf-relay body: Signal=5, Duration=160, and back")
    func dtmf() throws {
        let relay = try #require(DTMFRelay(signal: "5"))
        #expect(relay.body.text == "Signal=5\r\nDuration=160\r\n")
        #expect(relay.body.contentType.description == "application/dtmf-relay")
        #expect(DTMFRelay(body: relay.body) == relay)
        #expect(DTMFRelay(signal: "x") == nil)
    }

    @Test("sipfrag status line and Subscription-State")
    func sipfrag() {
        let line = SipfragStatusLine(body: SessionBody(contentType: .sipfrag, text: "SIP/2.0 180 Ringing\r\n"))
        #expect(line?.statusCode == 180 && line?.reasonPhrase == "Ringing")
        #expect(SipfragStatusLine(body: SessionBody(contentType: .sipfrag, text: "garbage")) == nil)
        #expect(SubscriptionState(headerValue: "terminated;reason=noresource")?.isTerminated == true)
        #expect(SubscriptionState(headerValue: "active;expires=60")?.isTerminated == false)
    }

    @Test("CANCEL copies Request-URI, top Via, From, To, Call-ID, Route and the CSeq number (§9.1)")
    func cancel() throws {
        var request = try invite()
        request.headers.add(.route, "<sip:proxy.example.net;lr>")
        let cancel = try #require(CancelRequestBuilder.cancel(for: request))
        #expect(cancel.requestURI == request.requestURI)
        #expect(try cancel.topVia.branch == "z9hG4bKaaa")
        #expect(try cancel.cseq == SIPCSeq(10, .cancel))
        #expect(try cancel.to.tag == nil)
        #expect(cancel.headers.values(for: .route) == ["<sip:proxy.example.net;lr>"])
    }
}
