import NIOCore

@testable import SIPTransaction

/// The client machines as the simulation drives them.
protocol SimulatedClient {
    mutating func start(now: NIODeadline) -> TransactionActions
    mutating func timerFired(_ timer: TransactionTimer, now: NIODeadline) -> TransactionActions
    mutating func responseReceived(statusCode: Int, now: NIODeadline) -> TransactionActions
    var retransmissionCount: Int { get }
}

extension ClientInviteTransaction: SimulatedClient {}
extension ClientNonInviteTransaction: SimulatedClient {}

/// The server machines as the simulation drives them.
protocol SimulatedServer {
    init(isReliable: Bool, configuration: TransactionTimerConfiguration)
    mutating func begin(now: NIODeadline) -> TransactionActions
    mutating func requestRetransmissionReceived(now: NIODeadline) -> TransactionActions
    mutating func tuSendsResponse(statusCode: Int, now: NIODeadline) -> TransactionActions
    mutating func ackReceived(now: NIODeadline) -> TransactionActions
    mutating func timerFired(_ timer: TransactionTimer, now: NIODeadline) -> TransactionActions
}

extension ServerInviteTransaction: SimulatedServer {
    mutating func begin(now: NIODeadline) -> TransactionActions { start(now: now) }
}

extension ServerNonInviteTransaction: SimulatedServer {
    mutating func begin(now: NIODeadline) -> TransactionActions { start(now: now) }
    mutating func ackReceived(now: NIODeadline) -> TransactionActions { [] }
}

/// A client machine and a server machine joined by a datagram network with latency that drops
/// the first N packets in each direction, on one mock clock. Each side performs its
/// machine's actions as the real driver will: transmit, keep timers, hand things to its TU.
struct SimulatedExchange<Client: SimulatedClient, Server: SimulatedServer> {
    enum Packet: Equatable {
        case request
        case ack
        case response(Int)
    }

    struct InFlight {
        var deliverAt: NIODeadline
        var sequence: Int
        var toServer: Bool
        var packet: Packet
    }

    let start = NIODeadline.uptimeNanoseconds(5_000_000_000)
    var now: NIODeadline
    let latency: TimeAmount
    /// How many of the first client → server packets are lost.
    let dropFirstToServer: Int
    /// How many of the first server → client packets are lost.
    let dropFirstToClient: Int
    /// The status codes the server's TU answers with, at once, when it gets the request.
    let serverTUAnswers: [Int]

    var client: Client
    var server: Server?
    let configuration: TransactionTimerConfiguration

    private var clientTimers: [TransactionTimer: NIODeadline] = [:]
    private var serverTimers: [TransactionTimer: NIODeadline] = [:]
    private var inFlight: [InFlight] = []
    private var sequence = 0
    private var lastServerResponse: Int?

    private(set) var packetsSentToServer = 0
    private(set) var packetsSentToClient = 0
    private(set) var packetsDropped = 0
    private(set) var clientTerminated = false
    private(set) var serverTerminated = false
    /// What the client TU saw: status codes, with the local ones marked.
    private(set) var clientTUResponses: [(ms: Int64, statusCode: Int, isLocal: Bool)] = []
    private(set) var serverTURequests = 0
    private(set) var serverTUFailures: [TransactionFailure] = []
    private(set) var acksSent = 0

    init(
        client: Client, serverTUAnswers: [Int], dropFirstToServer: Int = 0, dropFirstToClient: Int = 0,
        latency: TimeAmount = .milliseconds(20), configuration: TransactionTimerConfiguration = .init()
    ) {
        self.client = client
        self.serverTUAnswers = serverTUAnswers
        self.dropFirstToServer = dropFirstToServer
        self.dropFirstToClient = dropFirstToClient
        self.latency = latency
        self.configuration = configuration
        self.now = start
    }

    var elapsedMilliseconds: Int64 { (now - start).nanoseconds / 1_000_000 }

