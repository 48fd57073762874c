import NIOCore

extension SIPMessage {
    /// A response to this request per RFC 3261 §8.2.6.2: the Via values (in order), From, Call-ID and
    /// CSeq copied, To copied with `toTag` added when it has none (never for 100 Trying, §8.2.6.1).
    /// Record-Route is copied for 18x/2xx to dialog-creating requests (§12.1.1).
    public func makeResponse(
        statusCode: Int, reasonPhrase: String? = nil, toTag: String? = nil, body: ByteBuffer = ByteBuffer()
    ) -> SIPMessage {
        var headers = SIPHeaders()
        for i in 0..<self.headers.count {
            let name = self.headers.headerName(at: i)
            if name == .via || name == .from || name == .callID || name == .cseq {
                headers.add(name, self.headers.value(at: i))
            } else if name == .to {
                var value = self.headers.value(at: i)
                if let toTag, statusCode != 100, (try? self.to.tag) == nil {
                    value += ";tag=\(toTag)"
                }
                headers.add(.to, value)
            } else if name == .recordRoute, (101...299).contains(statusCode) {
                headers.add(.recordRoute, self.headers.value(at: i))
            }
        }
        return SIPMessage.response(statusCode: statusCode, reasonPhrase: reasonPhrase, headers: headers, body: body)
    }
}
