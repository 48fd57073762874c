import NIOCore
import SIPCore
import SIPTransport

/// A client transaction as the driver keeps it: its machine, request, target and armed timers.
/// Confined to the layer's event loop like the layer itself.
///
/// `machine` and `armed` are changed by every event; their run-time exclusivity check guarded
/// nothing (loop-confined, each change a call into a value machine that cannot reach the entry).
final class ClientTransactionEntry: @unchecked Sendable {
    @exclusivity(unchecked) var machine: ClientMachine
    let request: SIPMessage
    let target: SIPTransportTarget
    let onEvent: (ClientTransactionEvent) -> Void
    var flow: SIPFlow?
    @exclusivity(unchecked) var armed = ArmedTimers()
    var failureDetail: String?
    /// When the request first went out, for the round-trip sample; nil once a response came.
    var sentAt: NIODeadline?
    /// When the request last went out (Karn's rule: when a retransmission was answered).
    var lastSentAt: NIODeadline
    /// The statuses answered so far, to tell a retransmission that was not needed.
    var echoes = SpuriousRetransmissionDetector()

    init(
        machine: ClientMachine, request: SIPMessage, target: SIPTransportTarget, sentAt: NIODeadline,
        onEvent: @escaping (ClientTransactionEvent) -> Void
    ) {
        self.machine = machine
        self.request = request
        self.target = target
        self.sentAt = sentAt
        self.lastSentAt = sentAt
        self.onEvent = onEvent
    }
}

/// A server transaction as the driver keeps it: its machine, request, responses and armed timers.
/// Confined to the layer's event loop like the layer itself.
/// `machine` and `armed` skip the run-time exclusivity check, as in ``ClientTransactionEntry``.
final class ServerTransactionEntry: @unchecked Sendable {
    @exclusivity(unchecked) var machine: ServerMachine
    let request: SIPReceivedMessage
    @exclusivity(unchecked) var armed = ArmedTimers()
    var pendingResponse: SIPMessage?
    var lastResponse: SIPMessage?

    init(machine: ServerMachine, request: SIPReceivedMessage) {
        self.machine = machine
        self.request = request
    }
}

/// Breaks the reference cycle between the transport's event handler and the transaction layer.
final class TransactionLayerEventSink: @unchecked Sendable {
    weak var layer: SIPTransactionLayer?
    func deliver(_ event: SIPTransportEvent) { layer?.handle(event) }
}
