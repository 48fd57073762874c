import SIPTransport

/// A site that hangs rather than dies, through the ``FaultInjectingTransport`` its stack runs on.
extension InProcessSite {
    /// The site hangs: it reads nothing and answers nothing, its port stays bound (a stopped process,
    /// not a closed one), until ``thaw()``. What arrives meanwhile waits in the socket's buffer and is
    /// served at the thaw. Nothing happens while the site is down; ``revive()`` brings it back unfrozen.
    public func freeze() async throws {
        try await faults?.updateFaults { $0.isFrozen = true }.get()
    }

    /// The site answers again after ``freeze()``.
    public func thaw() async throws {
        try await faults?.updateFaults { $0.isFrozen = false }.get()
    }
}
