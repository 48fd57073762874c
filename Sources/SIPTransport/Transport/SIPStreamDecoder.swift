import NIOCore
import SIPCore

/// NIO glue for ``SIPStreamFramer``: turns a TCP/TLS byte stream into messages and keep-alive frames.
///
/// - A framing error (no end of headers within the size limit, a missing or bad Content-Length, a
///   message over the limit) is thrown, which `ByteToMessageHandler` turns into `errorCaught`; the
///   connection handler then closes the connection (a stream cannot be resynchronised, RFC 3261 §18.3).
/// - A message that frames but does not parse is passed on as ``Frame/malformed(_:_:)``: its bytes
///   were cut exactly by Content-Length, so the next message starts right after it and the flow lives.
/// - With a ``partialMessageTimeout``, a message whose first byte arrived but which is not complete
///   within that time closes the connection (a peer dribbling bytes to hold a connection forever).
///   The timer runs on the channel's event loop: armed when bytes are left over after a read, cancelled
///   when they are all consumed. A flow carrying only CRLF keep-alives (RFC 5626 §4.4) never leaves bytes
///   over for long, so it is never closed by this rule.
struct SIPStreamDecoder: ByteToMessageDecoder {
    enum Frame {
        case message(SIPMessage)
        /// A message cut exactly by its Content-Length that failed to parse: answer it 400 if it is a request.
        case malformed(ByteBuffer, SIPParseError)
        case ping
        case pong
    }

    /// Fired down the pipeline (then the connection is closed) when a partial message did not complete in time.
    struct PartialMessageTimedOut: Sendable {
        var timeout: TimeAmount
    }

    typealias InboundOut = Frame

    private var framer: SIPStreamFramer
    private let options: SIPParserOptions
    /// nil: no deadline for partial messages (flows we opened).
    let partialMessageTimeout: TimeAmount?
    private var partialMessageTimer: Scheduled<Void>?

    init(options: SIPParserOptions, partialMessageTimeout: TimeAmount? = nil) {
        self.framer = SIPStreamFramer(options: options)
        self.options = options
        self.partialMessageTimeout = partialMessageTimeout
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let unparsed: SIPStreamFramer.UnparsedFrame
        do {
            unparsed = try framer.nextUnparsed(from: &buffer)
        } catch {
            cancelPartialMessageTimer()
            throw error
        }
        let frame: Frame
        switch unparsed {
        case .needMoreData:
            if buffer.readableBytes > 0 {
                armPartialMessageTimer(context: context)
            } else {
                cancelPartialMessageTimer()
            }
            return .needMoreData
        case .ping: frame = .ping
        case .pong: frame = .pong
        case .message(let bytes):
            do {
                frame = .message(try SIPMessage(parsing: bytes, options: options, framing: .stream))
            } catch {
                frame = .malformed(bytes, error)
            }
        }
        // Whatever follows is a new message: its own deadline starts when a read leaves it incomplete.
        cancelPartialMessageTimer()
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // Bytes left at EOF are a message cut short: nothing to deliver, nothing to complain about.
        while try decode(context: context, buffer: &buffer) == .continue {}
        cancelPartialMessageTimer()
        return .needMoreData
    }

    mutating func decoderRemoved(context: ChannelHandlerContext) {
        cancelPartialMessageTimer()
    }

    private mutating func armPartialMessageTimer(context: ChannelHandlerContext) {
        guard let timeout = partialMessageTimeout, partialMessageTimer == nil else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        partialMessageTimer = context.eventLoop.scheduleTask(in: timeout) {
            let context = loopBound.value
            guard context.channel.isActive else { return }
            context.fireUserInboundEventTriggered(PartialMessageTimedOut(timeout: timeout))
            context.close(promise: nil)
        }
    }

    private mutating func cancelPartialMessageTimer() {
        partialMessageTimer?.cancel()
        partialMessageTimer = nil
    }
}
