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
}