    /// Runs until both sides are done or nothing is left to happen; at most `limit` steps.
    mutating func run(limit: Int = 1_000) {
        performClient(client.start(now: now))
        var steps = 0
        while steps < limit, !(clientTerminated && serverTerminated) {
            steps += 1
            let nextClientTimer = clientTimers.min { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) }
            let nextServerTimer = serverTimers.min { ($0.value, $0.key.rawValue) < ($1.value, $1.key.rawValue) }
            let nextPacket = inFlight.indices.min {
                (inFlight[$0].deliverAt, inFlight[$0].sequence) < (inFlight[$1].deliverAt, inFlight[$1].sequence)
            }
            let candidates: [(NIODeadline, Int)] = [
                nextPacket.map { (inFlight[$0].deliverAt, 0) },
                nextClientTimer.map { ($0.value, 1) },
                nextServerTimer.map { ($0.value, 2) },
            ].compactMap { $0 }
            guard let (deadline, source) = candidates.min(by: { ($0.0, $0.1) < ($1.0, $1.1) }) else { break }
            now = deadline
            switch source {
            case 0:
                if let index = nextPacket { deliver(inFlight.remove(at: index)) }
            case 1:
                if let (timer, _) = nextClientTimer {
                    clientTimers[timer] = nil
                    performClient(client.timerFired(timer, now: now))
                }
            default:
                if let (timer, _) = nextServerTimer, server != nil {
                    serverTimers[timer] = nil
                    performServer(server!.timerFired(timer, now: now))
                }
            }
        }
    }

    private mutating func send(_ packet: Packet, toServer: Bool) {
        let lost: Bool
        if toServer {
            packetsSentToServer += 1
            lost = packetsSentToServer <= dropFirstToServer
        } else {
            packetsSentToClient += 1
            lost = packetsSentToClient <= dropFirstToClient
        }
        if lost {
            packetsDropped += 1
            return
        }
        sequence += 1
        inFlight.append(InFlight(deliverAt: now + latency, sequence: sequence, toServer: toServer, packet: packet))
    }

    private mutating func deliver(_ flight: InFlight) {
        if flight.toServer {
            guard !serverTerminated else { return }
            switch flight.packet {
            case .request:
                if server == nil {
                    var created = Server(isReliable: false, configuration: configuration)
                    let actions = created.begin(now: now)
                    server = created
                    performServer(actions)
                } else {
                    performServer(server!.requestRetransmissionReceived(now: now))
                }
            case .ack:
                if server != nil { performServer(server!.ackReceived(now: now)) }
            case .response:
                break
            }
        } else if case .response(let code) = flight.packet, !clientTerminated {
            performClient(client.responseReceived(statusCode: code, now: now))
        }
    }

    private mutating func performClient(_ actions: TransactionActions) {
        for action in actions {
            switch action {
            case .transmitRequest: send(.request, toServer: true)
            case .sendAck:
                acksSent += 1
                send(.ack, toServer: true)
            case .passResponse(let code): clientTUResponses.append((elapsedMilliseconds, code, false))
            case .reportFailure(let failure): clientTUResponses.append((elapsedMilliseconds, failure.statusCode, true))
            case .schedule(let timer, let deadline): clientTimers[timer] = deadline
            case .cancel(let timer): clientTimers[timer] = nil
            case .terminated:
                clientTerminated = true
                clientTimers.removeAll()
            case .passRequest, .sendTrying, .sendResponse, .retransmitResponse: break
            }
        }
    }

    private mutating func performServer(_ actions: TransactionActions) {
        var answerNow = false
        for action in actions {
            switch action {
            case .passRequest:
                serverTURequests += 1
                answerNow = serverTURequests == 1
            case .sendTrying:
                lastServerResponse = 100
                send(.response(100), toServer: false)
            case .sendResponse(let code):
                lastServerResponse = code
                send(.response(code), toServer: false)
            case .retransmitResponse:
                if let code = lastServerResponse { send(.response(code), toServer: false) }
            case .reportFailure(let failure): serverTUFailures.append(failure)
            case .schedule(let timer, let deadline): serverTimers[timer] = deadline
            case .cancel(let timer): serverTimers[timer] = nil
            case .terminated:
                serverTerminated = true
                serverTimers.removeAll()
            case .transmitRequest, .sendAck, .passResponse: break
            }
        }
        if answerNow {
            for code in serverTUAnswers where server != nil {
                performServer(server!.tuSendsResponse(statusCode: code, now: now))
            }
        }
    }
}
