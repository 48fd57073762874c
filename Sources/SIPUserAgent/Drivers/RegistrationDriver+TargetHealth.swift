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

/// Health per site across several drivers (``RegistrationDriver/shareSiteProbe``).
extension RegistrationDriver {
    /// Sends the one OPTIONS of a site target (on behalf of binding `id`, whose builder makes it).
    func sendSiteProbe(_ target: SIPTransportTarget, for id: BindingID, interval: TimeAmount) {
        guard let binding = bindings[id] else {
            return siteProbeEnded(target, .failed(.transportError("the probing binding was removed")))
        }
        let message = binding.probe(branch: SIPVia.makeBranch())
        transactions.sendRequest(message, to: target) { [weak self] event in
            guard let self else { return }
            switch event {
            case .provisional:
                return
            case .final(let received):
                let code = received.message.statusCode ?? 0
                let phrase = received.message.reasonPhrase ?? ""
                self.noteAnswer(from: target, received.message)
                // A 503 is an answer that says "do not use me": the target is down (RFC 3261 §21.5.4).
                self.ended(
                    target,
                    code == 503
                        ? .failed(.unavailable(statusCode: code, reasonPhrase: phrase))
                        : .answered(statusCode: code, reasonPhrase: phrase))
            case .failed(let failure, let detail):
                self.markTargetDown(target)
                self.ended(
                    target, .failed(failure.code == .timeout ? .timeout : .transportError(detail ?? "\(failure)")))
            }
        }
        probeOtherTargets(of: id, besides: target, interval: interval)
    }

    /// The OPTIONS this driver sent to `target` ended: its result goes to the bindings here, and to
    /// every other driver sharing the site.
    private func ended(_ target: SIPTransportTarget, _ result: SiteProbeResult) {
        siteProbeEnded(target, result)
        siteProbeSent?(target, result)
    }

    /// Another driver's probe of a site target this driver's bindings use (``shareSiteProbe``) ended:
    /// its result counts as this driver's own, for the target's health and for every binding on it.
    package func siteProbeShared(_ target: SIPTransportTarget, _ result: SiteProbeResult) {
        eventLoop.assertInEventLoop()
        switch result {
        case .answered: markTargetUp(target)
        case .failed: markTargetDown(target)
        }
        siteProbeEnded(target, result)
    }
}
