import NIOCore
import NIOPosix
import SIPCore
import SIPTestSupport
import SIPTransport
import Testing

/// Each transport over real loopback sockets, against the scriptable peer.
@Suite(.timeLimit(.minutes(1))) struct LoopbackTransportTests {
    @Test(arguments: [SIPTransportProtocol.udp, .tcp])
    func requestAndResponse(_ transport: SIPTransportProtocol) async throws {
        try await withPeer { peer in
            try await Agent.withAgent { agent in
                let flow = try await agent.layer.send(
                    makeRequest(.options, transport: transport), to: try peer.target(transport)
                ).get()
                let response = try await agent.events.response(statusCode: 200)
                #expect(response.flow.transport == transport)

                // §18.1.1: sent-by is the address the flow really used; the peer stamped received/rport.
                let record = try #require(try await peer.waitForRecords().first)
                let via = try record.message.topVia
                #expect(via.transport == transport.viaToken)
                #expect(via.host == "127.0.0.1")
                #expect(via.port == flow.localAddress.port)
                #expect(via.received == "127.0.0.1")
                #expect(via.rport == flow.localAddress.port)
                if transport == .udp {
                    #expect(flow.localAddress == agent.layer.localAddress(for: .udp))
                } else {
                    #expect(flow.connectionID != nil)
                    #expect(record.source == flow.localAddress)
                }
                #expect(try response.message.topVia.branch == via.branch)
            }
        }
    }

    @Test func tlsRequestAndResponse() async throws {
        let certificates = try SIPTestCertificates.shared()
        try await withPeer(.init(transports: [.tls], certificates: certificates)) { peer in
            try await Agent.withAgent(tlsConfiguration(certificates)) { agent in
                let flow = try await agent.layer.send(makeRequest(.options, transport: .tls), to: try peer.target(.tls))
                    .get()
                #expect(flow.transport == .tls)
                _ = try await agent.events.response(statusCode: 200)
                #expect(try peer.received.first?.message.topVia.transport == "TLS")
            }
        }
    }

    @Test func tlsWithTheWrongHostnameIsRefused() async throws {
        let certificates = try SIPTestCertificates.shared()
        try await withPeer(.init(transports: [.tls], certificates: certificates)) { peer in
            try await Agent.withAgent(tlsConfiguration(certificates)) { agent in
                let target = try peer.target(.tls, serverName: "wrong.example.net")
                let error = try await #require(throws: SIPTransportError.self) {
                    try await agent.layer.send(makeRequest(.options, transport: .tls), to: target).get()
                }
                #expect(error.code == .tlsHandshakeFailed)
                #expect(!error.detail.isEmpty)
                #expect(peer.received.isEmpty)
            }
        }
    }

    @Test func tlsWithAnUntrustedCAIsRefused() async throws {
        let certificates = try SIPTestCertificates.shared()
        let otherCA = try SIPTestCertificates.generate()
        try await withPeer(.init(transports: [.tls], certificates: certificates)) { peer in
            try await Agent.withAgent(tlsConfiguration(otherCA)) { agent in
                let error = try await #require(throws: SIPTransportError.self) {
                    try await agent.layer.send(makeRequest(.options, transport: .tls), to: try peer.target(.tls)).get()
                }
                #expect(error.code == .tlsHandshakeFailed)
            }
        }
    }

    @Test func oneConnectionCarriesTwoRequests() async throws {
        try await withPeer { peer in
            try await Agent.withAgent { agent in
                let target = try peer.target(.tcp)
                async let first = agent.layer.send(makeRequest(.options, transport: .tcp, cseq: 1), to: target).get()
                async let second = agent.layer.send(makeRequest(.options, transport: .tcp, cseq: 2), to: target).get()
                let (a, b) = try await (first, second)
                #expect(a.connectionID == b.connectionID)
                let records = try await peer.waitForRecords(count: 2)
                #expect(records[0].flow.connectionID == records[1].flow.connectionID)
                _ = try await agent.events.wait { $0.messages.count >= 2 ? true : nil }
            }
        }
    }

    @Test func aRequestOverOurConnectionIsAnsweredOnIt() async throws {
        try await withPeer { peer in
            try await Agent.withAgent { agent in
                let outgoing = try await agent.layer.send(
                    makeRequest(.register, transport: .tcp), to: try peer.target(.tcp)
                ).get()
                let register = try #require(try await peer.waitForRecords().first)

                // The site calls the agent back over the agent's own flow (RFC 5626).
                try await peer.send(makeRequest(.invite, transport: .tcp, callID: "inbound-1"), on: register.flow)
                let invite = try await agent.events.wait { $0.messages.first { $0.message.method == .invite } }
                #expect(invite.flow.connectionID == outgoing.connectionID)

                var ringing = SIPMessage.response(statusCode: 180)
                for (name, value) in invite.message.headers
                where [.via, .from, .to, .callID, .cseq].contains(SIPHeaderName(name)) {
                    ringing.headers.add(SIPHeaderName(name), value)
                }
                let answeredOn = try await agent.layer.sendResponse(ringing, receivedOn: invite.flow).get()
                #expect(answeredOn.connectionID == outgoing.connectionID)
                let back = try await peer.waitForRecords { $0.message.statusCode == 180 }
                #expect(back.first?.flow.connectionID == register.flow.connectionID)
            }
        }
    }

    @Test func aFlowFailureIsReportedWhenPongsStop() async throws {
        try await withPeer { peer in
            try await Agent.withAgent(fastKeepAlive()) { agent in
                let flow = try await agent.layer.send(makeRequest(.options, transport: .tcp), to: try peer.target(.tcp))
                    .get()
                // Pongs keep the flow alive through two intervals.
                try await Task.sleep(for: .milliseconds(500))
                #expect(agent.events.failures.isEmpty)

                try await peer.freeze()
                // One interval plus the pong timeout (200 + 200 ms) on an idle machine; the wait's bound
                // only has to rule out TCP's own timeouts (minutes), with room for a loaded machine (a
                // full run beside a build once took 4.7 s). The rule's timing is
                // KeepAliveStateMachineTests' (virtual clock); here the cause must be the keep-alive.
                let failure = try await agent.events.wait(timeout: .seconds(15)) { $0.failures.first }
                #expect(failure.error.code == .keepAliveTimeout)
                #expect(failure.flow.connectionID == flow.connectionID)
                #expect(failure.target == (try peer.target(.tcp)))
            }
        }
    }

    @Test func aFlowFailureIsReportedAtOnceWhenThePeerCloses() async throws {
        try await withPeer { peer in
            try await Agent.withAgent(fastKeepAlive()) { agent in
                _ = try await agent.layer.send(makeRequest(.options, transport: .tcp), to: try peer.target(.tcp)).get()
                _ = try await agent.events.response(statusCode: 200)
                try await peer.goDown()
                let closedAt = ContinuousClock.now
                let failure = try await agent.events.wait { $0.failures.first }
                // The close itself, not a missing pong later: the code says which.
                #expect(failure.error.code == .connectionClosed)
                #expect(ContinuousClock.now - closedAt < .seconds(4))

                // The peer comes back on the same port; a new connection is made.
                try await peer.comeBack()
                _ = try await agent.layer.send(makeRequest(.options, transport: .tcp), to: try peer.target(.tcp)).get()
                try await peer.waitForRecords(count: 2)
                _ = try await agent.events.wait { $0.messages.count >= 2 ? true : nil }
            }
        }
    }

    @Test func ourOwnCloseIsNotAFailure() async throws {
        try await withPeer { peer in
            try await Agent.withAgent(fastKeepAlive()) { agent in
                let flow = try await agent.layer.send(makeRequest(.options, transport: .tcp), to: try peer.target(.tcp))
                    .get()
                try await agent.layer.closeFlow(flow).get()
                try await Task.sleep(for: .milliseconds(100))
                #expect(agent.events.failures.isEmpty)
            }
        }
    }

    @Test func sendingToAClosedPortFails() async throws {
        try await Agent.withAgent { agent in
            let refusing = try RefusingTCPPort()
            let target = SIPTransportTarget(
                transport: .tcp, address: try SocketAddress(ipAddress: refusing.host, port: refusing.port))
            let error = try await #require(throws: SIPTransportError.self) {
                try await agent.layer.send(makeRequest(.options, transport: .tcp), to: target).get()
            }
            #expect(error.code == .connectFailed)
            withExtendedLifetime(refusing) {}
        }
    }
}
