import NIOCore
import SIPTransport
import SIPUserAgent

/// Health per server target as dials see it (``TargetHealth``, kept by the registration engine).
extension PhoneDriver {
    /// The server targets a dial on connection `id` tries, in order: the one its registration uses
    /// now, then the site's others in RFC 3263 order, without those that are down (``TargetHealth``).
    func dialTargets(of id: Int) -> [SIPTransportTarget] {
        let (targets, current) = engine.targets(of: id)
        return engine.health.dialOrder(targets, current: current, now: self.eventLoop.now)
    }

    /// A dial's attempt on connection `id` failed (at `target`, when it got that far): the target is
    /// down for dials until it answers again, and the connection's site is probed now.
    func connectionTrouble(_ id: Int, target: SIPTransportTarget? = nil) {
        if let target { engine.markTargetDown(target) }
        engine.troubleReported(id)
    }
}
