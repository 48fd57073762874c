import NIOCore

extension SIPMessage {
    /// A response to this request per RFC 3261 §8.2.6.2: the Via values (in order), From, Call-ID and
    /// CSeq copied, To copied with `toTag` added when it has none (never for 100 Trying, §8.2.6.1).
    /// Record-Route is copied for 18x/2xx to dialog-creating requests (§12.1.1).
    public func makeResponse(
        statusCode: Int, reasonPhrase: String? = nil, toTag: String? = nil, body: ByteBuffer = ByteBuffer()
    ) -> SIPMessage {
        // Values are copied byte for byte: a response is built for every request, so no Strings.
        var headers = SIPHeaders(reservingCapacity: self.headers.storage.readableBytes)
        // The To tag looked for through the view: the typed `to` parsed the URI and made Strings of it.
        let tagSuffix = toTag.flatMap { tag in
            statusCode != 100 && (try? toView).flatMap({ parameterValue("tag", in: $0.parameters) }) == nil
                ? ";tag=\(tag)" : nil
        }
        for i in 0..<self.headers.count {
            switch self.headers.entries[i].knownName {
            case .via, .from, .callID, .cseq:
                headers.append(lineAt: i, of: self.headers)
            case .to:
                headers.append(lineAt: i, of: self.headers, suffix: tagSuffix ?? "")
            case .recordRoute where (101...299).contains(statusCode):
                headers.append(lineAt: i, of: self.headers)
            default:
                break
            }
        }
        return SIPMessage.response(statusCode: statusCode, reasonPhrase: reasonPhrase, headers: headers, body: body)
    }
}
