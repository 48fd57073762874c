import NIOCore
import SIPCore

/// NIO glue for ``SIPStreamFramer``: turns a TCP/TLS byte stream into messages and keep-alive frames.
/// A framing error is thrown, which `ByteToMessageHandler` turns into `errorCaught`; the connection
/// handler then closes the connection (a stream cannot be resynchronised, RFC 3261 §18.3).
struct SIPStreamDecoder: ByteToMessageDecoder {
    typealias InboundOut = SIPStreamFramer.Frame

    var framer: SIPStreamFramer

    init(options: SIPParserOptions) {
        self.framer = SIPStreamFramer(options: options)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let frame = try framer.next(from: &buffer)
        if case .needMoreData = frame { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // Bytes left at EOF are a message cut short: nothing to deliver, nothing to complain about.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
