import NIOCore

/// The one hop from the public API to the phone's loop-confined state.
extension PhoneDriver {
    /// Runs `body` on the phone's event loop and hands its result (or its error) back to the calling
    /// task. Every public method that reads or changes the phone's state goes through here.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable () throws(SipEndpointError) -> T)
        async throws(SipEndpointError) -> T
    {
        let result: Result<T, SipEndpointError> = await withCheckedContinuation { continuation in
            eventLoop.execute {
                do throws(SipEndpointError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Runs `body` on the phone's event loop and waits there for the future it returns: the calling
    /// task resumes once, when that future completes, not once after the hop and again for the
    /// future (each resumption of a task on Swift's global pool wakes one of its threads). An error
    /// that is not a ``SipEndpointError`` is reported as ``SipEndpointError/Code/requestFailed``.
    func onLoop<T: Sendable>(awaiting body: @escaping @Sendable () throws(SipEndpointError) -> EventLoopFuture<T>)
        async throws(SipEndpointError) -> T
    {
        let result: Result<T, SipEndpointError> = await withCheckedContinuation { continuation in
            eventLoop.execute {
                do throws(SipEndpointError) {
                    try body().whenComplete { result in
                        continuation.resume(
                            returning: result.mapError { error in
                                error as? SipEndpointError ?? SipEndpointError(.requestFailed, "\(error)")
                            })
                    }
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
