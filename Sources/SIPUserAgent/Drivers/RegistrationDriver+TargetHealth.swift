import NIOCore
import SIPCore
import SIPTransport

/// Health per server target (``TargetHealth``): what the driver's requests learn, and the probes
/// that reach every target of a site, not only the one its bindings use.
extension RegistrationDriver {
    /// A final response from `target`: a 503 marks it down (for its Retry-After, if any), anything
    /// else up.
    func noteAnswer(from target: SIPTransportTarget, _ response: SIPMessage) {
        if response.statusCode == 503 {
            let retryAfter = (try? response.retryAfter).flatMap { $0 }.map { TimeAmount.seconds(Int64($0.seconds)) }
            markTargetDown(target, retryAfter: retryAfter)
        } else {
            markTargetUp(target)
        }
    }
}

extension RegistrationDriver {
    /// `target` failed a request (timeout, transport error, 503): dials skip it until it answers again.
    package func markTargetDown(_ target: SIPTransportTarget, retryAfter: TimeAmount? = nil) {
        health.markDown(target, retryAfter: retryAfter, now: self.eventLoop.now)
    }

    /// `target` answered: dials may use it again (unless a Retry-After of its own still runs).
    package func markTargetUp(_ target: SIPTransportTarget) {
        health.markUp(target, now: self.eventLoop.now)
    }

    /// Probes the site's targets other than `current` with one OPTIONS each, at most once per
    /// `interval` per target: their answers only feed
    /// ``health`` (a binding's status follows its own target alone). Sent when the binding's own
    /// probe goes to the network, so a site gets one probe per target per interval.
    func probeOtherTargets(of id: BindingID, besides current: SIPTransportTarget, interval: TimeAmount) {
        guard let binding = bindings[id], binding.targets.count > 1 else { return }
        let now = self.eventLoop.now
        for target in binding.targets where target != current {
            // A target some binding uses is probed for them already (its result feeds the health too).
            if sites[target]?.members.isEmpty == false { continue }
            if let last = otherTargetProbes[target], now - last < interval { continue }
            otherTargetProbes[target] = now
            let message = binding.probe(branch: SIPVia.makeBranch())
            transactions.sendRequest(message, to: target) { [weak self] event in
                switch event {
                case .provisional: return
                case .final(let received): self?.noteAnswer(from: target, received.message)
                case .failed: self?.markTargetDown(target)
                }
            }
        }
    }
}
