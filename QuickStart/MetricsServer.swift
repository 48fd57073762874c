import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// `run --metrics HOST:PORT`: the phone's swift-metrics figures (failover, connections, media) in
/// Prometheus's text format at `GET /metrics`, from swift-prometheus's registry, over a plain HTTP/1.1
/// listener on NIO. Anything else gets 404; a request body is ignored. Bind it to a loopback or
/// management address: the figures say which sites are down.
final class MetricsServer: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    /// Binds `host:port` (port 0: any free port, see ``port``) and starts serving.
    static func start(host: String, port: Int) async throws -> MetricsServer {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // A site's failure is detected in a second or two and a dial set up in tens of milliseconds:
        // buckets from 10 ms to 30 s.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(1500), .seconds(2), .seconds(3), .seconds(5),
            .seconds(10), .seconds(30),
        ]
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(MetricsHandler(registry: registry))
                    }
                }
                .bind(host: host, port: port).get()
            return MetricsServer(registry: registry, factory: factory, channel: channel, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private init(
        registry: PrometheusCollectorRegistry, factory: PrometheusMetricsFactory, channel: any Channel,
        group: MultiThreadedEventLoopGroup
    ) {
        self.registry = registry
        self.factory = factory
        self.channel = channel
        self.group = group
    }

    /// `HOST:PORT` or `[IPv6]:PORT`, port 0–65535 (0: any free port); nil when it is neither.
    static func address(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("[") else { return nil }
        return (host, port)
    }

    /// The port it listens on.
    var port: Int { channel.localAddress?.port ?? 0 }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// Answers each request on one connection: `GET /metrics` with the registry's text, anything else 404.
private final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private var head: HTTPRequestHead?

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            let found = head.method == .GET && path == "/metrics"
            let body = found ? registry.emitToBuffer() : Array("not found; the figures are at /metrics\n".utf8)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
            headers.add(name: "Content-Length", value: "\(body.count)")
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(
                wrapOutboundOut(
                    .head(HTTPResponseHead(version: head.version, status: found ? .ok : .notFound, headers: headers))),
                promise: nil)
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            if head.isKeepAlive {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                // Close once the response is written (the channel is Sendable; the context is not).
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
